/* Herald - operations endpoints: liveness, readiness, Prometheus metrics. */
#include <stdio.h>
#include <stdlib.h>

#include "core/config.h"
#include "core/version.h"
#include "http/http.h"
#include "ingest/ingest.h"
#include "store/db.h"
#include "store/migrate.h"

static void
healthz(struct http_req *req)
{
	http_reply(req, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

static void
readyz(struct http_req *req)
{
	char dir[1100];

	snprintf(dir, sizeof(dir), "%s/migrations", config.home);
	if (!db_ping()) {
		http_add_header(req, "Retry-After", "1");
		http_error(req, 503, "database unavailable");
		return;
	}
	if (!migrate_is_current(dir)) {
		http_add_header(req, "Retry-After", "1");
		http_error(req, 503, "migrations pending: run herald migrate");
		return;
	}
	http_reply(req, 200, "application/json", "{\"status\":\"ready\"}", 18);
}

static bool
write_db(struct buf *out)
{
	struct db_stats s;

	db_get_stats(&s);
	return buf_printf(out,
	                  "# HELP herald_db_pool_size Database connections "
	                  "in the pool.\n"
	                  "# TYPE herald_db_pool_size gauge\n"
	                  "herald_db_pool_size %d\n"
	                  "# HELP herald_db_pool_in_use Connections lent "
	                  "out.\n"
	                  "# TYPE herald_db_pool_in_use gauge\n"
	                  "herald_db_pool_in_use %d\n"
	                  "# HELP herald_db_pool_waiting Threads waiting for "
	                  "a connection.\n"
	                  "# TYPE herald_db_pool_waiting gauge\n"
	                  "herald_db_pool_waiting %d\n"
	                  "# HELP herald_db_reconnects_total Connections "
	                  "replaced after the server went away.\n"
	                  "# TYPE herald_db_reconnects_total counter\n"
	                  "herald_db_reconnects_total %ld\n"
	                  "# HELP herald_db_errors_total Statements that "
	                  "failed.\n"
	                  "# TYPE herald_db_errors_total counter\n"
	                  "herald_db_errors_total %ld\n",
	                  s.size, s.in_use, s.waiting, s.reconnects, s.errors);
}

static void
metrics(struct http_req *req)
{
	struct buf out;

	buf_init(&out, 1 << 20);
	if (!buf_printf(&out,
	                "# HELP herald_build_info Build information.\n"
	                "# TYPE herald_build_info gauge\n"
	                "herald_build_info{version=\"%s\"} 1\n",
	                HERALD_VERSION) ||
	    !http_write_metrics(&out) || !write_db(&out) ||
	    !buf_printf(&out,
	                "# HELP herald_ingest_writer_load Share of the last "
	                "second the ingest writers spent writing (0 to 1).\n"
	                "# TYPE herald_ingest_writer_load gauge\n"
	                "herald_ingest_writer_load %.3f\n",
	                writer_load())) {
		buf_cleanup(&out);
		http_error(req, 500, "metrics too large");
		return;
	}
	size_t len = out.len;
	http_reply_take(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	                buf_steal(&out), len);
}

const struct route ops_routes[] = {
    {"GET", "/healthz", healthz, 0},
    {"GET", "/readyz", readyz, 0},
    {"GET", "/metrics", metrics, 0},
    {NULL, NULL, NULL, 0},
};
