/* Herald - serves the admin web app: the built files in admin/dist under
 * HERALD_HOME.  Every path under /admin that is not an asset gets
 * index.html, so deep links (/admin/leads/42) load the app, which then
 * routes in the browser.  Assets carry a content hash in their names and
 * are cached for a year; index.html is revalidated with its ETag. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "http/http.h"

#define STATIC_MAX (8u << 20) /* no built file is near this */

static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self';"
    " img-src 'self' data:; font-src 'self'; connect-src 'self';"
    " manifest-src 'self'; base-uri 'none'; form-action 'self';"
    " frame-ancestors 'none'";

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".map", "application/json"},
    {".json", "application/json"},
};

static const char *
type_of(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

/* An asset name is plain: letters, digits, '.', '-', '_', and no "..". */
static bool
name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < 200 && name[0] != '.' &&
	       strstr(name, "..") == NULL &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
	                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Reads the whole file into *data (malloc'd).  Returns 0, or an HTTP
 * status to answer with. */
static int
read_file(const char *path, char **data, size_t *len, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int result = 404;
	ssize_t got;

	*data = NULL;
	if (fd < 0)
		return errno == ENOENT ? 404 : 503;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) ||
	    (size_t)st->st_size > STATIC_MAX)
		goto out;
	*data = malloc((size_t)st->st_size + 1);
	if (*data == NULL)
		abort();
	*len = 0;
	while (*len < (size_t)st->st_size) {
		got = read(fd, *data + *len, (size_t)st->st_size - *len);
		if (got <= 0)
			break;
		*len += (size_t)got;
	}
	result = *len == (size_t)st->st_size ? 0 : 503;
out:
	if (result != 0) {
		free(*data);
		*data = NULL;
	}
	close(fd);
	return result;
}

static void
security_headers(struct http_req *req)
{
	http_add_header(req, "Content-Security-Policy", csp);
	http_add_header(req, "X-Content-Type-Options", "nosniff");
	http_add_header(req, "Referrer-Policy", "same-origin");
	http_add_header(req, "X-Frame-Options", "DENY");
}

/* Sends admin/dist/<name> with caching headers: a year for hashed
 * assets, revalidation for index.html. */
static void
serve(struct http_req *req, const char *name, bool immutable)
{
	char path[1024], etag[64];
	const char *inm = http_header(req, "If-None-Match");
	const char *type = type_of(name);
	char *data = NULL;
	size_t len = 0;
	struct stat st;
	int status;

	snprintf(path, sizeof(path), "%s/admin/dist/%s", config.home, name);
	status = type ? read_file(path, &data, &len, &st) : 404;
	if (status != 0) {
		if (status == 404 && strcmp(name, "index.html") == 0)
			http_error(req, 503, "the admin app is not built;"
			                     " run make");
		else
			http_error(req, status, "no such file: %s", name);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
	         (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
	             (unsigned long long)st.st_mtim.tv_nsec);
	security_headers(req);
	http_add_header(req, "ETag", etag);
	http_add_header(req, "Cache-Control",
	                immutable ? "public, max-age=31536000, immutable"
	                          : "no-cache");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		free(data);
		http_reply(req, 304, NULL, "", 0);
		return;
	}
	http_reply_take(req, 200, type, data, len);
}

static void
admin_index(struct http_req *req)
{
	serve(req, "index.html", false);
}

static void
admin_asset(struct http_req *req)
{
	const char *name = http_param(req, 0);
	char rel[256];

	if (!name_ok(name)) {
		http_error(req, 404, "no such file: %s", req->path);
		return;
	}
	snprintf(rel, sizeof(rel), "assets/%s", name);
	serve(req, rel, true);
}

const struct route admin_static_routes[] = {
    {"GET", "/admin", admin_index, 0},
    {"GET", "/admin/assets/{*}", admin_asset, 0},
    {"GET", "/admin/{*}", admin_index, 0},
    {NULL, NULL, NULL, 0},
};
