/* Herald integration tests - the releases admin API: every verb, field
 * errors, authentication, workspace isolation, history, C-30 in JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <criterion/criterion.h>

#include "lib/c30.h"
#include "lib/harness.h"

SERVER_SUITE(releases, 60);

static const char *
tok(const cJSON *ws)
{
	return jstr(ws, "admin_token");
}

/* POSTs a release and returns its JSON (caller deletes). */
static cJSON *
create(const cJSON *ws, const char *json)
{
	struct resp r;
	cJSON *out;

	api(&r, &s, "POST", "/api/v1/releases", tok(ws), json);
	cr_assert_eq(r.status, 201, "%s", r.body);
	out = r.json;
	r.json = NULL;
	resp_free(&r);
	return out;
}

static void
path_of(char *out, size_t n, const cJSON *rel, const char *suffix)
{
	snprintf(out, n, "/api/v1/releases/%s%s", jstr(rel, "id"), suffix);
}

/* Asserts status and that the error message starts with field. */
static void
expect_error(const struct resp *r, long status, const char *field)
{
	const char *e = jstr(r->json, "error");

	cr_assert_eq(r->status, status, "%s", r->body);
	cr_assert(strncmp(e, field, strlen(field)) == 0 &&
	              e[strlen(field)] == ':',
	          "error should name %s: %s", field, e);
}

Test(releases, create_returns_every_field_of_the_release)
{
	cJSON *ws = workspace_new("Create");
	cJSON *rel = create(ws, "{\"title\":\"Charts are here\","
	                        "\"body\":\"Try **charts**.\","
	                        "\"labels\":[\"new\"],"
	                        "\"features\":[\"charts\"],"
	                        "\"audience\":{\"plan\":[\"pro\"]}}");
	char url[512];

	cr_assert_eq(strlen(jstr(rel, "id")), 36);
	cr_assert_str_eq(jstr(rel, "slug"), "charts-are-here");
	cr_assert_str_eq(jstr(rel, "title"), "Charts are here");
	cr_assert_str_eq(jstr(rel, "body"), "Try **charts**.");
	cr_assert_str_eq(jstr(rel, "html"),
	                 "<p>Try <strong>charts</strong>.</p>\n");
	cr_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(rel, "labels"), 0)
	        ->valuestring,
	    "new");
	cr_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(rel, "features"), 0)
	        ->valuestring,
	    "charts");
	cr_assert(cJSON_IsArray(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(rel, "audience"), "plan")));
	cr_assert_str_eq(jstr(rel, "status"), "draft");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(rel, "publish_at")));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(rel, "published_at")));
	cr_assert_str_eq(jstr(rel, "author"), "admin");
	cr_assert_eq(strlen(jstr(rel, "created_at")), 20);
	cr_assert_eq(strlen(jstr(rel, "updated_at")), 20);
	snprintf(url, sizeof(url), "%s/c/%s/charts-are-here", s.url,
	         jstr(ws, "slug"));
	cr_assert_str_eq(jstr(rel, "url"), url);
	cJSON_Delete(rel);
	rel = create(ws, "{\"title\":\"Charts are here\"}");
	cr_assert_str_eq(jstr(rel, "slug"), "charts-are-here-2");
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(releases, get_returns_the_stored_release)
{
	cJSON *ws = workspace_new("Get");
	cJSON *rel = create(ws, "{\"title\":\"One\",\"body\":\"# Hi\"}");
	char path[128];
	struct resp r;

	path_of(path, sizeof(path), rel, "");
	api(&r, &s, "GET", path, tok(ws), NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "id"), jstr(rel, "id"));
	cr_assert_str_eq(jstr(r.json, "html"), "<h1>Hi</h1>\n");
	resp_free(&r);
	api(&r, &s, "GET",
	    "/api/v1/releases/00000000-0000-0000-0000-000000000000", tok(ws),
	    NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/releases/not-a-uuid", tok(ws), NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(releases, patch_changes_only_the_fields_sent_and_keeps_history)
{
	cJSON *ws = workspace_new("Patch");
	cJSON *rel = create(ws, "{\"title\":\"Old\",\"body\":\"keep\","
	                        "\"labels\":[\"a\"]}");
	char path[128];
	const char *p[1] = {jstr(rel, "id")};
	const cJSON *list;
	struct resp r;

	path_of(path, sizeof(path), rel, "");
	api(&r, &s, "PATCH", path, tok(ws),
	    "{\"title\":\"New\",\"labels\":[\"b\",\"c\"]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "title"), "New");
	cr_assert_str_eq(jstr(r.json, "body"), "keep");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "labels")),
	             2);
	cr_assert_str_eq(jstr(r.json, "slug"), "old");
	resp_free(&r);
	cr_assert_eq(sql_long("SELECT count(*) FROM release_revisions "
	                      "WHERE release_id = $1::uuid",
	                      1, p),
	             2);
	cr_assert_eq(sql_long("SELECT count(*) FROM release_revisions WHERE "
	                      "release_id = $1::uuid AND revision = 1 AND "
	                      "title = 'Old'",
	                      1, p),
	             1);
	path_of(path, sizeof(path), rel, "/revisions");
	api(&r, &s, "GET", path, tok(ws), NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	list = cJSON_GetObjectItem(r.json, "revisions");
	cr_assert_eq(cJSON_GetArraySize(list), 2);
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(list, 0), "title"), "New");
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(list, 1), "title"), "Old");
	cr_assert_eq(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(list, 1), "revision")
	        ->valueint,
	    1);
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(releases, put_replaces_the_content_fields)
{
	cJSON *ws = workspace_new("Put");
	cJSON *rel = create(ws, "{\"title\":\"T\",\"body\":\"gone\","
	                        "\"labels\":[\"x\"],\"features\":[\"f\"]}");
	char path[128];
	struct resp r;

	path_of(path, sizeof(path), rel, "");
	api(&r, &s, "PUT", path, tok(ws), "{\"title\":\"Replaced\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "title"), "Replaced");
	cr_assert_str_eq(jstr(r.json, "body"), "");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "labels")),
	             0);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "features")), 0);
	resp_free(&r);
	api(&r, &s, "PUT", path, tok(ws), "{\"body\":\"no title\"}");
	expect_error(&r, 400, "title");
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(releases, delete_removes_the_release)
{
	cJSON *ws = workspace_new("Delete");
	cJSON *rel = create(ws, "{\"title\":\"Bye\"}");
	char path[128];
	struct resp r;

	path_of(path, sizeof(path), rel, "");
	api(&r, &s, "DELETE", path, tok(ws), NULL);
	cr_assert_eq(r.status, 204, "%s", r.body);
	resp_free(&r);
	api(&r, &s, "GET", path, tok(ws), NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	api(&r, &s, "DELETE", path, tok(ws), NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

/* Waits up to 3 s for a notification on conn naming id (other tests
 * publish at the same time); returns its payload. */
static char *
next_notification(PGconn *conn, const char *id)
{
	for (int i = 0; i < 30; i++) {
		PGnotify *n;
		struct timeval tv = {0, 100000};
		fd_set fds;
		int fd = PQsocket(conn);

		PQconsumeInput(conn);
		while ((n = PQnotifies(conn)) != NULL) {
			char *payload =
			    strstr(n->extra, id) ? strdup(n->extra) : NULL;

			PQfreemem(n);
			if (payload != NULL)
				return payload;
		}
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		select(fd + 1, &fds, NULL, NULL, &tv);
	}
	return NULL;
}

Test(releases, publish_sets_published_at_and_notifies_once)
{
	cJSON *ws = workspace_new("Publish");
	cJSON *rel = create(ws, "{\"title\":\"Ship\"}");
	PGconn *conn = PQconnectdb(test_db_url());
	char path[128], *payload;
	struct resp r;

	PQclear(PQexec(conn, "LISTEN herald_release_published"));
	path_of(path, sizeof(path), rel, "/publish");
	api(&r, &s, "POST", path, tok(ws), NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "status"), "published");
	cr_assert_eq(strlen(jstr(r.json, "published_at")), 20);
	resp_free(&r);
	payload = next_notification(conn, jstr(rel, "id"));
	cr_assert_not_null(payload);
	cr_assert(strstr(payload, jstr(rel, "id")) != NULL, "%s", payload);
	free(payload);
	api(&r, &s, "POST", path, tok(ws), NULL);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	payload = next_notification(conn, jstr(rel, "id"));
	cr_assert_null(payload, "published twice: %s", payload);
	PQfinish(conn);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(releases, slug_is_fixed_once_published)
{
	cJSON *ws = workspace_new("Slug");
	cJSON *rel = create(ws, "{\"title\":\"S\",\"slug\":\"first\"}");
	char path[128];
	struct resp r;

	path_of(path, sizeof(path), rel, "");
	api(&r, &s, "PATCH", path, tok(ws), "{\"slug\":\"second\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "slug"), "second");
	resp_free(&r);
	api(&r, &s, "PATCH", path, tok(ws), "{\"status\":\"published\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	api(&r, &s, "PATCH", path, tok(ws), "{\"slug\":\"third\"}");
	expect_error(&r, 400, "slug");
	resp_free(&r);
	api(&r, &s, "PATCH", path, tok(ws), "{\"title\":\"Renamed\"}");
	cr_assert_str_eq(jstr(r.json, "slug"), "second");
	resp_free(&r);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(releases, list_filters_by_status_and_label_and_pages)
{
	cJSON *ws = workspace_new("List");
	char body[128], *next;
	struct resp r;
	int seen = 0;

	for (int i = 0; i < 5; i++) {
		snprintf(body, sizeof(body),
		         "{\"title\":\"R%d\",\"labels\":[\"%s\"],"
		         "\"status\":\"%s\"}",
		         i, i % 2 ? "odd" : "even",
		         i < 2 ? "published" : "draft");
		cJSON_Delete(create(ws, body));
	}
	api(&r, &s, "GET", "/api/v1/releases?status=published", tok(ws), NULL);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "releases")), 2);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/releases?label=odd", tok(ws), NULL);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "releases")), 2);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/releases?limit=2&page=3", tok(ws), NULL);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "releases")), 1);
	cr_assert_str_eq(
	    jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "releases"), 0),
	         "title"),
	    "R0");
	resp_free(&r);
	next = strdup("");
	do {
		char path[256];

		snprintf(path, sizeof(path), "/api/v1/releases?limit=2%s%s",
		         *next ? "&cursor=" : "", next);
		api(&r, &s, "GET", path, tok(ws), NULL);
		cr_assert_eq(r.status, 200, "%s", r.body);
		seen +=
		    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "releases"));
		free(next);
		next = strdup(jstr(r.json, "next"));
		resp_free(&r);
	} while (*next != '\0' && seen < 10);
	free(next);
	cr_assert_eq(seen, 5);
	api(&r, &s, "GET", "/api/v1/releases?status=live", tok(ws), NULL);
	expect_error(&r, 400, "status");
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/releases?cursor=zzz", tok(ws), NULL);
	expect_error(&r, 400, "cursor");
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(releases, bad_fields_get_a_400_naming_the_field)
{
	cJSON *ws = workspace_new("Errors");
	cJSON *rel = create(ws, "{\"title\":\"Fine\"}");
	char path[128], *big;
	size_t n = 100 * 1024 + 1;
	struct resp r;

	api(&r, &s, "POST", "/api/v1/releases", tok(ws), "{\"body\":\"x\"}");
	expect_error(&r, 400, "title");
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/releases", tok(ws), "{\"title\":\"  \"}");
	expect_error(&r, 400, "title");
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/releases", tok(ws),
	    "{\"title\":\"x\",\"status\":\"live\"}");
	expect_error(&r, 400, "status");
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/releases", tok(ws),
	    "{\"title\":\"x\",\"status\":\"scheduled\","
	    "\"publish_at\":\"next tuesday\"}");
	expect_error(&r, 400, "publish_at");
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/releases", tok(ws),
	    "{\"title\":\"x\",\"status\":\"scheduled\"}");
	expect_error(&r, 400, "publish_at");
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/releases", tok(ws),
	    "{\"title\":\"x\",\"labels\":\"new\"}");
	expect_error(&r, 400, "labels");
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/releases", tok(ws),
	    "{\"title\":\"x\",\"audience\":{\"trait\":\"plan\","
	    "\"like\":\"p\"}}");
	expect_error(&r, 400, "audience.like");
	resp_free(&r);
	big = malloc(n + 64);
	memcpy(big, "{\"title\":\"x\",\"body\":\"", 21);
	memset(big + 21, 'a', n);
	memcpy(big + 21 + n, "\"}", 3);
	api(&r, &s, "POST", "/api/v1/releases", tok(ws), big);
	expect_error(&r, 413, "body");
	resp_free(&r);
	path_of(path, sizeof(path), rel, "");
	api(&r, &s, "PATCH", path, tok(ws), big);
	expect_error(&r, 413, "body");
	resp_free(&r);
	api(&r, &s, "PATCH", path, tok(ws), "{\"publish_at\":\"2026-02-30\"}");
	expect_error(&r, 400, "publish_at");
	resp_free(&r);
	api(&r, &s, "PATCH", path, tok(ws), "{\"status\":\"gone\"}");
	expect_error(&r, 400, "status");
	resp_free(&r);
	free(big);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(releases, every_verb_without_a_token_is_401)
{
	cJSON *ws = workspace_new("NoToken");
	cJSON *rel = create(ws, "{\"title\":\"Secret\"}");
	static const char *const verbs[][2] = {
	    {"GET", ""},          {"PATCH", ""},        {"PUT", ""},
	    {"DELETE", ""},       {"POST", "/publish"}, {"GET", "/stats"},
	    {"GET", "/revisions"}};
	char path[128];
	struct resp r;

	api(&r, &s, "GET", "/api/v1/releases", NULL, NULL);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/releases", NULL, "{\"title\":\"x\"}");
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	for (size_t i = 0; i < 7; i++) {
		path_of(path, sizeof(path), rel, verbs[i][1]);
		api(&r, &s, verbs[i][0], path, NULL, "{\"title\":\"x\"}");
		cr_assert_eq(r.status, 401, "%s %s", verbs[i][0], path);
		resp_free(&r);
		api(&r, &s, verbs[i][0], path, "at_wrong", "{\"title\":\"x\"}");
		cr_assert_eq(r.status, 401, "%s %s", verbs[i][0], path);
		resp_free(&r);
	}
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(releases, another_workspaces_release_is_404_for_every_verb)
{
	cJSON *a = workspace_new("Owner"), *b = workspace_new("Other");
	cJSON *rel = create(a, "{\"title\":\"Private\"}");
	static const char *const verbs[][2] = {
	    {"GET", ""},          {"PATCH", ""},        {"PUT", ""},
	    {"DELETE", ""},       {"POST", "/publish"}, {"GET", "/stats"},
	    {"GET", "/revisions"}};
	const char *p[1] = {jstr(rel, "id")};
	char path[128];
	struct resp r;

	for (size_t i = 0; i < 7; i++) {
		path_of(path, sizeof(path), rel, verbs[i][1]);
		api(&r, &s, verbs[i][0], path, tok(b), "{\"title\":\"x\"}");
		cr_assert_eq(r.status, 404, "%s %s: %s", verbs[i][0], path,
		             r.body);
		cr_assert_null(strstr(r.body, "Private"));
		resp_free(&r);
	}
	api(&r, &s, "GET", "/api/v1/releases", tok(b), NULL);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "releases")), 0);
	resp_free(&r);
	cr_assert_eq(sql_long("SELECT count(*) FROM releases WHERE id = "
	                      "$1::uuid AND title = 'Private' AND "
	                      "status = 'draft'",
	                      1, p),
	             1);
	cJSON_Delete(rel);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

Test(releases, c30_json_html_field_holds_nothing_executable)
{
	cJSON *ws = workspace_new("C30 JSON");
	cJSON *in = cJSON_CreateObject(), *rel;
	char *json, path[128];
	const char *bad;
	struct resp r;

	cJSON_AddStringToObject(in, "title", c30_title);
	cJSON_AddStringToObject(in, "body", c30_body);
	json = cJSON_PrintUnformatted(in);
	rel = create(ws, json);
	bad = c30_unsafe(jstr(rel, "html"));
	cr_assert_null(bad, "%s in %s", bad, jstr(rel, "html"));
	cr_assert_str_eq(jstr(rel, "title"), c30_title);
	cr_assert(strstr(jstr(rel, "html"),
	                 "<a rel=\"noopener nofollow\" "
	                 "href=\"https://example.com/ok\">ok</a>") != NULL);
	cr_assert(strstr(jstr(rel, "html"), "href=\"mailto:a@example.com\"") !=
	          NULL);
	path_of(path, sizeof(path), rel, "");
	api(&r, &s, "GET", "/api/v1/releases", tok(ws), NULL);
	bad = c30_unsafe(
	    jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "releases"), 0),
	         "html"));
	cr_assert_null(bad, "list: %s", bad);
	resp_free(&r);
	free(json);
	cJSON_Delete(in);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

/* C-23: cJSON would cut the title at the NUL and store "abc". */
Test(releases, a_nul_character_anywhere_in_the_body_is_a_400_and_nothing_made)
{
	cJSON *ws = workspace_new("Nul");
	struct resp r;
	const char *p[1];
	char id[24];

	api(&r, &s, "POST", "/api/v1/releases", tok(ws),
	    "{\"title\":\"abc\\u0000def\",\"body\":\"x\"}");
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "error"),
	                 "request body contains a NUL character (\\u0000)");
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/releases", tok(ws),
	    "{\"title\":\"abc\",\"labels\":" /* 70 levels deep */
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]]}");
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "error"),
	                 "request body nests deeper than 64 levels");
	resp_free(&r);
	snprintf(id, sizeof(id), "%d", cJSON_GetObjectItem(ws, "id")->valueint);
	p[0] = id;
	cr_assert_eq(sql_long("SELECT count(*) FROM releases"
	                      " WHERE workspace_id = $1",
	                      1, p),
	             0);
	cJSON_Delete(ws);
}
