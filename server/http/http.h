/* Herald - HTTP server core on libmicrohttpd: routing, bodies with caps,
 * JSON replies, request ids, access log, suspend/resume, metrics. */
#ifndef HERALD_HTTP_H
#define HERALD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/buf.h"

#define HTTP_BODY_DEFAULT (1u << 20) /* 1 MiB */
#define HTTP_MAX_PARAMS   4
#define HTTP_MAX_HEADERS  12

struct http_req;
typedef void (*http_handler)(struct http_req *req);

/* One row of a routing table.  A pattern is a path in which a segment
 * "{}" matches any one segment, captured as a parameter; a trailing
 * "{*}" matches the rest of the path.  Tables end with a NULL method. */
struct route {
	const char *method;
	const char *pattern;
	http_handler fn;
	size_t body_cap; /* 0: HTTP_BODY_DEFAULT */
};

struct http_header {
	char *name;
	char *value;
};

struct http_req {
	void *conn; /* struct MHD_Connection */
	const char *method;
	const char *path;
	char id[17];   /* request id, also sent as X-Request-Id */
	char peer[64]; /* client address */
	struct buf body;
	bool too_large;
	bool suspended;
	bool replied;
	const struct route *route;
	int route_index;
	char *params[HTTP_MAX_PARAMS];
	int nparams;
	double start;
	int status;
	int64_t workspace_id; /* set by authentication, for the log */
	void *pending;        /* struct MHD_Response queued on resume */
	struct http_header headers[HTTP_MAX_HEADERS];
	int nheaders;
	void *user; /* handler state, freed with user_free */
	void (*user_free)(void *user);
};

/* Starts the server on host:port with the given worker threads.
 * Returns false with err set when it cannot listen. */
bool http_start(const char *host, int port, int threads, int max_conns,
                char *err, size_t errlen) __attribute__((warn_unused_result));

/* Stops accepting new connections, waits up to wait_ms for requests in
 * flight, then stops the server. */
void http_stop(int wait_ms);

/* The port actually bound (useful with port 0). */
int http_port(void);

/* Request accessors.  Strings belong to the request. */
const char *http_param(const struct http_req *req, int i);
const char *http_query(const struct http_req *req, const char *name);
const char *http_header(const struct http_req *req, const char *name);
const char *http_cookie(const struct http_req *req, const char *name);

/* Adds a response header; call before replying.  Copies both strings. */
void http_add_header(struct http_req *req, const char *name, const char *value);

/* Sends a reply, copying data.  From another thread after http_suspend
 * this also resumes the connection. */
void http_reply(struct http_req *req, int status, const char *ctype,
                const void *data, size_t len);

/* As http_reply, but takes ownership of data (malloc'd). */
void http_reply_take(struct http_req *req, int status, const char *ctype,
                     char *data, size_t len);

/* Sends root as compact JSON; takes ownership of root. */
void http_json(struct http_req *req, int status, cJSON *root);

/* Sends {"error": "<formatted text>"}. */
void http_error(struct http_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* JSON bodies nesting deeper than this are refused with a 400. */
#define HTTP_JSON_DEPTH_MAX 64

/* Parses the body as JSON.  On failure sends a 400 naming the problem and
 * returns NULL.  A NUL character (\u0000), an invalid escape or invalid
 * UTF-8 anywhere refuses the whole body: cJSON would otherwise cut the
 * string at the NUL.  The caller owns the result. */
cJSON *http_json_body(struct http_req *req);

/* Like http_json_body, but strings may hold NUL characters, bad escapes
 * or invalid UTF-8 (as markers, see core/jsontext.h): for batches where
 * one bad string must refuse only its item.  The caller checks every
 * string it uses with jsontext_fault. */
cJSON *http_json_body_unchecked(struct http_req *req);

/* Marks the request as waiting: the handler returns and another thread
 * replies later with http_reply*.  Call before handing req to that
 * thread. */
void http_suspend(struct http_req *req);

/* Number of requests in flight (for metrics and shutdown). */
long http_inflight(void);

/* Writes the request metrics in Prometheus text format. */
bool http_write_metrics(struct buf *out) __attribute__((warn_unused_result));

/* Looks a route up; exposed for tests.  Returns the index in the merged
 * table or -1; *method_ok tells whether the path matched another method. */
int http_route_match(const char *method, const char *path,
                     char params[HTTP_MAX_PARAMS][256], int *nparams,
                     bool *method_ok);

#endif
