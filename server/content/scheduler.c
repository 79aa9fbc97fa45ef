/* Herald - the release scheduler.  One statement both claims and
 * publishes: UPDATE ... WHERE status = 'scheduled' AND publish_at <=
 * now() RETURNING.  When two processes run it at once, the second waits
 * for the first's row locks, re-checks the WHERE clause and skips the
 * rows already published, so each release is published exactly once,
 * across restarts too (the state lives only in the database). */
#include <stdio.h>

#include "content/scheduler.h"
#include "core/log.h"
#include "core/worker.h"
#include "store/db.h"

#define POLL_S 1.0

static struct worker sched = WORKER_INIT;

/* published_at is the scheduled time, so a release that waited through
 * a restart is dated when it was meant to appear. */
static const char sql_publish[] =
    "WITH due AS (UPDATE releases SET status = 'published',"
    " published_at = COALESCE(published_at, publish_at, now()),"
    " updated_at = now()"
    " WHERE status = 'scheduled' AND publish_at <= now()"
    " RETURNING workspace_id, id, slug)"
    " SELECT workspace_id, id, slug,"
    " pg_notify('herald_release_published', json_build_object("
    " 'workspace_id', workspace_id, 'release_id', id, 'slug', slug)::text)"
    " FROM due";

int
scheduler_run_once(char *err, size_t errlen)
{
	PGresult *r = NULL;
	int n;

	if (db_exec(&r, sql_publish, 0, NULL, err, errlen) != DB_OK)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		log_info("component=scheduler ws=%s release=%s slug=%s "
		         "published",
		         PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		         PQgetvalue(r, i, 2));
	PQclear(r);
	return n;
}

static void *
loop(void *arg)
{
	char err[512];
	bool failing = false;

	(void)arg;
	do {
		int n = scheduler_run_once(err, sizeof(err));

		if (n < 0 && !failing)
			log_warn("component=scheduler cannot publish due "
			         "releases: %s",
			         err);
		failing = n < 0;
	} while (worker_nap(&sched, POLL_S));
	return NULL;
}

bool
scheduler_start(void)
{
	if (!worker_start(&sched, loop)) {
		log_error("component=scheduler cannot start its thread");
		return false;
	}
	return true;
}

void
scheduler_stop(void)
{
	worker_stop(&sched);
}
