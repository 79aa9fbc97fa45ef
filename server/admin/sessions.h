/* Herald - admin web app sign-in: session cookies, CSRF tokens, the
 * rate limit on failed sign-ins, and /api/v1/session. */
#ifndef HERALD_SESSIONS_H
#define HERALD_SESSIONS_H

#include "api/auth.h"
#include "http/http.h"

#define SESSION_COOKIE     "herald_session"
#define SESSION_TTL_S      (12 * 3600)
#define SESSION_MAX_FAILS  5  /* failed sign-ins per e-mail and address */
#define SESSION_FAIL_WINDOW 60 /* seconds */

enum session_result {
	SESSION_NONE,   /* no session cookie: try other credentials */
	SESSION_OK,     /* *out describes the signed-in user */
	SESSION_REPLIED /* refused; an error reply was sent */
};

/* Authenticates req by its session cookie.  A request that may change
 * state (any method but GET and HEAD) must also carry the session's CSRF
 * token in X-CSRF-Token, else it is refused with 403.  Does not check the
 * role: auth_admin does. */
enum session_result session_auth(struct http_req *req, struct caller *out)
    __attribute__((warn_unused_result));

#endif
