/* Herald - PostgreSQL connection pool on libpq, parameterised queries. */
#ifndef HERALD_DB_H
#define HERALD_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

enum db_status {
	DB_OK = 0,
	DB_UNAVAILABLE, /* no connection could be had: answer 503 */
	DB_BAD_INPUT,   /* the data was refused (SQLSTATE 22xxx, 23xxx) */
	DB_ERROR        /* anything else */
};

#define DB_PREPARED_MAX 64 /* statements prepared per connection */

struct db_conn {
	PGconn *pg;
	bool in_use;
	char error[512]; /* last error text, for the caller to log once */
	char sqlstate[6];
	uint64_t prepared[DB_PREPARED_MAX]; /* text hashes, db_prepared */
	int nprepared;
	bool unnamed_only; /* a pooler hides prepared statements */
};

struct db_stats {
	int size;
	int in_use;
	int waiting;
	long reconnects;
	long errors;
};

/* Creates the pool; connections open lazily.  url may be "" for libpq's
 * PG* environment defaults. */
bool db_open(const char *url, int size) __attribute__((warn_unused_result));

/* Closes every connection.  Waits for none: call when no request runs. */
void db_close(void);

/* Takes a connection, waiting up to timeout_ms.  NULL when none could be
 * had or opened (then err holds why). */
struct db_conn *db_acquire(int timeout_ms, char *err, size_t errlen);

/* Returns a connection to the pool.  A connection left inside a
 * transaction is rolled back; a broken one is closed. */
void db_release(struct db_conn *c);

/* Runs one parameterised statement (unnamed, so it works behind
 * pgbouncer in transaction mode).  *out receives the result (PQclear it)
 * on DB_OK and may be NULL.  When the connection turns out to be dead and
 * retry is true (the statement is safe to repeat), it reconnects and
 * runs the statement once more. */
enum db_status db_query(struct db_conn *c, PGresult **out, const char *sql,
                        int n, const char *const *values)
    __attribute__((warn_unused_result));

/* db_query for a statement whose text never changes (a string
 * constant): prepared on the connection the first time, run by name from
 * then on, so that PostgreSQL parses and plans it once per connection
 * instead of at every call.  Where a pooler in transaction mode hands
 * over a server connection that does not know the statement (SQLSTATE
 * 26000, or 42P05 when it already has it), the connection goes back to
 * unnamed statements for good: the statement is run again at once when
 * no transaction was open, else it fails like any other error and the
 * caller's retry finds the connection unnamed. */
enum db_status db_prepared(struct db_conn *c, PGresult **out, const char *sql,
                           int n, const char *const *values)
    __attribute__((warn_unused_result));

/* The name a statement is prepared under: a hash of its text, so that
 * two versions of Herald behind one pooler never run each other's
 * statement (the ingest writer's connections use it too). */
#define DB_NAME_LEN 32
void db_statement_name(const char *sql, char out[DB_NAME_LEN]);

/* Runs a statement with parameters on a pooled connection and hands it
 * back.  err gets the error text on failure. */
enum db_status db_exec(PGresult **out, const char *sql, int n,
                       const char *const *values, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Runs a script of several statements with no parameters (migrations). */
enum db_status db_script(struct db_conn *c, const char *sql)
    __attribute__((warn_unused_result));

/* Returns true when a short query answers. */
bool db_ping(void);

void db_get_stats(struct db_stats *out);

/* Maps a status to the HTTP status a request should get. */
int db_http_status(enum db_status st);

#endif
