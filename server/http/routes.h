/* Herald - the merged routing table: every module's routes. */
#ifndef HERALD_ROUTES_H
#define HERALD_ROUTES_H

#include "http/http.h"

/* NULL-terminated list of the route tables of every module. */
extern const struct route *const http_route_tables[];

#endif
