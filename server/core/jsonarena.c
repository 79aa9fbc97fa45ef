/* Herald - arenas for the cJSON trees of one request (jsonarena.h). */
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "core/jsonarena.h"

#define FIRST_CHUNK (32 * 1024)
#define MAX_CHUNK   (1024 * 1024)
#define ALIGN       16

struct json_chunk {
	struct json_chunk *next;
	size_t used, size;
	_Alignas(ALIGN) unsigned char data[];
};

static _Thread_local struct json_arena *current;

static void *
arena_alloc(struct json_arena *a, size_t n)
{
	struct json_chunk *c = a->chunks;
	void *p;

	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (c == NULL || c->size - c->used < n) {
		size_t size = a->next_size ? a->next_size : FIRST_CHUNK;

		if (size < n)
			size = n;
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = a->chunks;
		a->chunks = c;
		a->next_size = size < MAX_CHUNK ? size * 2 : MAX_CHUNK;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static void *
hook_malloc(size_t n)
{
	return current != NULL ? arena_alloc(current, n) : malloc(n);
}

/* Inside an arena nothing is freed one by one (and only arena memory is
 * ever freed there: see the rules in jsonarena.h). */
static void
hook_free(void *p)
{
	if (current == NULL)
		free(p);
}

void
json_arena_setup(void)
{
	cJSON_Hooks hooks = {.malloc_fn = hook_malloc, .free_fn = hook_free};

	cJSON_InitHooks(&hooks);
}

void
json_arena_enter(struct json_arena *a)
{
	current = a;
}

void
json_arena_leave(void)
{
	current = NULL;
}

void
json_arena_free(struct json_arena *a)
{
	struct json_chunk *c = a->chunks, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
	a->next_size = 0;
}
