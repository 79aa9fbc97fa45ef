/* Herald integration tests - the Segment-compatible ingest API: calls,
 * people and accounts, de-duplication, bad input (C-23, C-24, C-25,
 * C-28), limits, database restarts (C-27), kill -9 durability, privacy
 * export and erase, retention. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "lib/harness.h"

SERVER_SUITE(ingest, 90);

static long
count_ws(const char *query, const cJSON *ws)
{
	char id[32];
	const char *p[1] = {id};

	snprintf(id, sizeof(id), "%.0f",
	         cJSON_GetObjectItem(ws, "id")->valuedouble);
	return sql_long(query, 1, p);
}

static char *
value_ws(const char *query, const cJSON *ws)
{
	char id[32];
	const char *p[1] = {id};

	snprintf(id, sizeof(id), "%.0f",
	         cJSON_GetObjectItem(ws, "id")->valuedouble);
	return sql_value(query, 1, p);
}

Test(ingest, track_identify_and_group_fill_persons_accounts_and_events)
{
	cJSON *ws = workspace_new("Seg Calls");
	const char *key = jstr(ws, "write_key");
	struct resp r;
	char *v;

	segment_post(
	    &r, &s, key, "/v1/identify",
	    "{\"userId\":\"alex\",\"messageId\":\"i1\",\"traits\":{"
	    "\"email\":\"alex@example.com\",\"name\":\"Alex\",\"role\":\"cto\","
	    "\"created_at\":\"2026-11-02T10:00:00Z\"}}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(r.body, "{\"success\":true}");
	resp_free(&r);
	segment_post(&r, &s, key, "/v1/group",
	     "{\"userId\":\"alex\",\"groupId\":\"acme\",\"messageId\":\"g1\","
	     "\"traits\":{\"name\":\"Acme\",\"employees\":200,"
	     "\"industry\":\"software\"}}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	segment_post(&r, &s, key, "/v1/track",
	     "{\"userId\":\"alex\",\"event\":\"feature_used\",\"messageId\":"
	     "\"t1\",\"properties\":{\"feature\":\"charts\"},"
	     "\"context\":{\"ip\":\"203.0.113.77\"}}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	segment_post(&r, &s, key, "/v1/page",
	     "{\"userId\":\"alex\",\"name\":\"Pricing\",\"messageId\":\"p1\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);

	v = value_ws("SELECT p.email || '|' || p.name || '|' || a.name || '|'"
	             " || (a.traits->>'employees') || '|' ||"
	             " to_char(p.signed_up_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	             " FROM persons p JOIN accounts a ON a.workspace_id ="
	             " p.workspace_id AND a.id = p.account_id"
	             " WHERE p.workspace_id = $1 AND p.external_id = 'alex'",
	             ws);
	cr_assert_str_eq(v, "alex@example.com|Alex|Acme|200|2026-11-02");
	free(v);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND person_id IS NOT NULL"
	                      " AND source = 'api'",
	                      ws),
	             4);
	v = value_ws("SELECT context->>'ip' FROM events WHERE workspace_id = $1"
	             " AND message_id = 't1'",
	             ws);
	cr_assert_str_eq(v, "203.0.113.0");
	free(v);
	cr_assert(wait_rollups(ws));
	cr_assert_eq(count_ws("SELECT sum(count) FROM person_daily WHERE"
	                      " workspace_id = $1 AND event IN"
	                      " ('feature_used', 'page')",
	                      ws),
	             2);
	/* Queued for scoring, or already scored by the scorer. */
	cr_assert_geq(count_ws("SELECT (SELECT count(*) FROM score_queue"
	                       " WHERE workspace_id = $1) + (SELECT count(*)"
	                       " FROM person_scores WHERE workspace_id = $1)",
	                       ws),
	              1);
	cJSON_Delete(ws);
}

Test(ingest, bad_message_in_a_batch_is_named_and_the_rest_stored)
{
	cJSON *ws = workspace_new("Seg Bad One");
	const char *key = jstr(ws, "write_key");
	const char *body =
	    "{\"batch\":["
	    "{\"type\":\"track\",\"event\":\"a\",\"userId\":\"u1\","
	    "\"messageId\":\"m-a\"},"
	    "{\"type\":\"track\",\"userId\":\"u1\",\"messageId\":\"m-bad\"},"
	    "{\"type\":\"track\",\"event\":\"c\",\"userId\":\"u1\","
	    "\"messageId\":\"m-c\"}]}";
	struct resp r;
	cJSON *rej;

	segment_post(&r, &s, key, "/v1/batch", body);
	cr_assert_eq(r.status, 400, "%s", r.body);
	rej = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "rejected"), 0);
	cr_assert_not_null(rej, "%s", r.body);
	cr_assert_eq(cJSON_GetObjectItem(rej, "index")->valueint, 1);
	cr_assert_str_eq(jstr(rej, "messageId"), "m-bad");
	cr_assert(strstr(jstr(rej, "error"), "event") != NULL, "%s", r.body);
	cr_assert_eq(cJSON_GetObjectItem(r.json, "accepted")->valueint, 2);
	resp_free(&r);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1",
	                      ws),
	             2);

	/* The same messageIds again: nothing new is stored or counted. */
	segment_post(&r, &s, key, "/v1/batch", body);
	cr_assert_eq(r.status, 400);
	resp_free(&r);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1",
	                      ws),
	             2);
	cr_assert(wait_rollups(ws));
	cr_assert_eq(count_ws("SELECT sum(count) FROM person_daily WHERE"
	                      " workspace_id = $1",
	                      ws),
	             2);
	cJSON_Delete(ws);
}

Test(ingest, resent_batch_and_duplicates_within_a_batch_are_stored_once)
{
	cJSON *ws = workspace_new("Seg Dups");
	const char *key = jstr(ws, "write_key");
	const char *body =
	    "{\"batch\":["
	    "{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\","
	    "\"messageId\":\"d1\"},"
	    "{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\","
	    "\"messageId\":\"d1\"},"
	    "{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\","
	    "\"messageId\":\"d2\"}]}";
	struct resp r;

	for (int i = 0; i < 3; i++) {
		segment_post(&r, &s, key, "/v1/batch", body);
		cr_assert_eq(r.status, 200, "%s", r.body);
		resp_free(&r);
	}
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1",
	                      ws),
	             2);
	cr_assert(wait_rollups(ws));
	cr_assert_eq(count_ws("SELECT sum(count) FROM person_daily WHERE"
	                      " workspace_id = $1",
	                      ws),
	             2);
	cJSON_Delete(ws);
}

/* A retry may carry a later sentAt, so its corrected time moves by the
 * seconds between the two sends: still one event.  An old message with
 * no sentAt (stored at its own time, months back) is one event too. */
Test(ingest, a_retry_with_another_sent_at_is_stored_once)
{
	cJSON *ws = workspace_new("Seg Retry");
	const char *key = jstr(ws, "write_key");
	const char *sent[] = {"2026-09-10T10:00:00Z", "2026-09-10T10:00:05Z",
	                      "2026-09-10T10:00:00Z"};
	const char *old = "{\"type\":\"track\",\"event\":\"e\","
	                  "\"userId\":\"u\",\"messageId\":\"rt3\","
	                  "\"timestamp\":\"2026-09-10T09:59:59Z\"}";
	char body[512];
	struct resp r;

	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body),
		         "{\"sentAt\":\"%s\",\"batch\":[{\"type\":\"track\","
		         "\"event\":\"e\",\"userId\":\"u\",\"messageId\":"
		         "\"rt1\",\"timestamp\":\"2026-09-10T09:59:59Z\"},"
		         "{\"type\":\"track\",\"event\":\"e\",\"userId\":"
		         "\"u\",\"messageId\":\"rt2\"}]}",
		         sent[i]);
		segment_post(&r, &s, key, "/v1/batch", body);
		cr_assert_eq(r.status, 200, "%s", r.body);
		resp_free(&r);
		segment_post(&r, &s, key, "/v1/track", old);
		cr_assert_eq(r.status, 200, "%s", r.body);
		resp_free(&r);
	}
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1",
	                      ws),
	             3);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND occurred_at < '2026-10-01'",
	                      ws),
	             1);
	cJSON_Delete(ws);
}

Test(ingest, c23_nul_bad_escape_and_raw_ff_refuse_only_their_message)
{
	cJSON *ws = workspace_new("Seg C23");
	const char *key = jstr(ws, "write_key");
	const char body[] =
	    "{\"batch\":["
	    "{\"type\":\"track\",\"event\":\"ok\",\"userId\":\"u\","
	    "\"messageId\":\"c1\"},"
	    "{\"type\":\"track\",\"event\":\"Hello\\u0000world\","
	    "\"userId\":\"u\",\"messageId\":\"c2\"},"
	    "{\"type\":\"track\",\"event\":\"\\uX000\",\"userId\":\"u\","
	    "\"messageId\":\"c3\"},"
	    "{\"type\":\"track\",\"event\":\"x\",\"properties\":{\"label\":"
	    "\"\xff\"},\"userId\":\"u\",\"messageId\":\"c4\"}]}";
	struct resp r;
	cJSON *rej;

	segment_post(&r, &s, key, "/v1/batch", body);
	cr_assert_eq(r.status, 400, "%s", r.body);
	rej = cJSON_GetObjectItem(r.json, "rejected");
	cr_assert_eq(cJSON_GetArraySize(rej), 3, "%s", r.body);
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 0), "error"), "NUL"));
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 1), "error"),
	                 "invalid escape"));
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 2), "error"),
	                 "properties.label"));
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 2), "error"), "UTF-8"));
	resp_free(&r);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND name = 'ok'",
	                      ws),
	             1);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1",
	                      ws),
	             1);
	/* The server and its database connections still work. */
	segment_post(&r, &s, key, "/v1/track",
	     "{\"event\":\"after\",\"userId\":\"u\",\"messageId\":\"c5\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(ingest, c24_deep_nesting_is_a_fast_400_and_props_depth_is_capped)
{
	cJSON *ws = workspace_new("Seg C24");
	const char *key = jstr(ws, "write_key");
	size_t n = 100000, len = 0;
	char *body = malloc(2 * n + 200);
	struct resp r;
	struct timespec t0, t1;
	char *v;

	len +=
	    (size_t)snprintf(body, 200, "{\"type\":\"track\",\"properties\":");
	memset(body + len, '[', n);
	len += n;
	memset(body + len, ']', n);
	len += n;
	body[len++] = '}';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	segment_post_len(&r, &s, key, "/v1/batch", body, len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(jstr(r.json, "error"), "deeper") != NULL);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 2);
	resp_free(&r);
	free(body);

	segment_post(&r, &s, key, "/v1/track",
	     "{\"event\":\"deep\",\"userId\":\"u\",\"messageId\":\"dp\","
	     "\"properties\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":"
	     "{\"h\":1}}}}}}},\"keep\":2}}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	v = value_ws("SELECT (props->'keep')::text || '|' ||"
	             " (props->'_truncated'->>0) || '|' ||"
	             " (props #> '{a,b,c,d,e}')::text FROM events"
	             " WHERE workspace_id = $1",
	             ws);
	cr_assert_str_eq(v, "2|properties.a.b.c.d.e.f.g|{\"f\": {}}");
	free(v);
	cJSON_Delete(ws);
}

Test(ingest, c25_slow_and_chunked_bodies_are_read_and_big_ones_get_413)
{
	cJSON *ws = workspace_new("Seg C25");
	const char *key = jstr(ws, "write_key");
	char cmd[2048];
	struct resp r;
	size_t n = 600 * 1024;
	char *big = malloc(n + 1);

	snprintf(
	    cmd, sizeof(cmd),
	    "python3 -c 'import json;print(json.dumps({\"batch\":[{"
	    "\"type\":\"track\",\"event\":\"slow\",\"userId\":\"u\","
	    "\"messageId\":\"s1\",\"properties\":{\"pad\":\"x\"*900}}]*5}))'"
	    " > /tmp/c25-%d.json && "
	    "curl -fsS -o /dev/null --limit-rate 1k -u '%s:' "
	    "--data-binary @/tmp/c25-%d.json %s/v1/batch && "
	    "curl -fsS -o /dev/null -u '%s:' -H 'Transfer-Encoding: "
	    "chunked' -d '{\"event\":\"chunked\",\"userId\":\"u\","
	    "\"messageId\":\"s2\"}' %s/v1/track",
	    (int)getpid(), key, (int)getpid(), s.url, key, s.url);
	cr_assert_eq(run(cmd), 0);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND name IN ('slow', 'chunked')",
	                      ws),
	             2);
	memset(big, ' ', n);
	memcpy(big, "{\"batch\":[]", 11);
	big[n - 1] = '}';
	big[n] = '\0';
	segment_post_len(&r, &s, key, "/v1/batch", big, n);
	cr_assert_eq(r.status, 413, "%s", r.body);
	resp_free(&r);
	free(big);
	cJSON_Delete(ws);
}

Test(ingest, c28_long_fields_are_cut_on_a_character_and_marked)
{
	cJSON *ws = workspace_new("Seg C28");
	const char *key = jstr(ws, "write_key");
	cJSON *msg = cJSON_CreateObject(), *ctx, *page;
	char *q = malloc(700), *ref = malloc(2100 * 3 + 1), *body, *v;
	struct resp r;

	memset(q, 'q', 600);
	q[600] = '\0';
	for (int i = 0; i < 2100; i++)
		memcpy(ref + i * 3, "\xe2\x82\xac", 3); /* euro sign */
	ref[2100 * 3] = '\0';
	cJSON_AddStringToObject(msg, "userId", "u");
	cJSON_AddStringToObject(msg, "name", "Docs");
	cJSON_AddStringToObject(msg, "messageId", "long1");
	ctx = cJSON_AddObjectToObject(msg, "context");
	page = cJSON_AddObjectToObject(ctx, "page");
	cJSON_AddStringToObject(page, "referrer", ref);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(msg, "properties"), "q",
	                        q);
	body = cJSON_PrintUnformatted(msg);
	segment_post(&r, &s, key, "/v1/page", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	v = value_ws("SELECT octet_length(context->'page'->>'referrer') || '|'"
	             " || length(props->>'q') || '|' ||"
	             " (props->'_truncated')::text FROM events"
	             " WHERE workspace_id = $1",
	             ws);
	cr_assert_str_eq(v, "1023|600|[\"context.page.referrer\"]");
	free(v);
	free(body);
	free(q);
	free(ref);
	cJSON_Delete(msg);
	cJSON_Delete(ws);
}

Test(ingest, odd_input_is_refused_with_its_reason)
{
	cJSON *ws = workspace_new("Seg Odd");
	const char *key = jstr(ws, "write_key");
	struct resp r;
	cJSON *rej;

	segment_post(&r, &s, key, "/v1/batch", "[1,2]");
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(jstr(r.json, "error"), "object") != NULL);
	resp_free(&r);
	segment_post(&r, &s, key, "/v1/batch", "{\"batch\":[]}");
	cr_assert_eq(r.status, 400);
	resp_free(&r);
	segment_post(&r, &s, key, "/v1/batch",
	     "{\"batch\":[\"text\","
	     "{\"type\":\"track\",\"event\":\"e\",\"messageId\":\"n1\"},"
	     "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
	     "\"messageId\":\"n2\",\"properties\":{\"big\":"
	     "123456789012345678901234567890}},"
	     "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
	     "\"messageId\":\"n3\",\"timestamp\":\"2001-01-01T00:00:00Z\"},"
	     "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
	     "\"messageId\":\"n4\",\"timestamp\":\"not a date\"},"
	     "{\"type\":\"launch\",\"userId\":\"u\",\"messageId\":\"n5\"},"
	     "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
	     "\"messageId\":\"n6\",\"timestamp\":\"2999-01-01T00:00:00Z\"}"
	     "]}");
	cr_assert_eq(r.status, 400, "%s", r.body);
	rej = cJSON_GetObjectItem(r.json, "rejected");
	cr_assert_eq(cJSON_GetArraySize(rej), 6, "%s", r.body);
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 0), "error"), "object"));
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 1), "error"),
	                 "userId or anonymousId"));
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 2), "error"),
	                 "properties.big"));
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 3), "error"), "past"));
	cr_assert(
	    strstr(jstr(cJSON_GetArrayItem(rej, 4), "error"), "timestamp"));
	cr_assert(strstr(jstr(cJSON_GetArrayItem(rej, 5), "error"), "type"));
	resp_free(&r);
	/* The far-future one was clamped to the time it arrived. */
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND message_id = 'n6' AND occurred_at"
	                      " BETWEEN now() - interval '1 minute' AND now()",
	                      ws),
	             1);
	cJSON_Delete(ws);
}

Test(ingest, timestamps_are_corrected_by_the_clock_skew_of_sent_at)
{
	cJSON *ws = workspace_new("Seg Skew");
	const char *key = jstr(ws, "write_key");
	char body[512], ts[32], sent[32];
	time_t now = time(NULL);
	struct tm tm;
	struct resp r;
	long skew;

	/* The client's clock is one hour behind. */
	now -= 3600;
	gmtime_r(&now, &tm);
	strftime(sent, sizeof(sent), "%Y-%m-%dT%H:%M:%SZ", &tm);
	now -= 60;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(body, sizeof(body),
	         "{\"sentAt\":\"%s\",\"batch\":[{\"type\":\"track\","
	         "\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"sk\","
	         "\"timestamp\":\"%s\"}]}",
	         sent, ts);
	segment_post(&r, &s, key, "/v1/batch", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	skew = count_ws("SELECT extract(epoch FROM received_at - occurred_at)"
	                "::int FROM events WHERE workspace_id = $1",
	                ws);
	cr_assert(skew >= 58 && skew <= 62, "skew %ld", skew);
	cJSON_Delete(ws);
}

Test(ingest, missing_or_unknown_write_key_is_401)
{
	struct resp r;
	char url[128];

	snprintf(url, sizeof(url), "%s/v1/track", s.url);
	http_do(&r, "POST", url, NULL, "{}", 2);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	segment_post(&r, &s, "wk_nope", "/v1/track", "{}");
	cr_assert_eq(r.status, 401);
	cr_assert(strstr(jstr(r.json, "error"), "write key") != NULL);
	resp_free(&r);
}

Test(ingest, anonymous_events_merge_into_the_person_on_identify)
{
	cJSON *ws = workspace_new("Seg Merge");
	const char *key = jstr(ws, "write_key");
	struct resp r;

	segment_post(&r, &s, key, "/v1/track",
	     "{\"anonymousId\":\"anon-1\",\"event\":\"viewed\","
	     "\"messageId\":\"am1\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND person_id IS NULL",
	                      ws),
	             1);
	segment_post(&r, &s, key, "/v1/identify",
	     "{\"anonymousId\":\"anon-1\",\"userId\":\"jane\","
	     "\"messageId\":\"am2\",\"traits\":{\"email\":\"j@example.com\"}}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	segment_post(&r, &s, key, "/v1/track",
	     "{\"anonymousId\":\"anon-1\",\"event\":\"viewed\","
	     "\"messageId\":\"am3\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(count_ws("SELECT count(*) FROM events e JOIN persons p"
	                      " ON p.id = e.person_id AND p.workspace_id ="
	                      " e.workspace_id WHERE e.workspace_id = $1"
	                      " AND p.external_id = 'jane'",
	                      ws),
	             3);
	cr_assert(wait_rollups(ws));
	cr_assert_eq(count_ws("SELECT sum(count) FROM person_daily WHERE"
	                      " workspace_id = $1 AND event = 'viewed'",
	                      ws),
	             2);
	cJSON_Delete(ws);
}

Test(ingest, people_export_and_erase)
{
	cJSON *ws = workspace_new("Seg Privacy");
	const char *key = jstr(ws, "write_key");
	const char *admin = jstr(ws, "admin_token");
	struct resp r;
	char path[128], *pid;

	segment_post(&r, &s, key, "/v1/batch",
	     "{\"batch\":[{\"type\":\"identify\",\"userId\":\"gone\","
	     "\"anonymousId\":\"ga\",\"messageId\":\"pe1\",\"traits\":{"
	     "\"email\":\"gone@example.com\"}},{\"type\":\"track\","
	     "\"userId\":\"gone\",\"event\":\"e\",\"messageId\":\"pe2\"}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	pid = value_ws("SELECT id FROM persons WHERE workspace_id = $1", ws);
	snprintf(path, sizeof(path), "/api/v1/people/%s", pid);
	api(&r, &s, "GET", path, NULL, NULL);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	api(&r, &s, "GET", path, admin, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(cJSON_GetObjectItem(r.json, "person"), "email"),
	                 "gone@example.com");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "events")),
	             2);
	cr_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "anonymous_ids"), 0)
	        ->valuestring,
	    "ga");
	resp_free(&r);
	cr_assert(wait_rollups(ws));
	api(&r, &s, "DELETE", "/api/v1/people/gone", admin, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(cJSON_GetObjectItem(r.json, "events")->valueint, 2);
	resp_free(&r);
	cr_assert_eq(count_ws("SELECT (SELECT count(*) FROM events WHERE"
	                      " workspace_id = $1) + (SELECT count(*) FROM"
	                      " persons WHERE workspace_id = $1) + (SELECT"
	                      " count(*) FROM person_daily WHERE workspace_id"
	                      " = $1) + (SELECT count(*) FROM anonymous_ids"
	                      " WHERE workspace_id = $1) + (SELECT count(*)"
	                      " FROM score_queue WHERE workspace_id = $1)",
	                      ws),
	             0);
	api(&r, &s, "GET", path, admin, NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);

	/* A client retrying the old batch brings no erased event back. */
	segment_post(&r, &s, key, "/v1/batch",
	     "{\"batch\":[{\"type\":\"track\",\"userId\":\"gone\","
	     "\"event\":\"e\",\"messageId\":\"pe2\"},{\"type\":"
	     "\"track\",\"userId\":\"gone\",\"event\":\"e\","
	     "\"messageId\":\"pe3\"}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND message_id = 'pe2'",
	                      ws),
	             0);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND message_id = 'pe3'",
	                      ws),
	             1);
	free(pid);
	cJSON_Delete(ws);
}

/* Sends one track event of userId uid and waits for its 200. */
static void
track_one(const char *key, const char *uid, const char *mid)
{
	char body[256];
	struct resp r;

	snprintf(body, sizeof(body),
	         "{\"type\":\"track\",\"userId\":\"%s\",\"event\":\"e\","
	         "\"messageId\":\"%s\"}",
	         uid, mid);
	segment_post(&r, &s, key, "/v1/track", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
}

/* The writers cache person ids; an erasure through the API, or an
 * operator deleting persons rows by hand, must not leave later events
 * on an id that no longer exists. */
Test(ingest, events_after_an_erase_go_to_the_new_person_not_a_cached_id)
{
	cJSON *ws = workspace_new("Seg Person Cache");
	const char *key = jstr(ws, "write_key");
	const char *admin = jstr(ws, "admin_token");
	char mid[32], *before, *after;
	struct resp r;

	/* Several events, one request at a time: the first ones teach
	 * the writers the id, the last ones are written with it. */
	for (int i = 0; i < 4; i++) {
		snprintf(mid, sizeof(mid), "pc-a%d", i);
		track_one(key, "cached", mid);
	}
	before = value_ws("SELECT id FROM persons WHERE workspace_id = $1",
	                  ws);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE"
	                      " workspace_id = $1 AND person_id = (SELECT id"
	                      " FROM persons WHERE workspace_id = $1)",
	                      ws),
	             4);
	cr_assert(wait_rollups(ws));
	api(&r, &s, "DELETE", "/api/v1/people/cached", admin, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);

	track_one(key, "cached", "pc-b0");
	track_one(key, "cached", "pc-b1");
	after = value_ws("SELECT id FROM persons WHERE workspace_id = $1", ws);
	cr_assert_neq(strcmp(before, after), 0, "person %s came back", before);
	cr_assert_eq(count_ws("SELECT count(*) FROM events e JOIN persons p"
	                      " ON p.workspace_id = e.workspace_id AND p.id ="
	                      " e.person_id WHERE e.workspace_id = $1",
	                      ws),
	             2);
	free(before);
	free(after);

	/* By hand: the events first, then the person row itself. */
	track_one(key, "cached", "pc-b2");
	cr_assert(wait_rollups(ws));
	cr_assert_eq(count_ws("WITH d AS (DELETE FROM events WHERE"
	                      " workspace_id = $1 RETURNING 1),"
	                      " q AS (DELETE FROM score_queue WHERE"
	                      " workspace_id = $1 RETURNING 1)"
	                      " SELECT (SELECT count(*) FROM d)"
	                      " + (SELECT count(*) FROM q) * 0",
	                      ws),
	             3);
	cr_assert_eq(count_ws("WITH d AS (DELETE FROM persons WHERE"
	                      " workspace_id = $1 RETURNING 1)"
	                      " SELECT count(*) FROM d",
	                      ws),
	             1);
	track_one(key, "cached", "pc-c0");
	cr_assert_eq(count_ws("SELECT count(*) FROM events e JOIN persons p"
	                      " ON p.workspace_id = e.workspace_id AND p.id ="
	                      " e.person_id WHERE e.workspace_id = $1"
	                      " AND p.external_id = 'cached'",
	                      ws),
	             1);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE"
	                      " workspace_id = $1 AND person_id IS NOT NULL"
	                      " AND person_id NOT IN (SELECT id FROM persons)",
	                      ws),
	             0);
	cJSON_Delete(ws);
}

Test(ingest, retention_deletes_events_older_than_the_workspace_keeps)
{
	cJSON *ws = workspace_new("Seg Retention");
	char *n;

	count_ws("UPDATE workspaces SET retention_months = 1 WHERE id = $1"
	         " RETURNING 1",
	         ws);
	count_ws("WITH e AS (INSERT INTO events (workspace_id, message_id,"
	         " source, type, occurred_at) VALUES ($1, 'old', 'api',"
	         " 'track', now() - interval '3 months'), ($1, 'new', 'api',"
	         " 'track', now()) RETURNING 1) SELECT count(*) FROM e",
	         ws);
	/* Another test's server may be running its own maintenance, which
	 * holds the lock the function only tries: wait for that lock (the
	 * function's try then succeeds in the same session). */
	n = sql_value("SELECT herald_ingest_maintain()"
	              " FROM (SELECT pg_advisory_xact_lock(7300030)) l",
	              0, NULL);
	free(n);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1",
	                      ws),
	             1);
	cr_assert_eq(sql_long("SELECT count(*) FROM pg_class WHERE relname ="
	                      " to_char(now() + interval '3 months',"
	                      " '\"events_\"YYYY_MM')",
	                      0, NULL),
	             1);
	cJSON_Delete(ws);
}

Test(ingest, bodies_that_are_not_objects_are_refused_and_the_next_is_served)
{
	cJSON *ws = workspace_new("Seg Shapes");
	const char *key = jstr(ws, "write_key");
	static const char *const bodies[] = {"[1,2,3]", "\"batch\"", "42",
	                                     "null", "[{\"batch\":[]}]"};
	struct resp r;
	char *big, *v;
	size_t n;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		segment_post(&r, &s, key, "/v1/batch", bodies[i]);
		cr_assert_eq(r.status, 400, "%s: %s", bodies[i], r.body);
		cr_assert_str_eq(jstr(r.json, "error"),
		                 "body: must be a JSON object", "%s",
		                 bodies[i]);
		resp_free(&r);
	}
	/* One batch: a cut string, a refused message and a plain one. */
	big = malloc(8192);
	n = (size_t)snprintf(big, 8192,
	                     "{\"batch\":[{\"type\":\"track\",\"event\":\"e\","
	                     "\"userId\":\"u1\",\"messageId\":\"sh1\","
	                     "\"properties\":{\"t\":\"");
	memset(big + n, 'x', 3000);
	n += 3000;
	snprintf(big + n, 8192 - n,
	         "\"}},{\"type\":\"track\",\"userId\":\"u1\","
	         "\"messageId\":\"sh2\"},{\"type\":\"track\",\"event\":\"e\","
	         "\"userId\":\"u1\",\"messageId\":\"sh3\","
	         "\"properties\":{\"n\":9007199254740991}}]}");
	segment_post(&r, &s, key, "/v1/batch", big);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "rejected")), 1,
	    "%s", r.body);
	resp_free(&r);
	free(big);
	v = value_ws("SELECT string_agg(message_id || ':' ||"
	             " coalesce(length(props->>'t')::text, props->>'n'), ','"
	             " ORDER BY message_id) FROM events"
	             " WHERE workspace_id = $1",
	             ws);
	cr_assert_str_eq(v, "sh1:1024,sh3:9007199254740991");
	free(v);
	cJSON_Delete(ws);
}

/* herald_ingest_writer_load from /metrics. */
static double
writer_load_of(const struct srv *t)
{
	struct resp r;
	const char *v;
	double load;

	api(&r, t, "GET", "/metrics", NULL, NULL);
	cr_assert_eq(r.status, 200);
	v = strstr(r.body, "\nherald_ingest_writer_load ");
	cr_assert_not_null(v, "%s", r.body);
	load = strtod(v + strlen("\nherald_ingest_writer_load "), NULL);
	resp_free(&r);
	return load;
}

Test(ingest, writer_load_is_reported_while_batches_are_written)
{
	cJSON *ws = workspace_new("Seg Load");
	struct srv t;
	struct resp r;
	char body[256];
	double busy, idle;

	srv_start(&t, NULL);
	cr_assert_eq(writer_load_of(&t), 0);
	/* Writes for more than the one-second window. */
	for (int i = 0; i < 60; i++) {
		snprintf(body, sizeof(body),
		         "{\"batch\":[{\"type\":\"track\",\"event\":\"e\","
		         "\"userId\":\"u%d\",\"messageId\":\"load-%d\"}]}",
		         i % 5, i);
		segment_post(&r, &t, jstr(ws, "write_key"), "/v1/batch", body);
		cr_assert_eq(r.status, 200, "%s", r.body);
		resp_free(&r);
		usleep(25 * 1000);
	}
	busy = writer_load_of(&t);
	/* Two windows without a write read as idle. */
	sleep(3);
	idle = writer_load_of(&t);
	srv_stop(&t);
	cr_assert(busy > 0 && busy <= 1, "load while writing: %g", busy);
	cr_assert_eq(idle, 0, "load when idle: %g", idle);
	cJSON_Delete(ws);
}

Test(ingest, rate_limit_answers_429_with_retry_after)
{
	const char *env[] = {"HERALD_INGEST_KEY_RATE=3", NULL};
	cJSON *ws = workspace_new("Seg Rate");
	struct srv t;
	struct resp r;
	int limited = 0;
	char *ra = NULL;

	srv_start(&t, env);
	for (int i = 0; i < 8; i++) {
		segment_post(&r, &t, jstr(ws, "write_key"), "/v1/track",
		     "{\"event\":\"e\",\"userId\":\"u\"}");
		if (r.status == 429) {
			limited++;
			free(ra);
			ra = resp_header(&r, "Retry-After");
		}
		resp_free(&r);
	}
	srv_stop(&t);
	cr_assert_geq(limited, 4);
	cr_assert_not_null(ra);
	cr_assert_geq(strtol(ra, NULL, 10), 1);
	free(ra);
	cJSON_Delete(ws);
}

Test(ingest, c27_terminated_backends_cost_at_most_one_batch)
{
	const char *env[] = {"PGAPPNAME=herald-c27-test", NULL};
	cJSON *ws = workspace_new("Seg C27");
	struct srv t;
	struct resp r;
	char body[256];
	int failed = 0;
	char *ra;

	srv_start(&t, env);
	segment_post(&r, &t, jstr(ws, "write_key"), "/v1/track",
	     "{\"event\":\"warm\",\"userId\":\"u\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	cr_assert_geq(sql_long("SELECT count(pg_terminate_backend(pid)) FROM"
	                       " pg_stat_activity WHERE application_name ="
	                       " 'herald-c27-test'",
	                       0, NULL),
	              1);
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body),
		         "{\"batch\":[{\"type\":\"track\",\"event\":\"e\","
		         "\"userId\":\"u\",\"messageId\":\"c27-%d\"}]}",
		         i);
		segment_post(&r, &t, jstr(ws, "write_key"), "/v1/batch", body);
		if (r.status != 200) {
			cr_assert_eq(i, 0, "batch %d failed: %s", i, r.body);
			cr_assert_eq(r.status, 503);
			ra = resp_header(&r, "Retry-After");
			cr_assert_not_null(ra);
			free(ra);
			failed++;
		}
		resp_free(&r);
	}
	srv_stop(&t);
	cr_assert_eq(count_ws("SELECT count(*) FROM events WHERE workspace_id"
	                      " = $1 AND message_id LIKE 'c27-%'",
	                      ws),
	             3 - failed);
	cJSON_Delete(ws);
}

/* ---- kill -9 under load ------------------------------------------- */

struct loader {
	const struct srv *t;
	const char *key;
	int id;
	int acked;
	char (*ids)[48];
	int cap;
};

static void *
load(void *arg)
{
	struct loader *l = arg;
	char body[4096];

	for (int n = 0; n < 100000; n++) {
		char mids[10][48];
		size_t len = 0;
		struct resp r;

		len += (size_t)snprintf(body, sizeof(body), "{\"batch\":[");
		for (int i = 0; i < 10; i++) {
			snprintf(mids[i], sizeof(mids[i]), "k9-%d-%d-%d", l->id,
			         n, i);
			len += (size_t)snprintf(
			    body + len, sizeof(body) - len,
			    "%s{\"type\":\"track\",\"event\":\"load\","
			    "\"userId\":\"u%d\",\"messageId\":\"%s\"}",
			    i ? "," : "", i, mids[i]);
		}
		len += (size_t)snprintf(body + len, sizeof(body) - len, "]}");
		segment_post_len(&r, l->t, l->key, "/v1/batch", body, len);
		if (r.status == 200)
			for (int i = 0; i < 10 && l->acked < l->cap; i++)
				memcpy(l->ids[l->acked++], mids[i], 48);
		resp_free(&r);
		if (r.status < 0 || r.status >= 500)
			break;
	}
	return NULL;
}

Test(ingest, kill_9_under_load_loses_no_acknowledged_event)
{
	cJSON *ws = workspace_new("Seg Kill9");
	struct loader l[4];
	pthread_t th[4];
	struct srv t;
	struct resp r;
	long missing = 0, total = 0;

	srv_start(&t, NULL);
	segment_post(&r, &t, jstr(ws, "write_key"), "/v1/track",
	     "{\"event\":\"warm\",\"userId\":\"u\"}");
	resp_free(&r);
	for (int i = 0; i < 4; i++) {
		l[i] = (struct loader){.t = &t,
		                       .key = jstr(ws, "write_key"),
		                       .id = i,
		                       .cap = 200000};
		l[i].ids = malloc((size_t)l[i].cap * 48);
		pthread_create(&th[i], NULL, load, &l[i]);
	}
	usleep(1500 * 1000);
	srv_kill(&t);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++) {
		struct buf_s {
			char *data;
			size_t len;
		} a = {malloc((size_t)l[i].acked * 50 + 3), 0};
		char id[32];
		const char *p[2] = {id, NULL};

		a.data[a.len++] = '{';
		for (int j = 0; j < l[i].acked; j++)
			a.len += (size_t)snprintf(a.data + a.len, 52, "%s%s",
			                          j ? "," : "", l[i].ids[j]);
		a.data[a.len++] = '}';
		a.data[a.len] = '\0';
		p[1] = a.data;
		snprintf(id, sizeof(id), "%.0f",
		         cJSON_GetObjectItem(ws, "id")->valuedouble);
		total += l[i].acked;
		missing +=
		    l[i].acked - sql_long("SELECT count(*) FROM events WHERE"
		                          " workspace_id = $1 AND message_id ="
		                          " ANY($2::text[])",
		                          2, p);
		free(a.data);
		free(l[i].ids);
	}
	cr_assert_gt(total, 50, "only %ld events acknowledged", total);
	cr_assert_eq(missing, 0, "%ld of %ld acknowledged events missing",
	             missing, total);
	cJSON_Delete(ws);
}
