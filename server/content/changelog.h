/* Herald - the public changelog: /c/{slug} pages, their stylesheet and
 * the data both the pages and the feeds read. */
#ifndef HERALD_CHANGELOG_H
#define HERALD_CHANGELOG_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "http/http.h"

/* The workspace a public URL names. */
struct changelog_ws {
	char id[24];
	char slug[64];
	char name[256];
};

/* Public releases of a workspace: published and with the public audience
 * ({}), newest first.  Rows hold RELEASE_COLUMNS then the total number of
 * such releases.  release_slug limits to one release when not NULL. */
struct changelog_query {
	const char *release_slug;
	long limit, offset;
};

/* Finds the workspace of ws_slug for a public request.  On failure
 * replies (404 for an unknown workspace, 503) and returns false. */
bool changelog_workspace(struct http_req *req, const char *ws_slug,
                         struct changelog_ws *ws)
    __attribute__((warn_unused_result));

/* Runs the public release query.  On a database error replies 503/500
 * and returns NULL; the caller PQclear()s the result. */
PGresult *changelog_releases(struct http_req *req,
                             const struct changelog_ws *ws,
                             const struct changelog_query *q);

/* Replies with text (taken: malloc'd) of the given type, with the
 * Content-Security-Policy and an ETag; answers 304 when the request's
 * If-None-Match holds that tag.  max_age 0 makes clients revalidate on
 * every use (pages and feeds change when a release is published). */
void changelog_reply(struct http_req *req, const char *ctype, char *text,
                     size_t len, int max_age);

/* Replies 404 with a small HTML page naming what was not found. */
void changelog_not_found(struct http_req *req, const char *what);

#endif
