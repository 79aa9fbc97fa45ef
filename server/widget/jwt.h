/* Herald - JSON Web Tokens signed with HMAC-SHA256 (identity tokens). */
#ifndef HERALD_JWT_H
#define HERALD_JWT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define JWT_MAX_LEN 8192 /* longer tokens are refused as malformed */
#define JWT_SKEW    60   /* seconds of clock skew allowed on exp/nbf/iat */

enum jwt_status {
	JWT_OK = 0,
	JWT_MALFORMED,     /* not three base64url parts of JSON objects */
	JWT_BAD_ALG,       /* alg is not exactly "HS256" ("none" refused) */
	JWT_BAD_SIGNATURE, /* no secret gives this signature */
	JWT_EXPIRED,       /* exp is more than JWT_SKEW in the past */
	JWT_NOT_YET,       /* nbf or iat more than JWT_SKEW in the future */
	JWT_BAD_CLAIMS     /* exp/nbf/iat not numbers, sub missing */
};

/* Verifies token against each of the nsecrets secrets (NULL entries are
 * skipped), comparing signatures in constant time, then checks alg, exp,
 * nbf, iat (all optional, numeric, JWT_SKEW seconds of tolerance) and a
 * non-empty string sub.  now is Unix time in seconds.  On JWT_OK *claims
 * receives the payload, which the caller frees; otherwise *claims is
 * NULL. */
enum jwt_status jwt_verify(const char *token, const char *const *secrets,
                           int nsecrets, int64_t now, cJSON **claims)
    __attribute__((warn_unused_result));

/* A short English reason for a status, for error replies. */
const char *jwt_status_text(enum jwt_status st);

/* Signs claims with secret as a compact HS256 JWT.  Returns a malloc'd
 * string the caller frees, or NULL when out of memory. */
char *jwt_sign(const cJSON *claims, const char *secret)
    __attribute__((warn_unused_result));

#endif
