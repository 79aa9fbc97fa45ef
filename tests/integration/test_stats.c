/* Herald integration tests - release statistics computed from events
 * rows inserted directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

SERVER_SUITE(stats, 60);

struct ctx {
	char ws[24], rel[40];
};

/* One event; who is "p:<external id>" or "a:<anonymous id>". */
static void
event(const struct ctx *c, const char *source, const char *type,
      const char *who, const char *props, const char *offset)
{
	static int seq;
	char mid[64];
	const char *p[8] = {
	    c->ws, mid,     source,
	    type,  who + 2, strcmp(source, "widget") == 0 ? c->rel : NULL,
	    props, offset};

	snprintf(mid, sizeof(mid), "m-%d-%d", (int)getpid(), seq++);
	if (who[0] == 'p')
		PQclear(sql("INSERT INTO events (workspace_id, message_id,"
		            " source, type, name, person_id, release_id, props,"
		            " occurred_at) VALUES ($1, $2, $3, $4,"
		            " CASE WHEN $4 = 'track' THEN 'feature_used'"
		            " ELSE $4 END, herald_person($1, $5), $6::uuid,"
		            " $7::jsonb, now() + $8::interval)",
		            8, p));
	else
		PQclear(sql("INSERT INTO events (workspace_id, message_id,"
		            " source, type, name, anonymous_id, release_id,"
		            " props, occurred_at) VALUES ($1, $2, $3, $4, $4,"
		            " $5, $6::uuid, $7::jsonb, now() + $8::interval)",
		            8, p));
}

static void
widget(const struct ctx *c, const char *type, const char *who,
       const char *props, const char *offset)
{
	event(c, "widget", type, who, props, offset);
}

static void
used(const struct ctx *c, const char *who, const char *feature)
{
	char props[64];

	snprintf(props, sizeof(props), "{\"feature\":\"%s\"}", feature);
	event(c, "api", "track", who, props, "5 seconds");
}

static void
engagement(const struct ctx *c)
{
	widget(c, "release_viewed", "p:alex", "{}", "1 second");
	widget(c, "release_viewed", "p:alex", "{}", "2 seconds");
	widget(c, "release_viewed", "p:jane", "{}", "1 second");
	widget(c, "release_viewed", "a:anon1", "{}", "1 second");
	widget(c, "release_viewed", "a:anon2", "{}", "-1 day");
	widget(c, "release_read", "p:alex", "{\"ms\":120000}", "3 seconds");
	widget(c, "release_read", "p:alex", "{\"ms\":60000}", "4 seconds");
	widget(c, "release_read", "p:jane", "{\"ms\":5000}", "3 seconds");
	widget(c, "release_read", "p:jane", "{\"ms\":\"NaN\"}", "4 seconds");
	widget(c, "link_clicked", "p:alex", "{\"url\":\"https://a.example\"}",
	       "3 seconds");
	widget(c, "link_clicked", "p:alex", "{\"url\":\"https://a.example\"}",
	       "4 seconds");
	widget(c, "link_clicked", "p:jane", "{\"url\":\"https://b.example\"}",
	       "3 seconds");
	widget(c, "release_shared", "p:alex", "{\"channel\":\"copy\"}",
	       "3 seconds");
	widget(c, "release_shared", "a:anon1", "{\"channel\":\"copy\"}",
	       "3 seconds");
	widget(c, "release_shared", "p:jane", "{\"channel\":\"slack\"}",
	       "3 seconds");
	widget(c, "reaction", "p:alex", "{\"emoji\":\"🎉\",\"on\":true}",
	       "3 seconds");
	widget(c, "reaction", "p:jane", "{\"emoji\":\"🎉\",\"on\":true}",
	       "3 seconds");
	widget(c, "reaction", "p:jane", "{\"emoji\":\"🎉\",\"on\":false}",
	       "4 seconds");
	widget(c, "reaction", "p:alex", "{\"emoji\":\"👍\",\"on\":true}",
	       "4 seconds");
	used(c, "p:alex", "charts");
	used(c, "p:carl", "charts");
	event(c, "api", "page", "p:bob", "{}", "5 seconds");
}

static double
n(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	cr_assert(cJSON_IsNumber(v), "%s is not a number", key);
	return v->valuedouble;
}

static void
check_adoption(const cJSON *root)
{
	const cJSON *a = cJSON_GetObjectItem(root, "feature_adoption");
	const cJSON *charts = cJSON_GetArrayItem(a, 0);
	const cJSON *exp = cJSON_GetArrayItem(a, 1);

	cr_assert_eq(cJSON_GetArraySize(a), 2);
	cr_assert_str_eq(jstr(charts, "feature"), "charts");
	cr_assert_eq(n(charts, "viewers_used"), 1);
	cr_assert_eq(n(charts, "viewers"), 2);
	cr_assert_eq(n(charts, "non_viewers_used"), 1);
	cr_assert_eq(n(charts, "non_viewers"), 2);
	cr_assert_str_eq(jstr(exp, "feature"), "export");
	cr_assert_eq(n(exp, "viewers_used"), 0);
	cr_assert_eq(n(exp, "non_viewers"), 2);
}

static void
check_lists(const cJSON *root)
{
	const cJSON *clicks = cJSON_GetObjectItem(root, "clicks");
	const cJSON *days = cJSON_GetObjectItem(root, "views_by_day");
	const cJSON *shares = cJSON_GetObjectItem(root, "shares");
	const cJSON *re = cJSON_GetObjectItem(root, "reactions");

	cr_assert_eq(cJSON_GetArraySize(clicks), 2);
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(clicks, 0), "url"),
	                 "https://a.example");
	cr_assert_eq(n(cJSON_GetArrayItem(clicks, 0), "count"), 2);
	cr_assert_eq(n(cJSON_GetArrayItem(clicks, 1), "count"), 1);
	cr_assert_eq(n(shares, "copy"), 2);
	cr_assert_eq(n(shares, "slack"), 1);
	cr_assert_eq(n(re, "🎉"), 1);
	cr_assert_eq(n(re, "👍"), 1);
	cr_assert_eq(cJSON_GetArraySize(days), 2);
	cr_assert_eq(n(cJSON_GetArrayItem(days, 0), "views"), 1);
	cr_assert_eq(n(cJSON_GetArrayItem(days, 1), "views"), 4);
	cr_assert_eq(n(cJSON_GetArrayItem(days, 1), "unique"), 3);
	cr_assert_eq(strlen(jstr(cJSON_GetArrayItem(days, 1), "day")), 10);
}

Test(stats, numbers_come_from_the_events_of_the_release)
{
	cJSON *ws = workspace_new("Stats");
	struct ctx c;
	char path[128];
	struct resp r;
	const cJSON *rt;

	api(&r, &s, "POST", "/api/v1/releases", jstr(ws, "admin_token"),
	    "{\"title\":\"Charts\",\"features\":[\"charts\",\"export\"],"
	    "\"status\":\"published\"}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(c.ws, sizeof(c.ws), "%.0f",
	         cJSON_GetObjectItem(ws, "id")->valuedouble);
	snprintf(c.rel, sizeof(c.rel), "%s", jstr(r.json, "id"));
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/releases/%s/stats", c.rel);
	api(&r, &s, "GET", path, jstr(ws, "admin_token"), NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(n(r.json, "views"), 0);
	resp_free(&r);
	engagement(&c);
	api(&r, &s, "GET", path, jstr(ws, "admin_token"), NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "release_id"), c.rel);
	cr_assert_eq(n(r.json, "views"), 5);
	cr_assert_eq(n(r.json, "unique_viewers"), 4);
	rt = cJSON_GetObjectItem(r.json, "read_time_ms");
	cr_assert_eq(n(rt, "total"), 185000);
	cr_assert_eq(n(rt, "median_per_reader"), 92500);
	cr_assert_eq(n(r.json, "readers"), 2);
	check_lists(r.json);
	check_adoption(r.json);
	resp_free(&r);
	cJSON_Delete(ws);
}

/* Posts one widget event for an anonymous visitor. */
static void
widget_post(const cJSON *ws, const char *anon, const char *ua,
            const char *event)
{
	char url[256], body[1024], agent[256];
	const char *h[3] = {"Content-Type: application/json", agent, NULL};
	struct resp r;

	snprintf(agent, sizeof(agent), "User-Agent: %s", ua);
	snprintf(url, sizeof(url), "%s/api/v1/widget/%s/events", s.url,
	         jstr(ws, "public_key"));
	snprintf(body, sizeof(body),
	         "{\"anonymous_id\":\"%s\",\"events\":[%s]}", anon, event);
	http_do(&r, "POST", url, h, body, strlen(body));
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
}

Test(stats, events_sent_through_the_widget_endpoint_are_counted)
{
	static const char ua[] = "Mozilla/5.0 (X11; Linux x86_64) "
	                         "AppleWebKit/537.36 (KHTML, like Gecko) "
	                         "Chrome/120 Safari/537.36";
	static const char robot[] = "Mozilla/5.0 HeadlessChrome/120";
	cJSON *ws = workspace_new("Stats e2e");
	char path[128], ev[512], rel[40];
	struct resp r;

	api(&r, &s, "POST", "/api/v1/releases", jstr(ws, "admin_token"),
	    "{\"title\":\"E2E\",\"status\":\"published\"}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(rel, sizeof(rel), "%s", jstr(r.json, "id"));
	resp_free(&r);
	snprintf(ev, sizeof(ev),
	         "{\"id\":\"e1\",\"type\":\"release_viewed\","
	         "\"release_id\":\"%s\"},"
	         "{\"id\":\"e2\",\"type\":\"release_read\","
	         "\"release_id\":\"%s\",\"ms\":3000},"
	         "{\"id\":\"e3\",\"type\":\"link_clicked\","
	         "\"release_id\":\"%s\",\"url\":\"https://x.example/\"},"
	         "{\"id\":\"e4\",\"type\":\"release_shared\","
	         "\"release_id\":\"%s\",\"channel\":\"copy\"}",
	         rel, rel, rel, rel);
	widget_post(ws, "a_reader01", ua, ev);
	widget_post(ws, "a_reader01", ua, ev);
	snprintf(ev, sizeof(ev),
	         "{\"id\":\"r1\",\"type\":\"release_viewed\","
	         "\"release_id\":\"%s\"}",
	         rel);
	widget_post(ws, "a_robot001", robot, ev);
	snprintf(path, sizeof(path), "/api/v1/releases/%s/stats", rel);
	api(&r, &s, "GET", path, jstr(ws, "admin_token"), NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(n(r.json, "views"), 1, "%s", r.body);
	cr_assert_eq(n(r.json, "unique_viewers"), 1);
	cr_assert_eq(n(cJSON_GetObjectItem(r.json, "read_time_ms"), "total"),
	             3000);
	cr_assert_eq(
	    n(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "clicks"), 0),
	      "count"),
	    1);
	cr_assert_eq(n(cJSON_GetObjectItem(r.json, "shares"), "copy"), 1);
	resp_free(&r);
	cJSON_Delete(ws);
}
