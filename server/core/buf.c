/* Herald - capped growing buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

void
buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->cap = cap;
}

void
buf_cleanup(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->size = 0;
}

static bool
reserve(struct buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	size_t size;
	char *p;

	if (extra > b->cap || b->len + extra > b->cap)
		return false;
	if (want <= b->size)
		return true;
	size = b->size ? b->size : 256;
	while (size < want)
		size *= 2;
	p = realloc(b->data, size);
	if (p == NULL)
		return false;
	b->data = p;
	b->size = size;
	return true;
}

bool
buf_append(struct buf *b, const void *data, size_t n)
{
	if (!reserve(b, n))
		return false;
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

bool
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

bool
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

char *
buf_steal(struct buf *b)
{
	char *p = b->data;

	b->data = NULL;
	b->len = 0;
	b->size = 0;
	return p;
}
