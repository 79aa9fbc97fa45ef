/* Herald - the public changelog pages.  Server-rendered HTML, every text
 * escaped through page_text, release bodies rendered by the safe markdown
 * renderer, no script at all and a strict Content-Security-Policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/changelog.h"
#include "content/changelog_css.h"
#include "content/dates.h"
#include "content/feed.h"
#include "content/markdown.h"
#include "content/page.h"
#include "content/releases.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"

#define PAGE_SIZE 10
#define DESC_MAX  200

static const char csp[] =
    "default-src 'none'; style-src 'self'; img-src 'self' https: http:;"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/* ---- data ------------------------------------------------------------- */

bool
changelog_workspace(struct http_req *req, const char *ws_slug,
                    struct changelog_ws *ws)
{
	const char *v[1] = {ws_slug};
	char err[512];
	PGresult *r = NULL;
	enum db_status st;

	st =
	    db_exec(&r, "SELECT id, slug, name FROM workspaces WHERE slug = $1",
	            1, v, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s changelog workspace lookup failed: %s",
		         req->id, err);
		http_error(req, db_http_status(st), "database error");
		return false;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		changelog_not_found(req, "changelog");
		return false;
	}
	snprintf(ws->id, sizeof(ws->id), "%s", PQgetvalue(r, 0, 0));
	snprintf(ws->slug, sizeof(ws->slug), "%s", PQgetvalue(r, 0, 1));
	snprintf(ws->name, sizeof(ws->name), "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	req->workspace_id = strtoll(ws->id, NULL, 10);
	return true;
}

PGresult *
changelog_releases(struct http_req *req, const struct changelog_ws *ws,
                   const struct changelog_query *q)
{
	char limit[24], offset[24], err[512];
	const char *v[4] = {ws->id, q->release_slug, limit, offset};
	PGresult *r = NULL;
	enum db_status st;

	snprintf(limit, sizeof(limit), "%ld", q->limit);
	snprintf(offset, sizeof(offset), "%ld", q->offset);
	st = db_exec(&r,
	             "SELECT " RELEASE_COLUMNS ", count(*) OVER ()"
	             " FROM releases r WHERE r.workspace_id = $1"
	             " AND r.status = 'published' AND r.audience = '{}'::jsonb"
	             " AND ($2::text IS NULL OR r.slug = $2)"
	             " ORDER BY r.published_at DESC, r.id DESC"
	             " LIMIT $3 OFFSET $4",
	             4, v, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s changelog query failed: %s", req->id, err);
		http_error(req, db_http_status(st), "database error");
		return NULL;
	}
	return r;
}

/* ---- replies ---------------------------------------------------------- */

static bool
etag_matches(const char *header, const char *tag)
{
	return header != NULL &&
	       (strstr(header, tag) != NULL || strcmp(header, "*") == 0);
}

static void
security_headers(struct http_req *req)
{
	http_add_header(req, "Content-Security-Policy", csp);
	http_add_header(req, "X-Content-Type-Options", "nosniff");
	http_add_header(req, "Referrer-Policy",
	                "strict-origin-when-cross-origin");
}

void
changelog_reply(struct http_req *req, const char *ctype, char *text, size_t len,
                int max_age)
{
	char hash[HASH_HEX_LEN + 1], tag[40], cache[64];

	util_hash_token(text, hash);
	snprintf(tag, sizeof(tag), "\"%.32s\"", hash);
	if (max_age > 0)
		snprintf(cache, sizeof(cache), "public, max-age=%d", max_age);
	else
		snprintf(cache, sizeof(cache), "no-cache");
	http_add_header(req, "ETag", tag);
	http_add_header(req, "Cache-Control", cache);
	security_headers(req);
	if (etag_matches(http_header(req, "If-None-Match"), tag)) {
		free(text);
		http_reply(req, 304, NULL, "", 0);
		return;
	}
	http_reply_take(req, 200, ctype, text, len);
}

static void
reply_page(struct http_req *req, struct page *p)
{
	size_t len = p->b.len;

	if (!p->ok) {
		page_cleanup(p);
		http_error(req, 500, "page too large");
		return;
	}
	changelog_reply(req, "text/html; charset=utf-8", buf_steal(&p->b), len,
	                0);
}

/* Sends p as a 404 page with the security headers, and frees it. */
static void
send_not_found(struct http_req *req, struct page *p)
{
	security_headers(req);
	if (!p->ok) {
		page_cleanup(p);
		http_error(req, 404, "not found");
		return;
	}
	http_reply(req, 404, "text/html; charset=utf-8", p->b.data, p->b.len);
	page_cleanup(p);
}

void
changelog_not_found(struct http_req *req, const char *what)
{
	struct page p;

	page_init(&p);
	page_raw(&p, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	             "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	             "content=\"width=device-width, initial-scale=1\">\n"
	             "<title>Not found</title>\n<link rel=\"icon\" "
	             "type=\"image/svg+xml\" href=\"/favicon.svg\">\n"
	             "</head>\n<body>\n<main>\n"
	             "<h1>Not found</h1>\n<p>There is no ");
	page_text(&p, what);
	page_raw(&p, " here.</p>\n</main>\n</body>\n</html>\n");
	send_not_found(req, &p);
}

/* ---- HTML ------------------------------------------------------------- */

struct view {
	const struct changelog_ws *ws;
	char base[512];  /* canonical URL of the changelog */
	char canon[700]; /* canonical URL of this page */
	const char *title;
	const char *description;
	bool article;
};

static void
head(struct page *p, const struct view *v)
{
	page_raw(p, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	            "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	            "content=\"width=device-width, initial-scale=1\">\n"
	            "<meta name=\"color-scheme\" content=\"light dark\">\n"
	            "<title>");
	page_text(p, v->title);
	page_raw(p, "</title>\n<meta name=\"description\" content=\"");
	page_text(p, v->description);
	page_raw(p, "\">\n<link rel=\"canonical\" href=\"");
	page_text(p, v->canon);
	page_printf(p,
	            "\">\n<link rel=\"stylesheet\" href=\"/c/%s/style.css\">\n"
	            "<link rel=\"icon\" type=\"image/svg+xml\" "
	            "href=\"/c/%s/icon.svg\">\n",
	            v->ws->slug, v->ws->slug);
	page_printf(p,
	            "<link rel=\"alternate\" type=\"application/atom+xml\" "
	            "title=\"Atom\" href=\"%s/feed.atom\">\n"
	            "<link rel=\"alternate\" type=\"application/rss+xml\" "
	            "title=\"RSS\" href=\"%s/rss.xml\">\n",
	            v->base, v->base);
	page_printf(p, "<meta property=\"og:type\" content=\"%s\">\n",
	            v->article ? "article" : "website");
	page_raw(p, "<meta property=\"og:title\" content=\"");
	page_text(p, v->title);
	page_raw(p, "\">\n<meta property=\"og:description\" content=\"");
	page_text(p, v->description);
	page_raw(p, "\">\n<meta property=\"og:url\" content=\"");
	page_text(p, v->canon);
	page_raw(p, "\">\n<meta property=\"og:site_name\" content=\"");
	page_text(p, v->ws->name);
	page_raw(p, "\">\n<meta name=\"twitter:card\" content=\"summary\">\n"
	            "</head>\n");
}

static void
top(struct page *p, const struct view *v)
{
	page_raw(p, "<body>\n<a class=\"skip\" href=\"#main\">Skip to "
	            "content</a>\n<header class=\"site\">\n<div class=\"wrap\">"
	            "<a class=\"brand\" href=\"");
	page_text(p, v->base);
	page_raw(p, "\">");
	page_text(p, v->ws->name);
	page_raw(p, "<span>Changelog</span></a>\n<nav aria-label=\"Feeds\">");
	page_printf(p,
	            "<a href=\"%s/feed.atom\">Atom feed</a>"
	            "<a href=\"%s/rss.xml\">RSS</a>",
	            v->base, v->base);
	page_raw(p, "</nav></div>\n</header>\n<main id=\"main\" "
	            "class=\"wrap\">\n");
}

static void
bottom(struct page *p, const struct view *v)
{
	page_raw(p, "</main>\n<footer class=\"site\"><div class=\"wrap\">"
	            "<span>");
	page_text(p, v->ws->name);
	page_raw(p, " release notes</span><span>Published with Herald</span>"
	            "</div></footer>\n</body>\n</html>\n");
}

static void
chips(struct page *p, const char *labels_json)
{
	cJSON *labels = cJSON_Parse(labels_json);
	const cJSON *l;
	char cls[RELEASE_SLUG_MAX + 1];

	if (cJSON_GetArraySize(labels) > 0) {
		page_raw(p, "<ul class=\"chips\" aria-label=\"Labels\">");
		cJSON_ArrayForEach(l, labels)
		{
			if (!cJSON_IsString(l))
				continue;
			release_slugify(l->valuestring, cls, sizeof(cls));
			page_printf(p, "<li class=\"chip chip-%s\">", cls);
			page_text(p, l->valuestring);
			page_raw(p, "</li>");
		}
		page_raw(p, "</ul>");
	}
	cJSON_Delete(labels);
}

static void
release_meta(struct page *p, const PGresult *r, int row)
{
	char ymd[DATES_LEN], human[DATES_LEN];
	int64_t t = 0;

	if (!util_parse_i64(PQgetvalue(r, row, 9), &t))
		t = 0;
	dates_ymd(t, ymd);
	dates_human(t, human);
	page_printf(p, "<div class=\"meta\"><time datetime=\"%s\">%s</time>",
	            ymd, human);
	chips(p, PQgetvalue(r, row, 4));
	page_raw(p, "</div>\n");
}

static void
release_body(struct page *p, const PGresult *r, int row)
{
	const char *md = PQgetvalue(r, row, 3);
	char *html = NULL;

	if (!markdown_render(md, strlen(md), &html)) {
		p->ok = false;
		return;
	}
	page_raw(p, "<div class=\"body\">\n");
	page_raw(p, html);
	page_raw(p, "</div>\n");
	free(html);
}

/* One release as an article; heading level 2 on the list, 1 alone. */
static void
article(struct page *p, const struct view *v, const PGresult *r, int row,
        bool alone)
{
	const char *slug = PQgetvalue(r, row, 1);

	page_raw(p, "<article class=\"release\" aria-labelledby=\"r-");
	page_text(p, slug);
	page_raw(p, "\">\n<header>\n");
	release_meta(p, r, row);
	page_raw(p, alone ? "<h1 id=\"r-" : "<h2 id=\"r-");
	page_text(p, slug);
	if (alone) {
		page_raw(p, "\">");
		page_text(p, PQgetvalue(r, row, 2));
		page_raw(p, "</h1>\n");
	} else {
		page_raw(p, "\"><a href=\"");
		page_text(p, v->base);
		page_raw(p, "/");
		page_text(p, slug);
		page_raw(p, "\">");
		page_text(p, PQgetvalue(r, row, 2));
		page_raw(p, "</a></h2>\n");
	}
	page_raw(p, "</header>\n");
	release_body(p, r, row);
	page_raw(p, "</article>\n");
}

static void
pager(struct page *p, const struct view *v, long page, long total)
{
	long pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;

	if (pages <= 1)
		return;
	page_raw(p, "<nav class=\"pager\" aria-label=\"Pages\">");
	if (page > 1)
		page_printf(p,
		            "<a rel=\"prev\" href=\"%s?page=%ld\">&larr; "
		            "Newer</a>",
		            v->base, page - 1);
	else
		page_raw(p, "<span></span>");
	page_printf(p, "<span>Page %ld of %ld</span>", page, pages);
	if (page < pages)
		page_printf(p,
		            "<a rel=\"next\" href=\"%s?page=%ld\">Older "
		            "&rarr;</a>",
		            v->base, page + 1);
	else
		page_raw(p, "<span></span>");
	page_raw(p, "</nav>\n");
}

static void
view_init(struct view *v, const struct changelog_ws *ws)
{
	memset(v, 0, sizeof(*v));
	v->ws = ws;
	snprintf(v->base, sizeof(v->base), "%s/c/%s", config.public_url,
	         ws->slug);
	snprintf(v->canon, sizeof(v->canon), "%s", v->base);
}

static void
list_page(struct page *p, struct view *v, const PGresult *r, long page)
{
	char title[320], desc[400];
	int n = PQntuples(r);
	long total =
	    n > 0 ? strtol(PQgetvalue(r, 0, RELEASE_NCOLUMNS), NULL, 10) : 0;

	snprintf(title, sizeof(title), "%s changelog", v->ws->name);
	snprintf(desc, sizeof(desc),
	         "New features, improvements and fixes "
	         "in %s.",
	         v->ws->name);
	if (page > 1)
		snprintf(v->canon, sizeof(v->canon), "%s?page=%ld", v->base,
		         page);
	v->title = title;
	v->description = desc;
	head(p, v);
	top(p, v);
	page_raw(p, "<h1>");
	page_text(p, title);
	page_raw(p, "</h1>\n<p class=\"lead\">");
	page_text(p, desc);
	page_raw(p, "</p>\n");
	for (int i = 0; i < n; i++)
		article(p, v, r, i, false);
	if (n == 0)
		page_raw(p, "<p class=\"empty\">No releases here yet.</p>\n");
	pager(p, v, page, total);
	bottom(p, v);
}

static void
changelog_index(struct http_req *req)
{
	struct changelog_ws ws;
	struct changelog_query q = {NULL, PAGE_SIZE, 0};
	const char *pg = http_query(req, "page");
	int64_t page = 1;
	struct page p;
	struct view v;
	PGresult *r;

	if (pg != NULL &&
	    (!util_parse_i64(pg, &page) || page < 1 || page > 100000)) {
		http_error(req, 400, "page: must be a number from 1");
		return;
	}
	if (!changelog_workspace(req, http_param(req, 0), &ws))
		return;
	q.offset = (long)(page - 1) * PAGE_SIZE;
	r = changelog_releases(req, &ws, &q);
	if (r == NULL)
		return;
	view_init(&v, &ws);
	page_init(&p);
	list_page(&p, &v, r, (long)page);
	PQclear(r);
	reply_page(req, &p);
}

static void
release_page(struct page *p, struct view *v, const PGresult *r)
{
	const char *md = PQgetvalue(r, 0, 3);
	char *desc = NULL;
	char title[400];

	if (!markdown_plain(md, strlen(md), DESC_MAX, &desc)) {
		p->ok = false;
		return;
	}
	snprintf(title, sizeof(title), "%s · %s", PQgetvalue(r, 0, 2),
	         v->ws->name);
	snprintf(v->canon, sizeof(v->canon), "%s/%s", v->base,
	         PQgetvalue(r, 0, 1));
	v->title = title;
	v->description = desc;
	v->article = true;
	head(p, v);
	top(p, v);
	page_raw(p, "<a class=\"back\" href=\"");
	page_text(p, v->base);
	page_raw(p, "\">&larr; All releases</a>\n");
	article(p, v, r, 0, true);
	bottom(p, v);
	free(desc);
}

/* An unknown page of a known changelog: 404 in the changelog's look,
 * with the way back to it. */
static void
release_missing(struct http_req *req, const struct changelog_ws *ws)
{
	struct page p;
	struct view v;
	char title[320];

	view_init(&v, ws);
	snprintf(title, sizeof(title), "Not found - %s changelog", ws->name);
	v.title = title;
	v.description = "There is no such page in this changelog.";
	page_init(&p);
	head(&p, &v);
	top(&p, &v);
	page_raw(&p, "<article class=\"release\" aria-labelledby=\"nf\">\n"
	             "<h1 id=\"nf\">Page not found</h1>\n"
	             "<p>There is no such page in the ");
	page_text(&p, ws->name);
	page_raw(&p, " changelog.  It may have been renamed or removed.</p>\n"
	             "<p><a href=\"");
	page_text(&p, v.base);
	page_raw(&p, "\">&larr; All releases</a></p>\n</article>\n");
	bottom(&p, &v);
	http_add_header(req, "Cache-Control", "no-cache");
	send_not_found(req, &p);
}

static void
changelog_release(struct http_req *req)
{
	struct changelog_ws ws;
	struct changelog_query q = {http_param(req, 1), 1, 0};
	struct page p;
	struct view v;
	PGresult *r;

	if (!changelog_workspace(req, http_param(req, 0), &ws))
		return;
	r = changelog_releases(req, &ws, &q);
	if (r == NULL)
		return;
	if (PQntuples(r) != 1) {
		PQclear(r);
		release_missing(req, &ws);
		return;
	}
	view_init(&v, &ws);
	page_init(&p);
	release_page(&p, &v, r);
	PQclear(r);
	reply_page(req, &p);
}

static void
static_reply(struct http_req *req, const char *ctype, const char *text,
             int max_age)
{
	char *copy = strdup(text);

	if (copy == NULL) {
		http_error(req, 500, "out of memory");
		return;
	}
	changelog_reply(req, ctype, copy, strlen(copy), max_age);
}

static void
changelog_style(struct http_req *req)
{
	static_reply(req, "text/css; charset=utf-8", changelog_css, 3600);
}

static void
changelog_icon_svg(struct http_req *req)
{
	static_reply(req, "image/svg+xml", changelog_icon, 3600);
}

/* The site icon, for /favicon.ico requests browsers make by themselves
 * and for pages that link /favicon.svg (the demo, the admin app). */
static void
site_icon(struct http_req *req)
{
	static_reply(req, "image/svg+xml", changelog_icon, 604800);
}

const struct route changelog_routes[] = {
    {"GET", "/favicon.svg", site_icon, 0},
    {"GET", "/favicon.ico", site_icon, 0},
    {"GET", "/c/{}/style.css", changelog_style, 0},
    {"GET", "/c/{}/icon.svg", changelog_icon_svg, 0},
    {"GET", "/c/{}/feed.atom", feed_atom, 0},
    {"GET", "/c/{}/rss.xml", feed_rss, 0},
    {"GET", "/c/{}", changelog_index, 0},
    {"GET", "/c/{}/{}", changelog_release, 0},
    {NULL, NULL, NULL, 0},
};
