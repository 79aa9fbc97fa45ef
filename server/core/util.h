/* Herald - small shared helpers: random tokens, hashing, time, text. */
#ifndef HERALD_UTIL_H
#define HERALD_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HASH_HEX_LEN 64

/* Initialises libsodium; returns false if it cannot. */
bool util_init(void) __attribute__((warn_unused_result));

/* Writes prefix followed by `bytes` random bytes as lowercase hex into
 * out (NUL-terminated).  Returns false if outlen is too small. */
bool util_token(const char *prefix, size_t bytes, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/* SHA-256 of text as 64 hex characters plus NUL into out[65].  Tokens are
 * stored this way: they are long random strings, so a fast hash is
 * enough; passwords use util_password_hash. */
void util_hash_token(const char *text, char out[HASH_HEX_LEN + 1]);

/* Argon2id hash of a password into out (crypto_pwhash_STRBYTES). */
bool util_password_hash(const char *password, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/* Checks a password against an argon2id hash. */
bool util_password_check(const char *hash, const char *password);

/* Constant-time comparison of two strings. */
bool util_secure_equal(const char *a, const char *b);

/* FNV-1a hash of a NUL-terminated string, mixed into seed (0 for
 * none); for in-memory tables and names, not for anything secret. */
uint64_t util_hash_str(const char *s, uint64_t seed);

/* Monotonic time in seconds. */
double util_now(void);

/* pthread_cond_timedwait for at most `seconds` from now (mutex held). */
void util_cond_wait_for(pthread_cond_t *cond, pthread_mutex_t *mutex,
                        double seconds);

/* Wall-clock time in milliseconds since the epoch. */
int64_t util_wall_ms(void);

/* Parses a base-10 integer that must fill the whole string. */
bool util_parse_i64(const char *text, int64_t *out)
    __attribute__((warn_unused_result));

/* Number of online processors, at least 1. */
int util_ncpu(void);

/* True when s is valid UTF-8 of n bytes without NUL characters. */
bool util_utf8_valid(const char *s, size_t n);

/* Length of the longest prefix of s (n bytes) that is at most max bytes
 * and ends on a UTF-8 character boundary. */
size_t util_utf8_cut(const char *s, size_t n, size_t max);

/* Writes v in decimal at out (no NUL) and returns the length: the hot
 * paths' integers without printf. */
#define UTIL_I64_TEXT 20
size_t util_i64_text(int64_t v, char out[UTIL_I64_TEXT]);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d, by era
 * arithmetic (400-year cycles of 146,097 days, years counted from March
 * so that leap days fall last); no lock, locale or time zone, unlike
 * timegm.  Days past the month's end run on into the next. */
int64_t util_days_from_civil(int64_t y, int m, int d);

/* The inverse: the date of day z since 1970-01-01. */
void util_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif
