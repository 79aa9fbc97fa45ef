/* Herald - publishes scheduled releases when their time comes. */
#ifndef HERALD_SCHEDULER_H
#define HERALD_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>

/* Starts the background thread that, every second, publishes the
 * releases whose publish_at has passed.  Safe with any number of Herald
 * processes: each release is claimed by one atomic UPDATE. */
bool scheduler_start(void) __attribute__((warn_unused_result));

/* Asks the thread to finish and waits for it. */
void scheduler_stop(void);

/* Publishes every due release once, now.  Returns the number published
 * or -1 on a database error (err holds why). */
int scheduler_run_once(char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
