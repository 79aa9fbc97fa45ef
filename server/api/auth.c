/* Herald - caller authentication.  Tokens are looked up by their SHA-256,
 * never stored or compared in clear. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/sessions.h"
#include "api/auth.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"

static bool
bearer(struct http_req *req, char hash[HASH_HEX_LEN + 1])
{
	const char *h = http_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	if (*h == '\0')
		return false;
	util_hash_token(h, hash);
	return true;
}

static bool
check_role(struct http_req *req, enum role need, const struct caller *who)
{
	req->workspace_id = who->workspace_id;
	if (who->role < need) {
		http_error(req, 403, "your role may not do this");
		return false;
	}
	return true;
}

bool
auth_admin(struct http_req *req, enum role need, struct caller *out)
{
	char hash[HASH_HEX_LEN + 1];
	char err[256];
	const char *params[1] = {hash};
	PGresult *r = NULL;
	enum db_status st;

	memset(out, 0, sizeof(*out));
	if (!bearer(req, hash)) {
		switch (session_auth(req, out)) {
		case SESSION_OK:
			return check_role(req, need, out);
		case SESSION_REPLIED:
			return false;
		case SESSION_NONE:
			break;
		default:
			abort();
		}
		http_add_header(req, "WWW-Authenticate", "Bearer");
		http_error(req, 401,
		           "missing Authorization: Bearer token "
		           "or session cookie");
		return false;
	}
	st = db_exec(
	    &r, "SELECT id, slug FROM workspaces WHERE admin_token_hash = $1",
	    1, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s auth lookup failed: %s", req->id, err);
		http_error(req, 503, "database unavailable");
		return false;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		http_error(req, 401, "invalid admin token");
		return false;
	}
	if (!util_parse_i64(PQgetvalue(r, 0, 0), &out->workspace_id))
		abort();
	snprintf(out->workspace_slug, sizeof(out->workspace_slug), "%s",
	         PQgetvalue(r, 0, 1));
	PQclear(r);
	out->role = ROLE_OWNER;
	return check_role(req, need, out);
}

static int64_t
lookup(const char *sql, const char *value)
{
	char err[256];
	const char *params[1] = {value};
	PGresult *r = NULL;
	int64_t id = 0;

	if (db_exec(&r, sql, 1, params, err, sizeof(err)) != DB_OK)
		return -1;
	if (PQntuples(r) == 1 && !util_parse_i64(PQgetvalue(r, 0, 0), &id))
		id = 0;
	PQclear(r);
	return id;
}

int64_t
auth_public_key(const char *pk)
{
	return lookup("SELECT id FROM workspaces WHERE public_key = $1", pk);
}

/* Write keys are checked on every Segment request: a small cache keeps
 * the answer (workspace id, or 0 for an unknown key) for a few seconds,
 * so the hot path makes no database round trip.  Entries are keyed by
 * the key's SHA-256; a deleted key stops working within WK_TTL seconds.
 * A rotated key stops at once in the process that rotated it
 * (auth_write_key_forget; a lookup already under way may still cache
 * it) and within WK_TTL seconds in any other. */
#define WK_SLOTS   128
#define WK_TTL     10.0
#define WK_NEG_TTL 1.0

static struct {
	char hash[HASH_HEX_LEN + 1];
	int64_t id;
	double until;
} wk_cache[WK_SLOTS];
static pthread_mutex_t wk_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned
wk_slot(const char *hash)
{
	unsigned v = 0;

	for (int i = 0; i < 6; i++)
		v = v * 16 + (unsigned)(hash[i] <= '9' ? hash[i] - '0'
		                                       : hash[i] - 'a' + 10);
	return v % WK_SLOTS;
}

static bool
wk_cached(const char *hash, int64_t *id)
{
	unsigned s = wk_slot(hash);
	bool hit;

	pthread_mutex_lock(&wk_lock);
	hit = wk_cache[s].until > util_now() &&
	      strcmp(wk_cache[s].hash, hash) == 0;
	if (hit)
		*id = wk_cache[s].id;
	pthread_mutex_unlock(&wk_lock);
	return hit;
}

static void
wk_remember(const char *hash, int64_t id)
{
	unsigned s = wk_slot(hash);

	pthread_mutex_lock(&wk_lock);
	memcpy(wk_cache[s].hash, hash, HASH_HEX_LEN + 1);
	wk_cache[s].id = id;
	wk_cache[s].until = util_now() + (id > 0 ? WK_TTL : WK_NEG_TTL);
	pthread_mutex_unlock(&wk_lock);
}

void
auth_write_key_forget(int64_t workspace_id)
{
	pthread_mutex_lock(&wk_lock);
	for (unsigned s = 0; s < WK_SLOTS; s++)
		if (wk_cache[s].id == workspace_id)
			wk_cache[s].until = 0;
	pthread_mutex_unlock(&wk_lock);
}

int64_t
auth_write_key(const char *key)
{
	char hash[HASH_HEX_LEN + 1];
	int64_t id;

	util_hash_token(key, hash);
	if (wk_cached(hash, &id))
		return id;
	id = lookup("SELECT id FROM workspaces WHERE write_key_hash = $1",
	            hash);
	if (id >= 0)
		wk_remember(hash, id);
	return id;
}
