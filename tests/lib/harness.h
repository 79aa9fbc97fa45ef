/* Herald tests - run the real bin/herald against the test database and
 * talk to it over HTTP and SQL. */
#ifndef HERALD_HARNESS_H
#define HERALD_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

struct srv {
	pid_t pid;
	int port;
	char url[64];
	char log[256];
};

struct resp {
	long status;
	char *body;
	size_t len;
	char *headers; /* raw response headers */
	cJSON *json;   /* parsed body, or NULL */
};

/* Starts bin/herald serve on a free port with extra "NAME=value" env
 * entries (NULL-terminated, may be NULL) and waits for its ready line.
 * Aborts the test when it does not come within 15 s. */
void srv_start(struct srv *s, const char *const *env);

/* A suite whose every test gets a fresh server in `s` (started with no
 * extra env before the test, stopped after it). */
#define SERVER_SUITE(name, seconds)                                            \
	static struct srv s;                                                   \
	static void name##_up(void) { srv_start(&s, NULL); }                   \
	static void name##_down(void) { srv_stop(&s); }                        \
	TestSuite(name, .init = name##_up, .fini = name##_down,                \
	          .timeout = seconds)

/* SIGTERM and wait; srv_kill sends SIGKILL. */
void srv_stop(struct srv *s);
void srv_kill(struct srv *s);

/* True when the server log contains text. */
bool srv_log_has(const struct srv *s, const char *text);

/* One HTTP request.  headers is a NULL-terminated list of "Name: value"
 * lines (may be NULL); body may be NULL. */
void http_do(struct resp *r, const char *method, const char *url,
             const char *const *headers, const char *body, size_t len);
void resp_free(struct resp *r);

/* Returns the response header value (malloc'd) or NULL. */
char *resp_header(const struct resp *r, const char *name);

/* Convenience: method + path on srv with optional bearer token and JSON
 * body text. */
void api(struct resp *r, const struct srv *s, const char *method,
         const char *path, const char *token, const char *json);

/* POSTs a JSON body to a Segment endpoint (path) with the write key as
 * the Basic user name; segment_post_len for len bytes of body. */
void segment_post(struct resp *r, const struct srv *s, const char *key,
                  const char *path, const char *json);
void segment_post_len(struct resp *r, const struct srv *s, const char *key,
                      const char *path, const char *body, size_t len);

/* Runs SQL with text parameters on the test database; aborts the test on
 * error.  The caller PQclear()s the result. */
PGresult *sql(const char *query, int n, const char *const *params);

/* First column of the first row as a malloc'd string ("" when no row). */
char *sql_value(const char *query, int n, const char *const *params);

/* Same, as a long. */
long sql_long(const char *query, int n, const char *const *params);

/* Runs the query every 50 ms, up to 10 s, until its value (as
 * sql_long) is want.  False on timeout. */
bool sql_wait(const char *query, int n, const char *const *params, long want);

/* Waits, up to 10 s, until the rollup merger has applied every event
 * of the workspace stored so far (person_daily, score_queue).  False on
 * timeout. */
bool wait_rollups(const cJSON *ws);

/* Creates a workspace with `bin/herald workspace create`; returns its
 * JSON (id, slug, public_key, write_key, admin_token, identity_secret). */
cJSON *workspace_new(const char *name);

/* A string field of a JSON object, or "" when absent. */
const char *jstr(const cJSON *o, const char *key);

/* Runs a shell command and returns its exit status. */
int run(const char *cmd);

/* Path of the herald binary under test (HERALD_BIN or bin/herald). */
const char *herald_bin(void);

/* The test database connection string (HERALD_DATABASE_URL). */
const char *test_db_url(void);

#endif
