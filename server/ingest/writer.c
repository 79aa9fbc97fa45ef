/* Herald - the ingest writer: group commit of every concurrent request.
 *
 * Request threads parse and validate, then queue a job and suspend their
 * connection.  WRITERS threads, each with its own PostgreSQL connection,
 * take whole jobs off the queue (everything waiting, up to GROUP_MAX
 * events) and write them in ONE transaction sent as one pipeline (one
 * round trip): BEGIN, the person upsert for the userIds whose id is not
 * in the cache (personids.h; none: no statement), identify/group/merge
 * statements, the events statement (insert with de-duplication by each
 * partition's unique message key, in one multi-row statement over
 * unnest arrays, plus one rollup_pending row from which rollup.c adds
 * the daily rollups and queues scoring right after), NOTIFY when
 * identify, group or alias queued a person, COMMIT.  Only after the
 * COMMIT answers does each request get its 2xx.  Cached ids carry the
 * person epoch they were learned under; the events statement refuses
 * them under another (SQLSTATE HE001: persons were deleted meanwhile)
 * and the group is written again without the cache.
 *
 * The persons and events statements are prepared once per connection
 * (their planning cost a tenth of the database's time per event); where
 * a pooler in transaction mode hands the next transaction to a server
 * connection that does not know them (SQLSTATE 26000), the writer falls
 * back to unnamed statements for that connection and retries the group,
 * so it works behind pgbouncer too.  A lost connection is reopened and
 * the group retried once; a retried group cannot count twice because
 * the partitions' keys refuse message ids already stored and rollups
 * come from the rows actually inserted.  The queue is bounded: past
 * QUEUE_MAX events, requests get 503 + Retry-After at once. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "ingest/ingest.h"
#include "ingest/people.h"
#include "ingest/personids.h"
#include "store/db.h"

#define WRITERS       3 /* two left the database idle 8 % of the time */
#define GROUP_MAX     1000  /* events per transaction at most */
#define GROUP_TARGET  400   /* a group this big goes at once */
#define GROUP_WAIT    0.002 /* else the oldest waits this long (s) */
#define QUEUE_MAX     50000 /* events waiting, then 503 */
#define DOWN_BACKOFF  0.2   /* after a failed connect, fail fast (s) */
#define NCOLS         12 /* events: 0..9, persons not cached: 10, 11 */
#define C_PID         9
#define C_MISS_WS     10
#define C_MISS_UID    11
#define EVENT_PARAMS  11 /* columns 0..9 and the epoch of the cached ids */
#define ANALYZE_AFTER 500 /* new persons before statistics refresh */
#define ANALYZE_GAP   5.0 /* seconds between two refreshes */
#define LOAD_WINDOW   1.0 /* seconds over which writer_load is taken */

enum outcome { W_OK, W_DOWN, W_RETRY, W_BAD, W_ERROR };

struct seen {
	int64_t ws;
	const char *mid;
};

struct writer {
	int id;
	pthread_t thread;
	PGconn *pg;
	double down_until;
	struct buf cols[NCOLS];
	char error[512];
	bool named; /* the two statements are prepared on this connection */
	long misses;       /* events of the group whose person is not cached */
	int64_t epoch;     /* of the cached ids the group was built with */
	int64_t seen_epoch; /* the person epoch the events statement saw */
	PGresult *persons; /* the persons statement's ids, until the commit */
	int persons_at, events_at; /* their places among the results */
	struct seen *seen; /* message ids of the group being built */
	size_t nseen;      /* slots, a power of two */
	long new_persons;  /* inserted since the last ANALYZE */
	double analyzed_at;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct ingest_job *head, *tail;
	long queued;
	double oldest; /* enqueue time of head */
	int busy;
	double busy_s, window_at; /* writing time since window_at */
	double load;              /* of the last full window */
	bool running, stopping;
	struct writer w[WRITERS];
} q = {.lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER};

/* The people of the group whose id is not cached: inserted when new,
 * and every id returned (with whether it is new) for the cache. */
static const char SQL_PERSONS[] =
    "WITH t AS (SELECT DISTINCT t.ws, t.uid"
    "  FROM unnest($1::int8[], $2::text[]) AS t(ws, uid)"
    "  WHERE t.uid IS NOT NULL),"
    " n AS (INSERT INTO persons (workspace_id, external_id)"
    "  SELECT t.ws, t.uid FROM t WHERE NOT EXISTS (SELECT 1 FROM persons p"
    "   WHERE p.workspace_id = t.ws AND p.external_id = t.uid)"
    "  ORDER BY 1, 2 ON CONFLICT DO NOTHING"
    "  RETURNING workspace_id, external_id, id)"
    " SELECT workspace_id, external_id, id, true FROM n"
    " UNION ALL SELECT p.workspace_id, p.external_id, p.id, false"
    " FROM t JOIN persons p ON p.workspace_id = t.ws"
    "  AND p.external_id = t.uid";

/* The arrays hold each message id of a workspace once (build_columns). */
static const char SQL_EVENTS[] =
    "WITH u AS (SELECT * FROM unnest($1::int8[],"
    "  $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    "  $7::jsonb[], $8::jsonb[], $9::timestamptz[], $10::int8[])"
    "  AS u(ws, mid, typ, nam, anon, uid, props, ctx, occ, pid)"
    /* Cached ids stand only under the epoch they were learned in. */
    "  WHERE (SELECT herald_person_epoch_check($11))),"
    " ins AS (INSERT INTO events (workspace_id, message_id, source, type,"
    "  name, person_id, anonymous_id, user_id, props, context,"
    "  occurred_at)"
    "  SELECT u.ws, u.mid, 'api', u.typ, u.nam,"
    /* The lookups run only for the events without a cached id. */
    "   coalesce(u.pid,"
    "    (SELECT p.id FROM persons p WHERE p.workspace_id = u.ws"
    "     AND p.external_id = u.uid),"
    "    (SELECT a.person_id FROM anonymous_ids a WHERE u.uid IS NULL"
    "     AND a.workspace_id = u.ws AND a.anonymous_id = u.anon)),"
    "   u.anon, u.uid, u.props, u.ctx, u.occ"
    /* Erased people's message ids stay refused (migration 0101); a
     * message id the partition holds already is skipped by its key. */
    "  FROM u WHERE NOT EXISTS (SELECT 1 FROM erased_keys e"
    "   WHERE e.workspace_id = u.ws AND e.message_id = u.mid)"
    "  ON CONFLICT DO NOTHING"
    "  RETURNING workspace_id, person_id, type, name, occurred_at),"
    /* The rollups and the score queue follow from one pending row
     * (rollup.c), written in this transaction. */
    " pend AS (INSERT INTO rollup_pending (ws, pid, typ, key, occ)"
    "  SELECT array_agg(workspace_id), array_agg(person_id),"
    "   array_agg(type),"
    "   array_agg(CASE WHEN type = 'track' THEN name ELSE type END),"
    "   array_agg(occurred_at)"
    "  FROM ins WHERE person_id IS NOT NULL HAVING count(*) > 0)"
    " SELECT count(*), (SELECT n FROM person_epoch) FROM ins";

static char NAME_PERSONS[DB_NAME_LEN], NAME_EVENTS[DB_NAME_LEN];

/* ---- binary arrays ------------------------------------------------- */

/* Each column goes as a one-dimensional array in PostgreSQL's binary
 * form: a header (dimensions, null flag, element type, length, lower
 * bound) and each element as its length and bytes, -1 for NULL.  The
 * server then copies the elements instead of parsing quoted text, and
 * occurred_at arrives as the integer it is stored as. */
#define ARR_HEADER 20
#define OID_INT8   20
#define OID_TEXT   25
#define OID_TSTZ   1184
#define OID_JSONB  3802
#define PG_EPOCH_MS 946684800000LL /* 2000-01-01 in Unix milliseconds */

static const unsigned col_oid[NCOLS] = {
    OID_INT8,  OID_TEXT,  OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT,
    OID_JSONB, OID_JSONB, OID_TSTZ, OID_INT8, OID_INT8, OID_TEXT};

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static bool
arr_be32(struct buf *b, uint32_t v)
{
	unsigned char p[4];

	put_be32(p, v);
	return buf_append(b, p, 4);
}

static bool
arr_i64(struct buf *b, int64_t v)
{
	unsigned char p[8];

	put_be32(p, (uint32_t)((uint64_t)v >> 32));
	put_be32(p + 4, (uint32_t)v);
	return arr_be32(b, 8) && buf_append(b, p, 8);
}

static bool
arr_text(struct buf *b, const char *s)
{
	size_t n;

	if (s == NULL)
		return arr_be32(b, UINT32_MAX); /* -1: NULL */
	n = strlen(s);
	return arr_be32(b, (uint32_t)n) && buf_append(b, s, n);
}

/* jsonb's binary form is a version byte before the text. */
static bool
arr_jsonb(struct buf *b, const char *s)
{
	size_t n;

	if (s == NULL)
		return arr_be32(b, UINT32_MAX);
	n = strlen(s);
	return arr_be32(b, (uint32_t)n + 1) && buf_append(b, "\1", 1) &&
	       buf_append(b, s, n);
}

/* Fills in the header build_columns reserved, once n is known. */
static void
arr_finish(struct buf *b, unsigned oid, uint32_t n)
{
	unsigned char *h = (unsigned char *)b->data;

	if (n == 0) {
		/* No dimensions at all: an empty array. */
		put_be32(h, 0);
		put_be32(h + 4, 0);
		put_be32(h + 8, oid);
		b->len = 12;
		return;
	}
	put_be32(h, 1);
	put_be32(h + 4, 1); /* may hold NULLs */
	put_be32(h + 8, oid);
	put_be32(h + 12, n);
	put_be32(h + 16, 1);
}

static const char *const type_names[] = {"track", "identify", "group",
                                         "page",  "screen",   "alias"};

/* An event's columns; the caller holds personids_lock(). */
static bool
add_event(struct writer *w, const struct ingest_job *j,
          const struct ingest_event *e)
{
	const char *uid = ingest_str(j, e->uid);
	int64_t pid = personids_get(e->ws, uid);
	bool ok = pid != 0 ? arr_i64(&w->cols[C_PID], pid)
	                   : arr_text(&w->cols[C_PID], NULL);

	if (ok && pid == 0 && uid != NULL) {
		ok = arr_i64(&w->cols[C_MISS_WS], e->ws) &&
		     arr_text(&w->cols[C_MISS_UID], uid);
		w->misses++;
	}
	return ok && arr_i64(&w->cols[0], e->ws) &&
	       arr_text(&w->cols[1], ingest_str(j, e->mid)) &&
	       arr_text(&w->cols[2], type_names[e->kind]) &&
	       arr_text(&w->cols[3], ingest_str(j, e->name)) &&
	       arr_text(&w->cols[4], ingest_str(j, e->anon)) &&
	       arr_text(&w->cols[5], ingest_str(j, e->uid)) &&
	       arr_jsonb(&w->cols[6], ingest_str(j, e->props)) &&
	       arr_jsonb(&w->cols[7], ingest_str(j, e->ctx)) &&
	       arr_i64(&w->cols[8], (e->occurred_ms - PG_EPOCH_MS) * 1000);
}

/* Whether the group already holds this message id of the workspace (a
 * batch may repeat one, and so may two requests of a group): only the
 * first is stored, as the partition's key would keep only one. */
static bool
seen_before(struct writer *w, int64_t ws, const char *mid)
{
	size_t mask = w->nseen - 1;

	for (size_t i = (size_t)util_hash_str(mid, (uint64_t)ws) & mask;;
	     i = (i + 1) & mask) {
		struct seen *s = &w->seen[i];

		if (s->mid == NULL) {
			s->ws = ws;
			s->mid = mid;
			return false;
		}
		if (s->ws == ws && strcmp(s->mid, mid) == 0)
			return true;
	}
}

/* An empty table with at least twice as many slots as events. */
static bool
seen_reset(struct writer *w, long events)
{
	size_t want = 1024;

	while (want < (size_t)events * 2)
		want *= 2;
	if (want > w->nseen) {
		struct seen *s = realloc(w->seen, want * sizeof(*s));

		if (s == NULL)
			return false;
		w->seen = s;
		w->nseen = want;
	}
	memset(w->seen, 0, w->nseen * sizeof(*w->seen));
	return true;
}

static long
count_events(const struct ingest_job *group)
{
	long n = 0;

	for (; group != NULL; group = group->next)
		n += group->nev;
	return n;
}

static bool
build_columns(struct writer *w, struct ingest_job *group)
{
	static const char header[ARR_HEADER];
	uint32_t n = 0;
	bool ok = true;

	if (!seen_reset(w, count_events(group)))
		return false;
	for (int c = 0; c < NCOLS; c++) {
		w->cols[c].len = 0;
		if (!buf_append(&w->cols[c], header, sizeof(header)))
			return false;
	}
	w->misses = 0;
	personids_lock();
	w->epoch = personids_epoch();
	for (struct ingest_job *j = group; ok && j != NULL; j = j->next)
		for (int i = 0; ok && i < j->nev; i++) {
			const struct ingest_event *e = &j->ev[i];
			const char *mid = ingest_str(j, e->mid);

			if (mid != NULL && seen_before(w, e->ws, mid))
				continue;
			ok = add_event(w, j, e);
			n++;
		}
	personids_unlock();
	for (int c = 0; c < C_MISS_WS; c++)
		arr_finish(&w->cols[c], col_oid[c], n);
	for (int c = C_MISS_WS; c < NCOLS; c++)
		arr_finish(&w->cols[c], col_oid[c], (uint32_t)w->misses);
	return ok;
}

/* After a commit: the ids the persons statement returned join the
 * cache, if persons did not change since the cache's ids were learned.
 * A newer epoch empties the cache (it starts again under that one); a
 * group that saw an older one than the cache has now teaches nothing. */
static void
learn_ids(struct writer *w)
{
	PGresult *r = w->persons;

	personids_lock();
	if (w->seen_epoch > personids_epoch()) {
		personids_reset(w->seen_epoch);
	} else if (w->epoch == w->seen_epoch &&
	           w->seen_epoch == personids_epoch() && r != NULL) {
		for (int i = 0; i < PQntuples(r); i++)
			(void)personids_put(
			    strtoll(PQgetvalue(r, i, 0), NULL, 10),
			    PQgetvalue(r, i, 1),
			    strtoll(PQgetvalue(r, i, 2), NULL, 10));
	}
	personids_unlock();
}

/* ---- connection ---------------------------------------------------- */

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static bool
prepare(PGconn *pg, const char *name, const char *sql, int n)
{
	PGresult *r = PQprepare(pg, name, sql, n, NULL);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	PQclear(r);
	return ok;
}

static bool
writer_connect(struct writer *w)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {config.database_url, "herald-writer", NULL};

	if (w->pg != NULL && PQstatus(w->pg) == CONNECTION_OK)
		return true;
	if (util_now() < w->down_until)
		return false;
	PQfinish(w->pg);
	w->pg = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(w->pg) != CONNECTION_OK) {
		snprintf(w->error, sizeof(w->error), "%s",
		         PQerrorMessage(w->pg));
		PQfinish(w->pg);
		w->pg = NULL;
		w->down_until = util_now() + DOWN_BACKOFF;
		return false;
	}
	PQsetClientEncoding(w->pg, "UTF8");
	PQsetNoticeProcessor(w->pg, quiet, NULL);
	w->named = prepare(w->pg, NAME_PERSONS, SQL_PERSONS, 2) &&
	           prepare(w->pg, NAME_EVENTS, SQL_EVENTS, EVENT_PARAMS);
	log_info("component=writer writer=%d connected statements=%s", w->id,
	         w->named ? "prepared" : "unnamed");
	return true;
}

static enum outcome
classify(struct writer *w, const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	snprintf(w->error, sizeof(w->error), "%s",
	         r ? PQresultErrorMessage(r) : PQerrorMessage(w->pg));
	if (PQstatus(w->pg) != CONNECTION_OK || st == NULL)
		return W_DOWN;
	if (strncmp(st, "08", 2) == 0 || strncmp(st, "57", 2) == 0 ||
	    strncmp(st, "53", 2) == 0)
		return W_DOWN;
	if (strncmp(st, "40", 2) == 0)
		return W_RETRY;
	if (strcmp(st, "26000") == 0 && w->named) {
		/* Not this server connection's statement: a pooler between. */
		w->named = false;
		log_info("component=writer writer=%d statements=unnamed "
		         "(prepared statement unknown to the server)",
		         w->id);
		return W_RETRY;
	}
	if (strcmp(st, "HE001") == 0) {
		/* Persons were deleted since the ids were cached. */
		personids_lock();
		personids_reset(-1);
		personids_unlock();
		log_info("component=writer writer=%d person ids forgotten "
		         "(persons changed)",
		         w->id);
		return W_RETRY;
	}
	if (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0)
		return W_BAD;
	return W_ERROR;
}

/* ---- one transaction ----------------------------------------------- */

static bool
send_sql(struct writer *w, const char *sql)
{
	return PQsendQueryParams(w->pg, sql, 0, NULL, NULL, NULL, NULL, 0) ==
	       1;
}

/* One of the two prepared statements, or its text where not prepared;
 * every parameter is in binary form. */
static bool
send_stmt(struct writer *w, const char *name, const char *sql, int n,
          const char *const *v, const int *len)
{
	static const int binary[EVENT_PARAMS] = {1, 1, 1, 1, 1, 1,
	                                         1, 1, 1, 1, 1};

	if (!w->named)
		return PQsendQueryParams(w->pg, sql, n, NULL, v, len, binary,
		                         0) == 1;
	return PQsendQueryPrepared(w->pg, name, n, v, len, binary, 0) == 1;
}

static bool
send_group(struct writer *w, struct ingest_job *group, int *sent)
{
	const char *v[EVENT_PARAMS];
	int len[EVENT_PARAMS];
	unsigned char epoch[8];
	int before;

	if (!send_sql(w, "BEGIN"))
		return false;
	*sent = 1;
	w->persons_at = w->misses > 0 ? *sent : -1;
	if (w->misses > 0) {
		v[0] = w->cols[C_MISS_WS].data;
		len[0] = (int)w->cols[C_MISS_WS].len;
		v[1] = w->cols[C_MISS_UID].data;
		len[1] = (int)w->cols[C_MISS_UID].len;
		if (!send_stmt(w, NAME_PERSONS, SQL_PERSONS, 2, v, len))
			return false;
		(*sent)++;
	}
	before = *sent;
	for (struct ingest_job *j = group; j != NULL; j = j->next)
		for (int i = 0; i < j->nev; i++) {
			int n = people_send(w->pg, j, &j->ev[i]);

			if (n < 0)
				return false;
			*sent += n;
		}
	for (int c = 0; c <= C_PID; c++) {
		v[c] = w->cols[c].data;
		len[c] = (int)w->cols[c].len;
	}
	put_be32(epoch, (uint32_t)((uint64_t)w->epoch >> 32));
	put_be32(epoch + 4, (uint32_t)w->epoch);
	v[C_PID + 1] = (const char *)epoch;
	len[C_PID + 1] = 8;
	w->events_at = *sent;
	/* Identify, group and alias queue their person for scoring; the
	 * merger queues the people of the events. */
	if (!send_stmt(w, NAME_EVENTS, SQL_EVENTS, EVENT_PARAMS, v, len) ||
	    (*sent > before && !send_sql(w, "NOTIFY herald_score")) ||
	    !send_sql(w, "COMMIT") || PQpipelineSync(w->pg) != 1)
		return false;
	*sent += *sent > before ? 3 : 2;
	return true;
}

/* Keeps what the persons and events statements returned. */
static void
keep_result(struct writer *w, int i, PGresult *r)
{
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return;
	}
	if (i == w->persons_at) {
		for (int k = 0; k < PQntuples(r); k++)
			w->new_persons += PQgetvalue(r, k, 3)[0] == 't';
		PQclear(w->persons);
		w->persons = r;
		return;
	}
	if (i == w->events_at && PQntuples(r) == 1)
		w->seen_epoch = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
}

/* Reads every result up to the sync; the first failure decides. */
static enum outcome
read_results(struct writer *w, int sent)
{
	enum outcome result = W_OK;
	PGresult *r;

	for (int i = 0; i < sent; i++) {
		while ((r = PQgetResult(w->pg)) != NULL) {
			ExecStatusType st = PQresultStatus(r);

			if (result == W_OK && st != PGRES_COMMAND_OK &&
			    st != PGRES_TUPLES_OK)
				result = classify(w, r);
			keep_result(w, i, r);
		}
		if (PQstatus(w->pg) != CONNECTION_OK)
			return classify(w, NULL);
	}
	r = PQgetResult(w->pg);
	if (r == NULL || PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
		PQclear(r);
		return result == W_OK ? classify(w, NULL) : result;
	}
	PQclear(r);
	return result;
}

static enum outcome
run_group(struct writer *w, struct ingest_job *group)
{
	enum outcome result;
	int sent = 0;

	if (!writer_connect(w))
		return W_DOWN;
	if (!build_columns(w, group)) {
		snprintf(w->error, sizeof(w->error), "out of memory");
		return W_ERROR;
	}
	if (PQenterPipelineMode(w->pg) != 1)
		return classify(w, NULL);
	w->seen_epoch = w->epoch;
	if (!send_group(w, group, &sent)) {
		result = classify(w, NULL);
		if (PQstatus(w->pg) == CONNECTION_OK)
			PQpipelineSync(w->pg);
		sent++;
		if (PQstatus(w->pg) == CONNECTION_OK)
			read_results(w, sent);
	} else {
		result = read_results(w, sent);
	}
	if (PQstatus(w->pg) != CONNECTION_OK) {
		PQclear(w->persons);
		w->persons = NULL;
		PQfinish(w->pg);
		w->pg = NULL;
		return W_DOWN;
	}
	PQexitPipelineMode(w->pg);
	if (PQtransactionStatus(w->pg) != PQTRANS_IDLE)
		PQclear(PQexec(w->pg, "ROLLBACK"));
	if (result == W_OK)
		learn_ids(w);
	PQclear(w->persons);
	w->persons = NULL;
	return result;
}

/* A workspace that starts sending gets many new persons at once; until
 * autovacuum analyzes the table the planner may look them up through
 * the wrong index.  Refresh the statistics when many were added. */
static void
maybe_analyze(struct writer *w)
{
	double now = util_now();

	if (w->pg == NULL || w->new_persons < ANALYZE_AFTER ||
	    now - w->analyzed_at < ANALYZE_GAP)
		return;
	w->new_persons = 0;
	w->analyzed_at = now;
	PQclear(PQexec(w->pg, "ANALYZE persons"));
}

/* ---- replies ------------------------------------------------------- */

static void
reply_ok(struct ingest_job *j)
{
	cJSON *root;

	if (j->rejected == NULL) {
		http_reply(j->req, 200, "application/json",
		           "{\"success\":true}", 16);
		return;
	}
	root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "success", false);
	cJSON_AddStringToObject(root, "error", "some messages were rejected");
	cJSON_AddNumberToObject(root, "accepted", j->nev);
	cJSON_AddItemToObject(root, "rejected", j->rejected);
	j->rejected = NULL;
	http_json(j->req, 400, root);
}

static void
reply_fail(struct ingest_job *j, enum outcome o, const char *error)
{
	if (o == W_DOWN || o == W_RETRY) {
		http_add_header(j->req, "Retry-After", "1");
		http_error(j->req, 503, "database unavailable, retry later");
	} else if (o == W_BAD) {
		http_error(j->req, 400, "batch refused by the database: %s",
		           error);
	} else {
		http_error(j->req, 500, "internal error storing events");
	}
}

static void
finish(struct ingest_job *group, enum outcome o, const char *error)
{
	struct ingest_job *next;

	for (struct ingest_job *j = group; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		if (o == W_OK)
			reply_ok(j);
		else
			reply_fail(j, o, error);
		ingest_job_free(j);
	}
}

/* Writes a group, retrying once after a lost connection or a deadlock,
 * and request by request when the database refuses the data. */
static void
write_group(struct writer *w, struct ingest_job *group)
{
	double t0 = util_now();
	enum outcome o = run_group(w, group);
	struct ingest_job *next;

	log_debug("component=writer writer=%d events=%ld ms=%.2f outcome=%d",
	          w->id, count_events(group), (util_now() - t0) * 1000, (int)o);

	if (o == W_DOWN) {
		w->down_until = 0;
		o = run_group(w, group);
	}
	/* A deadlock with the scorer or another writer: try again. */
	for (int i = 0; i < 3 && o == W_RETRY; i++)
		o = run_group(w, group);
	if (o == W_BAD && group->next != NULL) {
		for (struct ingest_job *j = group; j != NULL; j = next) {
			next = j->next;
			j->next = NULL;
			write_group(w, j);
		}
		return;
	}
	if (o == W_OK)
		rollup_signal();
	else
		log_warn("component=writer writer=%d events=%ld outcome=%d "
		         "%s",
		         w->id, count_events(group), (int)o, w->error);
	finish(group, o, w->error);
	maybe_analyze(w);
}

/* ---- queue --------------------------------------------------------- */

bool
writer_reserve(int n)
{
	bool ok;

	pthread_mutex_lock(&q.lock);
	ok = q.running && !q.stopping && q.queued + n <= QUEUE_MAX;
	if (ok)
		q.queued += n;
	pthread_mutex_unlock(&q.lock);
	return ok;
}

/* Whether a group should leave now: nothing else is being written, or
 * enough waits, or the oldest has waited long enough. */
static bool
group_due(double now)
{
	return q.busy == 0 || q.queued >= GROUP_TARGET ||
	       now - q.oldest >= GROUP_WAIT || q.stopping;
}

void
writer_submit(struct ingest_job *job)
{
	bool first;

	pthread_mutex_lock(&q.lock);
	job->next = NULL;
	first = q.tail == NULL;
	if (!first) {
		q.tail->next = job;
	} else {
		q.head = job;
		q.oldest = util_now();
	}
	q.tail = job;
	/* A writer is woken when the queue stops being empty (it then
	 * waits out GROUP_WAIT by itself) or when this job makes a group
	 * due: not for every job, each of which cost a thread switch. */
	if (first || group_due(util_now()))
		pthread_cond_signal(&q.ready);
	pthread_mutex_unlock(&q.lock);
}

static struct ingest_job *
take_group(void)
{
	struct ingest_job *group = q.head, *last = q.head;
	long n = last->nev;

	while (last->next != NULL && n + last->next->nev <= GROUP_MAX) {
		last = last->next;
		n += last->nev;
	}
	q.head = last->next;
	if (q.head == NULL)
		q.tail = NULL;
	last->next = NULL;
	q.queued -= n;
	q.oldest = util_now();
	return group;
}

/* Adds a group's writing time to the load window (q.lock held). */
static void
account_busy(double started, double now)
{
	q.busy_s += now - started;
	if (now - q.window_at < LOAD_WINDOW)
		return;
	q.load = q.busy_s / (WRITERS * (now - q.window_at));
	q.busy_s = 0;
	q.window_at = now;
}

double
writer_load(void)
{
	double load;

	pthread_mutex_lock(&q.lock);
	/* Every writer inside a write is full load, however long those
	 * writes have taken (a window closes only when one ends); else a
	 * window that ended long ago had no writes since. */
	if (q.busy == WRITERS)
		load = 1;
	else
		load = util_now() - q.window_at < 2 * LOAD_WINDOW ? q.load : 0;
	pthread_mutex_unlock(&q.lock);
	return load;
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct ingest_job *group;
	double started;

	writer_connect(w);
	pthread_mutex_lock(&q.lock);
	for (;;) {
		if (q.head == NULL) {
			if (q.stopping)
				break;
			pthread_cond_wait(&q.ready, &q.lock);
			continue;
		}
		if (!group_due(util_now())) {
			util_cond_wait_for(&q.ready, &q.lock, GROUP_WAIT);
			continue;
		}
		group = take_group();
		q.busy++;
		/* What did not fit in the group may be due for another. */
		if (q.head != NULL)
			pthread_cond_signal(&q.ready);
		pthread_mutex_unlock(&q.lock);
		started = util_now();
		write_group(w, group);
		pthread_mutex_lock(&q.lock);
		q.busy--;
		account_busy(started, util_now());
		pthread_cond_broadcast(&q.ready);
	}
	pthread_mutex_unlock(&q.lock);
	return NULL;
}

bool
writer_start(void)
{
	q.stopping = false;
	db_statement_name(SQL_PERSONS, NAME_PERSONS);
	db_statement_name(SQL_EVENTS, NAME_EVENTS);
	for (int i = 0; i < WRITERS; i++) {
		struct writer *w = &q.w[i];

		w->id = i;
		for (int c = 0; c < NCOLS; c++)
			buf_init(&w->cols[c], (size_t)64 << 20);
		if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
			return false;
	}
	q.running = true;
	return true;
}

void
writer_stop(void)
{
	if (!q.running)
		return;
	pthread_mutex_lock(&q.lock);
	q.stopping = true;
	pthread_cond_broadcast(&q.ready);
	pthread_mutex_unlock(&q.lock);
	for (int i = 0; i < WRITERS; i++) {
		struct writer *w = &q.w[i];

		pthread_join(w->thread, NULL);
		PQfinish(w->pg);
		w->pg = NULL;
		for (int c = 0; c < NCOLS; c++)
			buf_cleanup(&w->cols[c]);
		free(w->seen);
		w->seen = NULL;
		w->nseen = 0;
	}
	personids_free();
	q.running = false;
}
