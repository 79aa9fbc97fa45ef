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
#include "core/buf.h"
#include "core/util.h"
#include "ingest/ingest.h"
#include "score/inputs.h"
#include "score/scoring.h"
#include "score/scorer.h"
#include "score/subject.h"
#include "store/db.h"

/* People claimed per transaction, and batches run between two looks
 * at the sweep and the stop pipe. */
#define CLAIM 200
/* ... while most people need a full scoring: the claimed queue rows stay
 * locked until the commit, and writers queueing those people wait. */
#define CLAIM_FULL 25
#define BATCHES 50
/* A full batch (a backlog) while the ingest writers are busy this share
 * of the time or more (writer_load) is followed by a pause YIELD times
 * as long as it took: scoring then takes at most a third of what it
 * would of the database, and ingest, which acknowledges events only once
 * they are stored, keeps the rest.  A person's later events add up in
 * its one queue row meanwhile: they are scored together, not dropped. */
#define YIELD_LOAD 0.4
#define YIELD      2

static struct {
	pthread_t thread;
	bool running;
	int wake[2]; /* self-pipe: a byte asks the thread to stop */
	PGconn *listen;
	double next_sweep;
	double next_connect;
} sc = {.wake = {-1, -1}};

/* The claim: the CLAIM longest-queued people nobody else holds.
 * MATERIALIZED runs the locking subquery once: inlined into a join it
 * may be rescanned, and each rescan with SKIP LOCKED returns other rows.
 * A row a writer is queueing (inserted, or locked by ON CONFLICT DO
 * UPDATE or the 0041 trigger) and has not committed is skipped. */
static const char claim_sql[] =
    "WITH c AS MATERIALIZED (SELECT workspace_id, person_id"
    "  FROM score_queue ORDER BY queued_at LIMIT $1"
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

/* Moves the people whose scoring failed to the end of the queue, so
 * that one failing person never holds up the others: the rest of the
 * batch goes back with its own queue times.  People erased meanwhile
 * stay out: FOR KEY SHARE waits for an erase in progress (which may be
 * what the scoring lost a deadlock to) and then skips its rows. */
static void
postpone(struct db_conn *c, int64_t ws, const struct buf *ids)
{
	char w[24];
	const char *params[2] = {w, ids->data};

	snprintf(w, sizeof(w), "%lld", (long long)ws);
	if (simple(c, "ROLLBACK") != DB_OK ||
	    db_query(c, NULL,
	             "INSERT INTO score_queue (workspace_id, person_id)"
	             " SELECT p.workspace_id, p.id FROM persons p"
	             " WHERE p.workspace_id = $1 AND p.id = ANY($2::bigint[])"
	             " FOR KEY SHARE"
	             " ON CONFLICT (workspace_id, person_id)"
	             " DO UPDATE SET queued_at = now()",
	             2, params) != DB_OK)
		log_warn("component=scorer ws=%s people=%s cannot postpone: "
		         "%s",
		         w, ids->data, c->error);
}

/* One claimed person. */
struct claimed {
	int64_t ws;
	struct inputs_person in;
	int64_t account; /* scored after the batch's people; 0: none */
};

/* One workspace's share of a batch, and where it failed. */
struct part {
	struct db_conn *c;
	struct subject_model m;
	struct claimed *people;
	int n;
	int64_t failed_person, failed_account;
	int scored;
};

static int
by_workspace(const void *a, const void *b)
{
	const struct claimed *x = a, *y = b;

	return (x->ws > y->ws) - (x->ws < y->ws);
}

static int
by_account(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Scores the accounts of the people scored, each once, in ascending id
 * order so that processes taking several account locks never wait on
 * each other in a cycle. */
static enum db_status
score_accounts(struct part *p)
{
	int64_t *ids = calloc((size_t)p->n + 1, sizeof(*ids));
	int k = 0;
	enum db_status result = DB_OK;

	if (ids == NULL)
		return DB_ERROR;
	for (int i = 0; i < p->n; i++)
		if (p->people[i].account > 0)
			ids[k++] = p->people[i].account;
	qsort(ids, (size_t)k, sizeof(*ids), by_account);
	for (int i = 0; i < k && result == DB_OK; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		result = subject_score_account(p->c, &p->m, ids[i]);
		if (result != DB_OK)
			p->failed_account = ids[i];
	}
	free(ids);
	return result;
}

/* Scores one workspace's people: those whose inputs moved in full, the
 * others not at all. */
static enum db_status
score_part(struct part *p)
{
	struct inputs_person *in = calloc((size_t)p->n, sizeof(*in));
	cJSON *model = NULL;
	enum db_status result;

	if (in == NULL)
		return DB_ERROR;
	for (int i = 0; i < p->n; i++)
		in[i].id = p->people[i].in.id;
	result = scoring_current(p->c, p->m.workspace_id, &p->m.version,
	                         &model);
	p->m.model = model;
	if (result == DB_OK)
		result = inputs_check(p->c, &p->m, in, p->n);
	for (int i = 0; result == DB_OK && i < p->n; i++) {
		p->people[i].in = in[i];
		if (in[i].unchanged)
			continue;
		result = subject_score_person(p->c, &p->m, in[i].id,
		                              &p->people[i].account);
		if (result != DB_OK)
			p->failed_person = in[i].id;
		p->scored++;
	}
	if (result == DB_OK)
		result = inputs_save(p->c, &p->m, in, p->n);
	if (result == DB_OK)
		result = score_accounts(p);
	cJSON_Delete(model);
	free(in);
	return result;
}

/* The ids to postpone after p failed: the person, or the batch's
 * people of the account, or (failing elsewhere) the whole part. */
static bool
failed_ids(const struct part *p, struct buf *out)
{
	bool ok = buf_puts(out, "{"), any = false;

	for (int i = 0; ok && i < p->n; i++) {
		const struct claimed *x = &p->people[i];

		if (p->failed_person ? x->in.id != p->failed_person
		    : p->failed_account ? x->account != p->failed_account
		                        : false)
			continue;
		ok = buf_printf(out, "%s%lld", any ? "," : "",
		                (long long)x->in.id);
		any = true;
	}
	return ok && buf_puts(out, "}");
}

static bool
take_claim(const PGresult *r, struct claimed *out)
{
	for (int i = 0; i < PQntuples(r); i++) {
		memset(&out[i], 0, sizeof(out[i]));
		if (!util_parse_i64(PQgetvalue(r, i, 0), &out[i].ws) ||
		    !util_parse_i64(PQgetvalue(r, i, 1), &out[i].in.id))
			return false;
	}
	qsort(out, (size_t)PQntuples(r), sizeof(*out), by_workspace);
	return true;
}

/* Claims up to CLAIM queued people and scores them in the claiming
 * transaction, committed once, so that a process dying midway gives the
 * rows back.  The commit does not wait for the WAL flush: a PostgreSQL
 * crash losing it loses the claim with the results, and the people are
 * scored again (docs/SCORING.md).  Returns the number of people
 * claimed, 0 when the queue is empty, -1 on failure. */
static int
run_batch(struct claimed *people, int claim, int *scored)
{
	char err[256], limit[16];
	const char *lim[1] = {limit};
	struct db_conn *c = db_acquire(5000, err, sizeof(err));
	PGresult *r = NULL;
	struct part p = {.c = c};
	int n = 0, result = -1;

	snprintf(limit, sizeof(limit), "%d", claim);

	if (c == NULL) {
		log_warn("component=scorer no connection: %s", err);
		return -1;
	}
	if (simple(c, "BEGIN") != DB_OK ||
	    simple(c, "SET LOCAL synchronous_commit = off") != DB_OK ||
	    simple(c, "SET LOCAL plan_cache_mode = force_generic_plan") !=
	        DB_OK ||
	    db_prepared(c, &r, claim_sql, 1, lim) != DB_OK ||
	    !take_claim(r, people))
		goto out;
	n = PQntuples(r);
	*scored = 0;
	for (int i = 0; i < n; i += p.n) {
		p.people = &people[i];
		p.m.workspace_id = people[i].ws;
		p.failed_person = p.failed_account = 0;
		for (p.n = 0; i + p.n < n && people[i + p.n].ws == people[i].ws;
		     p.n++)
			;
		if (score_part(&p) != DB_OK)
			goto out;
	}
	if (simple(c, "COMMIT") != DB_OK)
		goto out;
	*scored = p.scored;
	result = n;
out:
	PQclear(r);
	if (result < 0 && p.people != NULL) {
		struct buf ids;

		log_warn("component=scorer ws=%lld person=%lld account=%lld "
		         "scoring failed: %s",
		         (long long)p.m.workspace_id,
		         (long long)p.failed_person,
		         (long long)p.failed_account, c->error);
		buf_init(&ids, 1 << 20);
		if (failed_ids(&p, &ids))
			postpone(c, p.m.workspace_id, &ids);
		buf_cleanup(&ids);
	} else if (result < 0)
		log_warn("component=scorer claim failed: %s", c->error);
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

/* Sleeps for s seconds unless asked to stop (the byte stays in the pipe
 * for wait_for_work).  False when asked to stop. */
static bool
pause_for(double s)
{
	struct timeval tv = {.tv_sec = (time_t)s,
	                     .tv_usec = (suseconds_t)((s - (time_t)s) * 1e6)};
	fd_set set;

	FD_ZERO(&set);
	FD_SET(sc.wake[0], &set);
	return select(sc.wake[0] + 1, &set, NULL, NULL, &tv) <= 0;
}

/* Runs batches until the queue is empty or a batch failed (or BATCHES
 * of them ran). */
static void
drain(void)
{
	struct claimed people[CLAIM];
	int claim = CLAIM_FULL;

	for (int i = 0; i < BATCHES; i++) {
		double started = util_now();
		int scored = 0, got = run_batch(people, claim, &scored);
		bool full;

		if (got > 0)
			log_debug("component=scorer claimed=%d scored=%d", got,
			          scored);
		if (got <= 0)
			break;
		full = got == claim; /* more wait, most likely */
		claim = scored * 4 > got ? CLAIM_FULL : CLAIM;
		if (full && writer_load() >= YIELD_LOAD &&
		    !pause_for(YIELD * (util_now() - started)))
			break;
	}
}

static void *
loop(void *arg)
{
	(void)arg;
	sc.next_sweep = util_now() + config.score_sweep_seconds;
	do {
		listen_open();
		sweep();
		drain();
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
