/* Herald integration tests - the public changelog and its feeds:
 * visibility, C-30, escaping, CSP, ETags, pagination, feed validity under
 * a German locale. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/c30.h"
#include "lib/harness.h"

static struct srv s;
static const char *const german[] = {"LC_ALL=de_DE.UTF-8", "LANG=de_DE.UTF-8",
                                     NULL};

static void
up(void)
{
	srv_start(&s, german);
}

static void
down(void)
{
	srv_stop(&s);
}

TestSuite(changelog, .init = up, .fini = down, .timeout = 60);

static cJSON *
create(const cJSON *ws, const cJSON *in)
{
	struct resp r;
	char *json = cJSON_PrintUnformatted(in);
	cJSON *out;

	api(&r, &s, "POST", "/api/v1/releases", jstr(ws, "admin_token"), json);
	free(json);
	cr_assert_eq(r.status, 201, "%s", r.body);
	out = r.json;
	r.json = NULL;
	resp_free(&r);
	return out;
}

static cJSON *
release(const cJSON *ws, const char *title, const char *body,
        const char *status, const char *audience)
{
	cJSON *in = cJSON_CreateObject(), *out;

	cJSON_AddStringToObject(in, "title", title);
	cJSON_AddStringToObject(in, "body", body);
	cJSON_AddStringToObject(in, "status", status);
	cJSON_AddItemToObject(in, "labels", cJSON_Parse("[\"fixed\",\"a&b\"]"));
	if (audience != NULL)
		cJSON_AddItemToObject(in, "audience", cJSON_Parse(audience));
	out = create(ws, in);
	cJSON_Delete(in);
	return out;
}

static void
get(struct resp *r, const cJSON *ws, const char *suffix)
{
	char path[512];

	snprintf(path, sizeof(path), "/c/%s%s", jstr(ws, "slug"), suffix);
	api(r, &s, "GET", path, NULL, NULL);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Every <content> / <description> of a feed, decoded, holds nothing
 * executable; returns how many were checked. */
static int
check_feed_bodies(const char *xml, const char *tag)
{
	const char *p = xml;
	char open[32], *text;
	int n = 0;

	snprintf(open, sizeof(open), "<%s", tag);
	while ((text = xml_element(&p, open, tag)) != NULL) {
		char *html = xml_unescape(text);
		const char *bad = c30_unsafe(html);

		cr_assert_null(bad, "%s in feed %s: %s", bad, tag, html);
		cr_assert_null(strstr(text, "<"), "unescaped markup: %s", text);
		free(html);
		free(text);
		n++;
	}
	return n;
}

Test(changelog, c30_holds_on_the_public_pages)
{
	cJSON *ws = workspace_new("C30 Page");
	cJSON *rel = release(ws, c30_title, c30_body, "published", NULL);
	char suffix[200];
	const char *body;
	struct resp r;

	get(&r, ws, "");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_null(c30_unsafe(r.body), "%s", c30_unsafe(r.body));
	cr_assert(strstr(r.body, "&lt;/title&gt;&lt;script&gt;alert(1)"
	                         "&lt;/script&gt;") != NULL);
	cr_assert_eq(count(r.body, "<title>"), 1);
	cr_assert(strstr(r.body, "<a rel=\"noopener nofollow\" "
	                         "href=\"https://example.com/ok\">") != NULL);
	cr_assert(strstr(r.body, "<li class=\"chip chip-a-b\">a&amp;b</li>") !=
	          NULL);
	resp_free(&r);
	snprintf(suffix, sizeof(suffix), "/%s", jstr(rel, "slug"));
	get(&r, ws, suffix);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_null(c30_unsafe(r.body), "%s", c30_unsafe(r.body));
	body = strstr(r.body, "<title>");
	cr_assert(strncmp(body, "<title>&lt;/title&gt;&lt;script&gt;", 35) ==
	          0);
	cr_assert(strstr(r.body, "<meta property=\"og:title\" "
	                         "content=\"&lt;/title&gt;") != NULL);
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(changelog, c30_holds_in_both_feeds)
{
	cJSON *ws = workspace_new("C30 Feeds");
	cJSON *rel = release(ws, c30_title, c30_body, "published", NULL);
	struct resp r;

	get(&r, ws, "/feed.atom");
	cr_assert_eq(r.status, 200);
	cr_assert_eq(check_feed_bodies(r.body, "content"), 1);
	cr_assert(strstr(r.body, "<title type=\"text\">&lt;/title&gt;"
	                         "&lt;script&gt;") != NULL);
	cr_assert_null(strstr(r.body, "<script"));
	resp_free(&r);
	get(&r, ws, "/rss.xml");
	cr_assert_eq(r.status, 200);
	cr_assert_eq(check_feed_bodies(r.body, "description"), 2);
	cr_assert(strstr(r.body, "<title>&lt;/title&gt;&lt;script&gt;") !=
	          NULL);
	cr_assert_null(strstr(r.body, "<script"));
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(changelog, only_published_public_releases_appear)
{
	cJSON *ws = workspace_new("Visible");
	cJSON *rels[4] = {
	    release(ws, "Shown to all", "a", "published", NULL),
	    release(ws, "Still a draft", "b", "draft", NULL),
	    release(ws, "Pro only", "c", "published", "{\"plan\":[\"pro\"]}"),
	    NULL};
	const char *const suffixes[] = {"", "/feed.atom", "/rss.xml"};
	char path[300], *ctype;
	struct resp r;
	cJSON *in = cJSON_Parse("{\"title\":\"Later\",\"status\":\"scheduled\","
	                        "\"publish_at\":\"2099-01-01T00:00:00Z\"}");

	rels[3] = create(ws, in);
	cJSON_Delete(in);
	for (int i = 0; i < 3; i++) {
		get(&r, ws, suffixes[i]);
		cr_assert_eq(r.status, 200);
		cr_assert(strstr(r.body, "Shown to all") != NULL);
		cr_assert_null(strstr(r.body, "Still a draft"));
		cr_assert_null(strstr(r.body, "Pro only"));
		cr_assert_null(strstr(r.body, "Later"));
		resp_free(&r);
	}
	for (int i = 1; i < 4; i++) {
		snprintf(path, sizeof(path), "/%s", jstr(rels[i], "slug"));
		get(&r, ws, path);
		cr_assert_eq(r.status, 404, "%s", path);
		resp_free(&r);
	}
	get(&r, ws, "x-unknown-workspace");
	cr_assert_eq(r.status, 404);
	ctype = resp_header(&r, "Content-Type");
	cr_assert_str_eq(ctype, "text/html; charset=utf-8");
	cr_assert(strstr(r.body, "<h1>Not found</h1>") != NULL);
	free(ctype);
	resp_free(&r);
	for (int i = 0; i < 4; i++)
		cJSON_Delete(rels[i]);
	cJSON_Delete(ws);
}

Test(changelog, an_unknown_page_is_a_styled_404_with_the_way_back)
{
	cJSON *ws = workspace_new("Lost Co");
	cJSON *rel = release(ws, "Hello", "world", "published", NULL);
	char *ctype, *csp, want[400];
	struct resp r;

	get(&r, ws, "/nope");
	cr_assert_eq(r.status, 404, "%s", r.body);
	ctype = resp_header(&r, "Content-Type");
	cr_assert_str_eq(ctype, "text/html; charset=utf-8");
	csp = resp_header(&r, "Content-Security-Policy");
	cr_assert(csp != NULL && strstr(csp, "default-src 'none'") != NULL);
	snprintf(want, sizeof(want),
	         "<link rel=\"stylesheet\" href=\"/c/%s/style.css\">",
	         jstr(ws, "slug"));
	cr_assert(strstr(r.body, want) != NULL, "%s", r.body);
	snprintf(want, sizeof(want), "<a href=\"%s/c/%s\">&larr; All releases",
	         s.url, jstr(ws, "slug"));
	cr_assert(strstr(r.body, want) != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "<title>Not found - Lost Co changelog") !=
	          NULL);
	cr_assert(strstr(r.body, "<h1 id=\"nf\">Page not found</h1>") != NULL);
	cr_assert(strstr(r.body, "<span>Changelog</span>") != NULL);
	cr_assert_null(strstr(r.body, "Hello"));
	cr_assert_null(strstr(r.body, "<script"));
	cr_assert_null(strstr(r.body, "style=\""));
	free(ctype);
	free(csp);
	resp_free(&r);

	/* An unknown workspace gets the plain page, with the icon. */
	api(&r, &s, "GET", "/c/no-such-workspace-x/nope", NULL, NULL);
	cr_assert_eq(r.status, 404);
	cr_assert(strstr(r.body, "<h1>Not found</h1>") != NULL);
	cr_assert(strstr(r.body, "href=\"/favicon.svg\"") != NULL);
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(changelog, the_site_icon_is_served_with_a_long_cache)
{
	const char *const paths[] = {"/favicon.ico", "/favicon.svg"};
	char *ctype, *cache;
	struct resp r;

	for (int i = 0; i < 2; i++) {
		api(&r, &s, "GET", paths[i], NULL, NULL);
		cr_assert_eq(r.status, 200, "%s", paths[i]);
		ctype = resp_header(&r, "Content-Type");
		cache = resp_header(&r, "Cache-Control");
		cr_assert_str_eq(ctype, "image/svg+xml");
		cr_assert_str_eq(cache, "public, max-age=604800");
		cr_assert(strncmp(r.body, "<svg xmlns=", 11) == 0);
		free(ctype);
		free(cache);
		resp_free(&r);
	}
}

Test(changelog, page_has_a_strict_csp_canonical_url_and_no_inline_code)
{
	cJSON *ws = workspace_new("Csp");
	cJSON *rel = release(ws, "Hello", "world", "published", NULL);
	char *csp, *cache, canon[300];
	struct resp r;

	get(&r, ws, "");
	cache = resp_header(&r, "Cache-Control");
	cr_assert_str_eq(cache, "no-cache");
	free(cache);
	csp = resp_header(&r, "Content-Security-Policy");
	cr_assert_not_null(csp);
	cr_assert(strstr(csp, "default-src 'none'") != NULL);
	cr_assert(strstr(csp, "style-src 'self'") != NULL);
	cr_assert_null(strstr(csp, "unsafe-inline"));
	cr_assert_null(strstr(r.body, "<script"));
	cr_assert_null(strstr(r.body, "<style"));
	cr_assert_null(strstr(r.body, "style=\""));
	snprintf(canon, sizeof(canon),
	         "<link rel=\"canonical\" href=\"%s/c/%s\">", s.url,
	         jstr(ws, "slug"));
	cr_assert(strstr(r.body, canon) != NULL, "%s", canon);
	cr_assert(strstr(r.body, "<meta property=\"og:url\"") != NULL);
	cr_assert(strstr(r.body, "<main id=\"main\"") != NULL);
	cr_assert(strstr(r.body, "<time datetime=\"") != NULL);
	free(csp);
	resp_free(&r);
	get(&r, ws, "/style.css");
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "prefers-color-scheme:dark") != NULL);
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(changelog, etag_gives_304_when_unchanged_and_200_after_an_edit)
{
	cJSON *ws = workspace_new("Etag");
	cJSON *rel = release(ws, "Cache me", "x", "published", NULL);
	char url[300], inm[128], path[128], *tag;
	const char *hdr[2] = {inm, NULL};
	struct resp r;

	snprintf(url, sizeof(url), "%s/c/%s", s.url, jstr(ws, "slug"));
	http_do(&r, "GET", url, NULL, NULL, 0);
	tag = resp_header(&r, "ETag");
	cr_assert_not_null(tag);
	resp_free(&r);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", tag);
	http_do(&r, "GET", url, hdr, NULL, 0);
	cr_assert_eq(r.status, 304);
	cr_assert_eq(r.len, 0);
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/releases/%s", jstr(rel, "id"));
	api(&r, &s, "PATCH", path, jstr(ws, "admin_token"),
	    "{\"title\":\"Changed\"}");
	resp_free(&r);
	http_do(&r, "GET", url, hdr, NULL, 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "Changed") != NULL);
	resp_free(&r);
	free(tag);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(changelog, pages_of_ten_newest_first)
{
	cJSON *ws = workspace_new("Pages");
	char title[32];
	struct resp r;

	for (int i = 1; i <= 12; i++) {
		snprintf(title, sizeof(title), "Release number %02d", i);
		cJSON_Delete(release(ws, title, "x", "published", NULL));
	}
	get(&r, ws, "");
	cr_assert_eq(count(r.body, "<article"), 10);
	cr_assert(strstr(r.body, "Release number 12") <
	          strstr(r.body, "Release number 03"));
	cr_assert_null(strstr(r.body, "Release number 02"));
	cr_assert(strstr(r.body, "rel=\"next\"") != NULL);
	cr_assert(strstr(r.body, "Page 1 of 2") != NULL);
	resp_free(&r);
	get(&r, ws, "?page=2");
	cr_assert_eq(count(r.body, "<article"), 2);
	cr_assert(strstr(r.body, "Release number 01") != NULL);
	cr_assert(strstr(r.body, "rel=\"prev\"") != NULL);
	resp_free(&r);
	get(&r, ws, "?page=abc");
	cr_assert_eq(r.status, 400);
	resp_free(&r);
	cJSON_Delete(ws);
}

/* Saves body to a file under the test folder; returns its path. */
static void
save(const char *body, const char *name, char *path, size_t n)
{
	const char *tmp = getenv("HERALD_TEST_TMP");
	FILE *f;

	snprintf(path, n, "%s/%s-%d.xml", tmp ? tmp : "/tmp", name,
	         (int)getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(body, f);
	fclose(f);
}

static void
check_feed(const cJSON *ws, const char *suffix, int entries)
{
	char path[512], cmd[1200];
	struct resp r;

	get(&r, ws, suffix);
	cr_assert_eq(r.status, 200);
	save(r.body, suffix + 1, path, sizeof(path));
	resp_free(&r);
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	cr_assert_eq(run(cmd), 0, "xmllint refused %s", path);
	snprintf(cmd, sizeof(cmd),
	         "/usr/bin/python3 tests/lib/feedcheck.py '%s' %d", path,
	         entries);
	cr_assert_eq(run(cmd), 0, "feedparser refused %s", path);
}

Test(changelog, feeds_are_valid_and_english_under_a_german_locale)
{
	cJSON *ws = workspace_new("Größe & <Co>");
	regex_t rfc822;
	struct resp r;

	cr_assert_eq(run("locale -a | grep -qix 'de_DE.utf8'"), 0,
	             "the de_DE.UTF-8 locale is missing: run scripts/deps.sh");
	cJSON_Delete(release(ws,
	                     "Größere Uploads für Teams – "
	                     "日本語 🚀",
	                     "Tables:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
	                     "Ctrl \x01 char & <b>bold</b>",
	                     "published", NULL));
	cJSON_Delete(release(ws, c30_title, c30_body, "published", NULL));
	check_feed(ws, "/feed.atom", 2);
	check_feed(ws, "/rss.xml", 2);
	get(&r, ws, "/rss.xml");
	cr_assert_eq(regcomp(&rfc822,
	                     "<pubDate>(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
	                     "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|"
	                     "Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \\+0000"
	                     "</pubDate>",
	                     REG_EXTENDED),
	             0);
	cr_assert_eq(regexec(&rfc822, r.body, 0, NULL, 0), 0, "%s", r.body);
	regfree(&rfc822);
	cr_assert(strstr(r.body, "<title>Größe &amp; &lt;Co&gt; changelog"
	                         "</title>") != NULL);
	resp_free(&r);
	get(&r, ws, "");
	cr_assert(strstr(r.body, "<time datetime=\"") != NULL);
	cr_assert_null(strstr(r.body, "Dezember"));
	resp_free(&r);
	cJSON_Delete(ws);
}
