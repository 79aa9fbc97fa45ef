/* Herald unit tests - scoring logic on in-memory data: model
 * validation, fit, decay and caps, reasons, rule windows and
 * hysteresis. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "score/engage.h"
#include "score/fit.h"
#include "score/model.h"
#include "score/rules.h"

static void
invalid(const char *json, const char *want)
{
	cJSON *m = cJSON_Parse(json);
	char err[512];

	cr_assert_not_null(m, "bad test JSON: %s", json);
	cr_assert_not(model_validate(m, err, sizeof(err)), "accepted %s", json);
	cr_assert_str_eq(err, want);
	cJSON_Delete(m);
}

#define BASE                                                                   \
	"\"fit\":{\"criteria\":[]},\"engagement\":"                            \
	"{\"half_life_days\":14,\"signals\":[]}"

Test(model, the_default_model_is_valid)
{
	cJSON *m = model_default();
	char err[512] = "";

	cr_assert_not_null(m);
	cr_assert(model_validate(m, err, sizeof(err)), "%s", err);
	cJSON_Delete(m);
}

Test(model, errors_name_the_first_wrong_path)
{
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":{\"count\":"
	        "{\"event\":\"x\",\"gte\":\"3\"}}}]}",
	        "rules[0].when.count.gte: must be a number");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":{\"count\":"
	        "{\"event\":\"x\"}}}]}",
	        "rules[0].when.count: needs one comparison: eq, gt, gte, lt, "
	        "lte, in or between");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":{\"count\":"
	        "{\"event\":\"x\",\"gte\":1,\"lt\":5}}}]}",
	        "rules[0].when.count.lt: only one comparison is allowed");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":{\"any\":[]}}]}",
	        "rules[0].when.any: must be a non-empty array of conditions");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":{\"count\":"
	        "{\"event\":\"x\",\"since\":\"launch\",\"gte\":1}}}]}",
	        "rules[0].when.count.since: must be \"signup\"");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":{\"count\":"
	        "{\"event\":\"x\",\"within_days\":1.5,\"gte\":1}}}]}",
	        "rules[0].when.count.within_days: must be a whole number "
	        "from 1 to 3650");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":{\"count\":"
	        "{\"event\":\"x\",\"where\":{\"p\":[1]},\"gte\":1}}}]}",
	        "rules[0].when.count.where.p: must be a string, number or "
	        "boolean");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"subject\":\"team\","
	        "\"when\":{\"fit\":{\"gte\":1}}}]}",
	        "rules[0].subject: must be \"person\" or \"account\"");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":"
	        "{\"fit\":{\"gte\":1},\"score\":{\"gte\":1}}}]}",
	        "rules[0].when: must be an object with exactly one condition");
	invalid("{" BASE ",\"rules\":[{\"id\":\"a\",\"when\":{\"views\":{}}}]}",
	        "rules[0].when.views: unknown condition: use all, any, not, "
	        "fit, engagement, score, count, active_days or trait");
	invalid("{\"fit\":{\"criteria\":[{\"trait\":\"account.employees\","
	        "\"op\":\"between\",\"value\":[1],\"points\":3}]},"
	        "\"engagement\":{\"half_life_days\":14,\"signals\":[]},"
	        "\"rules\":[]}",
	        "fit.criteria[0].value: must be [low, high], two numbers");
	invalid("{\"fit\":{\"criteria\":[]},\"engagement\":{\"half_life_days\""
	        ":14,\"signals\":[{\"event\":\"x\",\"points\":1,"
	        "\"cap_per_day\":0}]},\"rules\":[]}",
	        "engagement.signals[0].cap_per_day: must be a number from 1 "
	        "to 1e+06");
	invalid("{\"fit\":{\"criteria\":[]},\"engagement\":{\"signals\":[]},"
	        "\"rules\":[]}",
	        "engagement.half_life_days: is required");
}

Test(model, comparisons_read_numbers_in_strings_and_ignore_case)
{
	cJSON *c = cJSON_Parse("{\"in\":[\"cto\",\"vp\"],\"between\":[50,"
	                       "1000],\"eq\":true}");
	cJSON *cto = cJSON_CreateString("CTO"), *n = cJSON_CreateString("200");
	cJSON *t = cJSON_CreateTrue();

	cr_assert(model_compare(cJSON_GetObjectItem(c, "in"), cto));
	cr_assert(model_compare(cJSON_GetObjectItem(c, "between"), n));
	cr_assert(model_compare_number(cJSON_GetObjectItem(c, "between"), 50));
	cr_assert(
	    model_compare_number(cJSON_GetObjectItem(c, "between"), 1000));
	cr_assert_not(
	    model_compare_number(cJSON_GetObjectItem(c, "between"), 1000.5));
	cr_assert(model_compare(cJSON_GetObjectItem(c, "eq"), t));
	cr_assert_not(model_compare(cJSON_GetObjectItem(c, "eq"), cto));
	cr_assert_not(model_compare(cJSON_GetObjectItem(c, "in"), NULL));
	cJSON_Delete(c), cJSON_Delete(cto), cJSON_Delete(n), cJSON_Delete(t);
}

Test(model, the_lowest_threshold_adds_an_all_and_takes_the_least_any)
{
	cJSON *m = cJSON_Parse(
	    "{\"rules\":[{\"id\":\"a\",\"when\":{\"all\":[{\"fit\":{\"gte\":60}"
	    "},"
	    "{\"engagement\":{\"gte\":25}}]}},{\"id\":\"b\",\"when\":{\"any\":"
	    "[{\"score\":{\"gt\":120}},{\"count\":{\"event\":\"x\",\"gte\":1}}"
	    "]}}]}");

	cr_assert_float_eq(model_lowest_threshold(m), 85, 1e-9);
	cJSON_Delete(m);
}

/* ---- fit ------------------------------------------------------------- */

static const char fit_model[] =
    "{\"fit\":{\"criteria\":["
    "{\"trait\":\"account.employees\",\"op\":\"between\",\"value\":[50,"
    "1000],\"points\":30},"
    "{\"trait\":\"account.industry\",\"op\":\"in\",\"value\":[\"software\"],"
    "\"points\":25},"
    "{\"trait\":\"account.country\",\"op\":\"in\",\"value\":[\"US\"],"
    "\"points\":15},"
    "{\"trait\":\"person.role\",\"op\":\"in\",\"value\":[\"cto\"],"
    "\"points\":30},"
    "{\"trait\":\"person.plan\",\"op\":\"eq\",\"value\":\"trial\","
    "\"points\":40}]}}";

Test(fit, matching_criteria_add_up_capped_at_100_with_reasons)
{
	cJSON *m = cJSON_Parse(fit_model), *reasons = cJSON_CreateArray();
	cJSON *f =
	    cJSON_Parse("{\"person\":{\"role\":\"cto\",\"plan\":"
	                "\"trial\"},\"account\":{\"employees\":\"200\","
	                "\"industry\":\"software\",\"country\":\"FR\"}}");

	double fit = fit_compute(m, f, reasons);

	cr_assert_float_eq(fit, 100, 1e-9);
	cr_assert_eq(cJSON_GetArraySize(reasons), 4);
	cr_assert_str_eq(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(reasons, 0), "trait")
	        ->valuestring,
	    "account.employees");
	/* The reason keeps the value seen and the criterion it met. */
	char *r0 = cJSON_PrintUnformatted(cJSON_GetArrayItem(reasons, 0));
	cr_assert_str_eq(r0, "{\"kind\":\"fit\",\"trait\":"
	                     "\"account.employees\",\"op\":\"between\","
	                     "\"value\":\"200\",\"criterion\":[50,1000],"
	                     "\"points\":30}");
	free(r0);
	cJSON_Delete(f);
	f = cJSON_Parse("{\"person\":{\"role\":\"dev\"},\"account\":{}}");
	cr_assert_float_eq(fit_compute(m, f, NULL), 0, 1e-9);
	cJSON_Delete(f), cJSON_Delete(m), cJSON_Delete(reasons);
}

Test(fit, an_account_takes_its_best_person)
{
	cJSON *m = cJSON_Parse(fit_model);
	cJSON *acct = cJSON_Parse("{\"employees\":60,\"country\":\"US\"}");
	cJSON *people = cJSON_Parse("[{\"role\":\"dev\"},{\"role\":\"CTO\"}]");

	cr_assert_float_eq(fit_account(m, acct, people, NULL), 75, 1e-9);
	cJSON_Delete(people);
	people = cJSON_CreateArray();
	cr_assert_float_eq(fit_account(m, acct, people, NULL), 45, 1e-9);
	cJSON_Delete(m), cJSON_Delete(acct), cJSON_Delete(people);
}

/* ---- engagement ------------------------------------------------------ */

static const char eng_model[] =
    "{\"engagement\":{\"half_life_days\":14,\"signals\":["
    "{\"event\":\"release_viewed\",\"points\":2,\"cap_per_day\":5},"
    "{\"event\":\"release_read\",\"points\":1,\"per_minutes\":1},"
    "{\"event\":\"release_shared\",\"points\":10}]}}";

Test(engage, points_halve_every_half_life)
{
	cr_assert_float_eq(engage_decay(10, 0, 14), 10, 1e-9);
	cr_assert_float_eq(engage_decay(10, 14, 14), 5, 1e-9);
	cr_assert_float_eq(engage_decay(10, 28, 14), 2.5, 1e-9);
	cr_assert_float_eq(engage_decay(10, 7, 14), 10 / sqrt(2), 1e-9);
	cr_assert_float_eq(engage_decay(10, -3, 14), 10, 1e-9);
}

Test(engage, daily_caps_and_read_minutes_apply_per_day)
{
	cJSON *m = cJSON_Parse(eng_model);
	const cJSON *sig = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(m, "engagement"), "signals");

	cr_assert_float_eq(engage_day_points(cJSON_GetArrayItem(sig, 0), 9, 0),
	                   10, 1e-9);
	cr_assert_float_eq(engage_day_points(cJSON_GetArrayItem(sig, 0), 3, 0),
	                   6, 1e-9);
	cr_assert_float_eq(
	    engage_day_points(cJSON_GetArrayItem(sig, 1), 2, 150000), 2.5,
	    1e-9);
	/* C-02: absurd or negative read time adds nothing absurd. */
	cr_assert_float_eq(
	    engage_day_points(cJSON_GetArrayItem(sig, 1), 1, -5000), 0, 1e-9);
	cr_assert_float_eq(
	    engage_day_points(cJSON_GetArrayItem(sig, 1), 1, 1767225600000.0),
	    1440, 1e-9);
	cr_assert_float_eq(
	    engage_day_points(cJSON_GetArrayItem(sig, 1), 1, NAN), 0, 1e-9);
	cJSON_Delete(m);
}

Test(engage, the_sum_decays_by_day_and_reasons_name_releases)
{
	cJSON *m = cJSON_Parse(eng_model), *reasons = cJSON_CreateArray();
	struct engage_row rows[] = {
	    {100, "release_viewed", NULL, NULL, true, 8, 0},
	    {100, "release_viewed", "Charts", NULL, false, 6, 0},
	    {100, "release_viewed", "SSO", NULL, false, 2, 0},
	    {114, "release_read", NULL, NULL, true, 2, 192000},
	    {114, "release_read", "Charts", NULL, false, 2, 192000},
	    {114, "release_shared", NULL, NULL, true, 1, 0},
	    {114, "ignored", NULL, NULL, true, 50, 0},
	};
	double e = engage_compute(m, rows, 7, 114, reasons); /* once */

	/* views: cap 5 x 2 = 10, 14 days old: 5; read 3.2; share 10. */
	cr_assert_float_eq(e, 18.2, 1e-9);
	const cJSON *r0 = cJSON_GetArrayItem(reasons, 0);
	cr_assert_str_eq(cJSON_GetObjectItem(r0, "detail")->valuestring,
	                 "Charts");
	cr_assert_float_eq(cJSON_GetObjectItem(r0, "points")->valuedouble, 3.8,
	                   1e-9);
	cr_assert_float_eq(cJSON_GetObjectItem(r0, "count")->valuedouble, 6,
	                   1e-9);
	const cJSON *rd = cJSON_GetArrayItem(reasons, 2);
	cr_assert_str_eq(cJSON_GetObjectItem(rd, "event")->valuestring,
	                 "release_read");
	cr_assert_float_eq(cJSON_GetObjectItem(rd, "minutes")->valuedouble, 3.2,
	                   1e-9);
	const cJSON *sh = cJSON_GetArrayItem(reasons, 3);
	cr_assert_null(cJSON_GetObjectItem(sh, "detail"));
	cr_assert_float_eq(cJSON_GetObjectItem(sh, "points")->valuedouble, 10,
	                   1e-9);
	cr_assert_eq(cJSON_GetArraySize(reasons), 4, "%s",
	             cJSON_PrintUnformatted(reasons));
	cJSON_Delete(m), cJSON_Delete(reasons);
}

/* ---- rules ----------------------------------------------------------- */

static bool
where_five(void *arg, const cJSON *atom, int from, int to, double *out)
{
	int *calls = arg;

	(void)atom;
	(*calls)++;
	*out = to - from + 1 >= 7 ? 5 : 0;
	return true;
}

static enum rules_result
eval(const char *when, const struct rules_input *in, bool holding)
{
	cJSON *c = cJSON_Parse(when);
	enum rules_result r;

	cr_assert_not_null(c, "bad JSON %s", when);
	r = rules_eval(c, in, holding);
	cJSON_Delete(c);
	return r;
}

/* Days are numbered from 1000 (today) down. */
static const struct engage_row days[] = {
    {1000, "msg", NULL, NULL, true, 3, 0},
    {995, "msg", NULL, NULL, true, 4, 0},
    {994, "msg", NULL, NULL, true, 100, 0},
    {990, "friend", NULL, NULL, true, 6, 0},
    {981, "friend", NULL, NULL, true, 1, 0},
    {980, "friend", NULL, NULL, true, 1, 0},
};

static void
input(struct rules_input *in, int *calls)
{
	memset(in, 0, sizeof(*in));
	in->rows = days;
	in->nrows = sizeof(days) / sizeof(days[0]);
	in->today = 1000;
	in->has_signup = true;
	in->signup_day = 972;
	in->fit = 60;
	in->engagement = 20;
	in->score = 80;
	in->count_where = where_five;
	in->arg = calls;
}

Test(rules, within_days_takes_today_and_the_days_before)
{
	struct rules_input in;
	int calls = 0;

	input(&in, &calls);
	/* 6 days: 995..1000 holds 7; 7 days: 994..1000 holds 107. */
	cr_assert_eq(eval("{\"count\":{\"event\":\"msg\",\"within_days\":6,"
	                  "\"eq\":7}}",
	                  &in, false),
	             RULES_TRUE);
	cr_assert_eq(eval("{\"count\":{\"event\":\"msg\",\"within_days\":7,"
	                  "\"eq\":107}}",
	                  &in, false),
	             RULES_TRUE);
	cr_assert_eq(
	    eval("{\"count\":{\"event\":\"msg\",\"gte\":107}}", &in, false),
	    RULES_TRUE);
	cr_assert_eq(
	    eval("{\"active_days\":{\"within_days\":6,\"eq\":2}}", &in, false),
	    RULES_TRUE);
	cr_assert_eq(
	    eval("{\"active_days\":{\"within_days\":7,\"eq\":3}}", &in, false),
	    RULES_TRUE);
}

Test(rules, since_signup_counts_the_signup_day_as_day_one)
{
	struct rules_input in;
	int calls = 0;

	input(&in, &calls);
	/* Signup 972: within 10 days is 972..981, which holds 981 (1)
	 * but not 980's neighbour 990 (6). */
	in.signup_day = 972;
	cr_assert_eq(eval("{\"count\":{\"event\":\"friend\",\"since\":"
	                  "\"signup\",\"within_days\":10,\"eq\":2}}",
	                  &in, false),
	             RULES_TRUE);
	in.signup_day = 971; /* 971..980: only day 980 */
	cr_assert_eq(eval("{\"count\":{\"event\":\"friend\",\"since\":"
	                  "\"signup\",\"within_days\":10,\"eq\":1}}",
	                  &in, false),
	             RULES_TRUE);
	cr_assert_eq(eval("{\"count\":{\"event\":\"friend\",\"since\":"
	                  "\"signup\",\"eq\":8}}",
	                  &in, false),
	             RULES_TRUE);
	in.has_signup = false;
	cr_assert_eq(eval("{\"count\":{\"event\":\"friend\",\"since\":"
	                  "\"signup\",\"gte\":0}}",
	                  &in, false),
	             RULES_TRUE);
	cr_assert_eq(eval("{\"count\":{\"event\":\"friend\",\"since\":"
	                  "\"signup\",\"gte\":1}}",
	                  &in, false),
	             RULES_FALSE);
}

Test(rules, where_counts_go_to_the_callback_with_the_window)
{
	struct rules_input in;
	int calls = 0;

	input(&in, &calls);
	cr_assert_eq(eval("{\"count\":{\"event\":\"msg\",\"where\":"
	                  "{\"e\":true},\"within_days\":7,\"gte\":5}}",
	                  &in, false),
	             RULES_TRUE);
	cr_assert_eq(eval("{\"count\":{\"event\":\"msg\",\"where\":"
	                  "{\"e\":true},\"within_days\":6,\"gte\":5}}",
	                  &in, false),
	             RULES_FALSE);
	cr_assert_eq(calls, 2);
}

/* The events a `where` matches are among the rollup's: with no rollup
 * count in the window the events are not read at all. */
Test(rules, where_counts_skip_the_events_when_the_rollups_have_none)
{
	struct rules_input in;
	int calls = 0;

	input(&in, &calls);
	cr_assert_eq(eval("{\"count\":{\"event\":\"page\",\"where\":"
	                  "{\"path\":\"/pricing\"},\"gte\":1}}",
	                  &in, false),
	             RULES_FALSE);
	cr_assert_eq(eval("{\"count\":{\"event\":\"page\",\"where\":"
	                  "{\"path\":\"/pricing\"},\"eq\":0}}",
	                  &in, false),
	             RULES_TRUE);
	/* friend: 980..990 only, none within the last 9 days. */
	cr_assert_eq(eval("{\"count\":{\"event\":\"friend\",\"where\":"
	                  "{\"e\":true},\"within_days\":9,\"lt\":1}}",
	                  &in, false),
	             RULES_TRUE);
	cr_assert_eq(calls, 0);
	cr_assert_eq(eval("{\"count\":{\"event\":\"friend\",\"where\":"
	                  "{\"e\":true},\"within_days\":11,\"eq\":5}}",
	                  &in, false),
	             RULES_TRUE);
	cr_assert_eq(calls, 1);
}

Test(rules, all_any_not_and_traits_combine)
{
	struct rules_input in;
	int calls = 0;
	cJSON *facts = cJSON_Parse("{\"person\":{\"role\":\"CTO\"},\"account\":"
	                           "{\"employees\":40},\"people\":[]}");

	input(&in, &calls);
	in.facts = facts;
	cr_assert_eq(eval("{\"all\":[{\"fit\":{\"gte\":60}},{\"trait\":"
	                  "{\"trait\":\"person.role\",\"in\":[\"cto\"]}}]}",
	                  &in, false),
	             RULES_TRUE);
	cr_assert_eq(eval("{\"any\":[{\"fit\":{\"gt\":60}},{\"trait\":"
	                  "{\"trait\":\"account.employees\",\"lt\":10}}]}",
	                  &in, false),
	             RULES_FALSE);
	cr_assert_eq(
	    eval("{\"not\":{\"trait\":{\"trait\":\"account.employees\","
	         "\"between\":[50,100]}}}",
	         &in, false),
	    RULES_TRUE);
	cr_assert_eq(eval("{\"trait\":{\"trait\":\"account.plan\",\"eq\":"
	                  "\"pro\"}}",
	                  &in, false),
	             RULES_FALSE);
	cJSON_Delete(facts);
}

Test(rules, holding_loosens_score_thresholds_by_ten_percent)
{
	struct rules_input in;
	int calls = 0;

	input(&in, &calls);
	in.score = 46;
	cr_assert_eq(eval("{\"score\":{\"gte\":50}}", &in, false), RULES_FALSE);
	cr_assert_eq(eval("{\"score\":{\"gte\":50}}", &in, true), RULES_TRUE);
	in.score = 44.9;
	cr_assert_eq(eval("{\"score\":{\"gte\":50}}", &in, true), RULES_FALSE);
	/* Not under a negation: that would tighten it. */
	in.score = 46;
	cr_assert_eq(eval("{\"not\":{\"score\":{\"gte\":50}}}", &in, true),
	             RULES_TRUE);
}

Test(rules, the_horizon_is_the_widest_window)
{
	cJSON *m = cJSON_Parse(
	    "{\"rules\":[{\"when\":{\"count\":{\"event\":\"a\",\"within_days\":"
	    "30,\"gte\":1}}},{\"when\":{\"not\":{\"active_days\":{\"since\":"
	    "\"signup\",\"gte\":1}}}}]}");
	bool signup;

	cr_assert_eq(rules_horizon(m, &signup), 30);
	cr_assert(signup);
	cJSON_Delete(m);
	m = cJSON_Parse("{\"rules\":[{\"when\":{\"count\":{\"event\":\"a\","
	                "\"gte\":1}}}]}");
	cr_assert_eq(rules_horizon(m, &signup), -1);
	cJSON_Delete(m);
}
