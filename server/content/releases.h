/* Herald - releases: the admin API (/api/v1/releases) and the row-to-JSON
 * mapping shared with the changelog, the feeds and the importer. */
#ifndef HERALD_RELEASES_H
#define HERALD_RELEASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

/* Largest markdown body accepted, in bytes (docs/RELEASES.md). */
#define RELEASE_BODY_MAX  (100u * 1024u)
#define RELEASE_TITLE_MAX 300
#define RELEASE_SLUG_MAX  80

/* The columns release_from_row reads, in order, from table alias r. */
#define RELEASE_COLUMNS                                                        \
	"r.id, r.slug, r.title, r.body_md, array_to_json(r.labels)::text,"     \
	" array_to_json(r.features)::text, r.audience::text, r.status,"        \
	" floor(extract(epoch FROM r.publish_at))::bigint,"                    \
	" floor(extract(epoch FROM r.published_at))::bigint, r.author,"        \
	" floor(extract(epoch FROM r.created_at))::bigint,"                    \
	" floor(extract(epoch FROM r.updated_at))::bigint"
#define RELEASE_NCOLUMNS 13

/* Builds the API object of one row selected with RELEASE_COLUMNS (at
 * column offset 0): id, slug, title, body, labels, features, audience,
 * status, publish_at, published_at, author, created_at, updated_at, url.
 * With html true, adds "html" rendered safely from the body.  Returns
 * NULL when out of memory or the markdown cannot be rendered. */
cJSON *release_from_row(const PGresult *r, int row, const char *ws_slug,
                        bool html);

/* Writes the public page URL of a release into out. */
void release_url(const char *ws_slug, const char *release_slug, char *out,
                 size_t outlen);

/* Makes a slug from a title: lowercase ASCII letters and digits joined
 * by single dashes, at most RELEASE_SLUG_MAX bytes; "release" if none. */
void release_slugify(const char *title, char *out, size_t outlen);

/* True when text is a canonical UUID (8-4-4-4-12 hex digits). */
bool release_id_valid(const char *text);

#endif
