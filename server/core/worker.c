/* Herald - background worker threads (worker.h). */
#include "core/util.h"
#include "core/worker.h"

bool
worker_start(struct worker *w, void *(*main)(void *))
{
	w->stopping = false;
	w->running = pthread_create(&w->thread, NULL, main, NULL) == 0;
	return w->running;
}

void
worker_stop(struct worker *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->running = false;
}

bool
worker_nap(struct worker *w, double seconds)
{
	double until = util_now() + seconds;
	bool go;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping && util_now() < until)
		util_cond_wait_for(&w->wake, &w->lock, until - util_now());
	go = !w->stopping;
	pthread_mutex_unlock(&w->lock);
	return go;
}
