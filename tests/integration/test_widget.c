/* Herald integration tests - the widget endpoints against the real
 * server and PostgreSQL: feed and read state, identity tokens, events
 * (C-02 durations, C-04 duplicate views, C-05 beacons and CORS, C-06
 * duplicate chunks and 413, C-07 robots, C-10 concurrent reactions),
 * the embed script and the demo page. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "lib/harness.h"
#include "core/buf.h"
#include "widget/jwt.h"

static struct srv s;

static void
up(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	srv_start(&s, NULL);
}

static void
down(void)
{
	srv_stop(&s);
}

TestSuite(widget, .init = up, .fini = down, .timeout = 90);

/* ---- helpers ------------------------------------------------------- */

struct fixture {
	cJSON *ws;
	char id[24];
	char pk[64];
	char secret[128];
	char rel[3][40]; /* published releases, newest last */
};

static void
release_add(const char *wsid, const char *slug, const char *status,
            const char *audience, char out[40])
{
	const char *p[4] = {wsid, slug, status, audience};
	char *id = sql_value(
	    "INSERT INTO releases (workspace_id, slug, title, body_md,"
	    " body_html, status, published_at, features, labels, audience)"
	    " VALUES ($1::bigint, $2, 'Release ' || $2, 'Hi',"
	    " '<p>Hi</p>', $3,"
	    " CASE WHEN $3 = 'published' THEN now() - interval '1 minute'"
	    " END, '{charts}', '{new}', $4::jsonb) RETURNING id",
	    4, p);

	snprintf(out, 40, "%s", id);
	free(id);
}

static void
fixture_new(struct fixture *f)
{
	char dummy[40];

	memset(f, 0, sizeof(*f));
	f->ws = workspace_new("Widget");
	snprintf(f->id, sizeof(f->id), "%d",
	         cJSON_GetObjectItem(f->ws, "id")->valueint);
	snprintf(f->pk, sizeof(f->pk), "%s", jstr(f->ws, "public_key"));
	snprintf(f->secret, sizeof(f->secret), "%s",
	         jstr(f->ws, "identity_secret"));
	for (int i = 0; i < 3; i++) {
		char slug[16];

		snprintf(slug, sizeof(slug), "r%d", i);
		release_add(f->id, slug, "published", "{}", f->rel[i]);
	}
	release_add(f->id, "draft", "draft", "{}", dummy);
}

static void
fixture_free(struct fixture *f)
{
	cJSON_Delete(f->ws);
}

/* A token for sub signed with secret; extra claims JSON may be NULL. */
static char *
token_for(const char *secret, const char *sub, long exp_in, const char *extra)
{
	cJSON *c = extra ? cJSON_Parse(extra) : cJSON_CreateObject();
	char *t;

	cJSON_AddStringToObject(c, "sub", sub);
	cJSON_AddNumberToObject(c, "exp", (double)(time(NULL) + exp_in));
	t = jwt_sign(c, secret);
	cJSON_Delete(c);
	return t;
}

static void
feed(struct resp *r, const struct fixture *f, const char *anon,
     const char *token)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/widget/%s/releases%s%s", f->pk,
	         anon ? "?anonymous_id=" : "", anon ? anon : "");
	api(r, &s, "GET", path, token, NULL);
}

/* POSTs a batch; headers (NULL-terminated, may be NULL) are extra. */
static void
post(struct resp *r, const struct fixture *f, const char *body,
     const char *const *headers)
{
	char url[256];
	const char *h[8] = {"Content-Type: application/json"};
	int n = 1;

	for (int i = 0; headers && headers[i] && n < 7; i++)
		h[n++] = headers[i];
	h[n] = NULL;
	snprintf(url, sizeof(url), "%s/api/v1/widget/%s/events", s.url, f->pk);
	http_do(r, "POST", url, h, body, strlen(body));
}

static long
count_events(const struct fixture *f, const char *type)
{
	const char *p[2] = {f->id, type};

	return sql_long("SELECT count(*) FROM events WHERE workspace_id = $1"
	                " AND source = 'widget' AND type = $2",
	                2, p);
}

static long
json_long(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	cr_assert(cJSON_IsNumber(v), "%s missing", key);
	return (long)v->valuedouble;
}

/* ---- feed and read state ------------------------------------------ */

Test(widget, anonymous_feed_counts_every_published_release_unread)
{
	struct fixture f;
	struct resp r;
	const cJSON *rels, *first;

	fixture_new(&f);
	feed(&r, &f, NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	rels = cJSON_GetObjectItem(r.json, "releases");
	cr_assert_eq(cJSON_GetArraySize(rels), 3);
	cr_assert_eq(json_long(r.json, "unread"), 3);
	cr_assert(strncmp(jstr(r.json, "anonymous_id"), "a_", 2) == 0);
	first = cJSON_GetArrayItem(rels, 0);
	cr_assert_str_eq(jstr(first, "html"), "<p>Hi</p>");
	cr_assert(strstr(jstr(first, "url"), "/c/") != NULL);
	cr_assert_eq(cJSON_IsFalse(cJSON_GetObjectItem(first, "read")), 1);
	cr_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(first, "labels"), 0)
	        ->valuestring,
	    "new");
	resp_free(&r);
	fixture_free(&f);
}

Test(widget, audience_is_decided_from_verified_traits)
{
	struct fixture f;
	struct resp r;
	char rel[40], *pro, *trial;

	fixture_new(&f);
	release_add(f.id, "pro-only", "published", "{\"plan\":[\"pro\"]}", rel);
	pro = token_for(f.secret, "p1", 600,
	                "{\"account\":{\"id\":\"acme\",\"traits\":"
	                "{\"plan\":\"pro\"}}}");
	trial =
	    token_for(f.secret, "p2", 600, "{\"traits\":{\"plan\":\"trial\"}}");
	feed(&r, &f, NULL, NULL);
	cr_assert_eq(json_long(r.json, "unread"), 3);
	resp_free(&r);
	feed(&r, &f, NULL, trial);
	cr_assert_eq(json_long(r.json, "unread"), 3);
	resp_free(&r);
	feed(&r, &f, NULL, pro);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "unread"), 4);
	resp_free(&r);
	free(pro);
	free(trial);
	fixture_free(&f);
}

static void
send_view(const struct fixture *f, const char *anon, const char *token,
          const char *rel, const char *id)
{
	char body[1024];
	struct resp r;

	snprintf(body, sizeof(body),
	         "{\"anonymous_id\":\"%s\"%s%s%s,\"events\":[{\"id\":\"%s\","
	         "\"type\":\"release_viewed\",\"release_id\":\"%s\"}]}",
	         anon, token ? ",\"token\":\"" : "", token ? token : "",
	         token ? "\"" : "", id, rel);
	post(&r, f, body, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "accepted"), 1, "%s", r.body);
	resp_free(&r);
}

Test(widget, identifying_merges_anonymous_state_and_events_on_every_device)
{
	struct fixture f;
	struct resp r;
	char *tok;
	const char *p[2];

	fixture_new(&f);
	tok = token_for(f.secret, "alex", 600,
	                "{\"email\":\"alex@acme.example\",\"traits\":"
	                "{\"role\":\"cto\"}}");
	send_view(&f, "a_device1xx", NULL, f.rel[0], "v1");
	send_view(&f, "a_device2xx", NULL, f.rel[1], "v2");
	feed(&r, &f, "a_device1xx", NULL);
	cr_assert_eq(json_long(r.json, "unread"), 2);
	resp_free(&r);

	feed(&r, &f, "a_device1xx", tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "unread"), 2);
	resp_free(&r);
	feed(&r, &f, "a_device2xx", tok);
	cr_assert_eq(json_long(r.json, "unread"), 1);
	resp_free(&r);

	p[0] = f.id;
	p[1] = "alex";
	cr_assert_eq(sql_long("SELECT count(*) FROM events e JOIN persons p"
	                      " ON p.workspace_id = e.workspace_id"
	                      " AND p.id = e.person_id"
	                      " WHERE e.workspace_id = $1"
	                      " AND p.external_id = $2",
	                      2, p),
	             2);
	cr_assert_eq(sql_long("SELECT sum(count) FROM person_daily d"
	                      " JOIN persons p ON p.workspace_id ="
	                      " d.workspace_id AND p.id = d.person_id"
	                      " WHERE d.workspace_id = $1 AND p.external_id"
	                      " = $2 AND d.event = 'release_viewed'",
	                      2, p),
	             2);
	char *role = sql_value("SELECT traits->>'role' || ' ' || email FROM"
	                       " persons WHERE workspace_id = $1"
	                       " AND external_id = $2",
	                       2, p);
	cr_assert_str_eq(role, "cto alex@acme.example");
	free(role);
	free(tok);
	fixture_free(&f);
}

Test(widget, mark_all_read_holds_after_reload_and_on_another_device)
{
	struct fixture f;
	struct resp r;
	char body[1024], *tok;

	fixture_new(&f);
	tok = token_for(f.secret, "jane", 600, NULL);
	snprintf(body, sizeof(body),
	         "{\"token\":\"%s\",\"anonymous_id\":\"a_laptop01\","
	         "\"events\":[{\"id\":\"m1\",\"type\":"
	         "\"releases_marked_read\"}]}",
	         tok);
	post(&r, &f, body, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	feed(&r, &f, "a_laptop01", tok);
	cr_assert_eq(json_long(r.json, "unread"), 0);
	resp_free(&r);
	feed(&r, &f, "a_phone0001", tok);
	cr_assert_eq(json_long(r.json, "unread"), 0, "%s", r.body);
	resp_free(&r);
	free(tok);
	fixture_free(&f);
}

/* ---- identity tokens ----------------------------------------------- */

static void
assert_refused(const struct fixture *f, const char *token, const char *why)
{
	char body[4096];
	struct resp r;

	feed(&r, f, NULL, token);
	cr_assert_eq(r.status, 401, "%s: %ld %s", why, r.status, r.body);
	cr_assert(strncmp(jstr(r.json, "error"), "token:", 6) == 0);
	resp_free(&r);
	snprintf(body, sizeof(body),
	         "{\"token\":\"%s\",\"anonymous_id\":\"a_forged01\","
	         "\"events\":[{\"id\":\"f-%s\",\"type\":\"widget_opened\"}]}",
	         token, why);
	post(&r, f, body, NULL);
	cr_assert_eq(r.status, 401, "%s: %ld %s", why, r.status, r.body);
	resp_free(&r);
}

Test(widget, forged_expired_and_unsigned_tokens_get_401_and_store_nothing)
{
	struct fixture f;
	char *wrong, *expired, none[512];
	const char *p[1];

	fixture_new(&f);
	wrong = token_for("not-the-secret", "mallory", 600, NULL);
	expired = token_for(f.secret, "mallory", -120, NULL);
	/* {"alg":"none","typ":"JWT"} . {"sub":"mallory"} . "" */
	snprintf(
	    none, sizeof(none),
	    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJtYWxsb3J5In0.");
	assert_refused(&f, wrong, "wrong");
	assert_refused(&f, expired, "expired");
	assert_refused(&f, none, "none");
	p[0] = f.id;
	cr_assert_eq(sql_long("SELECT count(*) FROM events WHERE"
	                      " workspace_id = $1",
	                      1, p),
	             0);
	cr_assert_eq(sql_long("SELECT count(*) FROM persons WHERE"
	                      " workspace_id = $1",
	                      1, p),
	             0);
	free(wrong);
	free(expired);
	fixture_free(&f);
}

Test(widget, previous_secret_works_only_during_its_grace_period)
{
	struct fixture f;
	struct resp r;
	char *tok;
	const char *p[1];

	fixture_new(&f);
	tok = token_for("old-secret", "u1", 600, NULL);
	p[0] = f.id;
	PQclear(sql("UPDATE workspaces SET identity_secret_prev = 'old-secret',"
	            " identity_secret_prev_until = now() + interval '1 hour'"
	            " WHERE id = $1",
	            1, p));
	feed(&r, &f, NULL, tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	PQclear(sql("UPDATE workspaces SET identity_secret_prev_until ="
	            " now() - interval '1 second' WHERE id = $1",
	            1, p));
	feed(&r, &f, NULL, tok);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	free(tok);
	fixture_free(&f);
}

Test(widget, unsigned_user_id_is_accepted_only_when_the_workspace_allows)
{
	struct fixture f;
	struct resp r;
	char path[256];
	const char *p[1];

	fixture_new(&f);
	snprintf(path, sizeof(path), "/api/v1/widget/%s/releases?user_id=u9",
	         f.pk);
	api(&r, &s, "GET", path, NULL, NULL);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	p[0] = f.id;
	PQclear(sql("UPDATE workspaces SET require_signed_identity = false"
	            " WHERE id = $1",
	            1, p));
	api(&r, &s, "GET", path, NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(sql_long("SELECT count(*) FROM persons WHERE"
	                      " workspace_id = $1 AND external_id = 'u9'",
	                      1, p),
	             1);
	fixture_free(&f);
}

/* ---- events -------------------------------------------------------- */

Test(widget, each_event_type_is_stored_once_with_its_details)
{
	struct fixture f;
	struct resp r;
	char body[4096], *tok;
	const char *p[1];
	char *props;

	fixture_new(&f);
	tok = token_for(f.secret, "sam", 600, NULL);
	snprintf(
	    body, sizeof(body),
	    "{\"token\":\"%s\",\"anonymous_id\":\"a_sam00001\","
	    "\"sent_at\":\"2026-01-01T00:00:10Z\",\"events\":["
	    "{\"id\":\"e1\",\"type\":\"widget_opened\"},"
	    "{\"id\":\"e2\",\"type\":\"link_clicked\",\"release_id\":\"%s\","
	    "\"url\":\"https://docs.example.com/charts\"},"
	    "{\"id\":\"e3\",\"type\":\"release_shared\",\"release_id\":"
	    "\"%s\",\"channel\":\"linkedin\"},"
	    "{\"id\":\"e4\",\"type\":\"reaction\",\"release_id\":\"%s\","
	    "\"emoji\":\"🎉\",\"on\":true},"
	    "{\"id\":\"e5\",\"type\":\"feature_cta\",\"release_id\":\"%s\","
	    "\"feature\":\"charts\",\"ts\":\"2026-01-01T00:00:05Z\"},"
	    "{\"id\":\"e6\",\"type\":\"feature_cta\",\"release_id\":\"%s\","
	    "\"feature\":\"unknown\"}]}",
	    tok, f.rel[0], f.rel[0], f.rel[0], f.rel[0], f.rel[0]);
	post(&r, &f, body, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "accepted"), 5, "%s", r.body);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "rejected")), 1);
	resp_free(&r);
	post(&r, &f, body, NULL); /* a retry stores nothing more */
	cr_assert_eq(json_long(r.json, "duplicates"), 5, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(count_events(&f, "link_clicked"), 1);
	cr_assert_eq(count_events(&f, "release_shared"), 1);
	cr_assert_eq(count_events(&f, "reaction"), 1);
	cr_assert_eq(count_events(&f, "feature_cta"), 1);
	p[0] = f.id;
	props = sql_value("SELECT string_agg(props::text, ' ' ORDER BY type)"
	                  " FROM events WHERE workspace_id = $1"
	                  " AND type <> 'widget_opened'",
	                  1, p);
	cr_assert_str_eq(props,
	                 "{\"feature\": \"charts\"} "
	                 "{\"url\": \"https://docs.example.com/charts\"} "
	                 "{\"on\": true, \"emoji\": \"🎉\"} "
	                 "{\"channel\": \"linkedin\"}");
	free(props);
	/* ts 5 s before sent_at: occurred about 5 s before receipt */
	cr_assert_eq(sql_long("SELECT round(extract(epoch FROM received_at -"
	                      " occurred_at)) FROM events WHERE"
	                      " workspace_id = $1 AND type = 'feature_cta'",
	                      1, p),
	             5);
	/* The person was queued for scoring; the scorer may already have
	 * taken the row and scored them. */
	cr_assert_eq(sql_long("SELECT count(*) FROM persons s"
	                      " WHERE s.workspace_id = $1 AND (EXISTS ("
	                      "  SELECT 1 FROM score_queue q"
	                      "  WHERE q.workspace_id = s.workspace_id"
	                      "  AND q.person_id = s.id) OR EXISTS ("
	                      "  SELECT 1 FROM person_scores c"
	                      "  WHERE c.workspace_id = s.workspace_id"
	                      "  AND c.person_id = s.id))",
	                      1, p),
	             1);
	free(tok);
	fixture_free(&f);
}

/* C-02 */
Test(widget, absurd_durations_are_refused_and_reading_stays_within_time)
{
	struct fixture f;
	struct resp r;
	char body[8192];
	struct buf b;
	const char *p[1];

	fixture_new(&f);
	snprintf(
	    body, sizeof(body),
	    "{\"anonymous_id\":\"a_reader01\",\"events\":["
	    "{\"type\":\"release_read\",\"release_id\":\"%s\","
	    "\"ms\":1767225600000},"
	    "{\"type\":\"release_read\",\"release_id\":\"%s\",\"ms\":-5000},"
	    "{\"type\":\"release_read\",\"release_id\":\"%s\","
	    "\"ms\":\"1e309\"},"
	    "{\"type\":\"release_read\",\"release_id\":\"%s\","
	    "\"ms\":\"NaN\"},"
	    "{\"type\":\"release_read\",\"release_id\":\"%s\",\"ms\":1e309},"
	    "{\"type\":\"release_read\",\"release_id\":\"%s\",\"ms\":4000}"
	    "]}",
	    f.rel[0], f.rel[0], f.rel[0], f.rel[0], f.rel[0], f.rel[0]);
	post(&r, &f, body, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "accepted"), 1, "%s", r.body);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "rejected")), 5);
	cr_assert(strncmp(jstr(cJSON_GetArrayItem(
	                           cJSON_GetObjectItem(r.json, "rejected"), 0),
	                       "error"),
	                  "ms:", 3) == 0);
	resp_free(&r);

	/* Ten reports of a minute at once: never more than the budget. */
	buf_init(&b, 8192);
	cr_assert(buf_puts(&b, "{\"anonymous_id\":\"a_reader01\","
	                       "\"events\":["));
	for (int i = 0; i < 10; i++)
		cr_assert(buf_printf(&b,
		                     "%s{\"type\":\"release_read\","
		                     "\"release_id\":\"%s\",\"ms\":60000}",
		                     i ? "," : "", f.rel[1]));
	cr_assert(buf_puts(&b, "]}"));
	post(&r, &f, b.data, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "accepted"), 2, "%s", r.body);
	resp_free(&r);
	buf_cleanup(&b);
	p[0] = f.id;
	/* 4 s, then the 2 minute budget plus the few ms that passed */
	long total = sql_long("SELECT sum((props->>'ms')::bigint) FROM events"
	                      " WHERE workspace_id = $1"
	                      " AND type = 'release_read'",
	                      1, p);
	cr_assert(total >= 124000 && total < 126000, "total %ld", total);

	fixture_free(&f);
}

/* C-04 */
Test(widget, two_identical_views_8ms_apart_count_once_with_or_without_id)
{
	struct fixture f;
	struct resp r;
	char body[1024];
	struct timespec ms8 = {0, 8 * 1000000L};

	fixture_new(&f);
	snprintf(body, sizeof(body),
	         "{\"anonymous_id\":\"a_viewer01\",\"events\":[{\"id\":"
	         "\"same-id\",\"type\":\"release_viewed\",\"release_id\":"
	         "\"%s\"}]}",
	         f.rel[0]);
	post(&r, &f, body, NULL);
	resp_free(&r);
	nanosleep(&ms8, NULL);
	post(&r, &f, body, NULL);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	snprintf(body, sizeof(body),
	         "{\"anonymous_id\":\"a_viewer01\",\"events\":[{\"type\":"
	         "\"release_viewed\",\"release_id\":\"%s\"}]}",
	         f.rel[1]);
	post(&r, &f, body, NULL);
	resp_free(&r);
	nanosleep(&ms8, NULL);
	post(&r, &f, body, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(json_long(r.json, "duplicates"), 1);
	resp_free(&r);
	cr_assert_eq(count_events(&f, "release_viewed"), 2);
	fixture_free(&f);
}

/* Segment messages de-duplicate by the events partition's key, widget
 * events by event_keys: a Segment message that took a widget client id
 * ("w:" + id) leaves the widget's event out, and the batch is answered,
 * its other events stored. */
Test(widget, a_client_id_taken_by_a_segment_message_does_not_fail_the_batch)
{
	struct fixture f;
	struct resp r;
	char body[1024];
	const char *p[1];

	fixture_new(&f);
	segment_post(&r, &s, jstr(f.ws, "write_key"), "/v1/track",
	             "{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":"
	             "\"a_seg1\",\"messageId\":\"w:taken-id\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	snprintf(body, sizeof(body),
	         "{\"anonymous_id\":\"a_viewer02\",\"events\":["
	         "{\"id\":\"taken-id\",\"type\":\"release_viewed\","
	         "\"release_id\":\"%s\"},{\"id\":\"free-id\",\"type\":"
	         "\"release_viewed\",\"release_id\":\"%s\"}]}",
	         f.rel[0], f.rel[1]);
	post(&r, &f, body, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(count_events(&f, "release_viewed"), 1);
	p[0] = f.id;
	cr_assert_eq(sql_long("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND message_id = 'w:taken-id'"
	                      " AND source = 'api'",
	                      1, p),
	             1);
	fixture_free(&f);
}

/* C-05 */
Test(widget, beacon_as_text_plain_from_an_allowed_origin_is_stored)
{
	struct fixture f;
	struct resp r;
	char body[1024], url[256], *acao;
	const char *p[1];
	const char *allowed[] = {"Origin: https://app.example.com", NULL};
	const char *other[] = {"Origin: https://evil.example.net", NULL};
	const char *beacon[] = {"Content-Type: text/plain;charset=UTF-8",
	                        "Origin: https://app.example.com", NULL};

	fixture_new(&f);
	p[0] = f.id;
	PQclear(sql("UPDATE workspaces SET allowed_origins ="
	            " '{https://app.example.com}' WHERE id = $1",
	            1, p));
	snprintf(body, sizeof(body),
	         "{\"anonymous_id\":\"a_beacon01\",\"events\":[{\"id\":\"b1\","
	         "\"type\":\"release_viewed\",\"release_id\":\"%s\"}]}",
	         f.rel[0]);
	snprintf(url, sizeof(url), "%s/api/v1/widget/%s/events", s.url, f.pk);
	http_do(&r, "POST", url, beacon, body, strlen(body));
	cr_assert_eq(r.status, 200, "%s", r.body);
	acao = resp_header(&r, "Access-Control-Allow-Origin");
	cr_assert_str_eq(acao, "https://app.example.com");
	free(acao);
	resp_free(&r);
	cr_assert_eq(count_events(&f, "release_viewed"), 1);

	post(&r, &f, body, other);
	cr_assert_eq(r.status, 403);
	cr_assert_null(resp_header(&r, "Access-Control-Allow-Origin"));
	resp_free(&r);
	(void)allowed;
	fixture_free(&f);
}

static void
preflight(struct resp *r, const struct fixture *f, const char *origin)
{
	char url[256], o[128];
	const char *h[] = {o, "Access-Control-Request-Method: POST",
	                   "Access-Control-Request-Headers: content-type",
	                   NULL};

	snprintf(o, sizeof(o), "Origin: %s", origin);
	snprintf(url, sizeof(url), "%s/api/v1/widget/%s/events", s.url, f->pk);
	http_do(r, "OPTIONS", url, h, NULL, 0);
}

Test(widget, preflight_echoes_allowed_origin_and_grants_nothing_to_others)
{
	struct fixture f;
	struct resp r;
	char *v;
	const char *p[1];

	fixture_new(&f);
	preflight(&r, &f, "https://anything.example.org");
	cr_assert_eq(r.status, 204); /* empty list: any origin */
	v = resp_header(&r, "Access-Control-Allow-Origin");
	cr_assert_str_eq(v, "https://anything.example.org");
	free(v);
	resp_free(&r);
	p[0] = f.id;
	PQclear(sql("UPDATE workspaces SET allowed_origins ="
	            " '{https://app.example.com}' WHERE id = $1",
	            1, p));
	preflight(&r, &f, "https://app.example.com");
	cr_assert_eq(r.status, 204);
	v = resp_header(&r, "Access-Control-Allow-Origin");
	cr_assert_str_eq(v, "https://app.example.com");
	free(v);
	v = resp_header(&r, "Access-Control-Allow-Methods");
	cr_assert(v && strstr(v, "POST") != NULL);
	free(v);
	v = resp_header(&r, "Access-Control-Allow-Headers");
	cr_assert(v && strstr(v, "content-type") && strstr(v, "authorization"));
	free(v);
	v = resp_header(&r, "Access-Control-Max-Age");
	cr_assert_str_eq(v, "86400");
	free(v);
	resp_free(&r);
	preflight(&r, &f, "https://evil.example.net");
	cr_assert_eq(r.status, 403);
	cr_assert_null(resp_header(&r, "Access-Control-Allow-Origin"));
	cr_assert_null(resp_header(&r, "Access-Control-Allow-Methods"));
	resp_free(&r);
	fixture_free(&f);
}

/* C-06 */
Test(widget, a_chunk_sent_twice_is_stored_once_and_a_huge_body_gets_413)
{
	struct fixture f;
	struct resp r;
	struct buf b;
	char pad[3001];
	const char *p[1];

	fixture_new(&f);
	memset(pad, 'x', 3000);
	pad[3000] = '\0';
	buf_init(&b, 1 << 20);
	cr_assert(
	    buf_puts(&b, "{\"anonymous_id\":\"a_offline1\",\"events\":["));
	for (int i = 0; i < 20; i++)
		cr_assert(
		    buf_printf(&b,
		               "%s{\"id\":\"c%d\",\"type\":\"link_clicked\","
		               "\"release_id\":\"%s\",\"url\":"
		               "\"https://example.com/?q=%s\"}",
		               i ? "," : "", i, f.rel[0], pad));
	cr_assert(buf_puts(&b, "]}"));
	post(&r, &f, b.data, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "accepted"), 20);
	resp_free(&r);
	post(&r, &f, b.data, NULL);
	cr_assert_eq(json_long(r.json, "duplicates"), 20);
	resp_free(&r);
	cr_assert_eq(count_events(&f, "link_clicked"), 20);
	/* the 3 KB urls were cut at 2048 bytes and marked */
	p[0] = f.id;
	cr_assert_eq(sql_long("SELECT count(*) FROM events WHERE"
	                      " workspace_id = $1 AND props ? 'url_cut'"
	                      " AND length(props->>'url') = 2048",
	                      1, p),
	             20);
	buf_cleanup(&b);

	buf_init(&b, 1 << 20);
	cr_assert(
	    buf_puts(&b, "{\"anonymous_id\":\"a_offline1\",\"events\":["));
	for (int i = 0; i < 100; i++)
		cr_assert(buf_printf(&b,
		                     "%s{\"id\":\"big%d\",\"type\":"
		                     "\"link_clicked\",\"release_id\":\"%s\","
		                     "\"url\":\"https://example.com/?q=%s\"}",
		                     i ? "," : "", i, f.rel[0], pad));
	cr_assert(buf_puts(&b, "]}"));
	cr_assert_gt(b.len, 256 * 1024);
	post(&r, &f, b.data, NULL);
	cr_assert_eq(r.status, 413, "%ld", r.status);
	resp_free(&r);
	cr_assert_eq(count_events(&f, "link_clicked"), 20);
	buf_cleanup(&b);
	fixture_free(&f);
}

/* C-07 */
Test(widget, a_view_from_headless_chrome_is_answered_but_not_counted)
{
	struct fixture f;
	struct resp r;
	char body[1024];
	const char *ua[] = {"User-Agent: Mozilla/5.0 (X11; Linux x86_64) "
	                    "AppleWebKit/537.36 (KHTML, like Gecko) "
	                    "HeadlessChrome/120.0.0.0 Safari/537.36",
	                    NULL};
	const char *slack[] = {"User-Agent: Slackbot-LinkExpanding 1.0 "
	                       "(+https://api.slack.com/robots)",
	                       NULL};

	fixture_new(&f);
	snprintf(body, sizeof(body),
	         "{\"anonymous_id\":\"a_robot001\",\"events\":[{\"id\":\"r1\","
	         "\"type\":\"release_viewed\",\"release_id\":\"%s\"}]}",
	         f.rel[0]);
	post(&r, &f, body, ua);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "ignored"), 1);
	resp_free(&r);
	post(&r, &f, body, slack);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	cr_assert_eq(count_events(&f, "release_viewed"), 0);
	fixture_free(&f);
}

static double
seen_ago(const struct fixture *f, const char *ext)
{
	const char *p[2] = {f->id, ext};
	char *v = sql_value("SELECT extract(epoch FROM now() - last_seen_at)"
	                    " FROM persons WHERE workspace_id = $1::bigint"
	                    " AND external_id = $2",
	                    2, p);
	double ago = strtod(v, NULL);

	cr_assert(v[0] != '\0', "no person %s", ext);
	free(v);
	return ago;
}

static void
seen_set(const struct fixture *f, const char *ext, const char *ago)
{
	const char *p[3] = {f->id, ext, ago};

	sql_long("UPDATE persons SET last_seen_at = now() - $3::interval"
	         " WHERE workspace_id = $1::bigint AND external_id = $2"
	         " RETURNING 1",
	         3, p);
}

static long
seen_count(const struct fixture *f, const char *ext)
{
	const char *p[2] = {f->id, ext};

	return sql_long("SELECT count(*) FROM persons"
	                " WHERE workspace_id = $1::bigint AND external_id = $2",
	                2, p);
}

/* Waits (10 s at most) until the scorer has taken f's queue. */
static void
wait_scored(const struct fixture *f)
{
	const char *p[1] = {f->id};

	cr_assert(sql_wait("SELECT count(*) FROM score_queue"
	                   " WHERE workspace_id = $1::bigint",
	                   1, p, 0),
	          "score queue not drained");
}

/* Everything a visit could write for workspace f, as one text. */
static char *
visit_state(const struct fixture *f)
{
	const char *p[1] = {f->id};

	return sql_value(
	    "SELECT (SELECT count(*) || ' ' || coalesce(string_agg("
	    "  external_id || ' ' || first_seen_at || ' ' || last_seen_at"
	    "  || ' ' || traits::text, ',' ORDER BY id), '')"
	    "  FROM persons WHERE workspace_id = $1::bigint)"
	    " || ' | ' || (SELECT count(*) FROM anonymous_ids"
	    "  WHERE workspace_id = $1::bigint)"
	    " || ' | ' || (SELECT count(*) FROM events"
	    "  WHERE workspace_id = $1::bigint)"
	    " || ' | ' || (SELECT count(*) FROM score_queue"
	    "  WHERE workspace_id = $1::bigint)"
	    " || ' | ' || (SELECT count(*) FROM person_scores"
	    "  WHERE workspace_id = $1::bigint)"
	    " || ' | ' || (SELECT count(*) FROM release_reads"
	    "  WHERE workspace_id = $1::bigint)",
	    1, p);
}

static void
robot_feed(struct resp *r, const struct fixture *f, const char *anon,
           const char *token, const char *ua)
{
	char url[256], auth[1024];
	const char *h[3] = {ua, auth, NULL};

	snprintf(url, sizeof(url), "%s/api/v1/widget/%s/releases%s%s", s.url,
	         f->pk, anon ? "?anonymous_id=" : "", anon ? anon : "");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	http_do(r, "GET", url, h, NULL, 0);
}

Test(widget, a_robot_with_an_identity_token_creates_and_scores_no_one)
{
	struct fixture f;
	struct resp r;
	char body[2048], rel[40], *tok, *known, *before, *after;
	const char *ua[] = {"User-Agent: Mozilla/5.0 (X11; Linux x86_64) "
	                    "AppleWebKit/537.36 (KHTML, like Gecko) "
	                    "HeadlessChrome/120.0.0.0 Safari/537.36",
	                    NULL};

	fixture_new(&f);
	release_add(f.id, "pro-only", "published", "{\"plan\":[\"pro\"]}", rel);
	/* "kim" is known already (stored by an ordinary visit). */
	known = token_for(f.secret, "kim", 600, NULL);
	feed(&r, &f, "a_kimlaptop", known);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	seen_set(&f, "kim", "1 day");
	wait_scored(&f);
	tok = token_for(f.secret, "robo", 600,
	                "{\"email\":\"robo@acme.example\",\"traits\":"
	                "{\"plan\":\"pro\"}}");
	before = visit_state(&f);
	cr_assert(strncmp(before, "1 kim ", 6) == 0, "%s", before);

	/* The feed is served as to anyone, audience from the claims. */
	robot_feed(&r, &f, "a_robot0001", tok, ua[0]);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "releases")), 4);
	cr_assert_eq(json_long(r.json, "unread"), 4);
	cr_assert_str_eq(jstr(r.json, "anonymous_id"), "a_robot0001");
	resp_free(&r);
	robot_feed(&r, &f, NULL, known, ua[0]);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "unread"), 3);
	resp_free(&r);
	/* A bad token is still refused. */
	robot_feed(&r, &f, NULL, "not.a.token", ua[0]);
	cr_assert_eq(r.status, 401, "%s", r.body);
	resp_free(&r);

	snprintf(body, sizeof(body),
	         "{\"token\":\"%s\",\"anonymous_id\":\"a_robot0001\","
	         "\"events\":[{\"id\":\"rb1\",\"type\":\"release_viewed\","
	         "\"release_id\":\"%s\"},{\"id\":\"rb2\",\"type\":"
	         "\"releases_marked_read\"}]}",
	         tok, f.rel[0]);
	post(&r, &f, body, ua);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "accepted"), 0);
	cr_assert_eq(json_long(r.json, "ignored"), 2);
	resp_free(&r);

	after = visit_state(&f);
	cr_assert_str_eq(after, before);
	cr_assert_eq(seen_count(&f, "robo"), 0);
	free(before);
	free(after);
	free(known);
	free(tok);
	fixture_free(&f);
}

Test(widget, later_visits_move_last_seen_forward_but_not_every_poll)
{
	struct fixture f;
	struct resp r;
	char body[1024], ts[40], *tok;
	const char *p[1];
	time_t now = time(NULL);

	fixture_new(&f);
	tok = token_for(f.secret, "lee", 600, NULL);
	feed(&r, &f, "a_leedesk01", tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	p[0] = f.id;
	char *first = sql_value("SELECT first_seen_at FROM persons"
	                        " WHERE workspace_id = $1::bigint",
	                        1, p);

	/* A feed load three days later moves it to now. */
	seen_set(&f, "lee", "3 days");
	cr_assert_gt(seen_ago(&f, "lee"), 3 * 86400 - 5);
	feed(&r, &f, "a_leedesk01", tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	cr_assert_lt(seen_ago(&f, "lee"), 5.0);

	/* A poll within the minute does not write. */
	seen_set(&f, "lee", "30 seconds");
	feed(&r, &f, "a_leedesk01", tok);
	resp_free(&r);
	cr_assert_gt(seen_ago(&f, "lee"), 29.0);

	/* Events move it to the latest event of the batch. */
	seen_set(&f, "lee", "2 days");
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ",
	         gmtime(&(time_t){now - 3600}));
	snprintf(body, sizeof(body),
	         "{\"token\":\"%s\",\"anonymous_id\":\"a_leedesk01\","
	         "\"events\":[{\"id\":\"ls1\",\"type\":"
	         "\"widget_opened\",\"ts\":\"%s\"}]}",
	         tok, ts);
	post(&r, &f, body, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "accepted"), 1, "%s", r.body);
	resp_free(&r);
	double ago = seen_ago(&f, "lee");
	cr_assert(ago > 3600 - 10 && ago < 3600 + 10, "ago %.0f", ago);

	/* An older event does not move it back. */
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ",
	         gmtime(&(time_t){now - 7200}));
	snprintf(body, sizeof(body),
	         "{\"token\":\"%s\",\"anonymous_id\":\"a_leedesk01\","
	         "\"events\":[{\"id\":\"ls2\",\"type\":"
	         "\"widget_opened\",\"ts\":\"%s\"}]}",
	         tok, ts);
	post(&r, &f, body, NULL);
	cr_assert_eq(json_long(r.json, "accepted"), 1, "%s", r.body);
	resp_free(&r);
	ago = seen_ago(&f, "lee");
	cr_assert(ago > 3600 - 10 && ago < 3600 + 10, "ago %.0f", ago);

	/* first_seen_at never moves. */
	char *first2 = sql_value("SELECT first_seen_at FROM persons"
	                         " WHERE workspace_id = $1::bigint",
	                         1, p);
	cr_assert_str_eq(first2, first);
	free(first);
	free(first2);
	free(tok);
	fixture_free(&f);
}

/* C-10 */
#define THUMBS "\xf0\x9f\x91\x8d" /* U+1F44D */

struct toggle {
	const struct fixture *f;
	const char *body;
	long status;
};

static void *
toggle_run(void *arg)
{
	struct toggle *t = arg;
	struct resp r;

	post(&r, t->f, t->body, NULL);
	t->status = r.status;
	resp_free(&r);
	return NULL;
}

static void
toggle_five(const struct fixture *f, const char *tok, bool on)
{
	pthread_t th[5];
	struct toggle t[5];
	char bodies[5][2048];

	for (int i = 0; i < 5; i++) {
		snprintf(bodies[i], sizeof(bodies[i]),
		         "{\"token\":\"%s\",\"anonymous_id\":\"a_react001\","
		         "\"events\":[{\"id\":\"%s%d\",\"type\":\"reaction\","
		         "\"release_id\":\"%s\",\"emoji\":\"" THUMBS
		         "\",\"on\":%s}]}",
		         tok, on ? "on" : "off", i, f->rel[0],
		         on ? "true" : "false");
		t[i] = (struct toggle){f, bodies[i], 0};
		pthread_create(&th[i], NULL, toggle_run, &t[i]);
	}
	for (int i = 0; i < 5; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(t[i].status, 200, "request %d: %ld", i,
		             t[i].status);
	}
}

Test(widget, five_parallel_adds_make_one_reaction_and_removals_none)
{
	struct fixture f;
	struct resp r;
	char *tok;
	const cJSON *rel;
	const char *p[1];

	fixture_new(&f);
	tok = token_for(f.secret, "racer", 600, NULL);
	toggle_five(&f, tok, true);
	p[0] = f.id;
	cr_assert_eq(sql_long("SELECT count(*) FROM release_reactions WHERE"
	                      " workspace_id = $1",
	                      1, p),
	             1);
	feed(&r, &f, NULL, tok);
	rel = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "releases"), 2);
	cr_assert_eq(json_long(cJSON_GetObjectItem(rel, "reactions"), THUMBS),
	             1, "%s", r.body);
	resp_free(&r);
	toggle_five(&f, tok, false);
	cr_assert_eq(sql_long("SELECT count(*) FROM release_reactions WHERE"
	                      " workspace_id = $1",
	                      1, p),
	             0);
	free(tok);
	fixture_free(&f);
}

Test(widget, bad_envelopes_get_4xx_naming_the_field)
{
	struct fixture f;
	struct resp r;
	const char *form[] = {"Content-Type: application/x-www-form-urlencoded",
	                      NULL};
	char url[256];

	fixture_new(&f);
	post(&r, &f, "{\"anonymous_id\":\"a_ok000001\",\"events\":[]}", NULL);
	cr_assert_eq(r.status, 400);
	cr_assert(strncmp(jstr(r.json, "error"), "events:", 7) == 0);
	resp_free(&r);
	post(&r, &f, "{\"events\":[{\"type\":\"widget_opened\"}]}", NULL);
	cr_assert_eq(r.status, 400);
	cr_assert(strncmp(jstr(r.json, "error"), "anonymous_id:", 13) == 0);
	resp_free(&r);
	post(&r, &f, "[1,2", NULL);
	cr_assert_eq(r.status, 400);
	resp_free(&r);
	snprintf(url, sizeof(url), "%s/api/v1/widget/%s/events", s.url, f.pk);
	http_do(&r, "POST", url, form, "a=b", 3);
	cr_assert_eq(r.status, 415);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/widget/pk_nope/releases", NULL, NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	fixture_free(&f);
}

/* C-23 */
Test(widget, nul_bad_escape_and_raw_ff_refuse_only_their_event)
{
	struct fixture f;
	struct resp r;
	char body[2048];
	const cJSON *rej;
	const char *p[1];
	char *urls;

	fixture_new(&f);
	snprintf(body, sizeof(body),
	         "{\"anonymous_id\":\"a_c23reader\",\"events\":["
	         "{\"id\":\"ok1\",\"type\":\"link_clicked\",\"release_id\":"
	         "\"%s\",\"url\":\"https://ok.example/\"},"
	         "{\"id\":\"nul\",\"type\":\"link_clicked\",\"release_id\":"
	         "\"%s\",\"url\":\"https://x.example/Hello\\u0000world\"},"
	         "{\"id\":\"esc\",\"type\":\"link_clicked\",\"release_id\":"
	         "\"%s\",\"url\":\"https://x.example/\\uX000\"},"
	         "{\"id\":\"ff\",\"type\":\"link_clicked\",\"release_id\":"
	         "\"%s\",\"url\":\"https://x.example/\xff\"}]}",
	         f.rel[0], f.rel[0], f.rel[0], f.rel[0]);
	post(&r, &f, body, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_long(r.json, "accepted"), 1, "%s", r.body);
	rej = cJSON_GetObjectItem(r.json, "rejected");
	cr_assert_eq(cJSON_GetArraySize(rej), 3, "%s", r.body);
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(rej, 0), "error"),
	                 "url: contains a NUL character (\\u0000)");
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(rej, 1), "error"),
	                 "url: contains an invalid escape or a lone "
	                 "surrogate");
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(rej, 2), "error"),
	                 "url: is not valid UTF-8");
	resp_free(&r);

	/* Before, cJSON cut "x\u0000y" to "x": two ids became one. */
	post(&r, &f,
	     "{\"anonymous_id\":\"a_c23reader\",\"events\":[{\"id\":"
	     "\"ok1\\u0000b\",\"type\":\"widget_opened\"}]}",
	     NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(
	    jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "rejected"), 0),
	         "error"),
	    "id: contains a NUL character (\\u0000)");
	resp_free(&r);
	post(&r, &f,
	     "{\"anonymous_id\":\"a_c23reader\",\"user_id\":\"u\\u0000\","
	     "\"events\":[{\"type\":\"widget_opened\"}]}",
	     NULL);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "error"),
	                 "user_id: contains a NUL character (\\u0000)");
	resp_free(&r);

	p[0] = f.id;
	urls = sql_value("SELECT string_agg(props->>'url', ' ') FROM events"
	                 " WHERE workspace_id = $1",
	                 1, p);
	cr_assert_str_eq(urls, "https://ok.example/");
	free(urls);
	fixture_free(&f);
}

Test(widget, unavailable_database_gets_503_with_retry_after)
{
	struct srv down_srv;
	struct resp r;
	char url[256], *ra;
	const char *env[] = {"HERALD_DATABASE_URL=postgresql://127.0.0.1:1/none"
	                     "?connect_timeout=1",
	                     NULL};
	const char *body = "{\"anonymous_id\":\"a_nodb0001\",\"events\":"
	                   "[{\"type\":\"widget_opened\"}]}";
	const char *h[] = {"Content-Type: application/json", NULL};

	srv_start(&down_srv, env);
	snprintf(url, sizeof(url), "%s/api/v1/widget/pk_x/events",
	         down_srv.url);
	http_do(&r, "POST", url, h, body, strlen(body));
	cr_assert_eq(r.status, 503, "%ld %s", r.status, r.body);
	ra = resp_header(&r, "Retry-After");
	cr_assert_not_null(ra);
	free(ra);
	resp_free(&r);
	srv_stop(&down_srv);
}
