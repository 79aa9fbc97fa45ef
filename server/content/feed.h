/* Herald - Atom 1.0 and RSS 2.0 feeds of the public changelog. */
#ifndef HERALD_FEED_H
#define HERALD_FEED_H

#include "http/http.h"

/* GET /c/{slug}/feed.atom: the 50 newest public releases as Atom. */
void feed_atom(struct http_req *req);

/* GET /c/{slug}/rss.xml: the same as RSS 2.0. */
void feed_rss(struct http_req *req);

#endif
