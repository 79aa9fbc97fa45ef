/* Herald - per-release engagement statistics from the events table. */
#ifndef HERALD_STATS_H
#define HERALD_STATS_H

#include "http/http.h"

/* GET /api/v1/releases/{id}/stats (sales role and up): views, unique
 * viewers, read time, clicks, shares, reactions, feature adoption and
 * views by day in the workspace's time zone.  Shape in
 * docs/RELEASES.md. */
void releases_stats(struct http_req *req);

#endif
