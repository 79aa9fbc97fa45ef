/* Herald - admin sign-in.  The session token is 32 random bytes kept in
 * an HttpOnly cookie; the database holds its SHA-256 and an expiry.  The
 * CSRF token is the SHA-256 of the session token with a prefix, so it is
 * known to the page (from the sign-in reply or GET /api/v1/session) but
 * cannot be made by another site, which never sees the cookie. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "admin/sessions.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"

#define TOKEN_LEN 67 /* "hs_" + 64 hex */
#define STR_(x)   #x
#define STR(x)    STR_(x)

static void
csrf_of(const char *token, char out[HASH_HEX_LEN + 1])
{
	char text[TOKEN_LEN + 16];

	snprintf(text, sizeof(text), "csrf:%s", token);
	util_hash_token(text, out);
}

/* True when the cookie value looks like one of our tokens. */
static bool
token_well_formed(const char *t)
{
	if (t == NULL || strlen(t) != TOKEN_LEN || strncmp(t, "hs_", 3) != 0)
		return false;
	return strspn(t + 3, "0123456789abcdef") == TOKEN_LEN - 3;
}

static bool
safe_method(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static enum role
role_of(const char *name)
{
	if (strcmp(name, "owner") == 0)
		return ROLE_OWNER;
	if (strcmp(name, "editor") == 0)
		return ROLE_EDITOR;
	if (strcmp(name, "sales") == 0)
		return ROLE_SALES;
	return ROLE_NONE;
}

static void
clear_cookie(struct http_req *req)
{
	char c[160];

	snprintf(c, sizeof(c),
	         SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax;"
	                        " Max-Age=0%s",
	         strncmp(config.public_url, "https://", 8) == 0 ? "; Secure"
	                                                        : "");
	http_add_header(req, "Set-Cookie", c);
}

static const char find_session[] =
    "SELECT s.workspace_id, s.user_id, u.role, w.slug"
    " FROM admin_sessions s"
    " JOIN users u ON u.workspace_id = s.workspace_id AND u.id = s.user_id"
    " JOIN workspaces w ON w.id = s.workspace_id"
    " WHERE s.token_hash = $1 AND s.expires_at > now()";

/* Fills out from the session row; replies and returns false when the
 * session is unknown or expired or the database fails. */
static bool
load_session(struct http_req *req, const char *token, struct caller *out)
{
	char hash[HASH_HEX_LEN + 1], err[256];
	const char *params[1] = {hash};
	PGresult *r = NULL;
	bool result = false;

	util_hash_token(token, hash);
	if (db_exec(&r, find_session, 1, params, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s session lookup failed: %s", req->id, err);
		http_error(req, 503, "database unavailable");
		goto out;
	}
	if (PQntuples(r) != 1) {
		clear_cookie(req);
		http_error(req, 401, "session expired or signed out; "
		                     "sign in again");
		goto out;
	}
	if (!util_parse_i64(PQgetvalue(r, 0, 0), &out->workspace_id) ||
	    !util_parse_i64(PQgetvalue(r, 0, 1), &out->user_id))
		abort();
	out->role = role_of(PQgetvalue(r, 0, 2));
	snprintf(out->workspace_slug, sizeof(out->workspace_slug), "%s",
	         PQgetvalue(r, 0, 3));
	result = true;
out:
	PQclear(r);
	return result;
}

enum session_result
session_auth(struct http_req *req, struct caller *out)
{
	const char *token = http_cookie(req, SESSION_COOKIE);
	const char *sent = http_header(req, "X-CSRF-Token");
	char csrf[HASH_HEX_LEN + 1];

	if (token == NULL || *token == '\0')
		return SESSION_NONE;
	if (!token_well_formed(token)) {
		clear_cookie(req);
		http_error(req, 401, "session cookie is malformed; "
		                     "sign in again");
		return SESSION_REPLIED;
	}
	if (!load_session(req, token, out))
		return SESSION_REPLIED;
	if (safe_method(req->method))
		return SESSION_OK;
	csrf_of(token, csrf);
	if (sent == NULL || !util_secure_equal(sent, csrf)) {
		req->workspace_id = out->workspace_id;
		http_error(req, 403, "X-CSRF-Token: missing or wrong; "
		                     "reload the page");
		return SESSION_REPLIED;
	}
	return SESSION_OK;
}

/* ---- sign-in ------------------------------------------------------------ */

/* A hash to verify against when the address is unknown, so the answer
 * takes as long as for a known address. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy(void)
{
	if (!util_password_hash("not the password", dummy_hash,
	                        sizeof(dummy_hash)))
		dummy_hash[0] = '\0';
}

/* The rate-limit key: e-mail address (lower case) and client address. */
static void
limit_key(const char *email, const char *peer, char out[HASH_HEX_LEN + 1])
{
	char text[600];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "login:%s|", peer);
	for (const char *p = email; *p != '\0' && n + 1 < sizeof(text); p++)
		text[n++] = (char)tolower((unsigned char)*p);
	text[n] = '\0';
	util_hash_token(text, out);
}

/* Returns 1 when the key has used up its attempts, 0 when not, -1 when
 * the database fails. */
static int
limited(const char *key)
{
	char err[256];
	const char *params[1] = {key};
	PGresult *r = NULL;
	int result = -1;

	if (db_exec(&r,
	            "SELECT count(*) >= " STR(SESSION_MAX_FAILS)
	            " FROM admin_login_failures WHERE key_hash = $1"
	            " AND at > now() - interval '" STR(SESSION_FAIL_WINDOW)
	            " seconds'",
	            1, params, err, sizeof(err)) != DB_OK)
		goto out;
	result = PQgetvalue(r, 0, 0)[0] == 't';
out:
	PQclear(r);
	return result;
}

static void
record_failure(struct http_req *req, const char *key)
{
	char err[256];
	const char *params[1] = {key};
	PGresult *r = NULL;

	if (db_exec(&r,
	            "WITH pruned AS (DELETE FROM admin_login_failures"
	            " WHERE key_hash = $1 AND at < now() - interval '1 hour')"
	            " INSERT INTO admin_login_failures (key_hash) VALUES ($1)",
	            1, params, err, sizeof(err)) != DB_OK)
		log_warn("req=%s cannot record failed sign-in: %s", req->id,
		         err);
	PQclear(r);
}

static void
forget_failures(const char *key)
{
	char err[256];
	const char *params[1] = {key};
	PGresult *r = NULL;

	if (db_exec(&r, "DELETE FROM admin_login_failures WHERE key_hash = $1",
	            1, params, err, sizeof(err)) == DB_OK)
		PQclear(r);
}

struct login {
	const char *email;
	const char *password;
	const char *workspace; /* slug, optional */
};

/* Reads the sign-in body; replies 400 and returns false when a field is
 * missing or wrong. */
static bool
parse_login(struct http_req *req, const cJSON *body, struct login *in)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "email");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "password");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(body, "workspace");

	if (!cJSON_IsString(e) || e->valuestring[0] == '\0' ||
	    strlen(e->valuestring) > 254) {
		http_error(req, 400, "email: must be an e-mail address");
		return false;
	}
	if (!cJSON_IsString(p) || p->valuestring[0] == '\0' ||
	    strlen(p->valuestring) > 1024) {
		http_error(req, 400, "password: must be a non-empty string");
		return false;
	}
	if (w != NULL && !cJSON_IsNull(w) &&
	    (!cJSON_IsString(w) || strlen(w->valuestring) > 63)) {
		http_error(req, 400, "workspace: must be a workspace slug");
		return false;
	}
	in->email = e->valuestring;
	in->password = p->valuestring;
	in->workspace = cJSON_IsString(w) && w->valuestring[0] != '\0'
	                    ? w->valuestring
	                    : NULL;
	return true;
}

static const char find_user[] =
    "SELECT u.workspace_id, u.id, u.role, u.password_hash, u.email,"
    " w.slug, w.name"
    " FROM users u JOIN workspaces w ON w.id = u.workspace_id"
    " WHERE lower(u.email) = lower($1) AND ($2::text IS NULL OR w.slug = $2)"
    " ORDER BY u.workspace_id LIMIT 5";

/* Index of the row whose password matches, or -1. */
static int
check_password(const PGresult *r, const char *password)
{
	int n = PQntuples(r);

	if (n == 0) {
		pthread_once(&dummy_once, make_dummy);
		if (dummy_hash[0] != '\0')
			(void)util_password_check(dummy_hash, password);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (util_password_check(PQgetvalue(r, i, 3), password))
			return i;
	return -1;
}

static bool
set_cookie(struct http_req *req, const char *token)
{
	char c[256];
	int n = snprintf(c, sizeof(c),
	                 SESSION_COOKIE "=%s; Path=/; HttpOnly;"
	                                " SameSite=Lax; Max-Age=%d%s",
	                 token, SESSION_TTL_S,
	                 strncmp(config.public_url, "https://", 8) == 0
	                     ? "; Secure"
	                     : "");

	if (n < 0 || (size_t)n >= sizeof(c))
		return false;
	http_add_header(req, "Set-Cookie", c);
	return true;
}

/* Stores a new session for row i of r; token receives the cookie value.
 * Also drops the user's expired sessions. */
static enum db_status
store_session(struct http_req *req, const PGresult *r, int i,
              char token[TOKEN_LEN + 1], char *err, size_t errlen)
{
	char hash[HASH_HEX_LEN + 1], ttl[16];
	PGresult *res = NULL;
	enum db_status st;

	if (!util_token("hs_", 32, token, TOKEN_LEN + 1))
		abort();
	util_hash_token(token, hash);
	snprintf(ttl, sizeof(ttl), "%d", SESSION_TTL_S);
	const char *params[5] = {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
	                         hash, ttl, req->peer};
	st = db_exec(&res,
	             "WITH gone AS (DELETE FROM admin_sessions"
	             " WHERE workspace_id = $1 AND user_id = $2"
	             " AND expires_at < now())"
	             " INSERT INTO admin_sessions (workspace_id, user_id,"
	             " token_hash, expires_at, peer)"
	             " VALUES ($1, $2, $3, now() + make_interval(secs => $4),"
	             " $5)",
	             5, params, err, errlen);
	PQclear(res);
	return st;
}

static cJSON *
session_json(const char *email, const char *role, const char *slug,
             const char *name, const char *token)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *u = cJSON_AddObjectToObject(o, "user");
	cJSON *w = cJSON_AddObjectToObject(o, "workspace");
	char csrf[HASH_HEX_LEN + 1];

	cJSON_AddStringToObject(u, "email", email);
	cJSON_AddStringToObject(u, "role", role);
	cJSON_AddStringToObject(w, "slug", slug);
	cJSON_AddStringToObject(w, "name", name);
	if (token != NULL) {
		csrf_of(token, csrf);
		cJSON_AddStringToObject(o, "csrf_token", csrf);
	}
	return o;
}

/* Checks the password of in against the users found and, on success,
 * opens a session.  Replies in every case. */
static void
sign_in(struct http_req *req, const struct login *in, const char *key)
{
	char token[TOKEN_LEN + 1], err[256];
	const char *params[2] = {in->email, in->workspace};
	PGresult *r = NULL;
	enum db_status st;
	int i;

	st = db_exec(&r, find_user, 2, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s user lookup failed: %s", req->id, err);
		http_error(req, db_http_status(st), "database unavailable");
		return;
	}
	i = check_password(r, in->password);
	if (i < 0) {
		record_failure(req, key);
		log_info("req=%s peer=%s sign-in refused", req->id, req->peer);
		http_error(req, 401, "email or password is wrong");
		goto out;
	}
	st = store_session(req, r, i, token, err, sizeof(err));
	if (st != DB_OK || !set_cookie(req, token)) {
		log_warn("req=%s cannot store session: %s", req->id, err);
		http_error(req, 503, "database unavailable");
		goto out;
	}
	forget_failures(key);
	if (!util_parse_i64(PQgetvalue(r, i, 0), &req->workspace_id))
		req->workspace_id = 0;
	log_info("req=%s ws=%lld user=%s sign-in", req->id,
	         (long long)req->workspace_id, PQgetvalue(r, i, 1));
	http_json(req, 200,
	          session_json(PQgetvalue(r, i, 4), PQgetvalue(r, i, 2),
	                       PQgetvalue(r, i, 5), PQgetvalue(r, i, 6),
	                       token));
out:
	PQclear(r);
}

/* POST /api/v1/session {email, password[, workspace]} */
static void
post_session(struct http_req *req)
{
	const char *ctype = http_header(req, "Content-Type");
	char key[HASH_HEX_LEN + 1];
	struct login in;
	cJSON *body = NULL;
	int lim;

	/* JSON only: a cross-site form cannot send it without a preflight,
	 * so no other site can sign a browser in. */
	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0) {
		http_error(req, 415, "Content-Type: must be application/json");
		return;
	}
	body = http_json_body(req);
	if (body == NULL)
		return;
	if (!parse_login(req, body, &in))
		goto out;
	limit_key(in.email, req->peer, key);
	lim = limited(key);
	if (lim != 0) {
		if (lim > 0) {
			http_add_header(req, "Retry-After",
			                STR(SESSION_FAIL_WINDOW));
			http_error(req, 429, "too many failed sign-ins; "
			                     "wait a minute");
		} else {
			http_error(req, 503, "database unavailable");
		}
		goto out;
	}
	sign_in(req, &in, key);
out:
	cJSON_Delete(body);
}

/* GET /api/v1/session: who is signed in, and the CSRF token again (for a
 * page loaded after sign-in). */
static void
get_session(struct http_req *req)
{
	struct caller who;
	char id[24], ws[24], err[256];
	const char *params[2] = {ws, id};
	const char *token = http_cookie(req, SESSION_COOKIE);
	PGresult *r = NULL;
	cJSON *none;

	/* Nobody signed in is an answer, not an error: the app asks this
	 * first on every load. */
	if (token == NULL && http_header(req, "Authorization") == NULL) {
		none = cJSON_CreateObject();
		cJSON_AddNullToObject(none, "user");
		http_json(req, 200, none);
		return;
	}
	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	snprintf(id, sizeof(id), "%lld", (long long)who.user_id);
	if (db_exec(&r,
	            "SELECT coalesce(u.email, ''), coalesce(u.role, 'owner'),"
	            " w.slug, w.name FROM workspaces w"
	            " LEFT JOIN users u ON u.workspace_id = w.id AND u.id = $2"
	            " WHERE w.id = $1",
	            2, params, err, sizeof(err)) != DB_OK ||
	    PQntuples(r) != 1) {
		PQclear(r);
		http_error(req, 503, "database unavailable");
		return;
	}
	http_json(req, 200,
	          session_json(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
	                       PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
	                       who.user_id != 0 ? token : NULL));
	PQclear(r);
}

/* DELETE /api/v1/session: signs out (needs the CSRF token, as every
 * change does). */
static void
delete_session(struct http_req *req)
{
	struct caller who;
	char hash[HASH_HEX_LEN + 1], err[256];
	const char *token = http_cookie(req, SESSION_COOKIE);
	const char *params[1] = {hash};
	PGresult *r = NULL;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	if (who.user_id != 0 && token != NULL) {
		util_hash_token(token, hash);
		if (db_exec(&r,
		            "DELETE FROM admin_sessions WHERE token_hash = $1",
		            1, params, err, sizeof(err)) != DB_OK) {
			http_error(req, 503, "database unavailable");
			return;
		}
		PQclear(r);
	}
	clear_cookie(req);
	http_reply(req, 204, NULL, "", 0);
}

const struct route session_routes[] = {
    {"POST", "/api/v1/session", post_session, 16 * 1024},
    {"GET", "/api/v1/session", get_session, 0},
    {"DELETE", "/api/v1/session", delete_session, 0},
    {NULL, NULL, NULL, 0},
};
