/* Herald - workspaces.  Keys come from libsodium's CSPRNG; the write key,
 * admin token and passwords are stored as hashes and shown once. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/auth.h"
#include "api/workspace.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"

static void
slugify(const char *name, char *out, size_t outlen)
{
	size_t n = 0;
	bool dash = false;

	for (const char *p = name; *p != '\0' && n + 1 < outlen && n < 40;
	     p++) {
		unsigned char c = (unsigned char)*p;

		if (isalnum(c)) {
			if (dash && n > 0)
				out[n++] = '-';
			out[n++] = (char)tolower(c);
			dash = false;
		} else {
			dash = true;
		}
	}
	if (n == 0)
		n = (size_t)snprintf(out, outlen, "workspace");
	out[n] = '\0';
}

static bool
make_keys(const struct workspace_keys *given, struct workspace_keys *k)
{
	memset(k, 0, sizeof(*k));
	if (given != NULL)
		*k = *given;
	return (k->public_key[0] ||
	        util_token("pk_", 12, k->public_key, sizeof(k->public_key))) &&
	       (k->write_key[0] ||
	        util_token("wk_", 24, k->write_key, sizeof(k->write_key))) &&
	       (k->admin_token[0] || util_token("at_", 24, k->admin_token,
	                                        sizeof(k->admin_token))) &&
	       (k->identity_secret[0] ||
	        util_token("is_", 32, k->identity_secret,
	                   sizeof(k->identity_secret)));
}

/* True for 1 to 63 of a-z, 0-9 and '-', not starting with '-' (the
 * CHECK on workspaces.slug, which names a URL path segment). */
static bool
slug_ok(const char *slug)
{
	size_t n = strspn(slug, "abcdefghijklmnopqrstuvwxyz0123456789-");

	return n > 0 && n <= 63 && slug[n] == '\0' && slug[0] != '-';
}

/* Checks the arguments before anything reaches the database, so a wrong
 * one is named instead of answered by a constraint error. */
static bool
create_args_ok(const char *name, const char *slug, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || !util_utf8_valid(name, n)) {
		snprintf(err, errlen,
		         "--name: must be 1 to 200 bytes of UTF-8 text");
		return false;
	}
	if (!slug_ok(slug)) {
		snprintf(err, errlen,
		         "--slug \"%s\": use 1 to 63 of a-z, 0-9 and '-', "
		         "not starting with '-'",
		         slug);
		return false;
	}
	return true;
}

cJSON *
workspace_create(const char *name, const char *slug, const char *timezone,
                 const struct workspace_keys *given, char *err, size_t errlen)
{
	struct workspace_keys k;
	char wk_hash[HASH_HEX_LEN + 1], at_hash[HASH_HEX_LEN + 1];
	char slugbuf[64];
	PGresult *r = NULL;
	enum db_status st;
	cJSON *out;

	if (slug == NULL || *slug == '\0') {
		slugify(name, slugbuf, sizeof(slugbuf));
		slug = slugbuf;
	}
	if (!create_args_ok(name, slug, err, errlen))
		return NULL;
	if (!make_keys(given, &k)) {
		snprintf(err, errlen, "cannot make keys");
		return NULL;
	}
	util_hash_token(k.write_key, wk_hash);
	util_hash_token(k.admin_token, at_hash);
	const char *params[7] = {name,
	                         slug,
	                         timezone ? timezone : "UTC",
	                         k.public_key,
	                         wk_hash,
	                         at_hash,
	                         k.identity_secret};
	st = db_exec(&r,
	             "INSERT INTO workspaces (name, slug, timezone, public_key,"
	             " write_key_hash, admin_token_hash, identity_secret)"
	             " SELECT $1, $2, $3, $4, $5, $6, $7"
	             " WHERE $3 IN (SELECT name FROM pg_timezone_names)"
	             " RETURNING id",
	             7, params, err, errlen);
	if (st == DB_BAD_INPUT)
		snprintf(err, errlen,
		         "--slug \"%s\" (or a key given) is already in use",
		         slug);
	if (st != DB_OK)
		return NULL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		snprintf(err, errlen, "unknown time zone \"%s\"", params[2]);
		return NULL;
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "id", strtod(PQgetvalue(r, 0, 0), NULL));
	PQclear(r);
	cJSON_AddStringToObject(out, "slug", slug);
	cJSON_AddStringToObject(out, "name", name);
	cJSON_AddStringToObject(out, "timezone", params[2]);
	cJSON_AddStringToObject(out, "public_key", k.public_key);
	cJSON_AddStringToObject(out, "write_key", k.write_key);
	cJSON_AddStringToObject(out, "admin_token", k.admin_token);
	cJSON_AddStringToObject(out, "identity_secret", k.identity_secret);
	return out;
}

bool
workspace_user_add(const char *slug, const char *email, const char *role,
                   const char *password, char *err, size_t errlen)
{
	char hash[crypto_pwhash_STRBYTES];
	PGresult *r = NULL;

	if (strcmp(role, "owner") != 0 && strcmp(role, "editor") != 0 &&
	    strcmp(role, "sales") != 0) {
		snprintf(err, errlen, "--role must be owner, editor or sales");
		return false;
	}
	if (strchr(email, '@') == NULL) {
		snprintf(err, errlen, "--email \"%s\" is not an address",
		         email);
		return false;
	}
	if (strlen(password) < 8) {
		snprintf(err, errlen,
		         "password must have 8 characters or more");
		return false;
	}
	if (!util_password_hash(password, hash, sizeof(hash))) {
		snprintf(err, errlen, "cannot hash the password");
		return false;
	}
	const char *params[4] = {slug, email, role, hash};
	if (db_exec(
	        &r,
	        "INSERT INTO users (workspace_id, email, role, password_hash)"
	        " SELECT id, $2, $3, $4 FROM workspaces WHERE slug = $1"
	        " ON CONFLICT (workspace_id, lower(email)) DO UPDATE"
	        " SET role = EXCLUDED.role,"
	        " password_hash = EXCLUDED.password_hash"
	        " RETURNING id",
	        4, params, err, errlen) != DB_OK)
		return false;
	if (PQntuples(r) != 1) {
		PQclear(r);
		snprintf(err, errlen, "no workspace with slug \"%s\"", slug);
		return false;
	}
	PQclear(r);
	return true;
}

/* ---- admin API: GET and PATCH /api/v1/workspace ------------------------ */

static const char select_ws[] =
    "SELECT id, slug, name, timezone, public_key,"
    " array_to_json(allowed_origins)::text, require_signed_identity,"
    " retention_months, identity_secret_prev_until"
    " FROM workspaces WHERE id = $1";

static void
reply_workspace(struct http_req *req, int64_t id)
{
	char idstr[24], err[256];
	const char *params[1] = {idstr};
	PGresult *r = NULL;
	cJSON *o;

	snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
	if (db_exec(&r, select_ws, 1, params, err, sizeof(err)) != DB_OK ||
	    PQntuples(r) != 1) {
		PQclear(r);
		http_error(req, 503, "database unavailable");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "slug", PQgetvalue(r, 0, 1));
	cJSON_AddStringToObject(o, "name", PQgetvalue(r, 0, 2));
	cJSON_AddStringToObject(o, "timezone", PQgetvalue(r, 0, 3));
	cJSON_AddStringToObject(o, "public_key", PQgetvalue(r, 0, 4));
	cJSON_AddItemToObject(o, "allowed_origins",
	                      cJSON_Parse(PQgetvalue(r, 0, 5)));
	cJSON_AddBoolToObject(o, "require_signed_identity",
	                      PQgetvalue(r, 0, 6)[0] == 't');
	cJSON_AddNumberToObject(o, "retention_months",
	                        strtod(PQgetvalue(r, 0, 7), NULL));
	if (!PQgetisnull(r, 0, 8))
		cJSON_AddStringToObject(o, "previous_secret_valid_until",
		                        PQgetvalue(r, 0, 8));
	PQclear(r);
	http_json(req, 200, o);
}

static void
get_workspace(struct http_req *req)
{
	struct caller who;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	reply_workspace(req, who.workspace_id);
}

/* Refuses a member the PATCH cannot change: a typo ("nmae") or a
 * read-only field (retention_months) used to be ignored with a 200. */
static bool
known_fields(struct http_req *req, const cJSON *body)
{
	static const char *const fields[] = {"name", "timezone",
	                                     "allowed_origins",
	                                     "require_signed_identity", NULL};
	const cJSON *c;

	cJSON_ArrayForEach(c, body)
	{
		int i = 0;

		while (fields[i] != NULL && strcmp(fields[i], c->string) != 0)
			i++;
		if (fields[i] == NULL) {
			http_error(
			    req, 400,
			    "%s: cannot be changed; send name, timezone,"
			    " allowed_origins or require_signed_identity",
			    c->string);
			return false;
		}
	}
	return true;
}

/* Checks the fields of a PATCH body; replies 400 naming the first bad
 * one. */
static bool
check_patch(struct http_req *req, const cJSON *body)
{
	const cJSON *v;

	if (!cJSON_IsObject(body)) {
		http_error(req, 400, "body must be a JSON object");
		return false;
	}
	if (!known_fields(req, body))
		return false;
	v = cJSON_GetObjectItemCaseSensitive(body, "name");
	if (v && (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	          strlen(v->valuestring) > 200)) {
		http_error(req, 400, "name: must be a non-empty string");
		return false;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "timezone");
	if (v && !cJSON_IsString(v)) {
		http_error(req, 400, "timezone: must be a string");
		return false;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "allowed_origins");
	if (v) {
		const cJSON *o;

		if (!cJSON_IsArray(v)) {
			http_error(req, 400,
			           "allowed_origins: must be an array");
			return false;
		}
		cJSON_ArrayForEach(
		    o, v) if (!cJSON_IsString(o) ||
		              (strncmp(o->valuestring, "http://", 7) != 0 &&
		               strncmp(o->valuestring, "https://", 8) != 0))
		{
			http_error(req, 400,
			           "allowed_origins: each must be an "
			           "http(s) origin");
			return false;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "require_signed_identity");
	if (v && !cJSON_IsBool(v)) {
		http_error(req, 400,
		           "require_signed_identity: must be a "
		           "boolean");
		return false;
	}
	return true;
}

static const char update_ws[] =
    "UPDATE workspaces SET"
    " name = coalesce($2::text, name),"
    " timezone = coalesce($3::text, timezone),"
    " allowed_origins = coalesce("
    "   (SELECT array_agg(x) FROM jsonb_array_elements_text($4::jsonb) x),"
    "   CASE WHEN $4::jsonb IS NULL THEN allowed_origins ELSE '{}' END),"
    " require_signed_identity = coalesce($5::boolean,"
    "   require_signed_identity),"
    " updated_at = now()"
    " WHERE id = $1"
    "   AND ($3::text IS NULL OR $3 IN (SELECT name FROM pg_timezone_names))"
    " RETURNING id";

static void
patch_workspace(struct http_req *req)
{
	struct caller who;
	char idstr[24], err[256];
	char *origins = NULL;
	const cJSON *v;
	cJSON *body;
	PGresult *r = NULL;
	enum db_status st;

	if (!auth_admin(req, ROLE_OWNER, &who))
		return;
	body = http_json_body(req);
	if (body == NULL)
		return;
	if (!check_patch(req, body))
		goto out;
	snprintf(idstr, sizeof(idstr), "%lld", (long long)who.workspace_id);
	v = cJSON_GetObjectItemCaseSensitive(body, "allowed_origins");
	if (v)
		origins = cJSON_PrintUnformatted(v);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
	const cJSON *tz = cJSON_GetObjectItemCaseSensitive(body, "timezone");
	const cJSON *sig =
	    cJSON_GetObjectItemCaseSensitive(body, "require_signed_identity");
	const char *params[5] = {
	    idstr, name ? name->valuestring : NULL, tz ? tz->valuestring : NULL,
	    origins, sig ? (cJSON_IsTrue(sig) ? "true" : "false") : NULL};
	st = db_exec(&r, update_ws, 5, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s workspace update failed: %s", req->id, err);
		http_error(req, db_http_status(st), "%s",
		           st == DB_UNAVAILABLE ? "database unavailable"
		                                : "update refused");
		goto out;
	}
	if (PQntuples(r) != 1) {
		http_error(req, 400, "timezone: unknown time zone \"%s\"",
		           tz->valuestring);
		goto out;
	}
	reply_workspace(req, who.workspace_id);
out:
	PQclear(r);
	free(origins);
	cJSON_Delete(body);
}

/* Makes a new identity secret; the old one keeps working for 24 hours so
 * that customer backends can roll over. */
static void
rotate_secret(struct http_req *req)
{
	struct caller who;
	char idstr[24], err[256], secret[72];
	PGresult *r = NULL;
	cJSON *o;

	if (!auth_admin(req, ROLE_OWNER, &who))
		return;
	if (!util_token("is_", 32, secret, sizeof(secret)))
		abort();
	snprintf(idstr, sizeof(idstr), "%lld", (long long)who.workspace_id);
	const char *params[2] = {idstr, secret};
	if (db_exec(
	        &r,
	        "UPDATE workspaces SET identity_secret_prev = identity_secret,"
	        " identity_secret_prev_until = now() + interval '24 hours',"
	        " identity_secret = $2, updated_at = now()"
	        " WHERE id = $1 RETURNING identity_secret_prev_until",
	        2, params, err, sizeof(err)) != DB_OK) {
		http_error(req, 503, "database unavailable");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "identity_secret", secret);
	cJSON_AddStringToObject(o, "previous_secret_valid_until",
	                        PQgetvalue(r, 0, 0));
	PQclear(r);
	http_json(req, 200, o);
}

const struct route workspace_routes[] = {
    {"GET", "/api/v1/workspace", get_workspace, 0},
    {"PATCH", "/api/v1/workspace", patch_workspace, 0},
    {"POST", "/api/v1/workspace/identity-secret/rotate", rotate_secret, 0},
    {NULL, NULL, NULL, 0},
};
