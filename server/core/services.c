/* Herald - the table of background services, one line per module. */
#include <stddef.h>

#include "core/log.h"
#include "core/services.h"
#include "ingest/ingest.h"
#include "content/scheduler.h"
#include "notify/notify.h"
#include "score/scorer.h"
#include "widget/assets.h"

static const struct service services[] = {
    {"scorer", scorer_start, scorer_stop},
    {"widget-assets", assets_start, assets_stop},
    {"ingest-rollup", rollup_start, rollup_stop},
    {"ingest-writer", writer_start, writer_stop},
    {"ingest-maintain", maintain_start, maintain_stop},
    {"scheduler", scheduler_start, scheduler_stop},
    {"outbox", outbox_start, outbox_stop},
    {NULL, NULL, NULL},
};

static int started;

bool
services_start(void)
{
	for (started = 0; services[started].name != NULL; started++) {
		if (!services[started].start()) {
			log_error("service=%s failed to start",
			          services[started].name);
			services_stop();
			return false;
		}
		log_debug("service=%s started", services[started].name);
	}
	return true;
}

void
services_stop(void)
{
	while (started > 0) {
		started--;
		services[started].stop();
	}
}
