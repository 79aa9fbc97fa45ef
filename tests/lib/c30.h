/* Herald tests - the C-30 inputs and checks that rendered HTML holds
 * nothing executable. */
#ifndef HERALD_C30_H
#define HERALD_C30_H

#include <stdbool.h>

/* The C-30 title and markdown body (with one allowed link to
 * https://example.com/ok and one mailto link). */
extern const char c30_title[];
extern const char c30_body[];

/* Returns NULL when html (already decoded from any outer escaping) has
 * no script element, no event handler attribute, no javascript:, data:
 * or vbscript: URL and no image; else a short description of what it
 * found. */
const char *c30_unsafe(const char *html);

/* Decodes the five XML entities and numeric character references of
 * text (malloc'd result). */
char *xml_unescape(const char *text);

/* Returns the text between the first "<open" element start after *from
 * and the matching "</close>", malloc'd, and advances *from; NULL when
 * there is none. */
char *xml_element(const char **from, const char *open, const char *close);

#endif
