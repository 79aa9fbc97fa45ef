/* Herald - the rollup merger: daily rollups and the score queue, shortly
 * after the events (migration 0098).
 *
 * Each ingest transaction stores one rollup_pending row listing the
 * events it inserted.  This thread wakes when a writer committed one
 * (or every POLL_S, for rows another process or a crash left), lets
 * a gap pass since its last merge so that a busy person's events of
 * many groups add up to one row update, then merges: in ONE statement
 * it claims pending rows (FOR UPDATE SKIP LOCKED: processes share the
 * work), deletes them, adds them up per person, day and key into
 * person_daily, and queues the people for scoring with the urgency of
 * their events' keys.  The queue insert locks an existing queue row, as
 * every queue writer must (migration 0070), so the scorer never claims
 * a person between this commit and the rollups it reads.
 *
 * The gap is MERGE_GAP, or MERGE_SHARE times as long as the last merge
 * took, up to MERGE_GAP_MAX.  A merge costs about one row update per
 * person it touches, however many events each has, so under a load that
 * keeps thousands of people busy it takes long and the longer gap adds
 * up more events per update: the merger keeps to a fixed share of one
 * connection instead of running back to back.  Scores then lag by up to
 * the gap, little beside the scorer's own backlog at such a load; under
 * a light load merges are short and the gap stays MERGE_GAP.
 *
 * The merge commits without waiting for the WAL flush: a PostgreSQL
 * crash that loses it loses the deletion of the pending rows too, and
 * the next merge applies them. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/util.h"
#include "core/worker.h"
#include "ingest/ingest.h"
#include "store/db.h"

#define MERGE_GAP     0.2  /* seconds from one merge to the next, at least */
#define MERGE_GAP_MAX 4.0  /* ... and at most */
#define MERGE_SHARE   6    /* gap per second the last merge took: the
                            * merger keeps to a seventh of a connection */
#define POLL_S        1    /* look for pending rows this often anyway */
#define CLAIM_ROWS    1000 /* pending rows (ingest groups) per merge */
#define FAIL_WAIT     0.5  /* after a failed merge (s) */

static const char SQL_MERGE[] =
    "WITH p AS (DELETE FROM rollup_pending WHERE id IN (SELECT id"
    "  FROM rollup_pending ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)"
    "  RETURNING ws, pid, typ, key, occ),"
    /* One pass over the events: counts per person, type, key and day
     * in the workspace's time zone, of people not erased since their
     * events were stored.  The rollups and the queue follow from these
     * few rows. */
    " g AS (SELECT x.ws, x.pid, x.typ, x.key,"
    "  (x.occ AT TIME ZONE w.timezone)::date AS day, count(*) AS n"
    "  FROM p, unnest(p.ws, p.pid, p.typ, p.key, p.occ)"
    "   AS x(ws, pid, typ, key, occ)"
    "  JOIN workspaces w ON w.id = x.ws GROUP BY 1, 2, 3, 4, 5),"
    " a AS (SELECT g.* FROM g JOIN persons ps ON ps.workspace_id = g.ws"
    "  AND ps.id = g.pid),"
    " roll AS (INSERT INTO person_daily AS pd (workspace_id, person_id,"
    "  day, event, count, value)"
    "  SELECT ws, pid, day, key, sum(n), 0 FROM a"
    "  WHERE typ IN ('track', 'page', 'screen')"
    "  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    "  ON CONFLICT (workspace_id, person_id, day, event) DO UPDATE"
    "   SET count = pd.count + EXCLUDED.count RETURNING 1),"
    " r AS (SELECT DISTINCT ws, pid, typ, key FROM a),"
    /* Whether a key queues its person, and how soon: looked up once per
     * workspace and key, not once per event. */
    " urg AS (SELECT k.ws, k.typ, k.key,"
    "  CASE WHEN k.typ NOT IN ('track', 'page', 'screen')"
    "   OR NOT EXISTS (SELECT 1 FROM score_events s"
    "    WHERE s.workspace_id = k.ws) THEN true"
    "  ELSE (SELECT bool_or(s.urgent) FROM score_events s"
    "   WHERE s.workspace_id = k.ws"
    "    AND s.event IN ('*', k.key)) END AS urgent"
    "  FROM (SELECT DISTINCT ws, typ, key FROM r) k),"
    " sq AS (INSERT INTO score_queue (workspace_id, person_id, queued_at)"
    "  SELECT r.ws, r.pid, now() + CASE WHEN bool_or(g.urgent)"
    "   THEN interval '0' ELSE interval '30 seconds' END"
    "  FROM r JOIN urg g ON g.ws = r.ws AND g.typ = r.typ"
    "   AND g.key IS NOT DISTINCT FROM r.key"
    "  WHERE g.urgent IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
    "  ON CONFLICT (workspace_id, person_id) DO UPDATE"
    "  SET queued_at = EXCLUDED.queued_at"
    "  WHERE EXCLUDED.queued_at < score_queue.queued_at RETURNING 1)"
    " SELECT (SELECT count(*) FROM p), (SELECT coalesce(sum(n), 0) FROM g),"
    "  (SELECT count(*) FROM roll), (SELECT count(*) FROM sq)";

static struct worker merger = WORKER_INIT;

static struct {
	bool due;              /* a writer committed since the last merge */
	long merges, failures; /* since start, for the log at stop */
} m;

void
rollup_signal(void)
{
	pthread_mutex_lock(&merger.lock);
	m.due = true;
	pthread_cond_signal(&merger.wake);
	pthread_mutex_unlock(&merger.lock);
}

/* One merge.  Returns the pending rows applied, or -1 on failure. */
static long
merge_once(void)
{
	char err[256], claim[16];
	const char *params[1] = {claim};
	struct db_conn *c = db_acquire(5000, err, sizeof(err));
	PGresult *r = NULL;
	long rows = -1;

	if (c == NULL) {
		log_warn("component=rollup no connection: %s", err);
		return -1;
	}
	snprintf(claim, sizeof(claim), "%d", CLAIM_ROWS);
	if (db_query(c, NULL, "BEGIN", 0, NULL) != DB_OK ||
	    db_query(c, NULL, "SET LOCAL synchronous_commit = off", 0, NULL) !=
	        DB_OK ||
	    db_prepared(c, &r, SQL_MERGE, 1, params) != DB_OK) {
		log_warn("component=rollup merge failed: %s", c->error);
		db_release(c);
		return -1;
	}
	rows = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	if (strtol(PQgetvalue(r, 0, 3), NULL, 10) > 0 &&
	    db_query(c, NULL, "NOTIFY herald_score", 0, NULL) != DB_OK)
		rows = -1;
	if (rows >= 0 && db_query(c, NULL, "COMMIT", 0, NULL) != DB_OK)
		rows = -1;
	if (rows < 0)
		log_warn("component=rollup merge failed: %s", c->error);
	else if (rows > 0)
		log_debug("component=rollup groups=%ld events=%s daily=%s "
		          "queued=%s",
		          rows, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
		          PQgetvalue(r, 0, 3));
	PQclear(r);
	db_release(c);
	return rows;
}

/* Merges until nothing is pending (or a merge failed). */
static bool
merge_all(void)
{
	long rows;

	do {
		rows = merge_once();
		if (rows < 0) {
			m.failures++;
			return false;
		}
		m.merges += rows > 0;
	} while (rows >= CLAIM_ROWS);
	return true;
}

static void
wait_until(double t)
{
	util_cond_wait_for(&merger.wake, &merger.lock, t - util_now());
}

static void *
rollup_main(void *arg)
{
	double next = 0, start, gap, retry_at;
	bool ok;

	(void)arg;
	pthread_mutex_lock(&merger.lock);
	while (!merger.stopping) {
		/* Gather until the gap has passed. */
		while (!merger.stopping && util_now() < next)
			wait_until(next);
		m.due = false;
		pthread_mutex_unlock(&merger.lock);
		start = util_now();
		ok = merge_all();
		gap = MERGE_SHARE * (util_now() - start);
		gap = gap < MERGE_GAP ? MERGE_GAP : gap;
		next = util_now() + (gap < MERGE_GAP_MAX ? gap : MERGE_GAP_MAX);
		retry_at = start + (ok ? POLL_S : FAIL_WAIT);
		pthread_mutex_lock(&merger.lock);
		/* Until a writer commits, or the poll; after a failure, the
		 * full FAIL_WAIT whatever commits meanwhile. */
		while (!merger.stopping && (!ok || !m.due) &&
		       util_now() < retry_at)
			wait_until(retry_at);
	}
	pthread_mutex_unlock(&merger.lock);
	/* The writer has stopped: what it committed last is merged now. */
	merge_all();
	log_info("component=rollup merges=%ld failures=%ld stopped", m.merges,
	         m.failures);
	return NULL;
}

bool
rollup_start(void)
{
	m.due = true;
	return worker_start(&merger, rollup_main);
}

void
rollup_stop(void)
{
	worker_stop(&merger);
}
