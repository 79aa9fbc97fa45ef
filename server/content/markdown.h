/* Herald - safe markdown: cmark-gfm with tables, autolinks,
 * strikethrough, task lists and the tag filter; raw HTML is never let
 * through, links keep only http, https and mailto targets and images only
 * http and https sources. */
#ifndef HERALD_MARKDOWN_H
#define HERALD_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

/* Renders len bytes of markdown to HTML safe to embed in a page, a JSON
 * field or (escaped once more) a feed.  A link with another scheme is
 * replaced by its text, an image with another source by its alt text.
 * Every link carries rel="noopener nofollow".  On success *html is a
 * malloc'd string the caller frees. */
bool markdown_render(const char *md, size_t len, char **html)
    __attribute__((warn_unused_result));

/* Renders markdown as plain text (for descriptions), at most max bytes
 * cut on a character boundary.  The caller frees *text. */
bool markdown_plain(const char *md, size_t len, size_t max, char **text)
    __attribute__((warn_unused_result));

/* True when url is an absolute http, https or mailto URL (mailto only
 * when allow_mailto), compared without regard to case. */
bool markdown_url_allowed(const char *url, bool allow_mailto);

#endif
