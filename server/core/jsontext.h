/* Herald - JSON text checks done before cJSON sees a body, so that what
 * PostgreSQL would refuse (NUL characters, bad escapes, invalid UTF-8)
 * is found per string instead of being cut short or refused late. */
#ifndef HERALD_JSONTEXT_H
#define HERALD_JSONTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Rewrites, in place, the escapes cJSON or PostgreSQL would mishandle
 * (\u0000, invalid escapes, lone surrogates) into byte markers that are
 * invalid UTF-8, so that a later check of each string names them.
 * Returns false when the text nests deeper than max_depth. */
bool jsontext_prescan(char *text, size_t len, int max_depth)
    __attribute__((warn_unused_result));

/* NULL when s (n bytes) is valid UTF-8 without NUL characters; otherwise
 * what is wrong with it, for instance "contains a NUL character
 * (\u0000)", after a jsontext_prescan of the text it came from. */
const char *jsontext_fault(const char *s, size_t n);

#endif
