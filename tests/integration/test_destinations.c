/* Herald integration tests - the destinations API (masking, validation,
 * test messages, isolation) and customer-success alerts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

TestSuite(destinations, .init = up, .fini = down, .timeout = 60);

static long
post(const char *json, long want, const char *error_has)
{
	struct resp r;
	long id = 0;

	api(&r, &fx.srv, "POST", "/api/v1/destinations", fx.token, json);
	cr_assert_eq(r.status, want, "%s -> %ld %s", json, r.status, r.body);
	if (error_has != NULL)
		cr_assert(strncmp(jstr(r.json, "error"), error_has,
		                  strlen(error_has)) == 0,
		          "error \"%s\" does not start with %s",
		          jstr(r.json, "error"), error_has);
	if (want == 201)
		id = (long)cJSON_GetObjectItem(r.json, "id")->valuedouble;
	resp_free(&r);
	return id;
}

Test(destinations, urls_and_secrets_are_never_returned_in_full)
{
	struct resp r;

	fx_workspace(&fx, "Mask Ws");
	api(&r, &fx.srv, "POST", "/api/v1/destinations", fx.token,
	    "{\"name\":\"Sales\",\"kind\":\"slack\",\"url\":"
	    "\"https://hooks.slack.com/services/T000/B000/abcdefgh1234\","
	    "\"tags\":[\"sales\",\"sales\"]}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "url"),
	                 "https://hooks.slack.com/\xe2\x80\xa6/1234");
	cr_assert_str_eq(jstr(r.json, "state"), "active");
	cr_assert_str_eq(jstr(r.json, "mode"), "immediate");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "tags")),
	             1);
	resp_free(&r);
	api(&r, &fx.srv, "POST", "/api/v1/destinations", fx.token,
	    "{\"name\":\"Hook\",\"kind\":\"webhook\","
	    "\"url\":\"https://example.com/hooks/secret-path-9999\"}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	char secret[128];
	snprintf(secret, sizeof(secret), "%s", jstr(r.json, "secret"));
	cr_assert_eq(strlen(secret), 6 + 64, "shown once in full: %s", secret);
	cr_assert(strncmp(secret, "whsec_", 6) == 0);
	resp_free(&r);
	api(&r, &fx.srv, "GET", "/api/v1/destinations", fx.token, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(cJSON_GetArraySize(r.json), 2);
	cr_assert_null(strstr(r.body, "T000/B000"));
	cr_assert_null(strstr(r.body, "secret-path"));
	cr_assert_null(strstr(r.body, secret + 6));
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(r.json, 1), "url"),
	                 "https://example.com/\xe2\x80\xa6/9999");
	resp_free(&r);
}

Test(destinations, bad_input_is_a_400_naming_the_field)
{
	fx_workspace(&fx, "Bad Ws");
	post("{\"name\":\"x\",\"kind\":\"sms\"}", 400, "kind:");
	post("{\"name\":\"x\",\"kind\":\"slack\"}", 400, "url:");
	post("{\"name\":\"x\",\"kind\":\"slack\",\"url\":\"ftp://a.b/c\"}", 400,
	     "url:");
	post("{\"kind\":\"slack\",\"url\":\"https://a.b/c\"}", 400, "name:");
	post("{\"name\":\"x\",\"kind\":\"email\",\"recipients\":[]}", 400,
	     "recipients:");
	post("{\"name\":\"x\",\"kind\":\"email\",\"recipients\":"
	     "[\"ok@a.test\",\"bad\"]}",
	     400, "recipients[1]:");
	post("{\"name\":\"x\",\"kind\":\"email\",\"recipients\":"
	     "[\"a@b.test>\\r\\nRCPT TO:<c@d.test\"]}",
	     400, "recipients[0]:");
	post("{\"name\":\"x\",\"kind\":\"slack\",\"url\":\"https://a.b/c\","
	     "\"mode\":\"weekly\"}",
	     400, "mode:");
	post("{\"name\":\"x\",\"kind\":\"slack\",\"url\":\"https://a.b/c\","
	     "\"tags\":[1]}",
	     400, "tags[0]:");
	post("{\"name\":\"x\",\"kind\":\"slack\",\"url\":\"https://a.b/c\","
	     "\"secret\":\"0123456789abcdef\"}",
	     400, "secret:");
	post("{\"name\":\"x\",\"kind\":\"slack\",\"url\":\"https://a.b/c\"}",
	     201, NULL);
	post("{\"name\":\"x\",\"kind\":\"slack\",\"url\":\"https://a.b/d\"}",
	     409, "name:");
}

Test(destinations, update_delete_and_other_workspaces)
{
	struct resp r;
	char path[64];
	long id;

	fx_workspace(&fx, "Crud Ws");
	id = post("{\"name\":\"x\",\"kind\":\"email\",\"recipients\":"
	          "[\"a@b.test\"]}",
	          201, NULL);
	snprintf(path, sizeof(path), "/api/v1/destinations/%ld", id);
	api(&r, &fx.srv, "PATCH", path, fx.token,
	    "{\"name\":\"Renamed\",\"tags\":[\"success\"],\"mode\":\"daily\","
	    "\"recipients\":[\"c@d.test\",\"e@f.test\"]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "name"), "Renamed");
	cr_assert_str_eq(jstr(r.json, "mode"), "daily");
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "recipients")), 2);
	resp_free(&r);
	api(&r, &fx.srv, "PATCH", path, fx.token, "{\"kind\":\"slack\"}");
	cr_assert_eq(r.status, 400);
	resp_free(&r);
	api(&r, &fx.srv, "GET", path, NULL, NULL);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	cJSON *other = workspace_new("Other Ws");
	api(&r, &fx.srv, "GET", path, jstr(other, "admin_token"), NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	api(&r, &fx.srv, "DELETE", path, jstr(other, "admin_token"), NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	cJSON_Delete(other);
	api(&r, &fx.srv, "DELETE", path, fx.token, NULL);
	cr_assert_eq(r.status, 204);
	resp_free(&r);
	api(&r, &fx.srv, "GET", path, fx.token, NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
}

Test(destinations, test_message_goes_through_the_outbox)
{
	struct resp r;
	char path[64];
	size_t len;
	long id;

	fx_workspace(&fx, "Test Ws");
	id = fx_destination(&fx, "{\"name\":\"Hook\",\"kind\":\"webhook\","
	                         "\"url\":\"%s/hook\",\"secret\":\"" FX_SECRET
	                         "\"}");
	snprintf(path, sizeof(path), "/api/v1/destinations/%ld/test", id);
	api(&r, &fx.srv, "POST", path, fx.token, NULL);
	cr_assert_eq(r.status, 202, "%s", r.body);
	char event[40];
	snprintf(event, sizeof(event), "%s", jstr(r.json, "event_id"));
	resp_free(&r);
	cr_assert_eq(sink_wait(&fx.hook, "/hook", 1, 10000), 1);
	cJSON *rec = fx_record(&fx.hook, "/hook", 0);
	char *body = sink_body(rec, &len);
	cJSON *o = cJSON_Parse(body);
	cr_assert_str_eq(jstr(o, "type"), "test");
	cr_assert_str_eq(jstr(o, "event_id"), event);
	cJSON_Delete(o);
	free(body);
	cJSON_Delete(rec);
	cJSON *al = fx_alerts(&fx);
	cJSON *a0 = cJSON_GetArrayItem(al, 0);
	cr_assert_str_eq(jstr(a0, "kind"), "test");
	cr_assert_str_eq(
	    jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(a0, "deliveries"), 0),
	         "state"),
	    "delivered");
	cJSON_Delete(al);
}

Test(destinations, stalled_trials_and_quiet_key_users_alert_success)
{
	struct resp r;
	struct srv again;
	char ws[24];

	fx_workspace(&fx, "Success Ws");
	fx_destination(&fx, "{\"name\":\"CS\",\"kind\":\"webhook\","
	                    "\"url\":\"%s/cs\",\"tags\":[\"success\"]}");
	api(&r, &fx.srv, "PATCH", "/api/v1/alerts/settings", fx.token,
	    "{\"stalled_after_days\":4,\"disengaged_after_days\":5}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(
	    cJSON_GetObjectItem(r.json, "stalled_after_days")->valueint, 4);
	resp_free(&r);
	api(&r, &fx.srv, "PATCH", "/api/v1/alerts/settings", fx.token,
	    "{\"stalled_after_days\":0}");
	cr_assert_eq(r.status, 400);
	resp_free(&r);
	snprintf(ws, sizeof(ws), "%ld", fx.ws_id);
	const char *p[1] = {ws};
	PQclear(sql(
	    "WITH a AS (INSERT INTO accounts (workspace_id, external_id, name)"
	    " VALUES ($1, 'big', 'Big Co') RETURNING id),"
	    " p AS (INSERT INTO persons (workspace_id, external_id, name,"
	    " traits, account_id, signed_up_at) SELECT $1, x.ext, x.name,"
	    " x.traits::jsonb, a.id, now() - x.ago::interval FROM a, (VALUES"
	    " ('t1', 'Stalled Sam', '{\"plan\": \"trial\"}', '5 days'),"
	    " ('t2', 'Fresh Fay', '{\"plan\": \"trial\"}', '1 day'),"
	    " ('k1', 'Key Kim', '{}', '90 days')) x(ext, name, traits, ago)"
	    " RETURNING id, external_id)"
	    " INSERT INTO person_daily (workspace_id, person_id, day, event,"
	    " count) SELECT $1, p.id, current_date - d, 'page', 3"
	    " FROM p, generate_series(8, 14) d WHERE p.external_id = 'k1'",
	    1, p));
	/* Checks run when a process starts and every few minutes. */
	srv_start(&again, NULL);
	cr_assert_eq(sink_wait(&fx.hook, "/cs", 2, 15000), 2);
	srv_stop(&again);
	char *v =
	    sql_value("SELECT string_agg(q.rule_id || ':' || p.name, ','"
	              " ORDER BY q.rule_id) FROM qualifications q"
	              " JOIN persons p ON p.workspace_id = q.workspace_id"
	              " AND p.id = q.subject_id WHERE q.workspace_id = $1",
	              1, p);
	cr_assert_str_eq(v, "cs-disengaged:Key Kim,cs-stalled:Stalled Sam");
	free(v);
}
