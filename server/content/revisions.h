/* Herald - the edit history of a release (release_revisions). */
#ifndef HERALD_REVISIONS_H
#define HERALD_REVISIONS_H

#include "http/http.h"

/* GET /api/v1/releases/{id}/revisions (sales role and up): every
 * revision, newest first, as {"revisions": [{"revision", "title", "slug",
 * "body", "labels", "features", "audience", "status", "publish_at",
 * "published_at", "author", "edited_at"}]}.  404 for a release of
 * another workspace. */
void releases_revisions(struct http_req *req);

#endif
