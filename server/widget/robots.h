/* Herald - telling robots (crawlers, link unfurlers, headless browsers)
 * from readers, so they stay out of views, readers and scores. */
#ifndef HERALD_ROBOTS_H
#define HERALD_ROBOTS_H

#include <stdbool.h>

/* True when the User-Agent string ua belongs to a robot: crawlers and
 * unfurlers (anything saying bot, crawl, spider, Slackbot,
 * facebookexternalhit, ...), headless browsers (HeadlessChrome,
 * PhantomJS, Lighthouse) and scripted HTTP clients (python-requests,
 * wget, Go-http-client).  NULL or empty is not a robot; neither is curl,
 * which Herald's own checks use. */
bool robots_user_agent(const char *ua);

#endif
