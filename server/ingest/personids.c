/* Herald - the ingest writers' cache of person ids (see personids.h).
 *
 * Open addressing over SLOTS slots with linear probing; the user ids
 * are copied into one text area.  Entries are never removed one by
 * one: a full table or text area, or a new epoch, empties both. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "ingest/personids.h"

#define SLOTS     32768             /* a power of two */
#define FILL_MAX  (SLOTS / 4 * 3)   /* entries, then start again */
#define TEXT_SIZE ((size_t)1 << 20) /* bytes of user ids */

struct slot {
	uint64_t hash; /* 0: free */
	int64_t ws;
	int64_t id;
	uint32_t text; /* offset of the NUL-terminated user id */
};

static struct {
	pthread_mutex_t lock;
	struct slot *slots;
	char *text;
	size_t used; /* bytes of text */
	long count;
	int64_t epoch;
} c = {.lock = PTHREAD_MUTEX_INITIALIZER, .epoch = -1};

void
personids_lock(void)
{
	pthread_mutex_lock(&c.lock);
}

void
personids_unlock(void)
{
	pthread_mutex_unlock(&c.lock);
}

static uint64_t
key_hash(int64_t ws, const char *uid)
{
	uint64_t h = util_hash_str(uid, (uint64_t)ws * 0x9e3779b97f4a7c15u);

	return h == 0 ? 1 : h;
}

static void
empty(void)
{
	if (c.slots != NULL)
		memset(c.slots, 0, SLOTS * sizeof(*c.slots));
	c.used = 0;
	c.count = 0;
}

int64_t
personids_get(int64_t ws, const char *uid)
{
	uint64_t h;

	if (c.slots == NULL || uid == NULL)
		return 0;
	h = key_hash(ws, uid);
	for (size_t i = h & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
		const struct slot *s = &c.slots[i];

		if (s->hash == 0)
			return 0;
		if (s->hash == h && s->ws == ws &&
		    strcmp(c.text + s->text, uid) == 0)
			return s->id;
	}
}

bool
personids_put(int64_t ws, const char *uid, int64_t id)
{
	size_t n = strlen(uid) + 1;
	uint64_t h = key_hash(ws, uid);
	struct slot *s;

	if (c.slots == NULL) {
		c.slots = calloc(SLOTS, sizeof(*c.slots));
		c.text = malloc(TEXT_SIZE);
		if (c.slots == NULL || c.text == NULL) {
			free(c.slots), free(c.text);
			c.slots = NULL, c.text = NULL;
			return false;
		}
	}
	if (n > TEXT_SIZE / 64)
		return false;
	if (c.count >= FILL_MAX || c.used + n > TEXT_SIZE)
		empty();
	for (size_t i = h & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
		s = &c.slots[i];
		if (s->hash == 0)
			break;
		if (s->hash == h && s->ws == ws &&
		    strcmp(c.text + s->text, uid) == 0) {
			s->id = id;
			return true;
		}
	}
	memcpy(c.text + c.used, uid, n);
	s->hash = h;
	s->ws = ws;
	s->id = id;
	s->text = (uint32_t)c.used;
	c.used += n;
	c.count++;
	return true;
}

int64_t
personids_epoch(void)
{
	return c.epoch;
}

void
personids_reset(int64_t epoch)
{
	empty();
	c.epoch = epoch;
}

long
personids_count(void)
{
	return c.count;
}

void
personids_free(void)
{
	free(c.slots);
	free(c.text);
	c.slots = NULL;
	c.text = NULL;
	c.used = 0;
	c.count = 0;
	c.epoch = -1;
}
