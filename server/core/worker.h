/* Herald - a background thread that works in rounds, sleeps on a
 * condition between them and stops when asked: the shape of the
 * maintenance, scheduler and rollup services. */
#ifndef HERALD_WORKER_H
#define HERALD_WORKER_H

#include <pthread.h>
#include <stdbool.h>

struct worker {
	pthread_t thread;
	pthread_mutex_t lock; /* guards stopping and the owner's own flags */
	pthread_cond_t wake;  /* signalled by worker_stop (and the owner) */
	bool stopping, running;
};

#define WORKER_INIT                                                            \
	{                                                                      \
		.lock = PTHREAD_MUTEX_INITIALIZER,                             \
		.wake = PTHREAD_COND_INITIALIZER                               \
	}

/* Starts main(NULL) on its own thread.  False when it could not. */
bool worker_start(struct worker *w, void *(*main)(void *))
    __attribute__((warn_unused_result));

/* Asks the thread to stop, wakes it and waits for it to return.  Does
 * nothing when it was not started. */
void worker_stop(struct worker *w);

/* Sleeps `seconds`, or until worker_stop; takes w->lock itself.  Returns
 * false once the worker is stopping. */
bool worker_nap(struct worker *w, double seconds);

#endif
