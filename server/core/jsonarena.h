/* Herald - arenas for the cJSON trees of one request.
 *
 * cJSON allocates every node, key and string on its own: tens of
 * malloc/free pairs per Segment message.  While a thread has entered an
 * arena, cJSON takes its memory from the arena's chunks and frees
 * nothing; json_arena_free releases the lot at once.  Rules: a tree
 * built inside an arena is only ever used while the arena lives and is
 * never cJSON_Delete'd outside it (drop it with the arena instead);
 * anything that must outlive the arena (a reply, a list kept with a
 * job) is built after json_arena_leave. */
#ifndef HERALD_JSONARENA_H
#define HERALD_JSONARENA_H

#include <stddef.h>

struct json_chunk;

struct json_arena {
	struct json_chunk *chunks; /* newest first */
	size_t next_size;          /* of the next chunk */
};

#define JSON_ARENA_INIT {NULL, 0}

/* Installs the cJSON hooks; once, before any thread uses cJSON. */
void json_arena_setup(void);

/* cJSON calls of this thread allocate from a until json_arena_leave. */
void json_arena_enter(struct json_arena *a);
void json_arena_leave(void);

/* Releases everything allocated in a; a is empty and reusable after. */
void json_arena_free(struct json_arena *a);

#endif
