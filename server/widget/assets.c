/* Herald - serving the embed script.  /widget.js is cached for five
 * minutes (customers' pages keep one unchanging URL); /widget.<hash>.js
 * names one build and is cached for a year as immutable.  Both carry a
 * strong ETag and are sent gzipped to clients that accept it, from a copy
 * compressed once at load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "widget/assets.h"
#include "widget/widget.h"

#define ASSET_MAX (4u << 20)
#define JS_TYPE   "application/javascript; charset=utf-8"

static struct {
	char *js;
	size_t len;
	unsigned char *gz;
	size_t gzlen;
	char hash[17];
	char etag[24];
	char etag_gz[28];
	char path[40];
} asset;

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = ASSET_MAX;

	if (f == NULL)
		return NULL;
	data = malloc(cap + 1);
	if (data != NULL) {
		*len = fread(data, 1, cap + 1, f);
		if (*len > cap || ferror(f)) {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

/* Gzips asset.js (deflate with a gzip wrapper: windowBits 16 + 15). */
static bool
compress_js(void)
{
	z_stream z = {0};
	size_t cap = deflateBound(&z, (uLong)asset.len) + 64;
	int rc;

	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return false;
	asset.gz = malloc(cap);
	if (asset.gz == NULL) {
		deflateEnd(&z);
		return false;
	}
	z.next_in = (unsigned char *)asset.js;
	z.avail_in = (uInt)asset.len;
	z.next_out = asset.gz;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	asset.gzlen = z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END;
}

bool
assets_start(void)
{
	char path[1200], hex[HASH_HEX_LEN + 1];

	snprintf(path, sizeof(path), "%s/widget/dist/widget.js", config.home);
	snprintf(asset.path, sizeof(asset.path), "/widget.js");
	asset.js = read_file(path, &asset.len);
	if (asset.js == NULL) {
		log_warn("component=widget path=%s widget script missing; "
		         "run make to build it",
		         path);
		return true;
	}
	asset.js[asset.len] = '\0';
	util_hash_token(asset.js, hex);
	snprintf(asset.hash, sizeof(asset.hash), "%.16s", hex);
	snprintf(asset.etag, sizeof(asset.etag), "\"%s\"", asset.hash);
	snprintf(asset.etag_gz, sizeof(asset.etag_gz), "\"%s-gz\"", asset.hash);
	snprintf(asset.path, sizeof(asset.path), "/widget.%s.js", asset.hash);
	if (!compress_js())
		return false;
	log_info("component=widget bytes=%zu gzip=%zu hash=%s widget script "
	         "loaded",
	         asset.len, asset.gzlen, asset.hash);
	return true;
}

void
assets_stop(void)
{
	free(asset.js);
	free(asset.gz);
	memset(&asset, 0, sizeof(asset));
}

const char *
assets_widget_path(void)
{
	return asset.path[0] ? asset.path : "/widget.js";
}

/* True when Accept-Encoding names gzip without q=0. */
static bool
accepts_gzip(const struct http_req *req)
{
	const char *ae = http_header(req, "Accept-Encoding");
	const char *g = ae ? strcasestr(ae, "gzip") : NULL;
	size_t n;

	if (g == NULL)
		return false;
	n = strcspn(g, ",");
	for (const char *q = g; q < g + n; q++)
		if (strncmp(q, "q=0", 3) == 0 &&
		    (q + 3 >= g + n || q[3] != '.' ||
		     strspn(q + 4, "0") >= (size_t)(g + n - q - 4)))
			return false;
	return true;
}

static bool
etag_matches(const struct http_req *req)
{
	const char *inm = http_header(req, "If-None-Match");

	return inm != NULL &&
	       (strstr(inm, asset.etag) != NULL ||
	        strstr(inm, asset.etag_gz) != NULL || strcmp(inm, "*") == 0);
}

void
widget_asset(struct http_req *req)
{
	const char *name = http_param(req, 0);
	bool gz;
	char versioned[24];

	snprintf(versioned, sizeof(versioned), "%s.js", asset.hash);
	if (asset.js == NULL) {
		http_error(req, 404,
		           "widget.js is not built: run make (it "
		           "builds widget/dist/widget.js)");
		return;
	}
	if (strcmp(name, "js") != 0 && strcmp(name, versioned) != 0) {
		http_error(req, 404, "no such resource: %s", req->path);
		return;
	}
	gz = accepts_gzip(req);
	http_add_header(req, "Cache-Control",
	                strcmp(name, "js") == 0
	                    ? "public, max-age=300"
	                    : "public, max-age=31536000, immutable");
	http_add_header(req, "ETag", gz ? asset.etag_gz : asset.etag);
	http_add_header(req, "Vary", "Accept-Encoding");
	http_add_header(req, "Access-Control-Allow-Origin", "*");
	if (etag_matches(req)) {
		http_reply(req, 304, NULL, "", 0);
		return;
	}
	if (gz) {
		http_add_header(req, "Content-Encoding", "gzip");
		http_reply(req, 200, JS_TYPE, asset.gz, asset.gzlen);
	} else {
		http_reply(req, 200, JS_TYPE, asset.js, asset.len);
	}
}
