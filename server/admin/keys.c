/* Herald - rotation of the workspace write key and admin token.  Both are
 * stored as SHA-256 hashes, so a new one is shown once, in the reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"

/* Runs sql ($1 workspace id, $2 the new hash) for a new key made with
 * prefix, then forget(workspace id) if given; replies {field: key}. */
static void
rotate(struct http_req *req, const char *sql, const char *prefix,
       const char *field, void (*forget)(int64_t workspace_id))
{
	struct caller who;
	char idstr[24], err[256], key[72], hash[HASH_HEX_LEN + 1];
	const char *params[2] = {idstr, hash};
	PGresult *r = NULL;
	cJSON *o;

	if (!auth_admin(req, ROLE_OWNER, &who))
		return;
	if (!util_token(prefix, 24, key, sizeof(key)))
		abort();
	util_hash_token(key, hash);
	snprintf(idstr, sizeof(idstr), "%lld", (long long)who.workspace_id);
	if (db_exec(&r, sql, 2, params, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s key rotation failed: %s", req->id, err);
		http_error(req, 503, "database unavailable");
		return;
	}
	PQclear(r);
	if (forget != NULL)
		forget(who.workspace_id);
	log_info("req=%s ws=%lld user=%lld rotated %s", req->id,
	         (long long)who.workspace_id, (long long)who.user_id, field);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, field, key);
	http_json(req, 200, o);
}

static void
rotate_write_key(struct http_req *req)
{
	rotate(req,
	       "UPDATE workspaces SET write_key_hash = $2, updated_at = now()"
	       " WHERE id = $1",
	       "wk_", "write_key", auth_write_key_forget);
}

static void
rotate_admin_token(struct http_req *req)
{
	rotate(req,
	       "UPDATE workspaces SET admin_token_hash = $2,"
	       " updated_at = now() WHERE id = $1",
	       "at_", "admin_token", NULL);
}

const struct route keys_routes[] = {
    {"POST", "/api/v1/workspace/write-key/rotate", rotate_write_key, 0},
    {"POST", "/api/v1/workspace/admin-token/rotate", rotate_admin_token, 0},
    {NULL, NULL, NULL, 0},
};
