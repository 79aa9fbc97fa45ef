/* Herald - the workspace behind a widget public key, and small helpers
 * shared by the widget endpoints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "store/db.h"
#include "widget/widget.h"

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int
widget_ws_load(const char *pk, struct widget_ws *ws)
{
	const char *params[1] = {pk};
	PGresult *r = NULL;
	char err[512];
	int result = 404;

	memset(ws, 0, sizeof(*ws));
	if (strncmp(pk, "pk_", 3) != 0 || strlen(pk) > 128)
		return 404;
	if (db_exec(&r,
	            "SELECT id, slug, timezone, identity_secret,"
	            " CASE WHEN identity_secret_prev_until > now()"
	            "  THEN identity_secret_prev END,"
	            " require_signed_identity,"
	            " array_to_json(allowed_origins)::text"
	            " FROM workspaces WHERE public_key = $1",
	            1, params, err, sizeof(err)) != DB_OK) {
		log_warn("component=widget workspace lookup failed: %s", err);
		return 503;
	}
	if (PQntuples(r) != 1)
		goto out;
	if (!util_parse_i64(PQgetvalue(r, 0, 0), &ws->id))
		goto out;
	copy(ws->slug, sizeof(ws->slug), PQgetvalue(r, 0, 1));
	copy(ws->timezone, sizeof(ws->timezone), PQgetvalue(r, 0, 2));
	copy(ws->secret, sizeof(ws->secret), PQgetvalue(r, 0, 3));
	copy(ws->secret_prev, sizeof(ws->secret_prev), PQgetvalue(r, 0, 4));
	ws->require_signed = PQgetvalue(r, 0, 5)[0] == 't';
	ws->origins = cJSON_Parse(PQgetvalue(r, 0, 6));
	if (!cJSON_IsArray(ws->origins)) {
		cJSON_Delete(ws->origins);
		ws->origins = cJSON_CreateArray();
	}
	result = 200;
out:
	PQclear(r);
	return result;
}

void
widget_ws_cleanup(struct widget_ws *ws)
{
	cJSON_Delete(ws->origins);
	ws->origins = NULL;
}

bool
widget_anon_valid(const char *anon)
{
	size_t n;

	if (anon == NULL || strncmp(anon, "a_", 2) != 0)
		return false;
	n = strspn(anon + 2, "abcdefghijklmnopqrstuvwxyz"
	                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
	return n >= 6 && n <= 64 && anon[2 + n] == '\0';
}

const char *
widget_bearer(const struct http_req *req)
{
	const char *h = http_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

void
widget_unavailable(struct http_req *req)
{
	http_add_header(req, "Retry-After", "1");
	http_error(req, 503, "database unavailable; retry shortly");
}
