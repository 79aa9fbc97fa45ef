/* Herald - the changelog feeds.  Every text goes through the escape
 * helper; release bodies are rendered safely and then escaped once more
 * as Atom html content or RSS description.  Dates come from the epoch
 * through English name tables, so the locale cannot change them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/changelog.h"
#include "content/dates.h"
#include "content/feed.h"
#include "content/markdown.h"
#include "content/page.h"
#include "content/releases.h"
#include "core/config.h"
#include "core/util.h"

#define FEED_ENTRIES 50

struct feed {
	struct changelog_ws ws;
	char base[512];
	PGresult *rows;
	int n;
};

static int64_t
epoch_at(const PGresult *r, int row, int col)
{
	int64_t t = 0;

	if (PQgetisnull(r, row, col) ||
	    !util_parse_i64(PQgetvalue(r, row, col), &t))
		return 0;
	return t;
}

/* Newest update of any entry, or now when there is none. */
static int64_t
feed_updated(const struct feed *f)
{
	int64_t newest = 0;

	for (int i = 0; i < f->n; i++) {
		int64_t t = epoch_at(f->rows, i, 12);

		if (t > newest)
			newest = t;
	}
	return newest > 0 ? newest : util_wall_ms() / 1000;
}

static bool
feed_load(struct http_req *req, struct feed *f)
{
	struct changelog_query q = {NULL, FEED_ENTRIES, 0};

	memset(f, 0, sizeof(*f));
	if (!changelog_workspace(req, http_param(req, 0), &f->ws))
		return false;
	f->rows = changelog_releases(req, &f->ws, &q);
	if (f->rows == NULL)
		return false;
	f->n = PQntuples(f->rows);
	snprintf(f->base, sizeof(f->base), "%s/c/%s", config.public_url,
	         f->ws.slug);
	return true;
}

/* Appends the rendered body of row i, escaped. */
static void
escaped_body(struct page *p, const struct feed *f, int i)
{
	const char *md = PQgetvalue(f->rows, i, 3);
	char *html = NULL;

	if (!markdown_render(md, strlen(md), &html)) {
		p->ok = false;
		return;
	}
	page_text(p, html);
	free(html);
}

static void
labels(struct page *p, const char *json, const char *open, const char *close)
{
	cJSON *list = cJSON_Parse(json);
	const cJSON *l;

	cJSON_ArrayForEach(l, list)
	{
		if (!cJSON_IsString(l))
			continue;
		page_raw(p, open);
		page_text(p, l->valuestring);
		page_raw(p, close);
	}
	cJSON_Delete(list);
}

static void
feed_send(struct http_req *req, struct page *p, const char *ctype)
{
	size_t len = p->b.len;

	if (!p->ok) {
		page_cleanup(p);
		http_error(req, 500, "feed too large");
		return;
	}
	changelog_reply(req, ctype, buf_steal(&p->b), len, 0);
}

/* ---- Atom 1.0 (RFC 4287) ---------------------------------------------- */

static void
atom_entry(struct page *p, const struct feed *f, int i)
{
	char when[DATES_LEN];

	page_raw(p, "<entry>\n<title type=\"text\">");
	page_text(p, PQgetvalue(f->rows, i, 2));
	page_raw(p, "</title>\n<link rel=\"alternate\" type=\"text/html\" "
	            "href=\"");
	page_text(p, f->base);
	page_raw(p, "/");
	page_text(p, PQgetvalue(f->rows, i, 1));
	page_printf(p, "\"/>\n<id>urn:uuid:%s</id>\n",
	            PQgetvalue(f->rows, i, 0));
	dates_rfc3339(epoch_at(f->rows, i, 9), when);
	page_printf(p, "<published>%s</published>\n", when);
	dates_rfc3339(epoch_at(f->rows, i, 12), when);
	page_printf(p, "<updated>%s</updated>\n", when);
	labels(p, PQgetvalue(f->rows, i, 4), "<category term=\"", "\"/>\n");
	page_raw(p, "<content type=\"html\">");
	escaped_body(p, f, i);
	page_raw(p, "</content>\n</entry>\n");
}

void
feed_atom(struct http_req *req)
{
	struct feed f;
	struct page p;
	char when[DATES_LEN];

	if (!feed_load(req, &f))
		return;
	page_init(&p);
	page_raw(&p, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	             "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
	             "xml:lang=\"en\">\n<title type=\"text\">");
	page_text(&p, f.ws.name);
	page_raw(&p, " changelog</title>\n<link rel=\"alternate\" "
	             "type=\"text/html\" href=\"");
	page_text(&p, f.base);
	page_raw(&p, "\"/>\n<link rel=\"self\" "
	             "type=\"application/atom+xml\" href=\"");
	page_text(&p, f.base);
	page_raw(&p, "/feed.atom\"/>\n<id>");
	page_text(&p, f.base);
	dates_rfc3339(feed_updated(&f), when);
	page_printf(&p, "</id>\n<updated>%s</updated>\n<author><name>", when);
	page_text(&p, f.ws.name);
	page_raw(&p, "</name></author>\n<generator>Herald</generator>\n");
	for (int i = 0; i < f.n; i++)
		atom_entry(&p, &f, i);
	page_raw(&p, "</feed>\n");
	PQclear(f.rows);
	feed_send(req, &p, "application/atom+xml; charset=utf-8");
}

/* ---- RSS 2.0 ---------------------------------------------------------- */

static void
rss_item(struct page *p, const struct feed *f, int i)
{
	char when[DATES_LEN];

	page_raw(p, "<item>\n<title>");
	page_text(p, PQgetvalue(f->rows, i, 2));
	page_raw(p, "</title>\n<link>");
	page_text(p, f->base);
	page_raw(p, "/");
	page_text(p, PQgetvalue(f->rows, i, 1));
	page_printf(p,
	            "</link>\n<guid isPermaLink=\"false\">urn:uuid:%s"
	            "</guid>\n",
	            PQgetvalue(f->rows, i, 0));
	dates_rfc822(epoch_at(f->rows, i, 9), when);
	page_printf(p, "<pubDate>%s</pubDate>\n", when);
	labels(p, PQgetvalue(f->rows, i, 4), "<category>", "</category>\n");
	page_raw(p, "<description>");
	escaped_body(p, f, i);
	page_raw(p, "</description>\n</item>\n");
}

void
feed_rss(struct http_req *req)
{
	struct feed f;
	struct page p;
	char when[DATES_LEN];

	if (!feed_load(req, &f))
		return;
	page_init(&p);
	page_raw(&p, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	             "<rss version=\"2.0\" "
	             "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n"
	             "<title>");
	page_text(&p, f.ws.name);
	page_raw(&p, " changelog</title>\n<link>");
	page_text(&p, f.base);
	page_raw(&p, "</link>\n<description>Release notes of ");
	page_text(&p, f.ws.name);
	page_raw(&p, "</description>\n<language>en</language>\n");
	dates_rfc822(feed_updated(&f), when);
	page_printf(&p, "<lastBuildDate>%s</lastBuildDate>\n", when);
	page_raw(&p, "<atom:link rel=\"self\" type=\"application/rss+xml\" "
	             "href=\"");
	page_text(&p, f.base);
	page_raw(&p, "/rss.xml\"/>\n<generator>Herald</generator>\n");
	for (int i = 0; i < f.n; i++)
		rss_item(&p, &f, i);
	page_raw(&p, "</channel>\n</rss>\n");
	PQclear(f.rows);
	feed_send(req, &p, "application/rss+xml; charset=utf-8");
}
