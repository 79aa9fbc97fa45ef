/* Herald - event storage upkeep: creates the coming monthly partitions
 * and applies each workspace's retention (herald_ingest_maintain() in
 * migration 0030), at start and then every hour.  Several processes may
 * run it; the function takes an advisory lock so only one works. */
#include <stdbool.h>

#include "core/log.h"
#include "core/worker.h"
#include "ingest/ingest.h"
#include "store/db.h"

#define PERIOD_S 3600

static struct worker m = WORKER_INIT;

static void
maintain_once(void)
{
	char err[512];
	PGresult *r = NULL;

	if (db_exec(&r, "SELECT herald_ingest_maintain()", 0, NULL, err,
	            sizeof(err)) != DB_OK) {
		log_warn("component=maintain run failed: %s", err);
		return;
	}
	log_info("component=maintain partitions_dropped=%s done",
	         PQgetvalue(r, 0, 0));
	PQclear(r);
}

static void *
maintain_main(void *arg)
{
	(void)arg;
	for (double wait = 0; worker_nap(&m, wait); wait = PERIOD_S)
		maintain_once();
	return NULL;
}

bool
maintain_start(void)
{
	return worker_start(&m, maintain_main);
}

void
maintain_stop(void)
{
	worker_stop(&m);
}
