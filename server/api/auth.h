/* Herald - who is calling: admin bearer tokens, write keys, public keys. */
#ifndef HERALD_AUTH_H
#define HERALD_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

enum role { ROLE_NONE = 0, ROLE_SALES = 1, ROLE_EDITOR = 2, ROLE_OWNER = 3 };

struct caller {
	int64_t workspace_id;
	int64_t user_id; /* 0 for the admin token */
	enum role role;
	char workspace_slug[64];
};

/* Authenticates an admin API request (Bearer admin token, or the admin
 * app's session cookie with its CSRF token on changes) and checks that
 * the caller has at least `need`.  On failure replies 401 or 403 and
 * returns false. */
bool auth_admin(struct http_req *req, enum role need, struct caller *out)
    __attribute__((warn_unused_result));

/* Finds the workspace of a public key (pk_...).  Returns 0 when unknown
 * and -1 when the database is unavailable. */
int64_t auth_public_key(const char *pk);

/* Finds the workspace of a write key.  Returns 0 when unknown and -1 when
 * the database is unavailable.  Results are cached for a few seconds. */
int64_t auth_write_key(const char *key);

/* Drops this process's cached write keys of one workspace, so a rotated
 * key stops working here at once (other processes forget it within the
 * cache's few seconds). */
void auth_write_key_forget(int64_t workspace_id);

#endif
