/* Herald integration tests - a person is queued for rescoring only when
 * a new event is one the workspace's scoring model reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

SERVER_SUITE(score_events, 60);

static const char model[] =
    "{\"fit\":{\"criteria\":[]},"
    "\"engagement\":{\"half_life_days\":14,\"signals\":["
    "{\"event\":\"feature_used\",\"points\":5}]},"
    "\"rules\":[{\"id\":\"chatty\",\"subject\":\"person\","
    "\"when\":{\"count\":{\"event\":\"message_sent\",\"gte\":3}}}]}";

static void
track(const cJSON *ws, const char *user, const char *event, int n)
{
	char body[512];
	struct resp r;

	snprintf(body, sizeof(body),
	         "{\"userId\":\"%s\",\"event\":\"%s\","
	         "\"messageId\":\"%s-%s-%d\"}",
	         user, event, user, event, n);
	segment_post(&r, &s, jstr(ws, "write_key"), "/v1/track", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
}

/* Saves a scoring model for the workspace; fails the test if refused. */
static void
save_model(const cJSON *ws, const char *json)
{
	struct resp r;

	api(&r, &s, "PUT", "/api/v1/scoring", jstr(ws, "admin_token"), json);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
}

/* The workspace's score_events rows as "event=urgent,..." or as
 * "event,...". */
static char *
listed(const cJSON *ws, bool urgency)
{
	const char *p[1] = {jstr(ws, "slug")};

	return sql_value(urgency
	                     ? "SELECT string_agg(event || '=' || urgent,"
	                       " ',' ORDER BY event) FROM score_events e"
	                       " JOIN workspaces w ON w.id = e.workspace_id"
	                       " WHERE w.slug = $1"
	                     : "SELECT string_agg(event, ',' ORDER BY event)"
	                       " FROM score_events e JOIN workspaces w"
	                       " ON w.id = e.workspace_id WHERE w.slug = $1",
	                 1, p);
}

/* 1 when the person has a score (person_scores has one row a person). */
static const char scored_sql[] =
    "SELECT count(*) FROM person_scores ps"
    " JOIN persons p ON p.workspace_id = ps.workspace_id"
    "  AND p.id = ps.person_id"
    " JOIN workspaces w ON w.id = p.workspace_id"
    " WHERE w.slug = $1 AND p.external_id = $2";

static long
scored(const cJSON *ws, const char *user)
{
	const char *p[2] = {jstr(ws, "slug"), user};

	return sql_long(scored_sql, 2, p);
}

/* Waits up to 10 s for the person to have a score. */
static bool
wait_scored(const cJSON *ws, const char *user)
{
	const char *p[2] = {jstr(ws, "slug"), user};

	return sql_wait(scored_sql, 2, p, 1);
}

Test(score_events, the_saved_model_lists_the_events_it_reads)
{
	cJSON *ws = workspace_new("Events Listed");
	char *v;

	save_model(ws, model);
	v = listed(ws, false);
	cr_assert_str_eq(v, ",feature_used,message_sent");
	free(v);
	cJSON_Delete(ws);
}

Test(score_events, an_event_the_model_ignores_does_not_queue_its_person)
{
	cJSON *ws = workspace_new("Events Ignored");
	save_model(ws, model);
	track(ws, "idle-user", "page_scrolled", 1);
	track(ws, "idle-user", "tooltip_shown", 2);
	track(ws, "busy-user", "message_sent", 1);
	/* The relevant event, sent last, is scored: by then the earlier
	 * irrelevant ones would have been too, had they been queued. */
	cr_assert(wait_scored(ws, "busy-user"));
	cr_assert_eq(scored(ws, "idle-user"), 0);
	track(ws, "idle-user", "feature_used", 3);
	cr_assert(wait_scored(ws, "idle-user"));
	cJSON_Delete(ws);
}

Test(score_events, without_a_saved_model_every_event_queues)
{
	cJSON *ws = workspace_new("Events Default");

	track(ws, "any-user", "page_scrolled", 1);
	cr_assert(wait_scored(ws, "any-user"));
	cJSON_Delete(ws);
}

Test(score_events, a_rule_on_active_days_makes_every_event_count)
{
	cJSON *ws = workspace_new("Events Active");
	save_model(
	    ws,
	    "{\"fit\":{\"criteria\":[]},\"engagement\":{\"half_life_days\":14,"
	    "\"signals\":[]},\"rules\":[{\"id\":\"back\","
	    "\"subject\":\"person\","
	    "\"when\":{\"active_days\":{\"within_days\":14,\"gte\":3}}}]}");
	track(ws, "returning-user", "page_scrolled", 1);
	cr_assert(wait_scored(ws, "returning-user"));
	cJSON_Delete(ws);
}

Test(score_events, a_rule_event_is_urgent_and_a_signal_event_is_not)
{
	cJSON *ws = workspace_new("Events Urgent");
	char *v;

	save_model(ws, model);
	v = listed(ws, true);
	cr_assert_str_eq(v, "=false,feature_used=false,message_sent=true");
	free(v);

	/* A rule on the score makes every signal urgent. */
	save_model(
	    ws,
	    "{\"fit\":{\"criteria\":[]},\"engagement\":{\"half_life_days\":14,"
	    "\"signals\":[{\"event\":\"feature_used\",\"points\":5}]},"
	    "\"rules\":[{\"id\":\"hot\",\"subject\":\"person\","
	    "\"when\":{\"score\":{\"gte\":40}}}]}");
	v = listed(ws, true);
	cr_assert_str_eq(v, "=false,feature_used=true");
	free(v);
	cJSON_Delete(ws);
}

/* Records every queue insert of the workspace with the delay of its
 * queue time, before the scorer takes it away. */
static void
exec_sql(const char *query)
{
	PQclear(sql(query, 0, NULL));
}

static void
watch_queue(const cJSON *ws)
{
	const char *p[1] = {jstr(ws, "slug")};
	char *id = sql_value("SELECT id FROM workspaces WHERE slug = $1", 1, p);
	char fn[512];

	snprintf(fn, sizeof(fn),
	         "CREATE OR REPLACE FUNCTION queue_watch() RETURNS trigger"
	         " LANGUAGE plpgsql AS $f$ BEGIN IF NEW.workspace_id = %s THEN"
	         " INSERT INTO queue_watch VALUES (NEW.person_id,"
	         " extract(epoch FROM NEW.queued_at - now())); END IF;"
	         " RETURN NEW; END $f$",
	         id);
	exec_sql("CREATE TABLE IF NOT EXISTS queue_watch (person_id bigint,"
	         " delay_s float8)");
	exec_sql(fn);
	exec_sql("CREATE OR REPLACE TRIGGER queue_watch AFTER INSERT OR UPDATE"
	         " ON score_queue FOR EACH ROW EXECUTE FUNCTION queue_watch()");
	free(id);
}

static double
queue_delay(const cJSON *ws, const char *user)
{
	const char *p[2] = {jstr(ws, "slug"), user};
	char *v = sql_value("SELECT coalesce(max(q.delay_s), -1)"
	                    " FROM queue_watch q JOIN persons p"
	                    "  ON p.id = q.person_id"
	                    " JOIN workspaces w ON w.id = p.workspace_id"
	                    " WHERE w.slug = $1 AND p.external_id = $2",
	                    2, p);
	double d = atof(v);

	free(v);
	return d;
}

Test(score_events, a_signal_event_queues_behind_rule_events)
{
	cJSON *ws = workspace_new("Events Deferred");
	save_model(ws, model);
	watch_queue(ws);
	track(ws, "signal-user", "feature_used", 1);
	track(ws, "rule-user", "message_sent", 1);
	cr_assert(wait_scored(ws, "rule-user"));
	/* Deferred 30 s in the queue order, yet scored while the queue is
	 * otherwise empty. */
	cr_assert(wait_scored(ws, "signal-user"));
	cr_assert_geq(queue_delay(ws, "signal-user"), 29.0);
	cr_assert_lt(queue_delay(ws, "signal-user"), 31.0);
	cr_assert_geq(queue_delay(ws, "rule-user"), 0.0);
	cr_assert_lt(queue_delay(ws, "rule-user"), 1.0);
	exec_sql("DROP TRIGGER queue_watch ON score_queue");
	cJSON_Delete(ws);
}
