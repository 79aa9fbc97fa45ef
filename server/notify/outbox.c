/* Herald - the delivery outbox.  Worker threads claim due deliveries
 * with FOR UPDATE SKIP LOCKED and a lease, so any number of processes
 * share the work and each delivery is sent by one of them; a lease left
 * by a crashed process expires and the delivery is claimed again.  Each
 * destination is paced across processes: one message in flight, at most
 * one a second, none before a 429's Retry-After has passed. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "notify/notify.h"

#define WORKERS       2
#define LEASE_SECONDS "20"  /* twice the longest send */
#define BATCH_MAX     100   /* alerts in one digest */
#define MAX_FAILURES  10    /* then the delivery is dead */
#define BACKOFF_MAX   300.0 /* seconds */
#define POLL_MS       500
#define SUCCESS_EVERY 300.0 /* seconds between customer-success checks */

struct item {
	char id[24];
	char qualification[24];
	char event_id[40];
	bool test;
	char *body; /* rendered by an earlier attempt, or NULL */
};

/* One claimed delivery (or the alerts of one digest) on its way. */
struct job {
	char ws[24], dest[24], token[40];
	char kind[16], mode[16], name[128], ws_name[256];
	char *url, *secret;
	cJSON *recipients;
	int attempts, throttled;
	int n;
	struct item items[BATCH_MAX];
	char *body; /* what was (or will be) sent */
	bool digest;
	struct send_result res;
};

static pthread_t workers[WORKERS], listener;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static unsigned long generation;
static bool stopping;
static int nworkers;
static bool listening;

/* ---- claiming ------------------------------------------------------------ */

#define DUE                                                                    \
	"((d.state IN ('queued', 'failed') AND d.next_attempt_at <= now())"    \
	" OR (d.state = 'sending' AND d.claimed_until < now()))"

static const char pick_dest[] =
    "SELECT t.workspace_id, t.id, t.kind, t.mode, t.name, t.url, t.secret,"
    " array_to_json(t.recipients)::text, w.name, gen_random_uuid()"
    " FROM destinations t JOIN workspaces w ON w.id = t.workspace_id"
    " WHERE t.state = 'active' AND t.next_send_at <= now()"
    " AND t.paused_until <= now() AND ($1 OR t.kind <> 'email')"
    " AND EXISTS (SELECT 1 FROM deliveries d"
    "  WHERE d.workspace_id = t.workspace_id AND d.destination_id = t.id"
    "  AND " DUE ")"
    " ORDER BY t.next_send_at LIMIT 1 FOR UPDATE OF t SKIP LOCKED";

static const char pick_deliveries[] =
    "SELECT d.id, coalesce(a.qualification_id::text, ''), d.event_id,"
    " a.kind = 'test', d.body, d.attempts, d.throttled"
    " FROM deliveries d JOIN alerts a ON a.workspace_id = d.workspace_id"
    " AND a.id = d.alert_id"
    " WHERE d.workspace_id = $1 AND d.destination_id = $2 AND " DUE
    " ORDER BY a.kind = 'test' DESC, d.id LIMIT $3"
    " FOR UPDATE OF d SKIP LOCKED";

static const char mark_sending[] =
    "WITH d AS (UPDATE deliveries SET state = 'sending',"
    "  claimed_until = now() + interval '" LEASE_SECONDS " seconds',"
    "  claim_token = $3, attempts = attempts + 1,"
    "  batch_id = CASE WHEN $5 THEN $6::bigint END"
    "  WHERE workspace_id = $1 AND id = ANY ($2::bigint[]) RETURNING 1)"
    " UPDATE destinations SET next_send_at = now() + interval '" LEASE_SECONDS
    " seconds' WHERE workspace_id = $1 AND id = $4";

static char *
dup_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL
	                                : strdup(PQgetvalue(r, row, col));
}

static void
job_cleanup(struct job *j)
{
	for (int i = 0; i < j->n; i++)
		free(j->items[i].body);
	free(j->url);
	free(j->secret);
	free(j->body);
	cJSON_Delete(j->recipients);
	memset(j, 0, sizeof(*j));
}

static void
take_destination(struct job *j, const PGresult *r)
{
	snprintf(j->ws, sizeof(j->ws), "%s", PQgetvalue(r, 0, 0));
	snprintf(j->dest, sizeof(j->dest), "%s", PQgetvalue(r, 0, 1));
	snprintf(j->kind, sizeof(j->kind), "%s", PQgetvalue(r, 0, 2));
	snprintf(j->mode, sizeof(j->mode), "%s", PQgetvalue(r, 0, 3));
	snprintf(j->name, sizeof(j->name), "%s", PQgetvalue(r, 0, 4));
	j->url = dup_or_null(r, 0, 5);
	j->secret = dup_or_null(r, 0, 6);
	j->recipients = cJSON_Parse(PQgetvalue(r, 0, 7));
	snprintf(j->ws_name, sizeof(j->ws_name), "%s", PQgetvalue(r, 0, 8));
	snprintf(j->token, sizeof(j->token), "%s", PQgetvalue(r, 0, 9));
	j->digest = strcmp(j->mode, "immediate") != 0;
}

/* A test message goes alone; a digest takes every due alert. */
static void
take_items(struct job *j, const PGresult *r)
{
	int rows = PQntuples(r);

	for (int i = 0; i < rows && j->n < BATCH_MAX; i++) {
		struct item *it = &j->items[j->n];
		bool test = PQgetvalue(r, i, 3)[0] == 't';

		if (i > 0 && (test || j->items[0].test))
			break;
		snprintf(it->id, sizeof(it->id), "%s", PQgetvalue(r, i, 0));
		snprintf(it->qualification, sizeof(it->qualification), "%s",
		         PQgetvalue(r, i, 1));
		snprintf(it->event_id, sizeof(it->event_id), "%s",
		         PQgetvalue(r, i, 2));
		it->test = test;
		it->body = dup_or_null(r, i, 4);
		if (j->n == 0) {
			j->attempts =
			    (int)strtol(PQgetvalue(r, i, 5), NULL, 10) + 1;
			j->throttled =
			    (int)strtol(PQgetvalue(r, i, 6), NULL, 10);
		}
		j->n++;
	}
	if (j->items[0].test)
		j->digest = false;
}

static bool
ids_array(const struct job *j, struct buf *out)
{
	bool ok = buf_puts(out, "{");

	for (int i = 0; ok && i < j->n; i++)
		ok = buf_printf(out, "%s%s", i ? "," : "", j->items[i].id);
	return ok && buf_puts(out, "}");
}

static enum db_status
claim_items(struct db_conn *c, struct job *j)
{
	const char *limit = j->digest ? "100" : "1";
	const char *p1[3] = {j->ws, j->dest, limit};
	PGresult *r = NULL;
	struct buf ids;
	enum db_status st;

	st = db_query(c, &r, pick_deliveries, 3, p1);
	if (st != DB_OK || PQntuples(r) == 0) {
		PQclear(r);
		return st;
	}
	take_items(j, r);
	PQclear(r);
	buf_init(&ids, 64 * 1024);
	if (!ids_array(j, &ids)) {
		buf_cleanup(&ids);
		return DB_ERROR;
	}
	const char *p2[6] = {j->ws,
	                     ids.data,
	                     j->token,
	                     j->dest,
	                     j->digest ? "true" : "false",
	                     j->items[0].id};
	st = db_query(c, NULL, mark_sending, 6, p2);
	buf_cleanup(&ids);
	return st;
}

/* Returns 1 with j filled when a delivery was claimed, 0 when none is
 * due, -1 on a database error (logged). */
static int
claim(struct job *j)
{
	const char *p[1] = {config.smtp_url ? "true" : "false"};
	char err[512];
	struct db_conn *c = db_acquire(5000, err, sizeof(err));
	PGresult *r = NULL;
	int result = -1;

	memset(j, 0, sizeof(*j));
	if (c == NULL)
		return -1;
	if (db_query(c, NULL, "BEGIN", 0, NULL) != DB_OK ||
	    db_query(c, &r, pick_dest, 1, p) != DB_OK)
		goto out;
	if (PQntuples(r) == 0) {
		result = 0;
		goto out;
	}
	take_destination(j, r);
	if (claim_items(c, j) != DB_OK)
		goto out;
	if (db_query(c, NULL, "COMMIT", 0, NULL) != DB_OK)
		goto out;
	result = j->n > 0 ? 1 : 0;
out:
	if (result < 0)
		snprintf(err, sizeof(err), "%s", c->error);
	PQclear(r);
	db_release(c); /* rolls back what did not commit */
	if (result < 0)
		log_warn("component=outbox claim failed: %s", err);
	if (result <= 0)
		job_cleanup(j);
	return result;
}

/* ---- rendering and sending ---------------------------------------------- */

static cJSON *
build_content(struct job *j, char *err, size_t errlen)
{
	struct db_conn *c;
	cJSON *items, *one;

	if (j->items[0].test)
		return content_test(j->ws_name, j->items[0].event_id);
	if ((c = db_acquire(5000, err, errlen)) == NULL)
		return NULL;
	if (!j->digest) {
		one = content_build(c, j->ws, j->items[0].qualification,
		                    j->items[0].event_id, err, errlen);
		db_release(c);
		return one;
	}
	items = cJSON_CreateArray();
	for (int i = 0; i < j->n; i++) {
		one = content_build(c, j->ws, j->items[i].qualification,
		                    j->items[i].event_id, err, errlen);
		if (one == NULL) {
			/* All or nothing: a digest never drops an alert. */
			db_release(c);
			cJSON_Delete(items);
			return NULL;
		}
		cJSON_AddItemToArray(items, one);
	}
	db_release(c);
	return digest_build(items, j->items[0].event_id, j->mode);
}

static char *
render(struct job *j, const cJSON *content)
{
	if (strcmp(j->kind, "slack") == 0)
		return slack_render(content);
	if (strcmp(j->kind, "email") == 0)
		return email_render(content, config.smtp_from, j->recipients);
	return webhook_render(content);
}

static void
send_webhook(struct job *j)
{
	char sig[160], sigh[200], idh[80];
	const char *headers[3] = {sigh, idh, NULL};

	if (!webhook_sign(j->secret ? j->secret : "", (long long)time(NULL),
	                  j->body, strlen(j->body), sig, sizeof(sig)))
		abort();
	snprintf(sigh, sizeof(sigh), "Herald-Signature: %s", sig);
	snprintf(idh, sizeof(idh), "Herald-Event-Id: %s", j->items[0].event_id);
	transport_post(j->url, j->body, strlen(j->body), headers, &j->res);
}

static void
send_job(struct job *j)
{
	char err[256] = "";
	cJSON *content;

	if (!j->digest && j->items[0].body != NULL) {
		j->body = j->items[0].body; /* resend the same bytes */
		j->items[0].body = NULL;
	} else if ((content = build_content(j, err, sizeof(err))) != NULL) {
		j->body = render(j, content);
		cJSON_Delete(content);
	}
	if (j->body == NULL) {
		j->res.outcome = SEND_RETRY;
		snprintf(j->res.error, sizeof(j->res.error),
		         "cannot render: %.200s",
		         err[0] ? err : "out of memory");
	} else if (strcmp(j->kind, "slack") == 0) {
		transport_post(j->url, j->body, strlen(j->body), NULL, &j->res);
	} else if (strcmp(j->kind, "email") == 0) {
		transport_smtp(config.smtp_from, j->recipients, j->body,
		               strlen(j->body), &j->res);
	} else {
		send_webhook(j);
	}
}

/* ---- recording the outcome ---------------------------------------------- */

static const char record_sql[] =
    "WITH d AS (UPDATE deliveries SET state = $4::delivery_state,"
    "  throttled = throttled + $9::int,"
    "  next_attempt_at = now() + make_interval(secs => $8::float8),"
    "  claimed_until = NULL, claim_token = NULL,"
    "  last_status = nullif($5::int, 0), last_error = $6,"
    "  body = coalesce(body, $7),"
    "  delivered_at = CASE WHEN $4 = 'delivered' THEN now() END"
    "  WHERE workspace_id = $1 AND id = ANY ($2::bigint[])"
    "  AND claim_token = $3::uuid RETURNING 1)"
    " UPDATE destinations SET"
    " next_send_at = now() + make_interval(secs =>"
    "  greatest(1.0, $11::float8)),"
    " paused_until = CASE WHEN $11::float8 > 0 THEN now() +"
    "  make_interval(secs => $11::float8) ELSE paused_until END,"
    " state = CASE WHEN $12 THEN 'failing' ELSE state END,"
    " last_error = CASE WHEN $12 THEN $6 ELSE last_error END,"
    " failing_since = CASE WHEN $12 THEN coalesce(failing_since, now())"
    "  ELSE failing_since END"
    " WHERE workspace_id = $1 AND id = $10";

static double
backoff(int failures)
{
	double base =
	    failures >= 10 ? BACKOFF_MAX : (double)(1 << (failures - 1));
	double jitter = 0.75 + randombytes_uniform(501) / 1000.0;
	double d = base * jitter;

	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	return d < 1.0 ? 1.0 : d;
}

struct outcome {
	const char *state;
	double delay, pause;
	bool failing, throttled;
};

/* The state machine: one function decides where a delivery goes next. */
static void
decide(const struct job *j, struct outcome *o)
{
	int failures = j->attempts - j->throttled;

	memset(o, 0, sizeof(*o));
	switch (j->res.outcome) {
	case SEND_DELIVERED:
		o->state = "delivered";
		break;
	case SEND_THROTTLED:
		o->state = "failed";
		o->delay = o->pause = (double)j->res.retry_after;
		o->throttled = true;
		break;
	case SEND_RETRY:
		o->state = failures >= MAX_FAILURES ? "dead" : "failed";
		o->delay = backoff(failures);
		break;
	case SEND_REFUSED:
		o->state = "dead";
		o->failing = true;
		break;
	default:
		log_error("component=outbox bad outcome at %s:%d", __FILE__,
		          __LINE__);
		abort();
	}
}

static void
record(struct job *j)
{
	struct outcome o;
	char status[16], delay[32], pause[32], err[256];
	struct buf ids;

	decide(j, &o);
	snprintf(status, sizeof(status), "%ld", j->res.status);
	snprintf(delay, sizeof(delay), "%.3f", o.delay);
	snprintf(pause, sizeof(pause), "%.3f", o.pause);
	buf_init(&ids, 64 * 1024);
	if (!ids_array(j, &ids))
		abort();
	const char *p[12] = {j->ws,
	                     ids.data,
	                     j->token,
	                     o.state,
	                     status,
	                     j->res.error[0] ? j->res.error : NULL,
	                     j->digest ? NULL : j->body,
	                     delay,
	                     o.throttled ? "1" : "0",
	                     j->dest,
	                     pause,
	                     o.failing ? "true" : "false"};
	if (db_exec(NULL, record_sql, 12, p, err, sizeof(err)) != DB_OK)
		log_error("component=outbox ws=%s destination=%s delivery=%s "
		          "cannot record %s (the lease will expire and it "
		          "will be sent again): %s",
		          j->ws, j->dest, j->items[0].id, o.state, err);
	log_info("component=outbox ws=%s destination=%s kind=%s delivery=%s "
	         "count=%d attempt=%d state=%s status=%ld%s%s",
	         j->ws, j->dest, j->kind, j->items[0].id, j->n, j->attempts,
	         o.state, j->res.status, j->res.error[0] ? " error=" : "",
	         j->res.error);
	buf_cleanup(&ids);
}

/* ---- threads ------------------------------------------------------------- */

static void
wait_for_work(unsigned long *seen, int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&mu);
	while (!stopping && generation == *seen)
		if (pthread_cond_timedwait(&cv, &mu, &until) == ETIMEDOUT)
			break;
	*seen = generation;
	pthread_mutex_unlock(&mu);
}

static bool
is_stopping(void)
{
	bool s;

	pthread_mutex_lock(&mu);
	s = stopping;
	pthread_mutex_unlock(&mu);
	return s;
}

static void *
worker_main(void *arg)
{
	unsigned long seen = 0;
	struct job *j = malloc(sizeof(*j));

	(void)arg;
	if (j == NULL)
		return NULL;
	while (!is_stopping()) {
		int got = claim(j);

		if (got <= 0) {
			wait_for_work(&seen, got < 0 ? 2000 : POLL_MS);
			continue;
		}
		send_job(j);
		record(j);
		job_cleanup(j);
	}
	free(j);
	return NULL;
}

void
outbox_wake(void)
{
	pthread_mutex_lock(&mu);
	generation++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static PGconn *
listen_connect(void)
{
	PGconn *pg = PQconnectdb(config.database_url);
	PGresult *r;

	if (PQstatus(pg) != CONNECTION_OK) {
		PQfinish(pg);
		return NULL;
	}
	r = PQexec(pg, "LISTEN herald_alerts");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		PQfinish(pg);
		return NULL;
	}
	PQclear(r);
	return pg;
}

static void
drain_notifies(PGconn *pg)
{
	PGnotify *n;
	bool any = false;

	while ((n = PQnotifies(pg)) != NULL) {
		PQfreemem(n);
		any = true;
	}
	if (any)
		outbox_wake();
}

static void
maybe_check_success(double *last)
{
	char err[256];
	int n;

	if (util_now() - *last < SUCCESS_EVERY)
		return;
	*last = util_now();
	n = success_check(err, sizeof(err));
	if (n < 0)
		log_warn("component=success check failed: %s", err);
	else if (n > 0)
		log_info("component=success qualified=%d", n);
}

/* Listens for herald_alerts and wakes the workers; reconnects when the
 * database goes away; runs the customer-success checks now and then. */
static void *
listener_main(void *arg)
{
	PGconn *pg = NULL;
	double last_success = -SUCCESS_EVERY;

	(void)arg;
	while (!is_stopping()) {
		struct pollfd pfd;

		maybe_check_success(&last_success);
		if (pg == NULL && (pg = listen_connect()) == NULL) {
			struct timespec ts = {1, 0};

			nanosleep(&ts, NULL);
			continue;
		}
		pfd.fd = PQsocket(pg);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, POLL_MS) < 0 && errno != EINTR)
			continue;
		if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK) {
			PQfinish(pg);
			pg = NULL;
			continue;
		}
		drain_notifies(pg);
	}
	PQfinish(pg);
	return NULL;
}

bool
outbox_start(void)
{
	if (!transport_init()) {
		log_error("component=outbox cannot initialise libcurl");
		return false;
	}
	stopping = false;
	listening = pthread_create(&listener, NULL, listener_main, NULL) == 0;
	for (nworkers = 0; nworkers < WORKERS; nworkers++)
		if (pthread_create(&workers[nworkers], NULL, worker_main,
		                   NULL) != 0)
			break;
	if (!listening || nworkers == 0) {
		outbox_stop();
		return false;
	}
	return true;
}

void
outbox_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	while (nworkers > 0)
		pthread_join(workers[--nworkers], NULL);
	if (listening)
		pthread_join(listener, NULL);
	listening = false;
}
