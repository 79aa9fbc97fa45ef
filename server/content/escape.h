/* Herald - the one escape helper for HTML and XML text. */
#ifndef HERALD_ESCAPE_H
#define HERALD_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* Appends text to out with & < > " ' replaced by entities, so the result
 * is safe as HTML or XML element text and inside quoted attribute values.
 * Characters XML 1.0 forbids (C0 controls other than tab, line feed and
 * carriage return; U+FFFE, U+FFFF) are dropped.  text is UTF-8; a NULL
 * text appends nothing.  Returns false when out's cap would be passed. */
bool escape_html(struct buf *out, const char *text)
    __attribute__((warn_unused_result));

/* As escape_html for the first n bytes of text. */
bool escape_html_n(struct buf *out, const char *text, size_t n)
    __attribute__((warn_unused_result));

/* Returns a malloc'd escaped copy of text, or NULL when out of memory. */
char *escape_html_dup(const char *text);

#endif
