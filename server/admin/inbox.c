/* Herald - the built-in inbox.  POST /hooks/inbox/{workspace}/{token}
 * takes what a Slack or webhook destination sends and keeps it; the admin
 * app lists it (GET /api/v1/inbox).  The token is a keyed hash of the
 * workspace identity secret, so nothing new is stored and rotating the
 * secret changes the URL (the previous one works during the overlap). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/auth.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"

#define INBOX_TOKEN_BYTES 16
#define INBOX_KEEP        "500"
#define INBOX_BODY_CAP    (64 * 1024)

/* The inbox token of a secret: 32 hex characters. */
static void
inbox_token(const char *secret, char out[2 * INBOX_TOKEN_BYTES + 1])
{
	unsigned char mac[INBOX_TOKEN_BYTES];
	unsigned char key[crypto_generichash_KEYBYTES];
	static const char msg[] = "herald inbox v1";

	crypto_generichash(key, sizeof(key), (const unsigned char *)secret,
	                   strlen(secret), NULL, 0);
	crypto_generichash(mac, sizeof(mac), (const unsigned char *)msg,
	                   sizeof(msg) - 1, key, sizeof(key));
	sodium_bin2hex(out, 2 * INBOX_TOKEN_BYTES + 1, mac, sizeof(mac));
}

/* Returns the workspace id when token matches its current secret or the
 * previous one within its overlap; 0 when not; -1 on database failure. */
static int64_t
inbox_workspace(const char *slug, const char *token)
{
	char err[256], want[2 * INBOX_TOKEN_BYTES + 1];
	const char *params[1] = {slug};
	PGresult *r = NULL;
	int64_t id = 0;

	if (db_exec(&r,
	            "SELECT id, identity_secret, CASE WHEN"
	            " identity_secret_prev_until > now()"
	            " THEN identity_secret_prev END"
	            " FROM workspaces WHERE slug = $1",
	            1, params, err, sizeof(err)) != DB_OK)
		return -1;
	for (int col = 1; col <= 2 && PQntuples(r) == 1 && id == 0; col++) {
		if (PQgetisnull(r, 0, col))
			continue;
		inbox_token(PQgetvalue(r, 0, col), want);
		if (util_secure_equal(want, token) &&
		    !util_parse_i64(PQgetvalue(r, 0, 0), &id))
			id = 0;
	}
	PQclear(r);
	return id;
}

static void
store_message(struct http_req *req, int64_t ws, const char *kind)
{
	char idstr[24], err[256];
	PGresult *r = NULL;
	char *json = NULL;

	snprintf(idstr, sizeof(idstr), "%lld", (long long)ws);
	json = strndup(req->body.data, req->body.len);
	if (json == NULL)
		abort();
	const char *params[3] = {idstr, kind, json};
	if (db_exec(&r,
	            "WITH kept AS (DELETE FROM inbox_messages"
	            " WHERE workspace_id = $1 AND id <= (SELECT max(id) - "
	            INBOX_KEEP " FROM inbox_messages WHERE workspace_id = $1))"
	            " INSERT INTO inbox_messages (workspace_id, kind, payload)"
	            " VALUES ($1, $2, $3::jsonb)",
	            3, params, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s ws=%lld inbox store failed: %s", req->id,
		         (long long)ws, err);
		http_error(req, 503, "database unavailable");
		goto out;
	}
	http_reply(req, 200, "text/plain; charset=utf-8", "ok", 2);
out:
	PQclear(r);
	free(json);
}

/* POST /hooks/inbox/{workspace}/{token} */
static void
receive(struct http_req *req)
{
	int64_t ws = inbox_workspace(http_param(req, 0), http_param(req, 1));
	cJSON *body;
	const char *kind;

	if (ws < 0) {
		http_error(req, 503, "database unavailable");
		return;
	}
	if (ws == 0) {
		http_error(req, 404, "no such inbox");
		return;
	}
	req->workspace_id = ws;
	body = http_json_body(req);
	if (body == NULL)
		return;
	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		http_error(req, 400, "body must be a JSON object");
		return;
	}
	kind = cJSON_GetObjectItemCaseSensitive(body, "blocks") ||
	               cJSON_IsString(
	                   cJSON_GetObjectItemCaseSensitive(body, "text"))
	           ? "slack"
	           : "webhook";
	cJSON_Delete(body);
	store_message(req, ws, kind);
}

/* GET /api/v1/inbox: the newest 100 messages. */
static void
list_inbox(struct http_req *req)
{
	struct caller who;
	char idstr[24], err[256];
	const char *params[1] = {idstr};
	PGresult *r = NULL;
	cJSON *arr;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	snprintf(idstr, sizeof(idstr), "%lld", (long long)who.workspace_id);
	if (db_exec(&r,
	            "SELECT id, kind, payload::text,"
	            " to_char(received_at AT TIME ZONE 'UTC',"
	            " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
	            " FROM inbox_messages WHERE workspace_id = $1"
	            " ORDER BY id DESC LIMIT 100",
	            1, params, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s inbox list failed: %s", req->id, err);
		http_error(req, 503, "database unavailable");
		return;
	}
	arr = cJSON_CreateArray();
	for (int i = 0; i < PQntuples(r); i++) {
		cJSON *m = cJSON_CreateObject();

		cJSON_AddNumberToObject(m, "id",
		                        strtod(PQgetvalue(r, i, 0), NULL));
		cJSON_AddStringToObject(m, "kind", PQgetvalue(r, i, 1));
		cJSON_AddItemToObject(m, "payload",
		                      cJSON_Parse(PQgetvalue(r, i, 2)));
		cJSON_AddStringToObject(m, "received_at", PQgetvalue(r, i, 3));
		cJSON_AddItemToArray(arr, m);
	}
	PQclear(r);
	http_json(req, 200, arr);
}

/* GET /api/v1/inbox/info: the URL to give a destination. */
static void
inbox_info(struct http_req *req)
{
	struct caller who;
	char idstr[24], err[256], token[2 * INBOX_TOKEN_BYTES + 1];
	char url[1024];
	const char *params[1] = {idstr};
	PGresult *r = NULL;
	cJSON *o;

	if (!auth_admin(req, ROLE_OWNER, &who))
		return;
	snprintf(idstr, sizeof(idstr), "%lld", (long long)who.workspace_id);
	if (db_exec(&r, "SELECT identity_secret FROM workspaces WHERE id = $1",
	            1, params, err, sizeof(err)) != DB_OK ||
	    PQntuples(r) != 1) {
		PQclear(r);
		http_error(req, 503, "database unavailable");
		return;
	}
	inbox_token(PQgetvalue(r, 0, 0), token);
	PQclear(r);
	snprintf(url, sizeof(url), "%s/hooks/inbox/%s/%s", config.public_url,
	         who.workspace_slug, token);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "url", url);
	http_json(req, 200, o);
}

const struct route inbox_routes[] = {
    {"POST", "/hooks/inbox/{}/{}", receive, INBOX_BODY_CAP},
    {"GET", "/api/v1/inbox", list_inbox, 0},
    {"GET", "/api/v1/inbox/info", inbox_info, 0},
    {NULL, NULL, NULL, 0},
};
