/* Herald - HTTP core.
 *
 * libmicrohttpd runs a pool of polling threads (epoll).  For each request
 * a struct http_req is made on the first callback, the body accumulates
 * under the route's cap, and the handler runs once the body is complete.
 * A handler either replies at once or suspends the connection and lets
 * another thread reply (the ingest writer does this, so no thread blocks
 * while a commit is under way). */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <sodium.h>

#include "core/jsontext.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "http/routes.h"

#define MAX_ROUTES 256
#define NSLOTS     18

static const int status_slots[NSLOTS] = {200, 201, 202, 204, 304, 400,
                                         401, 403, 404, 405, 409, 413,
                                         415, 422, 429, 500, 503, 0};
static const double buckets[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,   1,    2.5,   5,    10};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static struct {
	struct MHD_Daemon *daemon;
	const struct route *routes[MAX_ROUTES];
	int nroutes;
	long inflight;
	long counts[MAX_ROUTES + 1][NSLOTS];
	long hist[NBUCKETS + 1];
	double latency_sum; /* guarded by lock */
	pthread_mutex_t lock;
	int port;
	uint64_t next_id; /* request ids: a random start, then counted */
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- routing ---------------------------------------------------------- */

static void
merge_routes(void)
{
	srv.nroutes = 0;
	for (int t = 0; http_route_tables[t] != NULL; t++)
		for (const struct route *r = http_route_tables[t];
		     r->method != NULL && srv.nroutes < MAX_ROUTES; r++)
			srv.routes[srv.nroutes++] = r;
}

/* Matches path against pattern, capturing "{}" segments. */
static bool
match(const char *pattern, const char *path, char params[HTTP_MAX_PARAMS][256],
      int *nparams)
{
	const char *p = pattern, *s = path;

	*nparams = 0;
	while (*p != '\0') {
		/* Placeholders are looked for only at a '{'. */
		if (*p == '{' && strncmp(p, "{*}", 3) == 0) {
			if (*nparams >= HTTP_MAX_PARAMS)
				return false;
			snprintf(params[(*nparams)++], 256, "%s", s);
			return true;
		}
		if (*p == '{' && strncmp(p, "{}", 2) == 0) {
			size_t n = strcspn(s, "/");

			if (n == 0 || n >= 256 || *nparams >= HTTP_MAX_PARAMS)
				return false;
			memcpy(params[*nparams], s, n);
			params[(*nparams)++][n] = '\0';
			s += n;
			p += 2;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *s == '\0';
}

int
http_route_match(const char *method, const char *path,
                 char params[HTTP_MAX_PARAMS][256], int *nparams,
                 bool *method_ok)
{
	if (srv.nroutes == 0)
		merge_routes();
	*method_ok = false;
	for (int i = 0; i < srv.nroutes; i++) {
		if (!match(srv.routes[i]->pattern, path, params, nparams))
			continue;
		if (strcmp(srv.routes[i]->method, method) == 0)
			return i;
		*method_ok = true;
	}
	return -1;
}

/* The methods routed for path, comma separated, for a 405's Allow. */
static void
allowed_methods(const char *path, char *out, size_t outlen)
{
	char params[HTTP_MAX_PARAMS][256];
	int n, used = 0;

	out[0] = '\0';
	for (int i = 0; i < srv.nroutes; i++) {
		const char *m = srv.routes[i]->method;
		bool seen = false;

		if (!match(srv.routes[i]->pattern, path, params, &n))
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(srv.routes[j]->method, m) == 0 &&
			       match(srv.routes[j]->pattern, path, params, &n);
		if (!seen)
			used += snprintf(out + used, outlen - (size_t)used,
			                 "%s%s", used ? ", " : "", m);
		if ((size_t)used >= outlen)
			break;
	}
}

/* ---- request accessors ------------------------------------------------ */

const char *
http_param(const struct http_req *req, int i)
{
	return i < req->nparams ? req->params[i] : "";
}

const char *
http_query(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	                                   name);
}

const char *
http_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_cookie(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void
http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (req->nheaders >= HTTP_MAX_HEADERS)
		abort(); /* a programming error: raise the limit */
	req->headers[req->nheaders].name = strdup(name);
	req->headers[req->nheaders].value = strdup(value);
	req->nheaders++;
}

/* ---- replies ---------------------------------------------------------- */

static void
reply_response(struct http_req *req, int status, const char *ctype,
               struct MHD_Response *resp)
{
	if (resp == NULL)
		abort(); /* out of memory */
	if (ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "X-Request-Id", req->id);
	for (int i = 0; i < req->nheaders; i++)
		MHD_add_response_header(resp, req->headers[i].name,
		                        req->headers[i].value);
	req->status = status;
	req->replied = true;
	if (req->suspended) {
		req->pending = resp;
		MHD_resume_connection(req->conn);
		return;
	}
	MHD_queue_response(req->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
}

void
http_reply(struct http_req *req, int status, const char *ctype,
           const void *data, size_t len)
{
	reply_response(req, status, ctype,
	               MHD_create_response_from_buffer(len,
	                                               (void *)(uintptr_t)data,
	                                               MHD_RESPMEM_MUST_COPY));
}

void
http_reply_take(struct http_req *req, int status, const char *ctype, char *data,
                size_t len)
{
	reply_response(
	    req, status, ctype,
	    MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE));
}

void
http_json(struct http_req *req, int status, cJSON *root)
{
	char *text = cJSON_PrintUnformatted(root);

	cJSON_Delete(root);
	if (text == NULL) {
		http_reply(req, 500, "application/json",
		           "{\"error\":\"out of memory\"}", 25);
		return;
	}
	http_reply_take(req, status, "application/json", text, strlen(text));
}

void
http_error(struct http_req *req, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	cJSON *root = cJSON_CreateObject();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(root, "error", msg);
	http_json(req, status, root);
}

/* Parses the body after jsontext_prescan; strings may hold the markers
 * of NUL characters and bad escapes when `strict` is false. */
static cJSON *
json_body(struct http_req *req, bool strict)
{
	const char *end = NULL, *fault;
	cJSON *root;

	if (req->body.len == 0) {
		http_error(req, 400, "request body is empty; send JSON");
		return NULL;
	}
	if (!jsontext_prescan(req->body.data, req->body.len,
	                      HTTP_JSON_DEPTH_MAX)) {
		http_error(req, 400, "request body nests deeper than %d levels",
		           HTTP_JSON_DEPTH_MAX);
		return NULL;
	}
	fault = strict ? jsontext_fault(req->body.data, req->body.len) : NULL;
	if (fault != NULL) {
		http_error(req, 400, "request body %s", fault);
		return NULL;
	}
	root =
	    cJSON_ParseWithLengthOpts(req->body.data, req->body.len, &end, 0);
	if (root == NULL) {
		long at = end ? (long)(end - req->body.data) : 0;

		http_error(req, 400,
		           "request body is not valid JSON (near byte %ld)",
		           at);
		return NULL;
	}
	return root;
}

cJSON *
http_json_body(struct http_req *req)
{
	return json_body(req, true);
}

cJSON *
http_json_body_unchecked(struct http_req *req)
{
	return json_body(req, false);
}

void
http_suspend(struct http_req *req)
{
	req->suspended = true;
	MHD_suspend_connection(req->conn);
}

long
http_inflight(void)
{
	return __atomic_load_n(&srv.inflight, __ATOMIC_RELAXED);
}

/* ---- MHD callbacks ---------------------------------------------------- */

static void
peer_name(struct MHD_Connection *conn, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, outlen, "-");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(
		    AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(
		    AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    out, (socklen_t)outlen);
}

/* A request id unique in this process: the counter goes through a
 * bijective mix (splitmix64's finaliser), so ids never repeat and do not
 * read as a sequence.  No system call per request, unlike a random id. */
static void
request_id(char out[17])
{
	uint64_t x = __atomic_fetch_add(&srv.next_id, 1, __ATOMIC_RELAXED);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	sodium_bin2hex(out, 17, (const unsigned char *)&x, sizeof(x));
}

static struct http_req *
req_new(struct MHD_Connection *conn, const char *url, const char *method)
{
	char params[HTTP_MAX_PARAMS][256];
	struct http_req *req = calloc(1, sizeof(*req));
	bool method_ok;

	if (req == NULL)
		return NULL;
	req->conn = conn;
	req->method = method;
	req->path = url;
	req->start = util_now();
	req->status = 0;
	request_id(req->id);
	peer_name(conn, req->peer, sizeof(req->peer));
	req->route_index =
	    http_route_match(method, url, params, &req->nparams, &method_ok);
	if (req->route_index >= 0) {
		req->route = srv.routes[req->route_index];
		for (int i = 0; i < req->nparams; i++)
			req->params[i] = strdup(params[i]);
	} else {
		req->nparams = 0;
		req->status = method_ok ? 405 : 404;
	}
	buf_init(&req->body, req->route && req->route->body_cap
	                         ? req->route->body_cap
	                         : HTTP_BODY_DEFAULT);
	__atomic_add_fetch(&srv.inflight, 1, __ATOMIC_RELAXED);
	return req;
}

static void
req_free(struct http_req *req)
{
	for (int i = 0; i < req->nparams; i++)
		free(req->params[i]);
	for (int i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	if (req->user_free != NULL)
		req->user_free(req->user);
	if (req->pending != NULL)
		MHD_destroy_response(req->pending);
	buf_cleanup(&req->body);
	free(req);
}

static void
dispatch(struct http_req *req)
{
	if (req->route == NULL) {
		if (req->status == 405) {
			char allow[256];

			allowed_methods(req->path, allow, sizeof(allow));
			http_add_header(req, "Allow", allow);
			http_error(req, 405, "method %s not allowed on %s",
			           req->method, req->path);
		} else {
			http_error(req, 404, "no such resource: %s", req->path);
		}
		return;
	}
	if (req->too_large) {
		http_error(req, 413,
		           "request body is over the limit of %zu "
		           "bytes",
		           req->body.cap);
		return;
	}
	req->route->fn(req);
	if (!req->replied && !req->suspended) {
		log_error("req=%s route=%s handler sent no reply", req->id,
		          req->route->pattern);
		http_error(req, 500, "internal error");
	}
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
	struct http_req *req = *con_cls;
	struct MHD_Response *resp;

	(void)cls;
	(void)version;
	if (req == NULL) {
		req = req_new(conn, url, method);
		if (req == NULL)
			return MHD_NO;
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!req->too_large &&
		    !buf_append(&req->body, upload, *upload_size)) {
			req->too_large = true;
			buf_cleanup(&req->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->pending != NULL) {
		resp = req->pending;
		req->pending = NULL;
		MHD_queue_response(conn, (unsigned)req->status, resp);
		MHD_destroy_response(resp);
		return MHD_YES;
	}
	if (req->replied || req->suspended)
		return MHD_YES;
	dispatch(req);
	return MHD_YES;
}

static int
status_slot(int status)
{
	for (int i = 0; i < NSLOTS - 1; i++)
		if (status_slots[i] == status)
			return i;
	return NSLOTS - 1;
}

static void
record(const struct http_req *req, double secs)
{
	size_t b = 0;

	while (b < NBUCKETS && secs > buckets[b])
		b++;
	__atomic_add_fetch(
	    &srv.counts[req->route_index + 1][status_slot(req->status)], 1,
	    __ATOMIC_RELAXED);
	__atomic_add_fetch(&srv.hist[b], 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&srv.lock);
	srv.latency_sum += secs;
	pthread_mutex_unlock(&srv.lock);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode code)
{
	struct http_req *req = *con_cls;
	double secs;

	(void)cls;
	(void)conn;
	if (req == NULL)
		return;
	secs = util_now() - req->start;
	record(req, secs);
	log_write(req->status >= 500 ? LOG_WARN : LOG_INFO,
	          "req=%s peer=%s ws=%lld method=%s path=%s route=%s "
	          "status=%d ms=%.1f%s",
	          req->id, req->peer, (long long)req->workspace_id, req->method,
	          req->path, req->route ? req->route->pattern : "-",
	          req->status, secs * 1000,
	          code == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
	                                                      : " aborted=1");
	__atomic_sub_fetch(&srv.inflight, 1, __ATOMIC_RELAXED);
	req_free(req);
	*con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("component=mhd %s", msg);
}

/* ---- start and stop --------------------------------------------------- */

static bool
resolve(const char *host, int port, struct sockaddr_storage *ss, char *err,
        size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char portstr[16];
	int rc;

	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		snprintf(err, errlen, "HERALD_LISTEN: cannot resolve %s: %s",
		         host, gai_strerror(rc));
		return false;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return true;
}

static void
raise_fd_limit(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < (rlim_t)want) {
		rl.rlim_cur =
		    rl.rlim_max < (rlim_t)want ? rl.rlim_max : (rlim_t)want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

bool
http_start(const char *host, int port, int threads, int max_conns, char *err,
           size_t errlen)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	merge_routes();
	randombytes_buf(&srv.next_id, sizeof(srv.next_id));
	if (!resolve(host, port, &ss, err, errlen))
		return false;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	raise_fd_limit(max_conns + 256);
	srv.daemon = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)max_conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    /* Per connection: request line, headers (about 8 KB, as nginx
	     * allows) and the read buffer; bodies go to req->body.  MHD
	     * touches all of it, so it sets the RSS at 1000 connections. */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16 * 1024,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
	if (srv.daemon == NULL) {
		snprintf(err, errlen,
		         "HERALD_LISTEN: cannot listen on %s:%d (in use?)",
		         host, port);
		return false;
	}
	info = MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv.port = info ? info->port : port;
	return true;
}

int
http_port(void)
{
	return srv.port;
}

void
http_stop(int wait_ms)
{
	if (srv.daemon == NULL)
		return;
	MHD_quiesce_daemon(srv.daemon);
	for (int waited = 0; http_inflight() > 0 && waited < wait_ms;
	     waited += 20) {
		struct timespec ts = {0, 20 * 1000000L};

		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(srv.daemon);
	srv.daemon = NULL;
}

/* ---- metrics ---------------------------------------------------------- */

static bool
write_counts(struct buf *out)
{
	bool ok = buf_puts(out, "# HELP herald_http_requests_total HTTP "
	                        "requests by route and status.\n"
	                        "# TYPE herald_http_requests_total counter\n");

	for (int r = 0; r <= srv.nroutes && ok; r++) {
		for (int s = 0; s < NSLOTS && ok; s++) {
			long n = __atomic_load_n(&srv.counts[r][s],
			                         __ATOMIC_RELAXED);
			const char *route =
			    r == 0 ? "unmatched" : srv.routes[r - 1]->pattern;
			const char *method =
			    r == 0 ? "any" : srv.routes[r - 1]->method;

			if (n == 0)
				continue;
			if (status_slots[s] == 0)
				ok = buf_printf(out,
				                "herald_http_requests_total{"
				                "method=\"%s\",route=\"%s\","
				                "status=\"other\"} %ld\n",
				                method, route, n);
			else
				ok = buf_printf(out,
				                "herald_http_requests_total{"
				                "method=\"%s\",route=\"%s\","
				                "status=\"%d\"} %ld\n",
				                method, route, status_slots[s],
				                n);
		}
	}
	return ok;
}

static bool
write_histogram(struct buf *out)
{
	long cum = 0;
	double sum;
	bool ok = buf_puts(out, "# HELP herald_http_request_duration_seconds "
	                        "Time from request to response.\n"
	                        "# TYPE herald_http_request_duration_seconds "
	                        "histogram\n");

	for (size_t b = 0; b <= NBUCKETS && ok; b++) {
		cum += __atomic_load_n(&srv.hist[b], __ATOMIC_RELAXED);
		if (b < NBUCKETS)
			ok = buf_printf(out,
			                "herald_http_request_duration_seconds_"
			                "bucket{le=\"%g\"} %ld\n",
			                buckets[b], cum);
		else
			ok = buf_printf(out,
			                "herald_http_request_duration_seconds_"
			                "bucket{le=\"+Inf\"} %ld\n",
			                cum);
	}
	pthread_mutex_lock(&srv.lock);
	sum = srv.latency_sum;
	pthread_mutex_unlock(&srv.lock);
	return ok &&
	       buf_printf(out,
	                  "herald_http_request_duration_seconds_sum %.6f\n"
	                  "herald_http_request_duration_seconds_count %ld\n"
	                  "# HELP herald_http_inflight Requests in flight.\n"
	                  "# TYPE herald_http_inflight gauge\n"
	                  "herald_http_inflight %ld\n",
	                  sum, cum, http_inflight());
}

bool
http_write_metrics(struct buf *out)
{
	return write_counts(out) && write_histogram(out);
}
