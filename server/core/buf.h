/* Herald - growing byte buffer with a hard cap set at creation. */
#ifndef HERALD_BUF_H
#define HERALD_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t size;
	size_t cap; /* the most len may reach */
};

/* Prepares an empty buffer that may hold up to cap bytes. */
void buf_init(struct buf *b, size_t cap);

/* Frees the storage; safe to call twice. */
void buf_cleanup(struct buf *b);

/* Appends n bytes.  Returns false, leaving b unchanged, when the cap
 * would be passed or memory ran out. */
bool buf_append(struct buf *b, const void *data, size_t n)
    __attribute__((warn_unused_result));

/* Appends a NUL-terminated string. */
bool buf_puts(struct buf *b, const char *s) __attribute__((warn_unused_result));

/* Appends formatted text, as printf. */
bool buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));

/* Hands the storage to the caller (free() it) and resets b. */
char *buf_steal(struct buf *b);

#endif
