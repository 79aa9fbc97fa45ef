/* Herald - PostgreSQL connection pool.
 *
 * A fixed array of connections guarded by one mutex.  Connections open
 * on first use and are replaced when libpq reports them broken, so the
 * pool heals by itself after a restart or pg_terminate_backend. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "store/db.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct db_conn *conns;
	int size;
	int in_use;
	int waiting;
	long reconnects;
	long errors;
	char *url;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .freed = PTHREAD_COND_INITIALIZER};

bool
db_open(const char *url, int size)
{
	pool.conns = calloc((size_t)size, sizeof(*pool.conns));
	pool.url = strdup(url);
	if (pool.conns == NULL || pool.url == NULL)
		return false;
	pool.size = size;
	return true;
}

void
db_close(void)
{
	pthread_mutex_lock(&pool.lock);
	for (int i = 0; i < pool.size; i++) {
		if (pool.conns[i].pg != NULL)
			PQfinish(pool.conns[i].pg);
		pool.conns[i].pg = NULL;
	}
	pthread_mutex_unlock(&pool.lock);
}

/* Notices (such as "relation already exists, skipping") are expected. */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static bool
connect_conn(struct db_conn *c)
{
	if (c->pg != NULL)
		PQfinish(c->pg);
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {pool.url, "herald", NULL};

	c->pg = PQconnectdbParams(keys, vals, 1);
	c->nprepared = 0;
	if (PQstatus(c->pg) != CONNECTION_OK) {
		snprintf(c->error, sizeof(c->error), "%s",
		         PQerrorMessage(c->pg));
		PQfinish(c->pg);
		c->pg = NULL;
		return false;
	}
	PQsetClientEncoding(c->pg, "UTF8");
	PQsetNoticeProcessor(c->pg, quiet, NULL);
	return true;
}

static void
deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static struct db_conn *
take_free(void)
{
	struct db_conn *fallback = NULL;

	for (int i = 0; i < pool.size; i++) {
		struct db_conn *c = &pool.conns[i];

		if (c->in_use)
			continue;
		if (c->pg != NULL)
			return c;
		if (fallback == NULL)
			fallback = c;
	}
	return fallback;
}

struct db_conn *
db_acquire(int timeout_ms, char *err, size_t errlen)
{
	struct timespec deadline;
	struct db_conn *c;

	deadline_in(&deadline, timeout_ms);
	pthread_mutex_lock(&pool.lock);
	while ((c = take_free()) == NULL) {
		pool.waiting++;
		int rc =
		    pthread_cond_timedwait(&pool.freed, &pool.lock, &deadline);
		pool.waiting--;
		if (rc == ETIMEDOUT) {
			pthread_mutex_unlock(&pool.lock);
			snprintf(err, errlen, "database pool exhausted");
			return NULL;
		}
	}
	c->in_use = true;
	pool.in_use++;
	pthread_mutex_unlock(&pool.lock);

	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		if (!connect_conn(c)) {
			snprintf(err, errlen, "%s", c->error);
			db_release(c);
			return NULL;
		}
	}
	return c;
}

void
db_release(struct db_conn *c)
{
	if (c == NULL)
		return;
	if (c->pg != NULL) {
		PGTransactionStatusType ts = PQtransactionStatus(c->pg);

		if (ts == PQTRANS_INERROR || ts == PQTRANS_INTRANS) {
			PGresult *r = PQexec(c->pg, "ROLLBACK");
			PQclear(r);
		}
		if (PQstatus(c->pg) != CONNECTION_OK ||
		    PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
			PQfinish(c->pg);
			c->pg = NULL;
		}
	}
	pthread_mutex_lock(&pool.lock);
	c->in_use = false;
	pool.in_use--;
	pthread_cond_signal(&pool.freed);
	pthread_mutex_unlock(&pool.lock);
}

static enum db_status
classify(struct db_conn *c, PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	const char *primary =
	    r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	/* Only the primary message: the detail may quote row values, which
	 * can hold secrets or personal data, and this text gets logged. */
	snprintf(c->error, sizeof(c->error), "%s",
	         primary ? primary : PQerrorMessage(c->pg));
	snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state ? state : "");
	__atomic_add_fetch(&pool.errors, 1, __ATOMIC_RELAXED);
	if (PQstatus(c->pg) != CONNECTION_OK)
		return DB_UNAVAILABLE;
	if (state != NULL &&
	    (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 ||
	     strncmp(state, "53", 2) == 0))
		return DB_UNAVAILABLE;
	if (state != NULL &&
	    (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0))
		return DB_BAD_INPUT;
	return DB_ERROR;
}

/* Hands a statement's result to *out (or clears it) when it succeeded;
 * else classifies the error into c and clears it. */
static enum db_status
take_result(struct db_conn *c, PGresult *r, PGresult **out)
{
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	enum db_status result = DB_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		result = classify(c, r);
		PQclear(r);
	} else if (out != NULL) {
		*out = r;
	} else {
		PQclear(r);
	}
	return result;
}

static enum db_status
run_once(struct db_conn *c, PGresult **out, const char *sql, int n,
         const char *const *values)
{
	if (c->pg == NULL && !connect_conn(c))
		return DB_UNAVAILABLE;
	return take_result(
	    c, PQexecParams(c->pg, sql, n, NULL, values, NULL, NULL, 0), out);
}

/* Whether the statement of this hash is prepared on c, or now becomes
 * so.  False when it could not be (a pooler, a full cache, an error);
 * *st then tells whether to run it unnamed (DB_OK) or fail. */
static bool
prepare_once(struct db_conn *c, uint64_t h, const char *name, const char *sql,
             int n, enum db_status *st)
{
	PGresult *r;
	const char *state;

	*st = DB_OK;
	for (int i = 0; i < c->nprepared; i++)
		if (c->prepared[i] == h)
			return true;
	if (c->nprepared == DB_PREPARED_MAX)
		return false;
	r = PQprepare(c->pg, name, sql, n, NULL);
	if (r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK) {
		PQclear(r);
		c->prepared[c->nprepared++] = h;
		return true;
	}
	state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state != NULL && strcmp(state, "42P05") == 0)
		c->unnamed_only = true;
	*st = classify(c, r);
	PQclear(r);
	return false;
}

void
db_statement_name(const char *sql, char out[DB_NAME_LEN])
{
	snprintf(out, DB_NAME_LEN, "herald_%016llx",
	         (unsigned long long)util_hash_str(sql, 0));
}

static enum db_status
run_prepared(struct db_conn *c, PGresult **out, const char *sql, int n,
             const char *const *values, bool idle)
{
	uint64_t h = util_hash_str(sql, 0);
	char name[DB_NAME_LEN];
	enum db_status st = DB_OK;

	if (c->pg == NULL && !connect_conn(c))
		return DB_UNAVAILABLE;
	db_statement_name(sql, name);
	if (c->unnamed_only || !prepare_once(c, h, name, sql, n, &st)) {
		if (c->unnamed_only && idle && PQstatus(c->pg) == CONNECTION_OK)
			st = DB_OK; /* 42P05 just now: nothing ran */
		return st == DB_OK ? run_once(c, out, sql, n, values) : st;
	}
	st = take_result(
	    c, PQexecPrepared(c->pg, name, n, values, NULL, NULL, 0), out);
	if (st != DB_OK && strcmp(c->sqlstate, "26000") == 0) {
		c->unnamed_only = true;
		if (idle)
			return run_once(c, out, sql, n, values);
	}
	return st;
}

/* Runs the statement (prepared or unnamed); when the connection turns
 * out dead and no transaction was open, nothing ran: it runs once more
 * on a new connection. */
static enum db_status
run_retrying(struct db_conn *c, PGresult **out, const char *sql, int n,
             const char *const *values, bool prepared)
{
	bool idle = c->pg != NULL && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
	enum db_status result;

	if (out != NULL)
		*out = NULL;
	result = prepared ? run_prepared(c, out, sql, n, values,
	                                 idle || c->pg == NULL)
	                  : run_once(c, out, sql, n, values);
	if (result == DB_UNAVAILABLE && idle &&
	    (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK)) {
		__atomic_add_fetch(&pool.reconnects, 1, __ATOMIC_RELAXED);
		if (!connect_conn(c))
			return result;
		result = prepared ? run_prepared(c, out, sql, n, values, true)
		                  : run_once(c, out, sql, n, values);
	}
	return result;
}

enum db_status
db_query(struct db_conn *c, PGresult **out, const char *sql, int n,
         const char *const *values)
{
	return run_retrying(c, out, sql, n, values, false);
}

enum db_status
db_prepared(struct db_conn *c, PGresult **out, const char *sql, int n,
            const char *const *values)
{
	return run_retrying(c, out, sql, n, values, true);
}

enum db_status
db_exec(PGresult **out, const char *sql, int n, const char *const *values,
        char *err, size_t errlen)
{
	struct db_conn *c = db_acquire(5000, err, errlen);
	enum db_status result;

	if (out != NULL)
		*out = NULL;
	if (c == NULL)
		return DB_UNAVAILABLE;
	result = db_query(c, out, sql, n, values);
	if (result != DB_OK)
		snprintf(err, errlen, "%s", c->error);
	db_release(c);
	return result;
}

enum db_status
db_script(struct db_conn *c, const char *sql)
{
	PGresult *r = PQexec(c->pg, sql);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	enum db_status result = DB_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		result = classify(c, r);
	PQclear(r);
	return result;
}

bool
db_ping(void)
{
	char err[256];
	PGresult *r = NULL;
	enum db_status st = db_exec(&r, "SELECT 1", 0, NULL, err, sizeof(err));

	PQclear(r);
	return st == DB_OK;
}

void
db_get_stats(struct db_stats *out)
{
	pthread_mutex_lock(&pool.lock);
	out->size = pool.size;
	out->in_use = pool.in_use;
	out->waiting = pool.waiting;
	pthread_mutex_unlock(&pool.lock);
	out->reconnects = __atomic_load_n(&pool.reconnects, __ATOMIC_RELAXED);
	out->errors = __atomic_load_n(&pool.errors, __ATOMIC_RELAXED);
}

int
db_http_status(enum db_status st)
{
	switch (st) {
	case DB_OK:
		return 200;
	case DB_UNAVAILABLE:
		return 503;
	case DB_BAD_INPUT:
		return 400;
	case DB_ERROR:
		return 500;
	default:
		abort();
	}
}
