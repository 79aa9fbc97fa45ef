/* Herald - the scoring service.  Wakes on NOTIFY herald_score (its own
 * connection) or every second, claims queued people with DELETE ...
 * SKIP LOCKED so that any number of processes share the work, and
 * scores each in the claiming transaction: if a process dies midway
 * the row comes back.  A sweep queues people whose recheck time has
 * come, so that a subject can leave a state by time alone. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "score/scorer.h"
#include "score/subject.h"
#include "store/db.h"

/* People scored between two looks at the sweep and the stop pipe. */
#define BATCH 500

static struct {
	pthread_t thread;
	bool running;
	int wake[2]; /* self-pipe: a byte asks the thread to stop */
	PGconn *listen;
	double next_sweep;
	double next_connect;
} sc = {.wake = {-1, -1}};

/* The claim.  MATERIALIZED runs the locking subquery once: inlined into
 * a join it may be rescanned, and each rescan with SKIP LOCKED returns
 * another row. */
static const char claim_sql[] =
    "WITH c AS MATERIALIZED (SELECT workspace_id, person_id"
    "  FROM score_queue ORDER BY queued_at LIMIT 1"
    "  FOR UPDATE SKIP LOCKED)"
    " DELETE FROM score_queue q USING c"
    " WHERE q.workspace_id = c.workspace_id"
    "  AND q.person_id = c.person_id"
    " RETURNING q.workspace_id, q.person_id";

/* Queues people whose recheck time has come.  It only reads
 * person_scores, so it never holds a row the scorer waits for; scoring
 * sets the next recheck time, and a person queued twice meanwhile is
 * one queue row. */
static const char sweep_sql[] =
    "INSERT INTO score_queue (workspace_id, person_id)"
    " SELECT workspace_id, person_id FROM person_scores"
    " WHERE recheck_at <= now() ORDER BY 1, 2 LIMIT 5000"
    " ON CONFLICT DO NOTHING";

static void
listen_close(void)
{
	if (sc.listen != NULL)
		PQfinish(sc.listen);
	sc.listen = NULL;
}

/* (Re)opens the LISTEN connection, at most once every 5 seconds. */
static void
listen_open(void)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {config.database_url, "herald-scorer", NULL};
	PGresult *r;

	if (sc.listen != NULL && PQstatus(sc.listen) == CONNECTION_OK)
		return;
	if (util_now() < sc.next_connect)
		return;
	sc.next_connect = util_now() + 5;
	listen_close();
	sc.listen = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(sc.listen) != CONNECTION_OK) {
		log_warn("component=scorer cannot listen: %s",
		         PQerrorMessage(sc.listen));
		listen_close();
		return;
	}
	r = PQexec(sc.listen, "LISTEN herald_score");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		log_warn("component=scorer LISTEN failed: %s",
		         PQerrorMessage(sc.listen));
		listen_close();
	}
	PQclear(r);
}

/* Waits up to a second for a notification or a stop request.  Returns
 * false when asked to stop. */
static bool
wait_for_work(void)
{
	int fd = sc.listen ? PQsocket(sc.listen) : -1;
	int top = fd > sc.wake[0] ? fd : sc.wake[0];
	struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
	fd_set set;
	PGnotify *n;

	FD_ZERO(&set);
	FD_SET(sc.wake[0], &set);
	if (fd >= 0)
		FD_SET(fd, &set);
	if (select(top + 1, &set, NULL, NULL, &tv) < 0 && errno != EINTR)
		return true;
	if (FD_ISSET(sc.wake[0], &set))
		return false;
	if (fd >= 0 && FD_ISSET(fd, &set)) {
		if (!PQconsumeInput(sc.listen))
			listen_close();
		while (sc.listen && (n = PQnotifies(sc.listen)) != NULL)
			PQfreemem(n);
	}
	return true;
}

static enum db_status
simple(struct db_conn *c, const char *sql)
{
	return db_query(c, NULL, sql, 0, NULL);
}

/* Moves a person whose scoring failed to the end of the queue, so that
 * one failing person never holds up the others. */
static void
postpone(struct db_conn *c, int64_t ws, int64_t pid)
{
	char w[24], p[24];
	const char *params[2] = {w, p};

	snprintf(w, sizeof(w), "%lld", (long long)ws);
	snprintf(p, sizeof(p), "%lld", (long long)pid);
	if (simple(c, "ROLLBACK") != DB_OK ||
	    db_query(c, NULL,
	             "UPDATE score_queue SET queued_at = now()"
	             " WHERE workspace_id = $1 AND person_id = $2",
	             2, params) != DB_OK)
		log_warn("component=scorer ws=%s person=%s cannot postpone: "
		         "%s",
		         w, p, c->error);
}

/* Claims one queued person and scores them in the claiming transaction,
 * so that a process dying midway gives the row back.  One person per
 * transaction keeps the locks held few: the person's rows and, under
 * an advisory lock, their account's.  Returns 1 when a person was
 * scored, 0 when the queue is empty, -1 on failure. */
static int
run_one(void)
{
	char err[256];
	struct db_conn *c = db_acquire(5000, err, sizeof(err));
	PGresult *r = NULL;
	int64_t ws = 0, pid = 0;
	int result = -1;

	if (c == NULL) {
		log_warn("component=scorer no connection: %s", err);
		return -1;
	}
	if (simple(c, "BEGIN") != DB_OK ||
	    db_query(c, &r, claim_sql, 0, NULL) != DB_OK)
		goto out;
	if (PQntuples(r) == 0) {
		result = simple(c, "COMMIT") == DB_OK ? 0 : -1;
		goto out;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		if (!util_parse_i64(PQgetvalue(r, i, 0), &ws) ||
		    !util_parse_i64(PQgetvalue(r, i, 1), &pid) ||
		    subject_score_person(c, ws, pid) != DB_OK)
			goto out;
	}
	if (simple(c, "COMMIT") != DB_OK)
		goto out;
	result = 1;
out:
	if (result < 0 && c->error[0])
		log_warn("component=scorer ws=%lld person=%lld scoring "
		         "failed: %s",
		         (long long)ws, (long long)pid, c->error);
	PQclear(r);
	if (result < 0 && pid > 0)
		postpone(c, ws, pid);
	db_release(c);
	return result;
}

static void
sweep(void)
{
	char err[256];
	PGresult *r = NULL;

	if (util_now() < sc.next_sweep)
		return;
	sc.next_sweep = util_now() + config.score_sweep_seconds;
	if (db_exec(&r, sweep_sql, 0, NULL, err, sizeof(err)) != DB_OK)
		log_warn("component=scorer sweep failed: %s", err);
	else if (strcmp(PQcmdTuples(r), "0") != 0)
		log_debug("component=scorer queued=%s sweep", PQcmdTuples(r));
	PQclear(r);
}

static void *
loop(void *arg)
{
	(void)arg;
	sc.next_sweep = util_now() + config.score_sweep_seconds;
	do {
		listen_open();
		sweep();
		for (int i = 0; i < BATCH && run_one() == 1; i++)
			;
	} while (wait_for_work());
	listen_close();
	return NULL;
}

bool
scorer_start(void)
{
	if (pipe(sc.wake) != 0) {
		log_error("component=scorer pipe: %s", strerror(errno));
		return false;
	}
	if (pthread_create(&sc.thread, NULL, loop, NULL) != 0) {
		log_error("component=scorer cannot start its thread");
		return false;
	}
	sc.running = true;
	return true;
}

void
scorer_stop(void)
{
	if (!sc.running)
		return;
	if (write(sc.wake[1], "x", 1) != 1)
		log_warn("component=scorer cannot signal stop");
	pthread_join(sc.thread, NULL);
	close(sc.wake[0]);
	close(sc.wake[1]);
	sc.wake[0] = sc.wake[1] = -1;
	sc.running = false;
}
