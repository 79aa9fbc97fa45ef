/* Herald - background services started by `herald serve`. */
#ifndef HERALD_SERVICES_H
#define HERALD_SERVICES_H

#include <stdbool.h>

/* One background service: start returns false (and logs) when it cannot
 * run; stop asks it to finish and waits for it. */
struct service {
	const char *name;
	bool (*start)(void);
	void (*stop)(void);
};

/* Starts every service in order; on a failure stops those started. */
bool services_start(void) __attribute__((warn_unused_result));

/* Stops the started services in reverse order. */
void services_stop(void);

#endif
