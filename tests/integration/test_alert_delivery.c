/* Herald integration tests - alert delivery under trouble: 429 with
 * Retry-After, refusals that mark a destination failing, 5xx and
 * timeouts retried, a kill -9 with alerts in flight, several processes
 * sharing the outbox (case C-17). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "lib/alerts_fixture.h"
#include "lib/harness.h"
#include "lib/sinks.h"

static struct alerts_fx fx;

static void
up(void)
{
	fx_start(&fx);
}

static void
down(void)
{
	fx_stop(&fx);
}

TestSuite(delivery, .init = up, .fini = down, .timeout = 120);

/* The event id a request carried: the webhook body's event_id, or the
 * one in a Slack message's context line. */
static void
event_id(const cJSON *rec, char out[37])
{
	size_t len;
	char *body = sink_body(rec, &len);
	cJSON *o = cJSON_Parse(body);
	const char *id = jstr(o, "event_id");
	const char *at = strstr(body, "event ");

	if (id[0] == '\0' && at != NULL)
		id = at + 6;
	snprintf(out, 37, "%s", id);
	cJSON_Delete(o);
	free(body);
}

struct tally {
	int requests;
	int delivered; /* answered 2xx */
	int distinct;  /* distinct event ids among those */
	int repeats;   /* 2xx deliveries of an id already delivered */
	double min_gap;
	double min_gap_after_429;
};

static void
count(const struct sink *s, const char *path, struct tally *t)
{
	cJSON *arr = sink_records(s), *e;
	char(*seen)[37] = calloc(1000, 37);
	double last = 0, last_429 = 0;

	memset(t, 0, sizeof(*t));
	t->min_gap = t->min_gap_after_429 = 1e9;
	cJSON_ArrayForEach(e, arr)
	{
		double at = cJSON_GetObjectItem(e, "t")->valuedouble;
		int st = cJSON_GetObjectItem(e, "status")->valueint;
		char id[37];
		bool dup = false;

		if (path && strcmp(jstr(e, "path"), path) != 0)
			continue;
		if (t->requests++ > 0 && at - last < t->min_gap)
			t->min_gap = at - last;
		if (last_429 > 0 && at - last_429 < t->min_gap_after_429)
			t->min_gap_after_429 = at - last_429;
		last_429 = st == 429 ? at : 0;
		last = at;
		if (st < 200 || st > 299)
			continue;
		t->delivered++;
		event_id(e, id);
		for (int i = 0; i < t->distinct; i++)
			dup = dup || strcmp(seen[i], id) == 0;
		if (dup)
			t->repeats++;
		else if (t->distinct < 1000)
			memcpy(seen[t->distinct++], id, 37);
	}
	free(seen);
	cJSON_Delete(arr);
}

static void
qualify_n(int n, const char *notify)
{
	struct seed sd;

	fx_seed(&fx, &sd, "Paced", "");
	for (int i = 0; i < n; i++) {
		char rule[24];

		snprintf(rule, sizeof(rule), "rule-%d", i);
		fx_qualify(&fx, sd.person, rule, "Paced rule", notify);
	}
}

Test(delivery, slack_429_with_retry_after_is_honoured_and_nothing_doubles)
{
	struct tally t;

	fx_workspace(&fx, "C17a Ws");
	fx_destination(&fx, "{\"name\":\"Slack\",\"kind\":\"slack\","
	                    "\"url\":\"%s/slack\",\"tags\":[\"sales\"]}");
	sink_control(&fx.hook, "{\"path\":\"/slack\",\"script\":[429,429,429],"
	                       "\"retry_after\":\"2\"}");
	qualify_n(5, "{sales}");
	cr_assert_eq(sink_wait(&fx.hook, "/slack", 5, 40000), 5);
	count(&fx.hook, "/slack", &t);
	cr_assert_eq(t.requests, 8);
	cr_assert_eq(t.delivered, 5);
	cr_assert_eq(t.distinct, 5);
	cr_assert_eq(t.repeats, 0);
	cr_assert_geq(t.min_gap, 1.0, "gap %.3f s", t.min_gap);
	cr_assert_geq(t.min_gap_after_429, 2.0, "gap after 429 %.3f s",
	              t.min_gap_after_429);
}

Test(delivery, ten_seconds_of_429_lose_nothing_and_double_nothing)
{
	struct tally t;
	char ws[24];
	double start = (double)time(NULL);

	fx_workspace(&fx, "Throttle Ws");
	fx_destination(&fx, "{\"name\":\"Slack\",\"kind\":\"slack\","
	                    "\"url\":\"%s/slack\",\"tags\":[\"sales\"]}");
	sink_control(&fx.hook, "{\"path\":\"/slack\",\"status\":429,"
	                       "\"status_for\":10,\"retry_after\":\"2\"}");
	qualify_n(5, "{sales}");
	cr_assert_eq(sink_wait(&fx.hook, "/slack", 5, 60000), 5);
	count(&fx.hook, "/slack", &t);
	cr_assert_eq(t.delivered, 5);
	cr_assert_eq(t.distinct, 5);
	cr_assert_eq(t.repeats, 0);
	cr_assert_geq(t.min_gap_after_429, 2.0, "gap after 429 %.3f s",
	              t.min_gap_after_429);
	cr_assert_geq(t.min_gap, 1.0);
	cr_assert_leq(t.requests - t.delivered, 6, "%d refused requests",
	              t.requests - t.delivered);
	cr_assert_geq((double)time(NULL) - start, 9.0);
	snprintf(ws, sizeof(ws), "%ld", fx.ws_id);
	const char *p[1] = {ws};
	long delivered = 0;

	/* The receiver has the last message a moment before Herald records
	 * its answer. */
	for (int i = 0; i < 100 && delivered < 5; i++) {
		struct timespec ts = {0, 50 * 1000000L};

		delivered = sql_long("SELECT count(*) FROM deliveries"
		                     " WHERE workspace_id = $1"
		                     " AND state = 'delivered'",
		                     1, p);
		if (delivered < 5)
			nanosleep(&ts, NULL);
	}
	cr_assert_eq(delivered, 5);
}

static cJSON *
destination(long id)
{
	char path[64];
	struct resp r;
	cJSON *o;

	snprintf(path, sizeof(path), "/api/v1/destinations/%ld", id);
	api(&r, &fx.srv, "GET", path, fx.token, NULL);
	cr_assert_eq(r.status, 200);
	o = r.json;
	r.json = NULL;
	resp_free(&r);
	return o;
}

Test(delivery, refusals_mark_the_destination_failing_and_others_go_on)
{
	static const char *codes[3] = {"404", "410", "403"};
	long ids[3];
	struct seed sd;
	char json[256], ctl[128], ws[24];

	fx_workspace(&fx, "C17b Ws");
	fx_destination(&fx, "{\"name\":\"Good\",\"kind\":\"slack\","
	                    "\"url\":\"%s/good\",\"tags\":[\"sales\"]}");
	for (int i = 0; i < 3; i++) {
		snprintf(json, sizeof(json),
		         "{\"name\":\"Bad %s\",\"kind\":\"webhook\","
		         "\"url\":\"%%s/bad%s\",\"tags\":[\"sales\"]}",
		         codes[i], codes[i]);
		ids[i] = fx_destination(&fx, json);
		snprintf(ctl, sizeof(ctl),
		         "{\"path\":\"/bad%s\",\"status\":%s,"
		         "\"status_for\":600}",
		         codes[i], codes[i]);
		sink_control(&fx.hook, ctl);
	}
	fx_seed(&fx, &sd, "Refused", "");
	fx_qualify(&fx, sd.person, "r1", "One", "{sales}");
	cr_assert_eq(sink_wait(&fx.hook, "/good", 1, 10000), 1);
	fx_qualify(&fx, sd.person, "r2", "Two", "{sales}");
	cr_assert_eq(sink_wait(&fx.hook, "/good", 2, 10000), 2);
	for (int i = 0; i < 3; i++) {
		char path[16], err[16];
		cJSON *d = destination(ids[i]);

		snprintf(path, sizeof(path), "/bad%s", codes[i]);
		snprintf(err, sizeof(err), "HTTP %s", codes[i]);
		cr_assert_str_eq(jstr(d, "state"), "failing");
		cr_assert_str_eq(jstr(d, "last_error"), err);
		/* Tried once, not retried, not used while failing. */
		cr_assert_eq(sink_count(&fx.hook, path, 0), 1);
		cJSON_Delete(d);
	}
	snprintf(ws, sizeof(ws), "%ld", fx.ws_id);
	const char *p[1] = {ws};
	cr_assert_eq(sql_long("SELECT count(*) FROM deliveries WHERE"
	                      " workspace_id = $1 AND state = 'dead'"
	                      " AND attempts = 1 AND last_error LIKE 'HTTP 4%'",
	                      1, p),
	             3);
	/* Shown in the alerts API as dead with the error. */
	cJSON *al = fx_alerts(&fx);
	char *text = cJSON_PrintUnformatted(al);
	cr_assert(strstr(text, "\"state\":\"dead\"") != NULL);
	cr_assert(strstr(text, "\"last_error\":\"HTTP 410\"") != NULL);
	free(text);
	cJSON_Delete(al);
	/* A fixed destination gets the alerts that waited for it. */
	sink_control(&fx.hook, "{\"path\":\"/bad404\",\"status\":200,"
	                       "\"status_for\":0}");
	char path[64];
	struct resp r;
	snprintf(path, sizeof(path), "/api/v1/destinations/%ld", ids[0]);
	api(&r, &fx.srv, "PATCH", path, fx.token, "{\"state\":\"active\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "state"), "active");
	resp_free(&r);
	cr_assert_eq(sink_wait(&fx.hook, "/bad404", 1, 10000), 1);
}

Test(delivery, server_errors_and_timeouts_are_retried_with_backoff)
{
	char ws[24];

	fx_workspace(&fx, "Retry Ws");
	fx_destination(&fx, "{\"name\":\"Flaky\",\"kind\":\"webhook\","
	                    "\"url\":\"%s/flaky\",\"tags\":[\"sales\"]}");
	fx_destination(&fx, "{\"name\":\"Slow\",\"kind\":\"webhook\","
	                    "\"url\":\"%s/slow\",\"tags\":[\"sales\"]}");
	sink_control(&fx.hook, "{\"path\":\"/flaky\",\"script\":[503,500]}");
	sink_control(&fx.hook, "{\"path\":\"/slow\",\"delays\":[11]}");
	qualify_n(1, "{sales}");
	cr_assert_eq(sink_wait(&fx.hook, "/flaky", 1, 20000), 1);
	cr_assert_eq(sink_wait(&fx.hook, "/slow", 2, 30000), 2);
	snprintf(ws, sizeof(ws), "%ld", fx.ws_id);
	const char *p[1] = {ws};
	char *v = sql_value("SELECT string_agg(t.name || ':' || d.state || ':'"
	                    " || d.attempts, ',' ORDER BY t.name)"
	                    " FROM deliveries d JOIN destinations t"
	                    " ON t.workspace_id = d.workspace_id"
	                    " AND t.id = d.destination_id"
	                    " WHERE d.workspace_id = $1",
	                    1, p);
	cr_assert_str_eq(v, "Flaky:delivered:3,Slow:delivered:2");
	free(v);
	cr_assert_eq(sink_count(&fx.hook, "/flaky", 0), 3);
}

static void
wait_requests(int n, int ms)
{
	for (int waited = 0; waited < ms; waited += 20) {
		struct timespec ts = {0, 20 * 1000000L};

		if (sink_count(&fx.hook, NULL, 0) >= n)
			return;
		nanosleep(&ts, NULL);
	}
}

Test(delivery, kill_9_with_fifty_queued_loses_none_and_repeats_only_in_flight)
{
	struct tally t;
	struct srv second;
	struct seed sd;
	char ws[24];
	int before;

	fx_workspace(&fx, "Crash Ws");
	for (int i = 0; i < 5; i++) {
		char json[200];

		snprintf(json, sizeof(json),
		         "{\"name\":\"d%d\",\"kind\":\"webhook\","
		         "\"url\":\"%%s/crash\"}",
		         i);
		fx_destination(&fx, json);
	}
	sink_control(&fx.hook, "{\"path\":\"/crash\",\"delay\":0.3}");
	fx_seed(&fx, &sd, "Crash", "");
	snprintf(ws, sizeof(ws), "%ld", fx.ws_id);
	char pid[24];
	snprintf(pid, sizeof(pid), "%ld", sd.person);
	const char *p[2] = {ws, pid};
	PQclear(sql("INSERT INTO qualifications (workspace_id, subject_type,"
	            " subject_id, rule_id, model_version, score, fit,"
	            " engagement, notify) SELECT $1, 'person', $2, 'r' || i,"
	            " 1, 80, 50, 30, ARRAY['d' || (i % 5)]"
	            " FROM generate_series(1, 50) i",
	            2, p));
	wait_requests(6, 20000);
	srv_kill(&fx.srv);
	before = sink_count(&fx.hook, NULL, 0);
	cr_assert_lt(before, 50);
	/* Restart with two processes sharing the outbox. */
	fx_server(&fx);
	srv_start(&second,
	          (const char *const[]){"HERALD_LOG_LEVEL=info", NULL});
	wait_requests(50, 80000);
	for (int i = 0; i < 50; i++) {
		struct timespec ts = {0, 100 * 1000000L};

		count(&fx.hook, "/crash", &t);
		if (t.distinct >= 50)
			break;
		nanosleep(&ts, NULL);
	}
	srv_stop(&second);
	count(&fx.hook, "/crash", &t);
	cr_log_info("kill -9: %d requests before the kill, %d after restart, "
	            "%d alerts, %d received twice (in flight at the kill)",
	            before, t.requests - before, t.distinct, t.repeats);
	fprintf(stderr,
	        "delivery: kill -9 with 50 queued: %d requests before the "
	        "kill, %d distinct alerts received, %d received twice\n",
	        before, t.distinct, t.repeats);
	cr_assert_eq(t.distinct, 50);
	cr_assert_leq(t.repeats, 2, "at most one per delivery worker");
	cr_assert_eq(t.delivered, 50 + t.repeats);
	cr_assert_eq(sql_long("SELECT count(*) FROM deliveries WHERE"
	                      " workspace_id = $1 AND state = 'delivered'",
	                      1, p),
	             50);
}
