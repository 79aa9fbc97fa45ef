/* Herald - event storage upkeep: creates the coming monthly partitions
 * and applies each workspace's retention (herald_ingest_maintain() in
 * migration 0030), at start and then every hour.  Several processes may
 * run it; the function takes an advisory lock so only one works. */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "core/log.h"
#include "ingest/ingest.h"
#include "store/db.h"

#define PERIOD_S 3600

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping, running;
} m = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

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
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&m.lock);
	while (!m.stopping) {
		pthread_mutex_unlock(&m.lock);
		maintain_once();
		pthread_mutex_lock(&m.lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += PERIOD_S;
		while (!m.stopping &&
		       pthread_cond_timedwait(&m.wake, &m.lock, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&m.lock);
	return NULL;
}

bool
maintain_start(void)
{
	m.stopping = false;
	m.running = pthread_create(&m.thread, NULL, maintain_main, NULL) == 0;
	return m.running;
}

void
maintain_stop(void)
{
	if (!m.running)
		return;
	pthread_mutex_lock(&m.lock);
	m.stopping = true;
	pthread_cond_broadcast(&m.wake);
	pthread_mutex_unlock(&m.lock);
	pthread_join(m.thread, NULL);
	m.running = false;
}
