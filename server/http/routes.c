/* Herald - one line per module: its routing table. */
#include <stddef.h>

#include "http/routes.h"

extern const struct route ops_routes[];
extern const struct route workspace_routes[];
extern const struct route ingest_routes[];
extern const struct route privacy_routes[];
extern const struct route scoring_routes[];
extern const struct route leads_routes[];
extern const struct route widget_routes[];
extern const struct route releases_routes[];
extern const struct route changelog_routes[];
extern const struct route destinations_routes[];
extern const struct route alerts_routes[];

const struct route *const http_route_tables[] = {
    ops_routes,
    workspace_routes,
    ingest_routes,
    privacy_routes,
    scoring_routes,
    leads_routes,
    widget_routes,
    releases_routes,
    changelog_routes,
    destinations_routes,
    alerts_routes,
    NULL,
};
