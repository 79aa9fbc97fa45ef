/* Herald - destinations admin API: Slack incoming webhooks, email
 * recipients and signed webhooks, with names and tags that rules route
 * to.  URLs and secrets are never returned in full. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "notify/notify.h"
#include "store/db.h"

#define URL_MAX 2000

static const char dest_json[] =
    "SELECT json_build_object('id', id, 'name', name, 'kind', kind,"
    " 'url', url, 'recipients', recipients, 'tags', tags, 'mode', mode,"
    " 'state', state, 'last_error', last_error,"
    " 'failing_since', failing_since, 'paused_until',"
    " CASE WHEN paused_until > now() THEN paused_until END,"
    " 'secret', secret, 'created_at', created_at,"
    " 'updated_at', updated_at)::text FROM destinations";

/* "https://hooks.slack.com/…/XXXX": scheme and host, then the last four
 * characters. */
static void
mask_text(cJSON *o, const char *key, bool keep_host)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char out[300];
	const char *s, *host, *end;
	size_t n;

	if (!cJSON_IsString(v))
		return;
	s = v->valuestring;
	n = strlen(s);
	host = strstr(s, "://");
	if (keep_host && host != NULL) {
		host += 3;
		end = strchr(host, '/');
		if (end == NULL)
			end = s + n;
		if (end - s > 200)
			end = s + 200;
		snprintf(out, sizeof(out), "%.*s/\u2026/%s", (int)(end - s), s,
		         n > 4 ? s + n - 4 : "");
	} else {
		snprintf(out, sizeof(out), "%.6s\u2026%s", s,
		         n > 10 ? s + n - 4 : "");
	}
	cJSON_SetValuestring(v, out);
}

static cJSON *
dest_from_text(const char *text)
{
	cJSON *o = cJSON_Parse(text);

	if (o == NULL)
		return NULL;
	mask_text(o, "url", true);
	mask_text(o, "secret", false);
	return o;
}

/* Runs a query returning one JSON text per row; replies with an array
 * (many) or the single object (404 when none). */
static void
reply_rows(struct http_req *req, const char *sql, int n,
           const char *const *params, bool many, int status)
{
	char err[512];
	PGresult *r = NULL;
	enum db_status st = db_exec(&r, sql, n, params, err, sizeof(err));
	cJSON *arr;

	if (st != DB_OK) {
		log_warn("req=%s destinations query failed: %s", req->id, err);
		http_error(req, db_http_status(st), "%s",
		           st == DB_UNAVAILABLE ? "database unavailable"
		                                : "request refused");
		return;
	}
	if (!many) {
		if (PQntuples(r) == 0)
			http_error(req, 404, "destination not found");
		else
			http_json(req, status,
			          dest_from_text(PQgetvalue(r, 0, 0)));
		PQclear(r);
		return;
	}
	arr = cJSON_CreateArray();
	for (int i = 0; i < PQntuples(r); i++)
		cJSON_AddItemToArray(arr, dest_from_text(PQgetvalue(r, i, 0)));
	PQclear(r);
	http_json(req, status, arr);
}

static void
list_destinations(struct http_req *req)
{
	struct caller who;
	char ws[24];
	char sql[sizeof(dest_json) + 80];
	const char *params[1] = {ws};

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	snprintf(sql, sizeof(sql), "%s WHERE workspace_id = $1 ORDER BY id",
	         dest_json);
	reply_rows(req, sql, 1, params, true, 200);
}

static bool
parse_id(struct http_req *req, char *out, size_t outlen)
{
	int64_t id;

	if (!util_parse_i64(http_param(req, 0), &id) || id <= 0) {
		http_error(req, 404, "destination not found");
		return false;
	}
	snprintf(out, outlen, "%lld", (long long)id);
	return true;
}

static void
get_destination(struct http_req *req)
{
	struct caller who;
	char ws[24], id[24];
	char sql[sizeof(dest_json) + 80];
	const char *params[2] = {ws, id};

	if (!auth_admin(req, ROLE_SALES, &who) ||
	    !parse_id(req, id, sizeof(id)))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	snprintf(sql, sizeof(sql), "%s WHERE workspace_id = $1 AND id = $2",
	         dest_json);
	reply_rows(req, sql, 2, params, false, 200);
}

/* ---- validation -------------------------------------------------------- */

static bool
url_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 10 || n > URL_MAX)
		return false;
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/* An address curl can put in RCPT TO: local@domain, no spaces, angle
 * brackets or control characters. */
static bool
address_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n < 3 || n > 254 || at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
			return false;
	}
	return true;
}

static bool
check_strings(struct http_req *req, const cJSON *v, const char *field,
              bool addresses, int max)
{
	const cJSON *e;
	int i = 0;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > max) {
		http_error(req, 400, "%s: must be an array of at most %d",
		           field, max);
		return false;
	}
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e) || e->valuestring[0] == '\0' ||
		    strlen(e->valuestring) > 100 ||
		    (addresses && !address_ok(e->valuestring))) {
			http_error(req, 400, "%s[%d]: %s", field, i,
			           addresses ? "must be an email address"
			                     : "must be a string of 1 to 100 "
			                       "bytes");
			return false;
		}
		i++;
	}
	return true;
}

static const char *
str_field(const cJSON *body, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
check_mode_name(struct http_req *req, const cJSON *body)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "name");

	if (v && (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	          strlen(v->valuestring) > 100)) {
		http_error(req, 400,
		           "name: must be a string of 1 to 100 bytes");
		return false;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "mode");
	if (v &&
	    (!cJSON_IsString(v) || (strcmp(v->valuestring, "immediate") != 0 &&
	                            strcmp(v->valuestring, "hourly") != 0 &&
	                            strcmp(v->valuestring, "daily") != 0))) {
		http_error(req, 400,
		           "mode: must be immediate, hourly or daily");
		return false;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "tags");
	return v == NULL || check_strings(req, v, "tags", false, 20);
}

/* Checks a body for kind; on create every needed field must be there. */
static bool
check_body(struct http_req *req, const cJSON *body, const char *kind,
           bool create)
{
	const cJSON *v;

	if (!cJSON_IsObject(body)) {
		http_error(req, 400, "body must be a JSON object");
		return false;
	}
	if (create && str_field(body, "name") == NULL) {
		http_error(req, 400, "name: required");
		return false;
	}
	if (!check_mode_name(req, body))
		return false;
	v = cJSON_GetObjectItemCaseSensitive(body, "url");
	if (strcmp(kind, "email") != 0 && (v || create) &&
	    (!cJSON_IsString(v) || !url_ok(v->valuestring))) {
		http_error(req, 400, "url: must be an http(s) URL");
		return false;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "recipients");
	if (strcmp(kind, "email") == 0 && (v || create)) {
		if (!check_strings(req, v, "recipients", true, 50))
			return false;
		if (cJSON_GetArraySize(v) == 0) {
			http_error(req, 400, "recipients: at least one");
			return false;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "secret");
	if (v &&
	    (strcmp(kind, "webhook") != 0 || !cJSON_IsString(v) ||
	     strlen(v->valuestring) < 16 || strlen(v->valuestring) > 200)) {
		http_error(req, 400, "secret: webhooks only, 16 to 200 bytes");
		return false;
	}
	return true;
}

/* ---- create, update, delete --------------------------------------------- */

static char *
json_field_text(const cJSON *body, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

	return v ? cJSON_PrintUnformatted(v) : NULL;
}

static const char insert_dest[] =
    "INSERT INTO destinations (workspace_id, name, kind, url, recipients,"
    " secret, tags, mode)"
    " VALUES ($1, $2, $3, $4,"
    " coalesce((SELECT array_agg(x) FROM"
    "  jsonb_array_elements_text($5::jsonb) x), '{}'), $6,"
    " coalesce((SELECT array_agg(DISTINCT x) FROM"
    "  jsonb_array_elements_text($7::jsonb) x), '{}'),"
    " coalesce($8, 'immediate'))"
    " ON CONFLICT (workspace_id, name) DO NOTHING RETURNING id";

static void
reply_created(struct http_req *req, const char *ws, const char *id,
              const char *secret)
{
	char sql[sizeof(dest_json) + 80], err[256];
	const char *params[2] = {ws, id};
	PGresult *r = NULL;
	cJSON *o;

	snprintf(sql, sizeof(sql), "%s WHERE workspace_id = $1 AND id = $2",
	         dest_json);
	if (db_exec(&r, sql, 2, params, err, sizeof(err)) != DB_OK ||
	    PQntuples(r) != 1) {
		PQclear(r);
		http_error(req, 503, "database unavailable");
		return;
	}
	o = dest_from_text(PQgetvalue(r, 0, 0));
	PQclear(r);
	/* The signing secret is shown in full this once. */
	if (secret != NULL)
		cJSON_ReplaceItemInObject(o, "secret",
		                          cJSON_CreateString(secret));
	http_json(req, 201, o);
}

static void
create_destination(struct http_req *req)
{
	struct caller who;
	char ws[24], err[512], secret[80];
	char *recipients = NULL, *tags = NULL;
	const char *kind, *given;
	PGresult *r = NULL;
	enum db_status st;
	cJSON *body;

	if (!auth_admin(req, ROLE_OWNER, &who))
		return;
	if ((body = http_json_body(req)) == NULL)
		return;
	kind = str_field(body, "kind");
	if (kind == NULL ||
	    (strcmp(kind, "slack") != 0 && strcmp(kind, "email") != 0 &&
	     strcmp(kind, "webhook") != 0)) {
		http_error(req, 400, "kind: must be slack, email or webhook");
		goto out;
	}
	if (!check_body(req, body, kind, true))
		goto out;
	if (strcmp(kind, "email") == 0 && config.smtp_url == NULL) {
		http_error(req, 400, "kind: email needs HERALD_SMTP_URL set");
		goto out;
	}
	secret[0] = '\0';
	given = str_field(body, "secret");
	if (strcmp(kind, "webhook") == 0 && given == NULL &&
	    !util_token("whsec_", 32, secret, sizeof(secret)))
		abort();
	if (given != NULL)
		snprintf(secret, sizeof(secret), "%s", given);
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	recipients = json_field_text(body, "recipients");
	tags = json_field_text(body, "tags");
	const char *params[8] = {
	    ws,         str_field(body, "name"),
	    kind,       strcmp(kind, "email") ? str_field(body, "url") : NULL,
	    recipients, secret[0] ? secret : NULL,
	    tags,       str_field(body, "mode")};
	st = db_exec(&r, insert_dest, 8, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s ws=%s destination insert failed: %s", req->id,
		         ws, err);
		http_error(req, db_http_status(st), "%s",
		           st == DB_UNAVAILABLE ? "database unavailable"
		                                : "destination refused");
		goto out;
	}
	if (PQntuples(r) != 1) {
		http_error(req, 409, "name: a destination \"%s\" exists",
		           params[1]);
		goto out;
	}
	reply_created(req, ws, PQgetvalue(r, 0, 0),
	              secret[0] && given == NULL ? secret : NULL);
out:
	PQclear(r);
	free(recipients);
	free(tags);
	cJSON_Delete(body);
}

static const char update_dest[] =
    "UPDATE destinations SET"
    " name = coalesce($3, name), url = coalesce($4, url),"
    " recipients = coalesce((SELECT array_agg(x) FROM"
    "  jsonb_array_elements_text($5::jsonb) x), recipients),"
    " secret = coalesce($6, secret),"
    " tags = CASE WHEN $7::jsonb IS NULL THEN tags ELSE coalesce("
    "  (SELECT array_agg(DISTINCT x) FROM"
    "   jsonb_array_elements_text($7::jsonb) x), '{}') END,"
    " mode = coalesce($8, mode),"
    /* New coordinates or an explicit "state": "active" end a failure. */
    " state = CASE WHEN $9 OR $4 IS NOT NULL OR $5 IS NOT NULL"
    "  OR $6 IS NOT NULL THEN 'active' ELSE state END,"
    " last_error = CASE WHEN $9 OR $4 IS NOT NULL OR $5 IS NOT NULL"
    "  OR $6 IS NOT NULL THEN NULL ELSE last_error END,"
    " failing_since = CASE WHEN $9 OR $4 IS NOT NULL OR $5 IS NOT NULL"
    "  OR $6 IS NOT NULL THEN NULL ELSE failing_since END,"
    " updated_at = now()"
    " WHERE workspace_id = $1 AND id = $2 RETURNING id";

static bool
check_state(struct http_req *req, const cJSON *body, bool *reset)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "state");

	*reset = false;
	if (v == NULL)
		return true;
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "active") != 0) {
		http_error(req, 400, "state: only \"active\" may be set");
		return false;
	}
	*reset = true;
	return true;
}

static bool
kind_of(struct http_req *req, const char *ws, const char *id, char *kind,
        size_t kindlen)
{
	const char *params[2] = {ws, id};
	char err[256];
	PGresult *r = NULL;

	if (db_exec(&r,
	            "SELECT kind FROM destinations"
	            " WHERE workspace_id = $1 AND id = $2",
	            2, params, err, sizeof(err)) != DB_OK) {
		http_error(req, 503, "database unavailable");
		return false;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		http_error(req, 404, "destination not found");
		return false;
	}
	snprintf(kind, kindlen, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return true;
}

static void
patch_destination(struct http_req *req)
{
	struct caller who;
	char ws[24], id[24], kind[16], err[512];
	char *recipients = NULL, *tags = NULL;
	PGresult *r = NULL;
	enum db_status st;
	bool reset;
	cJSON *body = NULL;

	if (!auth_admin(req, ROLE_OWNER, &who) ||
	    !parse_id(req, id, sizeof(id)))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	if (!kind_of(req, ws, id, kind, sizeof(kind)))
		return;
	if ((body = http_json_body(req)) == NULL)
		return;
	if (!check_body(req, body, kind, false) ||
	    !check_state(req, body, &reset))
		goto out;
	if (cJSON_GetObjectItemCaseSensitive(body, "kind")) {
		http_error(req, 400, "kind: cannot change; make a new one");
		goto out;
	}
	recipients = json_field_text(body, "recipients");
	tags = json_field_text(body, "tags");
	const char *params[9] = {ws,
	                         id,
	                         str_field(body, "name"),
	                         strcmp(kind, "email") ? str_field(body, "url")
	                                               : NULL,
	                         recipients,
	                         str_field(body, "secret"),
	                         tags,
	                         str_field(body, "mode"),
	                         reset ? "true" : "false"};
	st = db_exec(&r, update_dest, 9, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s ws=%s destination update failed: %s", req->id,
		         ws, err);
		http_error(req, st == DB_BAD_INPUT ? 409 : db_http_status(st),
		           "%s",
		           st == DB_BAD_INPUT ? "name: already used"
		                              : "database unavailable");
		goto out;
	}
	outbox_wake();
	get_destination(req);
out:
	PQclear(r);
	free(recipients);
	free(tags);
	cJSON_Delete(body);
}

static void
delete_destination(struct http_req *req)
{
	struct caller who;
	char ws[24], id[24], err[256];
	const char *params[2] = {ws, id};
	PGresult *r = NULL;

	if (!auth_admin(req, ROLE_OWNER, &who) ||
	    !parse_id(req, id, sizeof(id)))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	if (db_exec(&r,
	            "DELETE FROM destinations WHERE workspace_id = $1"
	            " AND id = $2 RETURNING id",
	            2, params, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s destination delete failed: %s", req->id, err);
		http_error(req, 503, "database unavailable");
		return;
	}
	if (PQntuples(r) != 1)
		http_error(req, 404, "destination not found");
	else
		http_reply(req, 204, "application/json", "", 0);
	PQclear(r);
}

/* Queues a test message through the outbox, so it obeys the same pacing
 * as alerts; an explicit test also ends a failing state. */
static const char queue_test[] =
    "WITH d AS (UPDATE destinations SET state = 'active', last_error = NULL,"
    "  failing_since = NULL WHERE workspace_id = $1 AND id = $2"
    "  RETURNING workspace_id, id),"
    " a AS (INSERT INTO alerts (workspace_id, kind)"
    "  SELECT workspace_id, 'test' FROM d RETURNING workspace_id, id)"
    " INSERT INTO deliveries (workspace_id, alert_id, destination_id)"
    " SELECT a.workspace_id, a.id, d.id FROM a, d"
    " RETURNING alert_id, id, event_id";

static void
test_destination(struct http_req *req)
{
	struct caller who;
	char ws[24], id[24], err[256];
	const char *params[2] = {ws, id};
	PGresult *r = NULL;
	cJSON *o;

	if (!auth_admin(req, ROLE_OWNER, &who) ||
	    !parse_id(req, id, sizeof(id)))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	if (db_exec(&r, queue_test, 2, params, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s destination test failed: %s", req->id, err);
		http_error(req, 503, "database unavailable");
		return;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		http_error(req, 404, "destination not found");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "alert_id", strtod(PQgetvalue(r, 0, 0), 0));
	cJSON_AddNumberToObject(o, "delivery_id",
	                        strtod(PQgetvalue(r, 0, 1), NULL));
	cJSON_AddStringToObject(o, "event_id", PQgetvalue(r, 0, 2));
	cJSON_AddStringToObject(o, "state", "queued");
	PQclear(r);
	outbox_wake();
	http_json(req, 202, o);
}

const struct route destinations_routes[] = {
    {"GET", "/api/v1/destinations", list_destinations, 0},
    {"POST", "/api/v1/destinations", create_destination, 0},
    {"GET", "/api/v1/destinations/{}", get_destination, 0},
    {"PATCH", "/api/v1/destinations/{}", patch_destination, 0},
    {"DELETE", "/api/v1/destinations/{}", delete_destination, 0},
    {"POST", "/api/v1/destinations/{}/test", test_destination, 0},
    {NULL, NULL, NULL, 0},
};
