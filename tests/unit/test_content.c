/* Herald unit tests - release content: escaping, dates, safe markdown,
 * audiences and the changelog parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "content/audience.h"
#include "content/dates.h"
#include "content/escape.h"
#include "content/import.h"
#include "content/markdown.h"

static char *
render(const char *md)
{
	char *html = NULL;

	cr_assert(markdown_render(md, strlen(md), &html));
	return html;
}

static bool
contains_ci(const char *hay, const char *needle)
{
	for (size_t n = strlen(needle); *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

Test(escape, every_markup_character_becomes_an_entity)
{
	char *s = escape_html_dup("</title><script>a & 'b' \"c\"");

	cr_assert_str_eq(s, "&lt;/title&gt;&lt;script&gt;a &amp; &#39;b&#39; "
	                    "&quot;c&quot;");
	free(s);
}

Test(escape, characters_xml_forbids_are_dropped)
{
	char *s = escape_html_dup("a\x01"
	                          "b\x1f"
	                          "c\t\n\xef\xbf\xbf"
	                          "d");

	cr_assert_str_eq(s, "abc\t\nd");
	free(s);
}

Test(escape, a_full_buffer_is_an_error_not_a_truncation)
{
	struct buf b;

	buf_init(&b, 6);
	cr_assert_not(escape_html(&b, "<<"));
	cr_assert_eq(b.len, 4);
	buf_cleanup(&b);
}

Test(dates, rfc_formats_are_english_and_computed_from_the_epoch)
{
	char out[DATES_LEN];

	dates_rfc822(1714564800, out);
	cr_assert_str_eq(out, "Wed, 01 May 2024 12:00:00 +0000");
	dates_rfc3339(1714564800, out);
	cr_assert_str_eq(out, "2024-05-01T12:00:00Z");
	dates_human(951782400, out);
	cr_assert_str_eq(out, "29 February 2000");
	dates_rfc822(951782400, out);
	cr_assert_str_eq(out, "Tue, 29 Feb 2000 00:00:00 +0000");
	dates_rfc822(-1, out);
	cr_assert_str_eq(out, "Wed, 31 Dec 1969 23:59:59 +0000");
	dates_rfc822(0, out);
	cr_assert_str_eq(out, "Thu, 01 Jan 1970 00:00:00 +0000");
}

Test(dates, iso8601_parses_offsets_fractions_and_bare_dates)
{
	int64_t t;

	cr_assert(dates_parse_iso8601("2024-05-01T12:00:00Z", &t));
	cr_assert_eq(t, 1714564800);
	cr_assert(dates_parse_iso8601("2024-05-01T14:00:00.250+02:00", &t));
	cr_assert_eq(t, 1714564800);
	cr_assert(dates_parse_iso8601("2024-05-01 07:00-0500", &t));
	cr_assert_eq(t, 1714564800);
	cr_assert(dates_parse_iso8601("2024-05-01", &t));
	cr_assert_eq(t, 1714521600);
}

Test(dates, malformed_times_are_refused)
{
	static const char *const bad[] = {"tomorrow",
	                                  "2024-13-01T00:00:00Z",
	                                  "2023-02-29T00:00:00Z",
	                                  "2024-05-01T25:00:00Z",
	                                  "2024-05-01T12:00:00",
	                                  "2024-5-1",
	                                  "2024-05-01T12:00:00Zjunk",
	                                  "",
	                                  "2024-05-01T12:00:00+2"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t;

		cr_assert_not(dates_parse_iso8601(bad[i], &t), "%s", bad[i]);
	}
}

Test(markdown, c30_inputs_render_nothing_executable)
{
	char *html = render("[docs](javascript:alert(document.domain))\n\n"
	                    "<img src=x onerror=alert(1)>\n\n"
	                    "[x](JaVaScRiPt&#58;alert(1))\n\n"
	                    "![a](data:text/html;base64,PHNjcmlwdD4=)\n\n"
	                    "<script>alert(1)</script>\n\n"
	                    "[v](vbscript:x) [f](file:///etc/passwd) "
	                    "[r](/relative) [s]( javascript:alert(1))\n");

	cr_assert_not(contains_ci(html, "javascript"), "%s", html);
	cr_assert_not(contains_ci(html, "onerror"), "%s", html);
	cr_assert_not(contains_ci(html, "<img"), "%s", html);
	cr_assert_not(contains_ci(html, "<script"), "%s", html);
	cr_assert_not(contains_ci(html, "data:"), "%s", html);
	cr_assert_not(contains_ci(html, "<a "), "%s", html);
	cr_assert(strstr(html, "<p>docs</p>") != NULL, "%s", html);
	cr_assert(strstr(html, "<p>x</p>") != NULL, "%s", html);
	cr_assert(strstr(html, "<p>a</p>") != NULL, "%s", html);
	free(html);
}

Test(markdown, safe_links_get_rel_noopener_nofollow)
{
	char *html = render("[a](https://example.com/x?a=1&b=2) "
	                    "[m](mailto:a@example.com) www.example.org\n\n"
	                    "![logo](https://example.com/l.png)\n");

	cr_assert(strstr(html, "<a rel=\"noopener nofollow\" "
	                       "href=\"https://example.com/x?a=1&amp;b=2\">a"
	                       "</a>") != NULL,
	          "%s", html);
	cr_assert(strstr(html, "<a rel=\"noopener nofollow\" "
	                       "href=\"mailto:a@example.com\">m</a>") != NULL,
	          "%s", html);
	cr_assert(strstr(html, "href=\"http://www.example.org\"") != NULL, "%s",
	          html);
	cr_assert(strstr(html, "<img src=\"https://example.com/l.png\" "
	                       "alt=\"logo\" />") != NULL,
	          "%s", html);
	free(html);
}

Test(markdown, images_only_over_http_and_mailto_is_not_an_image)
{
	char *html = render("![m](mailto:a@b.c) ![f](ftp://x/y.png)");

	cr_assert_str_eq(html, "<p>m f</p>\n");
	free(html);
}

Test(markdown, gfm_tables_strikethrough_and_task_lists_render)
{
	char *html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n"
	                    "- [x] done\n- [ ] todo\n");

	cr_assert(strstr(html, "<table>") != NULL);
	cr_assert(strstr(html, "<del>old</del>") != NULL);
	cr_assert(strstr(html, "<input type=\"checkbox\" checked=\"\" "
	                       "disabled=\"\" /> done") != NULL,
	          "%s", html);
	free(html);
}

Test(markdown, plain_text_is_cut_on_a_character_boundary)
{
	char *text = NULL;

	cr_assert(markdown_plain("**Größere** Uploads", 20, 5, &text));
	cr_assert_str_eq(text, "Grö");
	free(text);
}

static cJSON *
j(const char *text)
{
	cJSON *v = cJSON_Parse(text);

	cr_assert_not_null(v, "%s", text);
	return v;
}

static bool
match(const char *aud, const char *person, const char *account)
{
	cJSON *a = j(aud), *p = person ? j(person) : NULL;
	cJSON *c = account ? j(account) : NULL;
	bool m = release_audience_match(a, p, c);

	cJSON_Delete(a);
	cJSON_Delete(p);
	cJSON_Delete(c);
	return m;
}

Test(audience, empty_audience_is_public_even_for_anonymous_visitors)
{
	cr_assert(match("{}", NULL, NULL));
	cr_assert(release_audience_match(NULL, NULL, NULL));
}

Test(audience, shorthand_matches_person_then_account_traits)
{
	const char *aud = "{\"plan\":[\"pro\",\"enterprise\"]}";

	cr_assert(match(aud, "{\"plan\":\"pro\"}", NULL));
	cr_assert(match(aud, "{}", "{\"plan\":\"enterprise\"}"));
	cr_assert_not(match(aud, "{\"plan\":\"free\"}", "{\"plan\":\"pro\"}"));
	cr_assert_not(match(aud, NULL, NULL));
	cr_assert(match("{\"plan\":\"pro\"}", "{\"plan\":\"pro\"}", NULL));
}

Test(audience, trait_conditions_with_operators_and_combinators)
{
	const char *role = "{\"trait\":\"person.role\",\"in\":[\"cto\"]}";
	const char *size = "{\"all\":[{\"trait\":\"account.employees\","
	                   "\"gte\":50,\"lt\":1000},{\"not\":{\"country\":"
	                   "\"FR\"}}]}";

	cr_assert(match(role, "{\"role\":\"cto\"}", NULL));
	cr_assert_not(match(role, "{}", "{\"role\":\"cto\"}"));
	cr_assert(match(role, "{\"role\":[\"dev\",\"cto\"]}", NULL));
	cr_assert(match(size, "{}", "{\"employees\":120,\"country\":\"DE\"}"));
	cr_assert(match(size, "{}", "{\"employees\":\"120\"}"));
	cr_assert_not(match(size, "{}", "{\"employees\":20}"));
	cr_assert_not(
	    match(size, "{}", "{\"employees\":120,\"country\":\"FR\"}"));
	cr_assert(match("{\"any\":[{\"plan\":\"pro\"},{\"trait\":\"beta\","
	                "\"exists\":true}]}",
	                "{\"beta\":true}", NULL));
}

Test(audience, malformed_audiences_are_refused_with_their_path)
{
	char err[256];
	cJSON *a = j("{\"all\":[{\"trait\":\"plan\",\"like\":\"p%\"}]}");

	cr_assert_not(release_audience_check(a, err, sizeof(err)));
	cr_assert_str_eq(err, "audience.all[0].like: unknown operator");
	cr_assert_not(release_audience_match(a, NULL, j("{\"plan\":\"p\"}")));
	cJSON_Delete(a);
	a = j("[1]");
	cr_assert_not(release_audience_check(a, err, sizeof(err)));
	cr_assert_str_eq(err, "audience: must be an object");
	cJSON_Delete(a);
}

static struct import_parse
parse_file(const char *path)
{
	struct import_parse p;
	char err[256];
	FILE *f = fopen(path, "rb");
	static char text[1 << 20];
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	cr_assert(import_parse_text(text, n, &p, err, sizeof(err)), "%s", err);
	return p;
}

Test(import, keep_a_changelog_file_gives_its_fourteen_versions)
{
	struct import_parse p =
	    parse_file("tests/fixtures/changelogs/keep-a-changelog.md");
	char ymd[DATES_LEN];

	cr_assert_eq(p.n, 14);
	cr_assert_str_eq(p.v[0].title, "v1.1.1");
	cr_assert_str_eq(p.v[0].slug, "v1-1-1");
	dates_ymd(p.v[0].published, ymd);
	cr_assert_str_eq(ymd, "2023-03-05");
	cr_assert_eq(cJSON_GetArraySize(p.v[0].labels), 4);
	cr_assert(strncmp(p.v[0].body, "### Added\n\n- Arabic", 19) == 0);
	cr_assert_null(strstr(p.v[13].body, "[0.0.1]: https"));
	dates_ymd(p.v[13].published, ymd);
	cr_assert_str_eq(ymd, "2014-05-31");
	cr_assert_eq(cJSON_GetArraySize(p.skipped), 1);
	import_parse_cleanup(&p);
}

Test(import, headings_in_code_fences_and_undated_versions_do_not_count)
{
	static const char text[] =
	    "# Changelog\n## [Unreleased]\n- x\n"
	    "## 2.0.0 – 2024-06-01 [YANKED]\n### Fixed \n```\n## [9.9.9] - "
	    "2020-01-01\n```\n## [1.0.0]\n- undated\n";
	struct import_parse p;
	char err[128];

	cr_assert(import_parse_text(text, strlen(text), &p, err, sizeof(err)));
	cr_assert_eq(p.n, 1);
	cr_assert_str_eq(p.v[0].version, "2.0.0");
	cr_assert(strstr(p.v[0].body, "## [9.9.9]") != NULL);
	cr_assert_str_eq(cJSON_GetArrayItem(p.v[0].labels, 0)->valuestring,
	                 "yanked");
	cr_assert_str_eq(cJSON_GetArrayItem(p.v[0].labels, 1)->valuestring,
	                 "fixed");
	cr_assert_eq(cJSON_GetArraySize(p.skipped), 2);
	import_parse_cleanup(&p);
}
