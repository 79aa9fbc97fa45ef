/* Herald integration tests - `herald import changelog` on real Keep a
 * Changelog files (tests/fixtures/changelogs, see README there). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

TestSuite(import, .timeout = 60);

/* Runs the import and returns its JSON report. */
static cJSON *
import(const char *file, const cJSON *ws)
{
	char cmd[1024], line[8192];
	FILE *p;
	cJSON *out;

	snprintf(cmd, sizeof(cmd),
	         "%s import changelog tests/fixtures/changelogs/%s "
	         "--workspace %s 2>&1",
	         herald_bin(), file, jstr(ws, "slug"));
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	cr_assert_eq(pclose(p), 0, "import failed: %s", line);
	out = cJSON_Parse(line);
	cr_assert_not_null(out, "%s", line);
	return out;
}

static long
num(const cJSON *o, const char *key)
{
	return (long)cJSON_GetObjectItem(o, key)->valuedouble;
}

/* published_at of a release as YYYY-MM-DD in UTC, "" when missing. */
static char *
date_of(const cJSON *ws, const char *slug)
{
	const char *p[2] = {jstr(ws, "slug"), slug};

	return sql_value("SELECT to_char(r.published_at AT TIME ZONE 'UTC',"
	                 " 'YYYY-MM-DD') || ' ' || r.title || ' ' || r.status"
	                 " FROM releases r JOIN workspaces w"
	                 " ON w.id = r.workspace_id"
	                 " WHERE w.slug = $1 AND r.slug = $2",
	                 2, p);
}

static void
expect_date(const cJSON *ws, const char *slug, const char *want)
{
	char *got = date_of(ws, slug);

	cr_assert_str_eq(got, want, "%s", slug);
	free(got);
}

static long
releases_of(const cJSON *ws)
{
	const char *p[1] = {jstr(ws, "slug")};

	return sql_long("SELECT count(*) FROM releases r JOIN workspaces w"
	                " ON w.id = r.workspace_id WHERE w.slug = $1",
	                1, p);
}

Test(import, keep_a_changelog_gives_14_dated_releases_idempotently)
{
	cJSON *ws = workspace_new("KaC");
	cJSON *rep = import("keep-a-changelog.md", ws);
	const char *p[2] = {jstr(ws, "slug"), "v1-1-1"};
	char *labels;

	cr_assert_eq(num(rep, "releases"), 14);
	cr_assert_eq(num(rep, "created"), 14);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(rep, "skipped")),
	             1);
	cr_assert_eq(releases_of(ws), 14);
	expect_date(ws, "v1-1-1", "2023-03-05 v1.1.1 published");
	expect_date(ws, "v1-1-0", "2019-02-15 v1.1.0 published");
	expect_date(ws, "v1-0-0", "2017-06-20 v1.0.0 published");
	expect_date(ws, "v0-3-0", "2015-12-03 v0.3.0 published");
	expect_date(ws, "v0-0-1", "2014-05-31 v0.0.1 published");
	labels = sql_value("SELECT array_to_string(r.labels, ',') FROM "
	                   "releases r JOIN workspaces w ON w.id = "
	                   "r.workspace_id WHERE w.slug = $1 AND r.slug = $2",
	                   2, p);
	cr_assert_str_eq(labels, "added,fixed,changed,removed");
	free(labels);
	cJSON_Delete(rep);
	rep = import("keep-a-changelog.md", ws);
	cr_assert_eq(num(rep, "created"), 0);
	cr_assert_eq(num(rep, "unchanged"), 14);
	cr_assert_eq(releases_of(ws), 14);
	cJSON_Delete(rep);
	cJSON_Delete(ws);
}

Test(import, rich_changelog_gives_22_dated_releases)
{
	cJSON *ws = workspace_new("Rich");
	cJSON *rep = import("rich.md", ws);
	const char *p[2] = {jstr(ws, "slug"), "v13-3-0"};
	char *labels;

	cr_assert_eq(num(rep, "releases"), 22);
	cr_assert_eq(num(rep, "created"), 22);
	cr_assert_eq(releases_of(ws), 22);
	expect_date(ws, "v13-3-4", "2023-04-12 v13.3.4 published");
	expect_date(ws, "v13-0-0", "2022-12-30 v13.0.0 published");
	expect_date(ws, "v12-4-3", "2022-05-23 v12.4.3 published");
	expect_date(ws, "v12-4-2", "2022-05-23 v12.4.2 published");
	expect_date(ws, "v12-0-1", "2022-03-22 v12.0.1 published");
	labels = sql_value("SELECT array_to_string(r.labels, ',') FROM "
	                   "releases r JOIN workspaces w ON w.id = "
	                   "r.workspace_id WHERE w.slug = $1 AND r.slug = $2",
	                   2, p);
	cr_assert_str_eq(labels, "fixed,added");
	free(labels);
	cJSON_Delete(rep);
	cJSON_Delete(ws);
}

Test(import, imported_releases_show_on_the_public_changelog)
{
	struct srv s;
	cJSON *ws = workspace_new("Shown");
	char path[256];
	struct resp r;

	cJSON_Delete(import("keep-a-changelog.md", ws));
	srv_start(&s, NULL);
	snprintf(path, sizeof(path), "/c/%s/v0-0-1", jstr(ws, "slug"));
	api(&r, &s, "GET", path, NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "<time datetime=\"2014-05-31\">31 May 2014"
	                         "</time>") != NULL);
	resp_free(&r);
	snprintf(path, sizeof(path), "/c/%s/rss.xml", jstr(ws, "slug"));
	api(&r, &s, "GET", path, NULL, NULL);
	cr_assert(strstr(r.body, "<pubDate>Sat, 31 May 2014 00:00:00 +0000"
	                         "</pubDate>") != NULL);
	cr_assert(strstr(r.body, "<title>v1.1.1</title>") <
	          strstr(r.body, "<title>v1.1.0</title>"));
	resp_free(&r);
	srv_stop(&s);
	cJSON_Delete(ws);
}

Test(import, unknown_workspace_fails_with_a_message)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
	         "%s import changelog tests/fixtures/changelogs/rich.md "
	         "--workspace no-such-workspace-x 2>/dev/null",
	         herald_bin());
	cr_assert_eq(run(cmd), 1);
}
