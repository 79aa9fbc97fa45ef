/* Herald integration tests - the scorer: the product's Alex and Jane,
 * reasons naming releases and features, the scoring API and leads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"
#include "lib/scorefix.h"

static struct srv s;

static void
up(void)
{
	static const char *const env[] = {"HERALD_SCORE_SWEEP_SECONDS=1", NULL};

	srv_start(&s, env);
}

static void
down(void)
{
	srv_stop(&s);
}

TestSuite(scoring, .init = up, .fini = down, .timeout = 60);

/* The model of PRODUCT.md, word for word. */
static const char product_model[] =
    "{\"fit\": {\"criteria\": ["
    "{\"trait\": \"account.employees\", \"op\": \"between\","
    " \"value\": [50, 1000], \"points\": 30},"
    "{\"trait\": \"account.industry\", \"op\": \"in\","
    " \"value\": [\"software\", \"fintech\"], \"points\": 25},"
    "{\"trait\": \"account.country\", \"op\": \"in\","
    " \"value\": [\"US\", \"DE\", \"GB\"], \"points\": 15},"
    "{\"trait\": \"person.role\", \"op\": \"in\","
    " \"value\": [\"cto\", \"engineering manager\"], \"points\": 30}]},"
    "\"engagement\": {\"half_life_days\": 14, \"signals\": ["
    "{\"event\": \"release_viewed\", \"points\": 2, \"cap_per_day\": 5},"
    "{\"event\": \"release_read\", \"points\": 1, \"per_minutes\": 1},"
    "{\"event\": \"link_clicked\", \"points\": 3},"
    "{\"event\": \"release_shared\", \"points\": 10},"
    "{\"event\": \"feature_used\", \"points\": 5,"
    " \"after_viewing_release\": true}]},"
    "\"rules\": ["
    "{\"id\": \"engaged-icp\", \"name\": \"Engaged and in ICP\","
    " \"subject\": \"person\", \"when\": {\"all\": [{\"fit\": {\"gte\": 60}},"
    " {\"engagement\": {\"gte\": 25}}]}, \"notify\": [\"sales\"],"
    " \"cooldown_days\": 30},"
    "{\"id\": \"team-activation\", \"subject\": \"account\","
    " \"when\": {\"count\": {\"event\": \"message_sent\", \"gte\": 2000}}},"
    "{\"id\": \"seven-in-ten\", \"subject\": \"person\","
    " \"when\": {\"count\": {\"event\": \"friend_added\", \"since\":"
    " \"signup\", \"within_days\": 10, \"gte\": 7}}},"
    "{\"id\": \"returning\", \"subject\": \"person\","
    " \"when\": {\"active_days\": {\"within_days\": 14, \"gte\": 3}}}],"
    "\"conversion\": {\"event\": \"subscription_started\","
    " \"revenue_property\": \"mrr\"}}";

/* The reason of kind signal for event (and feature when given). */
static const cJSON *
find_reason(const cJSON *reasons, const char *event, const char *release)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, reasons)
	{
		if (strcmp(jstr(r, "event"), event) == 0 &&
		    (release == NULL ||
		     strcmp(jstr(r, "release"), release) == 0))
			return r;
	}
	return NULL;
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	cr_assert(cJSON_IsNumber(v), "%s is not a number", key);
	return v->valuedouble;
}

Test(scoring, alex_qualifies_with_named_reasons_and_jane_does_not)
{
	cJSON *ws = workspace_new("Alex and Jane");
	const char *tok = jstr(ws, "admin_token");
	char w[24], path[64];
	struct resp r;

	fx_ws_id(ws, w, sizeof(w));
	api(&r, &s, "PUT", "/api/v1/scoring", tok, product_model);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(num(r.json, "version"), 1);
	resp_free(&r);

	char *acme =
	    fx_account(w, "acme", "Acme",
	               "{\"employees\": 200, \"industry\": \"software\","
	               " \"country\": \"US\"}");
	char *alex =
	    fx_person(w, "alex", "Alex", "{\"role\": \"CTO\"}", acme, NULL);
	char *jane = fx_person(w, "jane", "Jane", "{\"role\": \"designer\"}",
	                       acme, NULL);
	char *viz = fx_release(w, "data-viz", "Data visualization", "{charts}");
	char *other = fx_release(w, "sso", "Single sign-on", "{sso}");
	char *d3 = fx_ago("-3 days"), *d2 = fx_ago("-2 days");
	char *d1 = fx_ago("-1 day"), *h1 = fx_ago("-1 hour");

	/* Alex: tries the feature before any view (does not count), views
	 * the update on three days, reads it long, clicks, shares, then
	 * uses the feature. */
	fx_event(w, alex, "track", "feature_used", NULL,
	         "{\"feature\": \"charts\"}", d3, 1);
	fx_event(w, alex, "release_viewed", NULL, viz, "{}", d2, 2);
	fx_event(w, alex, "release_viewed", NULL, viz, "{}", d1, 1);
	fx_event(w, alex, "release_viewed", NULL, other, "{}", d1, 1);
	fx_event(w, alex, "release_read", NULL, viz, "{\"ms\": 95000}", d1, 2);
	fx_event(w, alex, "link_clicked", NULL, viz,
	         "{\"url\": \"https://docs.example/charts\"}", d1, 1);
	fx_event(w, alex, "release_shared", NULL, viz,
	         "{\"channel\": \"slack\"}", h1, 1);
	fx_event(w, alex, "track", "feature_used", NULL,
	         "{\"feature\": \"charts\"}", h1, 1);
	/* Jane skims it once. */
	fx_event(w, jane, "release_viewed", NULL, viz, "{}", h1, 1);
	fx_event(w, jane, "release_read", NULL, viz, "{\"ms\": 8000}", h1, 1);
	fx_wait_scored(w);

	cr_assert_eq(fx_quals(w, "person", alex, "engaged-icp"), 1);
	cr_assert_eq(fx_quals(w, "person", jane, "engaged-icp"), 0);

	snprintf(path, sizeof(path), "/api/v1/leads/%s", alex);
	api(&r, &s, "GET", path, tok, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	const cJSON *reasons =
	    cJSON_GetObjectItemCaseSensitive(r.json, "reasons");
	const cJSON *read =
	    find_reason(reasons, "release_read", "Data visualization");
	const cJSON *share =
	    find_reason(reasons, "release_shared", "Data visualization");
	const cJSON *feat = find_reason(reasons, "feature_used", NULL);
	const cJSON *view =
	    find_reason(reasons, "release_viewed", "Data visualization");
	cr_assert_not_null(read, "%s", r.body);
	cr_assert_float_eq(num(read, "minutes"), 3.2, 0.01);
	cr_assert_eq(num(read, "count"), 2);
	cr_assert_not_null(share, "%s", r.body);
	cr_assert_eq(num(share, "count"), 1);
	cr_assert_float_eq(num(share, "points"), 10, 0.01);
	cr_assert_not_null(feat, "%s", r.body);
	cr_assert_str_eq(jstr(feat, "feature"), "charts");
	cr_assert_str_eq(jstr(feat, "release"), "Data visualization");
	cr_assert_eq(num(feat, "count"), 1, "the use before a view counted");
	cr_assert_not_null(view);
	cr_assert_eq(num(view, "count"), 3);
	cr_assert_float_eq(num(r.json, "fit"), 100, 0.01);
	cr_assert(num(r.json, "engagement") >= 25);
	/* He came back on four days too: "returning" holds as well. */
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(r.json, "state");
	cr_assert_eq(cJSON_GetArraySize(state), 2, "%s", r.body);
	cr_assert(strstr(r.body, "\"state\":[{\"id\"") != NULL);
	const cJSON *st;
	int icp = 0;
	cJSON_ArrayForEach(st, state) icp +=
	    strcmp(jstr(st, "rule_id"), "engaged-icp") == 0;
	cr_assert_eq(icp, 1);
	const cJSON *rel = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(r.json, "releases"), 0);
	cr_assert_str_eq(jstr(rel, "title"), "Data visualization");
	cr_assert_eq(num(rel, "read_ms"), 190000);
	cr_assert_eq(num(rel, "shares"), 1);
	const cJSON *f = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(r.json, "features"), 0);
	cr_assert_str_eq(jstr(f, "feature"), "charts");
	cr_assert_eq(cJSON_GetArraySize(
	                 cJSON_GetObjectItemCaseSensitive(r.json, "timeline")),
	             10);
	resp_free(&r);

	/* The qualification carries the same reasons for the alert. */
	const char *qp[2] = {w, alex};
	char *q = sql_value("SELECT reasons::text FROM qualifications"
	                    " WHERE workspace_id = $1 AND subject_id = $2"
	                    " AND rule_id = 'engaged-icp'",
	                    2, qp);
	cr_assert(strstr(q, "Data visualization") != NULL, "%s", q);
	cr_assert(strstr(q, "\"feature\": \"charts\"") != NULL, "%s", q);
	free(q);

	snprintf(path, sizeof(path), "/api/v1/leads/%s", jane);
	api(&r, &s, "GET", path, tok, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert(num(r.json, "engagement") < 25);
	cr_assert_eq(cJSON_GetArraySize(
	                 cJSON_GetObjectItemCaseSensitive(r.json, "state")),
	             0);
	resp_free(&r);
	free(acme), free(alex), free(jane), free(viz), free(other);
	free(d3), free(d2), free(d1), free(h1);
	cJSON_Delete(ws);
}

/* PUTs body and expects a 400 whose error starts with path. */
static void
refused(const char *tok, const char *body, const char *path)
{
	struct resp r;

	api(&r, &s, "PUT", "/api/v1/scoring", tok, body);
	cr_assert_eq(r.status, 400, "%s -> %ld %s", body, r.status, r.body);
	cr_assert(strncmp(jstr(r.json, "error"), path, strlen(path)) == 0 &&
	              jstr(r.json, "error")[strlen(path)] == ':',
	          "want %s, got %s", path, jstr(r.json, "error"));
	resp_free(&r);
}

#define FIT "\"fit\": {\"criteria\": []}"
#define ENG "\"engagement\": {\"half_life_days\": 14, \"signals\": []}"

Test(scoring, an_invalid_model_is_refused_naming_its_path)
{
	cJSON *ws = workspace_new("Invalid");
	const char *tok = jstr(ws, "admin_token");
	struct resp r;

	refused(tok,
	        "{" FIT "," ENG ", \"rules\": [{\"id\": \"a\", \"when\":"
	        " {\"fit\": {\"gte\": 1}}}, {\"id\": \"b\", \"when\": {\"fit\":"
	        " {\"gte\": 1}}}, {\"id\": \"c\", \"when\": {\"count\":"
	        " {\"event\": \"x\", \"gte\": \"many\"}}}]}",
	        "rules[2].when.count.gte");
	refused(tok,
	        "{\"fit\": {\"criteria\": [{\"trait\": \"person.role\","
	        " \"op\": \"like\", \"value\": \"cto\", \"points\": 5}]}," ENG
	        ", \"rules\": []}",
	        "fit.criteria[0].op");
	refused(tok,
	        "{" FIT ", \"engagement\": {\"half_life_days\": 0,"
	        " \"signals\": []}, \"rules\": []}",
	        "engagement.half_life_days");
	refused(tok,
	        "{" FIT "," ENG ", \"rules\": [{\"id\": \"a\", \"when\":"
	        " {\"all\": [{\"fit\": {\"gte\": 1}}, {\"not\": {\"trait\":"
	        " {\"trait\": \"role\", \"eq\": \"cto\"}}}]}}]}",
	        "rules[0].when.all[1].not.trait.trait");
	refused(tok,
	        "{" FIT "," ENG ", \"rules\": [{\"id\": \"a\", \"when\":"
	        " {\"active_days\": {\"within_days\": 7, \"between\":"
	        " [5, 2]}}}]}",
	        "rules[0].when.active_days.between");
	refused(tok,
	        "{" FIT "," ENG ", \"rules\": [{\"id\": \"a\", \"when\":"
	        " {\"score\": {\"gte\": 1}}}, {\"id\": \"a\", \"when\":"
	        " {\"score\": {\"gte\": 1}}}]}",
	        "rules[1].id");
	refused(tok, "{" FIT "," ENG "}", "rules");
	refused(tok, "{" FIT "," ENG ", \"rules\": [], \"extra\": 1}", "extra");
	refused(tok, "[1, 2]", "model");
	api(&r, &s, "GET", "/api/v1/scoring/versions", tok, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(cJSON_GetArraySize(
	                 cJSON_GetObjectItemCaseSensitive(r.json, "versions")),
	             0, "a refused model was saved: %s", r.body);
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(scoring, every_change_is_a_version_and_the_default_model_applies_first)
{
	cJSON *ws = workspace_new("Versions");
	const char *tok = jstr(ws, "admin_token");
	struct resp r;

	api(&r, &s, "GET", "/api/v1/scoring", tok, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(num(r.json, "version"), 0);
	cr_assert(
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "default")));
	/* The default model passes its own validation. */
	char *def = cJSON_PrintUnformatted(
	    cJSON_GetObjectItemCaseSensitive(r.json, "model"));
	cr_assert(strstr(def, "onboarding_completed") != NULL);
	cr_assert(strstr(def, "after_viewing_release") != NULL);
	resp_free(&r);
	api(&r, &s, "PUT", "/api/v1/scoring", tok, def);
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	api(&r, &s, "PUT", "/api/v1/scoring", tok, product_model);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(num(r.json, "version"), 2);
	cr_assert_str_eq(jstr(r.json, "author"), "admin token");
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/scoring", tok, NULL);
	cr_assert_eq(num(r.json, "version"), 2);
	cr_assert(strstr(r.body, "seven-in-ten") != NULL);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/scoring/versions", tok, NULL);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r.json, "versions");
	cr_assert_eq(cJSON_GetArraySize(v), 2);
	cr_assert_eq(num(cJSON_GetArrayItem(v, 0), "version"), 2);
	cr_assert_eq(num(cJSON_GetArrayItem(v, 1), "version"), 1);
	resp_free(&r);
	api(&r, &s, "PUT", "/api/v1/scoring", NULL, def);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	free(def);
	cJSON_Delete(ws);
}

/* The subjects of a leads answer joined as "person:Name,..." */
static void
names(const cJSON *leads, char *out, size_t len)
{
	const cJSON *l;
	size_t n = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(l, leads) n += (size_t)snprintf(
	    out + n, len - n, "%s%s:%s:%s", n ? "," : "", jstr(l, "subject"),
	    jstr(l, "name"), jstr(l, "state"));
}

Test(scoring, leads_list_qualified_and_near_people_and_accounts)
{
	cJSON *ws = workspace_new("Leads");
	const char *tok = jstr(ws, "admin_token");
	char w[24], got[1024];
	struct resp r;

	fx_ws_id(ws, w, sizeof(w));
	fx_model(w, product_model);
	char *big = fx_account(w, "big", "Big Co",
	                       "{\"employees\": 500, \"industry\": "
	                       "\"fintech\", \"country\": \"DE\"}");
	char *tiny = fx_account(w, "tiny", "Tiny", "{\"employees\": 3}");
	char *hot =
	    fx_person(w, "hot", "Hot", "{\"role\": \"cto\"}", big, NULL);
	char *warm =
	    fx_person(w, "warm", "Warm", "{\"role\": \"dev\"}", big, NULL);
	char *cold = fx_person(w, "cold", "Cold", NULL, tiny, NULL);
	char *rel = fx_release(w, "r", "R", "{}");
	char *t = fx_ago("-1 hour");

	fx_event(w, hot, "release_shared", NULL, rel, "{}", t, 3);
	fx_event(w, warm, "release_viewed", NULL, rel, "{}", t, 1);
	fx_event(w, cold, "release_viewed", NULL, rel, "{}", t, 1);
	fx_wait_scored(w);

	/* Near: 70 % of the lowest threshold, 60 + 25 = 85, is 59.5. */
	api(&r, &s, "GET", "/api/v1/leads", tok, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_float_eq(num(r.json, "near_score"), 59.5, 0.01);
	names(cJSON_GetObjectItemCaseSensitive(r.json, "leads"), got,
	      sizeof(got));
	/* The account adds its people's engagement to its best fit. */
	cr_assert_str_eq(got, "account:Big Co:near,person:Hot:qualified,"
	                      "person:Warm:near");
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/leads?subject=person&sort=engagement", tok,
	    NULL);
	names(cJSON_GetObjectItemCaseSensitive(r.json, "leads"), got,
	      sizeof(got));
	cr_assert_str_eq(got, "person:Hot:qualified,person:Warm:near");
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/leads?rule=engaged-icp", tok, NULL);
	names(cJSON_GetObjectItemCaseSensitive(r.json, "leads"), got,
	      sizeof(got));
	cr_assert_str_eq(got, "person:Hot:qualified");
	const cJSON *l = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(r.json, "leads"), 0);
	cr_assert_str_eq(
	    jstr(cJSON_GetObjectItemCaseSensitive(l, "account"), "name"),
	    "Big Co");
	cr_assert_str_eq(jstr(l, "email"), "hot@example.test");
	cr_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(l, "rules"), 0)
	        ->valuestring,
	    "engaged-icp");
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/leads?min_employees=1000", tok, NULL);
	cr_assert_eq(cJSON_GetArraySize(
	                 cJSON_GetObjectItemCaseSensitive(r.json, "leads")),
	             0);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/leads?min_fit=80&sort=fit", tok, NULL);
	names(cJSON_GetObjectItemCaseSensitive(r.json, "leads"), got,
	      sizeof(got));
	cr_assert_str_eq(got, "account:Big Co:near,person:Hot:qualified");
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/leads?sort=name", tok, NULL);
	cr_assert_eq(r.status, 400);
	cr_assert(strncmp(jstr(r.json, "error"), "sort:", 5) == 0);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/leads/999999999", tok, NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/leads/abc", tok, NULL);
	cr_assert_eq(r.status, 400);
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(scoring, a_workspace_never_sees_another_workspaces_lead)
{
	cJSON *a = workspace_new("Mine"), *b = workspace_new("Theirs");
	char w[24], path[64];
	struct resp r;

	fx_ws_id(b, w, sizeof(w));
	char *pid = fx_person(w, "secret", "Secret", NULL, NULL, NULL);
	snprintf(path, sizeof(path), "/api/v1/leads/%s", pid);
	api(&r, &s, "GET", path, jstr(a, "admin_token"), NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	api(&r, &s, "GET", path, jstr(b, "admin_token"), NULL);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	free(pid);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

Test(scoring, the_default_model_qualifies_product_signals_without_setup)
{
	cJSON *ws = workspace_new("Default model");
	char w[24];

	fx_ws_id(ws, w, sizeof(w));
	char *signup = fx_ago("-5 days");
	char *buyer = fx_person(w, "buyer", "Buyer", "{\"plan\": \"trial\"}",
	                        NULL, signup);
	char *doer = fx_person(w, "doer", "Doer", NULL, NULL, signup);
	char *idle = fx_person(w, "idle", "Idle", NULL, NULL, signup);
	char *t = fx_ago("-1 hour");

	/* A Segment page call: the rollup key is "page", the name is the
	 * page's own. */
	fx_event(w, buyer, "page", "Pricing", NULL,
	         "{\"path\": \"/pricing\"}", t, 1);
	fx_event(w, doer, "track", "onboarding_completed", NULL, NULL, t, 1);
	fx_event(w, doer, "track", "integration_connected", NULL,
	         "{\"name\": \"github\"}", t, 1);
	fx_event(w, idle, "page", "Docs", NULL, "{\"path\": \"/docs\"}", t,
	         1);
	fx_wait_scored(w);
	cr_assert_eq(fx_quals(w, "person", buyer, "buying-intent"), 1);
	cr_assert_eq(fx_quals(w, "person", doer, "activated"), 1);
	cr_assert_eq(fx_quals(w, "person", idle, "buying-intent"), 0);
	cr_assert_eq(fx_quals(w, "person", idle, "activated"), 0);
	const char *p[2] = {w, doer};
	cr_assert_eq(sql_long("SELECT model_version FROM qualifications"
	                      " WHERE workspace_id = $1 AND subject_id = $2",
	                      2, p),
	             0);
	free(signup), free(buyer), free(doer), free(idle), free(t);
	cJSON_Delete(ws);
}

/* A use counts after a release view however long ago the view was, even
 * when the view is older than everything the model reads (a half-life
 * of a tenth of a day reads today only); a use by someone who never
 * viewed the release does not count. */
Test(scoring, a_view_before_the_window_still_attributes_a_use_inside_it)
{
	cJSON *ws = workspace_new("Attribution window");
	char w[24], path[64];
	struct resp r;

	fx_ws_id(ws, w, sizeof(w));
	fx_model(w, "{" FIT ", \"engagement\": {\"half_life_days\": 0.1,"
	            " \"signals\": [{\"event\": \"feature_used\","
	            " \"points\": 5, \"after_viewing_release\": true}]},"
	            " \"rules\": []}");
	char *viewer = fx_person(w, "viewer", "Viewer", NULL, NULL, NULL);
	char *stranger = fx_person(w, "stranger", "Stranger", NULL, NULL, NULL);
	char *viz = fx_release(w, "data-viz", "Data visualization", "{charts}");
	char *d3 = fx_ago("-3 days"), *now = fx_ago("-1 second");

	fx_event(w, viewer, "release_viewed", NULL, viz, "{}", d3, 1);
	fx_event(w, viewer, "track", "feature_used", NULL,
	         "{\"feature\": \"charts\"}", now, 2);
	fx_event(w, stranger, "track", "feature_used", NULL,
	         "{\"feature\": \"charts\"}", now, 2);
	fx_wait_scored(w);

	snprintf(path, sizeof(path), "/api/v1/leads/%s", viewer);
	api(&r, &s, "GET", path, jstr(ws, "admin_token"), NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	const cJSON *feat = find_reason(
	    cJSON_GetObjectItemCaseSensitive(r.json, "reasons"), "feature_used",
	    "Data visualization");
	cr_assert_not_null(feat, "%s", r.body);
	cr_assert_eq(num(feat, "count"), 2);
	cr_assert_float_eq(num(r.json, "engagement"), 10, 0.01, "%s", r.body);
	resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/leads/%s", stranger);
	api(&r, &s, "GET", path, jstr(ws, "admin_token"), NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_null(find_reason(
	                   cJSON_GetObjectItemCaseSensitive(r.json, "reasons"),
	                   "feature_used", NULL),
	               "%s", r.body);
	cr_assert_float_eq(num(r.json, "engagement"), 0, 0.01, "%s", r.body);
	resp_free(&r);
	free(viewer), free(stranger), free(viz), free(d3), free(now);
	cJSON_Delete(ws);
}
