/* Herald - request rate limits for ingest: token buckets in memory, one
 * per write key (workspace) and one per client address.  The tables are
 * fixed-size; a slot taken over by another key starts full, so a
 * collision can only be lenient, never refuse a quiet client. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>

#include "core/config.h"
#include "core/util.h"
#include "ingest/ingest.h"

#define SLOTS 1024

struct bucket {
	uint64_t who;
	double tokens;
	double at;
};

static struct bucket keys[SLOTS], addrs[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Seconds to wait, 0 when a token was taken. */
static int
take(struct bucket *tab, uint64_t who, double rate, double now)
{
	struct bucket *b = &tab[who % SLOTS];

	if (rate <= 0)
		return 0;
	if (b->who != who) {
		b->who = who;
		b->tokens = rate;
		b->at = now;
	}
	b->tokens = fmin(rate, b->tokens + (now - b->at) * rate);
	b->at = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	return (int)ceil((1 - b->tokens) / rate);
}

int
limits_take(int64_t ws, const char *peer)
{
	double now = util_now();
	int wait;

	pthread_mutex_lock(&lock);
	wait = take(keys, (uint64_t)ws * 2654435761ULL | 1,
	            config.ingest_key_rate, now);
	if (wait == 0)
		wait = take(addrs, util_hash_str(peer, 0) | 1,
		            config.ingest_ip_rate, now);
	pthread_mutex_unlock(&lock);
	return wait;
}
