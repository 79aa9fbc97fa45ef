/* Herald - a capped text builder with a sticky error, for the HTML
 * pages and feeds: write everything, check once at the end. */
#ifndef HERALD_PAGE_H
#define HERALD_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#define PAGE_CAP (8u << 20)

struct page {
	struct buf b;
	bool ok; /* false once an append failed (cap passed, no memory) */
};

/* Prepares an empty page capped at PAGE_CAP. */
void page_init(struct page *p);

/* Frees the text; safe to call twice. */
void page_cleanup(struct page *p);

/* Appends raw text (trusted markup). */
void page_raw(struct page *p, const char *text);

/* Appends text escaped for HTML/XML (escape_html). */
void page_text(struct page *p, const char *text);

/* Appends formatted raw text, as printf; arguments must be trusted. */
void page_printf(struct page *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
