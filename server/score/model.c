/* Herald - the scoring model: validation naming the first wrong JSON
 * path, the default model, comparisons of traits and numbers. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "score/model.h"

#define MAX_DEPTH 16
#define MAX_ITEMS 200
#define MAX_TEXT  200
#define MAX_DAYS  3650

/* The path being checked, grown and cut as the walk descends. */
struct vctx {
	char path[512];
	size_t len;
	char *err;
	size_t errlen;
};

static const char *const words[] = {"eq",  "gt", "gte",    "lt",
                                    "lte", "in", "between"};

static size_t
push(struct vctx *v, const char *fmt, ...)
{
	size_t before = v->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(v->path + v->len, sizeof(v->path) - v->len, fmt, ap);
	va_end(ap);
	if (n > 0 && v->len + (size_t)n < sizeof(v->path))
		v->len += (size_t)n;
	v->path[v->len] = '\0';
	return before;
}

static void
pop(struct vctx *v, size_t before)
{
	v->len = before;
	v->path[before] = '\0';
}

static bool
fail(struct vctx *v, const char *what)
{
	snprintf(v->err, v->errlen, "%s: %s", v->len ? v->path : "model", what);
	return false;
}

/* Fails on the first key of obj that is not in allowed. */
static bool
only_keys(struct vctx *v, const cJSON *obj, const char *const *allowed)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj)
	{
		bool ok = false;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(it->string, *a) == 0;
		if (!ok) {
			size_t at = push(v, v->len ? ".%s" : "%s", it->string);

			fail(v, "unknown field");
			pop(v, at);
			return false;
		}
	}
	return true;
}

static bool
is_word(const char *s)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

static bool
finite_number(const cJSON *x)
{
	return cJSON_IsNumber(x) && isfinite(x->valuedouble);
}

static bool
scalar(const cJSON *x)
{
	return cJSON_IsString(x) || finite_number(x) || cJSON_IsBool(x);
}

/* Checks the value of one comparison word at the current path. */
static bool
check_value(struct vctx *v, const char *word, const cJSON *x, bool numeric)
{
	if (strcmp(word, "between") == 0) {
		if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) != 2 ||
		    !finite_number(cJSON_GetArrayItem(x, 0)) ||
		    !finite_number(cJSON_GetArrayItem(x, 1)))
			return fail(v, "must be [low, high], two numbers");
		if (cJSON_GetArrayItem(x, 0)->valuedouble >
		    cJSON_GetArrayItem(x, 1)->valuedouble)
			return fail(v, "low must not exceed high");
		return true;
	}
	if (strcmp(word, "in") == 0) {
		const cJSON *e;

		if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) < 1 ||
		    cJSON_GetArraySize(x) > MAX_ITEMS)
			return fail(v, "must be a non-empty array");
		cJSON_ArrayForEach(e, x)
		{
			if (!scalar(e) || (numeric && !finite_number(e)))
				return fail(v, numeric ? "must hold numbers"
				                       : "must hold strings, "
				                         "numbers or booleans");
		}
		return true;
	}
	if (strcmp(word, "eq") == 0 && !numeric) {
		if (!scalar(x))
			return fail(v, "must be a string, number or boolean");
		return true;
	}
	if (!finite_number(x))
		return fail(v, "must be a number");
	return true;
}

/* Finds and checks the single comparison word among obj's fields. */
static bool
check_comparison(struct vctx *v, const cJSON *obj, bool numeric)
{
	const cJSON *it, *found = NULL;

	cJSON_ArrayForEach(it, obj)
	{
		if (!is_word(it->string))
			continue;
		if (found != NULL) {
			size_t at = push(v, ".%s", it->string);

			fail(v, "only one comparison is allowed");
			pop(v, at);
			return false;
		}
		found = it;
	}
	if (found == NULL)
		return fail(v, "needs one comparison: eq, gt, gte, lt, lte, "
		               "in or between");
	size_t at = push(v, ".%s", found->string);
	bool ok = check_value(v, found->string, found, numeric);
	pop(v, at);
	return ok;
}

static bool
check_string(struct vctx *v, const cJSON *obj, const char *key, bool need)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t at;
	bool ok = true;

	if (x == NULL && !need)
		return true;
	at = push(v, ".%s", key);
	if (x == NULL)
		ok = fail(v, "is required");
	else if (!cJSON_IsString(x) || x->valuestring[0] == '\0' ||
	         strlen(x->valuestring) > MAX_TEXT)
		ok = fail(v, "must be a non-empty string of at most 200 "
		             "bytes");
	pop(v, at);
	return ok;
}

/* A number field in [lo, hi]; integral when whole is set. */
static bool
check_number(struct vctx *v, const cJSON *obj, const char *key, bool need,
             double lo, double hi, bool whole)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
	char what[96];
	size_t at;
	bool ok = true;

	if (x == NULL && !need)
		return true;
	at = push(v, ".%s", key);
	snprintf(what, sizeof(what), "must be %s from %g to %g",
	         whole ? "a whole number" : "a number", lo, hi);
	if (x == NULL)
		ok = fail(v, "is required");
	else if (!finite_number(x) || x->valuedouble < lo ||
	         x->valuedouble > hi ||
	         (whole && x->valuedouble != floor(x->valuedouble)))
		ok = fail(v, what);
	pop(v, at);
	return ok;
}

static bool
check_trait_name(struct vctx *v, const cJSON *obj)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "trait");
	size_t at;
	bool ok = true;

	if (!check_string(v, obj, "trait", true))
		return false;
	at = push(v, ".trait");
	if ((strncmp(t->valuestring, "person.", 7) != 0 ||
	     !t->valuestring[7]) &&
	    (strncmp(t->valuestring, "account.", 8) != 0 || !t->valuestring[8]))
		ok = fail(v, "must start with person. or account.");
	pop(v, at);
	return ok;
}

/* ---- conditions ------------------------------------------------------ */

static bool check_cond(struct vctx *v, const cJSON *c, int depth);

static bool
check_list(struct vctx *v, const cJSON *list, int depth)
{
	const cJSON *it;
	int i = 0;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
	    cJSON_GetArraySize(list) > MAX_ITEMS)
		return fail(v, "must be a non-empty array of conditions");
	cJSON_ArrayForEach(it, list)
	{
		size_t at = push(v, "[%d]", i++);

		if (!check_cond(v, it, depth + 1))
			return false;
		pop(v, at);
	}
	return true;
}

static bool
check_window(struct vctx *v, const cJSON *a)
{
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(a, "since");

	if (!check_number(v, a, "within_days", false, 1, MAX_DAYS, true))
		return false;
	if (since != NULL &&
	    (!cJSON_IsString(since) || strcmp(since->valuestring, "signup"))) {
		size_t at = push(v, ".since");

		fail(v, "must be \"signup\"");
		pop(v, at);
		return false;
	}
	return true;
}

static bool
check_where(struct vctx *v, const cJSON *a)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(a, "where");
	const cJSON *it;
	size_t at;

	if (w == NULL)
		return true;
	at = push(v, ".where");
	if (!cJSON_IsObject(w) || cJSON_GetArraySize(w) < 1)
		return fail(v, "must be an object of property values");
	cJSON_ArrayForEach(it, w)
	{
		if (scalar(it))
			continue;
		push(v, ".%s", it->string);
		return fail(v, "must be a string, number or boolean");
	}
	pop(v, at);
	return true;
}

static bool
check_count(struct vctx *v, const cJSON *a)
{
	static const char *const keys[] = {
	    "event", "where", "within_days", "since", "eq",      "gt",
	    "gte",   "lt",    "lte",         "in",    "between", NULL};

	return only_keys(v, a, keys) && check_string(v, a, "event", true) &&
	       check_where(v, a) && check_window(v, a) &&
	       check_comparison(v, a, true);
}

static bool
check_active_days(struct vctx *v, const cJSON *a)
{
	static const char *const keys[] = {"within_days", "since", "eq",  "gt",
	                                   "gte",         "lt",    "lte", "in",
	                                   "between",     NULL};

	if (!only_keys(v, a, keys) || !check_window(v, a))
		return false;
	if (!cJSON_GetObjectItemCaseSensitive(a, "within_days") &&
	    !cJSON_GetObjectItemCaseSensitive(a, "since"))
		return fail(v, "needs within_days or since");
	return check_comparison(v, a, true);
}

static bool
check_trait_atom(struct vctx *v, const cJSON *a)
{
	static const char *const keys[] = {
	    "trait", "eq", "gt", "gte", "lt", "lte", "in", "between", NULL};

	return only_keys(v, a, keys) && check_trait_name(v, a) &&
	       check_comparison(v, a, false);
}

static bool
check_numeric_atom(struct vctx *v, const cJSON *a)
{
	static const char *const keys[] = {"eq",  "gt", "gte",     "lt",
	                                   "lte", "in", "between", NULL};

	return only_keys(v, a, keys) && check_comparison(v, a, true);
}

static bool
check_atom(struct vctx *v, const char *kind, const cJSON *a, int depth)
{
	if (strcmp(kind, "all") == 0 || strcmp(kind, "any") == 0)
		return check_list(v, a, depth);
	if (strcmp(kind, "not") == 0)
		return check_cond(v, a, depth + 1);
	if (!cJSON_IsObject(a))
		return fail(v, "must be an object");
	if (strcmp(kind, "count") == 0)
		return check_count(v, a);
	if (strcmp(kind, "active_days") == 0)
		return check_active_days(v, a);
	if (strcmp(kind, "trait") == 0)
		return check_trait_atom(v, a);
	if (strcmp(kind, "fit") == 0 || strcmp(kind, "engagement") == 0 ||
	    strcmp(kind, "score") == 0)
		return check_numeric_atom(v, a);
	return fail(v, "unknown condition: use all, any, not, fit, "
	               "engagement, score, count, active_days or trait");
}

static bool
check_cond(struct vctx *v, const cJSON *c, int depth)
{
	size_t at;
	bool ok;

	if (depth > MAX_DEPTH)
		return fail(v, "conditions nest too deep");
	if (!cJSON_IsObject(c) || cJSON_GetArraySize(c) != 1)
		return fail(v, "must be an object with exactly one condition");
	at = push(v, ".%s", c->child->string);
	ok = check_atom(v, c->child->string, c->child, depth);
	if (ok)
		pop(v, at);
	return ok;
}

/* ---- sections -------------------------------------------------------- */

static bool
check_criterion(struct vctx *v, const cJSON *c)
{
	static const char *const keys[] = {"trait", "op", "value", "points",
	                                   NULL};
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(c, "op");
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(c, "value");
	size_t at;

	if (!cJSON_IsObject(c))
		return fail(v, "must be an object");
	if (!only_keys(v, c, keys) || !check_trait_name(v, c))
		return false;
	at = push(v, ".op");
	if (op == NULL)
		return fail(v, "is required");
	if (!cJSON_IsString(op) || !is_word(op->valuestring))
		return fail(v, "must be one of eq, gt, gte, lt, lte, in, "
		               "between");
	pop(v, at);
	at = push(v, ".value");
	if (val == NULL)
		return fail(v, "is required");
	if (!check_value(v, op->valuestring, val, false))
		return false;
	pop(v, at);
	return check_number(v, c, "points", true, -1000, 1000, false);
}

static bool
check_fit(struct vctx *v, const cJSON *fit)
{
	static const char *const keys[] = {"criteria", NULL};
	const cJSON *list, *it;
	size_t at;
	int i = 0;

	if (!cJSON_IsObject(fit))
		return fail(v, "must be an object");
	if (!only_keys(v, fit, keys))
		return false;
	list = cJSON_GetObjectItemCaseSensitive(fit, "criteria");
	at = push(v, ".criteria");
	if (list == NULL)
		return fail(v, "is required");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > MAX_ITEMS)
		return fail(v, "must be an array of at most 200 criteria");
	cJSON_ArrayForEach(it, list)
	{
		size_t in = push(v, "[%d]", i++);

		if (!check_criterion(v, it))
			return false;
		pop(v, in);
	}
	pop(v, at);
	return true;
}

static bool
check_signal(struct vctx *v, const cJSON *s)
{
	static const char *const keys[] = {"event",
	                                   "points",
	                                   "cap_per_day",
	                                   "per_minutes",
	                                   "after_viewing_release",
	                                   NULL};
	const cJSON *avr;

	if (!cJSON_IsObject(s))
		return fail(v, "must be an object");
	if (!only_keys(v, s, keys) || !check_string(v, s, "event", true) ||
	    !check_number(v, s, "points", true, -1000, 1000, false) ||
	    !check_number(v, s, "cap_per_day", false, 1, 1e6, false) ||
	    !check_number(v, s, "per_minutes", false, 0.01, 1440, false))
		return false;
	avr = cJSON_GetObjectItemCaseSensitive(s, "after_viewing_release");
	if (avr != NULL && !cJSON_IsBool(avr)) {
		push(v, ".after_viewing_release");
		return fail(v, "must be true or false");
	}
	return true;
}

static bool
check_engagement(struct vctx *v, const cJSON *e)
{
	static const char *const keys[] = {"half_life_days", "signals", NULL};
	const cJSON *list, *it;
	size_t at;
	int i = 0;

	if (!cJSON_IsObject(e))
		return fail(v, "must be an object");
	if (!only_keys(v, e, keys) ||
	    !check_number(v, e, "half_life_days", true, 0.1, MAX_DAYS, false))
		return false;
	list = cJSON_GetObjectItemCaseSensitive(e, "signals");
	at = push(v, ".signals");
	if (list == NULL)
		return fail(v, "is required");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > MAX_ITEMS)
		return fail(v, "must be an array of at most 200 signals");
	cJSON_ArrayForEach(it, list)
	{
		size_t in = push(v, "[%d]", i++);

		if (!check_signal(v, it))
			return false;
		pop(v, in);
	}
	pop(v, at);
	return true;
}

static bool
check_rule_id(struct vctx *v, const cJSON *r, const cJSON *rules, int i)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
	const char *p;

	size_t at;

	if (!check_string(v, r, "id", true))
		return false;
	at = push(v, ".id");
	if (strlen(id->valuestring) > 64)
		return fail(v, "must have at most 64 characters");
	for (p = id->valuestring; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return fail(v,
			            "may hold only letters, digits, - and _");
	for (int j = 0; j < i; j++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetArrayItem(rules, j), "id");

		if (strcmp(o->valuestring, id->valuestring) == 0)
			return fail(v, "is used by an earlier rule");
	}
	pop(v, at);
	return true;
}

static bool
check_notify(struct vctx *v, const cJSON *r)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "notify");
	const cJSON *it;
	size_t at;

	if (n == NULL)
		return true;
	at = push(v, ".notify");
	if (!cJSON_IsArray(n) || cJSON_GetArraySize(n) > 20)
		return fail(v, "must be an array of at most 20 names");
	cJSON_ArrayForEach(it, n)
	{
		if (!cJSON_IsString(it) || !it->valuestring[0] ||
		    strlen(it->valuestring) > MAX_TEXT)
			return fail(v, "must hold non-empty strings");
	}
	pop(v, at);
	return true;
}

static bool
check_rule(struct vctx *v, const cJSON *r, const cJSON *rules, int i)
{
	static const char *const keys[] = {
	    "id", "name", "subject", "when", "notify", "cooldown_days", NULL};
	const cJSON *s, *when;
	size_t at;

	if (!cJSON_IsObject(r))
		return fail(v, "must be an object");
	if (!only_keys(v, r, keys) || !check_rule_id(v, r, rules, i) ||
	    !check_string(v, r, "name", false) || !check_notify(v, r) ||
	    !check_number(v, r, "cooldown_days", false, 0, MAX_DAYS, false))
		return false;
	s = cJSON_GetObjectItemCaseSensitive(r, "subject");
	if (s != NULL &&
	    (!cJSON_IsString(s) || (strcmp(s->valuestring, "person") != 0 &&
	                            strcmp(s->valuestring, "account") != 0))) {
		push(v, ".subject");
		return fail(v, "must be \"person\" or \"account\"");
	}
	when = cJSON_GetObjectItemCaseSensitive(r, "when");
	at = push(v, ".when");
	if (when == NULL)
		return fail(v, "is required");
	if (!check_cond(v, when, 0))
		return false;
	pop(v, at);
	return true;
}

static bool
check_rules(struct vctx *v, const cJSON *rules)
{
	const cJSON *it;
	int i = 0;

	if (!cJSON_IsArray(rules) || cJSON_GetArraySize(rules) > MAX_ITEMS)
		return fail(v, "must be an array of at most 200 rules");
	cJSON_ArrayForEach(it, rules)
	{
		size_t at = push(v, "[%d]", i);

		if (!check_rule(v, it, rules, i))
			return false;
		pop(v, at);
		i++;
	}
	return true;
}

static bool
check_conversion(struct vctx *v, const cJSON *c)
{
	static const char *const keys[] = {"event", "revenue_property", NULL};

	if (!cJSON_IsObject(c))
		return fail(v, "must be an object");
	return only_keys(v, c, keys) && check_string(v, c, "event", true) &&
	       check_string(v, c, "revenue_property", false);
}

/* Runs check on the section key of model with the path set to key. */
static bool
section(struct vctx *v, const cJSON *model, const char *key, bool need,
        bool (*check)(struct vctx *, const cJSON *))
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(model, key);
	size_t at;

	if (x == NULL && !need)
		return true;
	at = push(v, "%s", key);
	if (x == NULL)
		return fail(v, "is required");
	if (!check(v, x))
		return false;
	pop(v, at);
	return true;
}

bool
model_validate(const cJSON *model, char *err, size_t errlen)
{
	static const char *const keys[] = {"fit", "engagement", "rules",
	                                   "conversion", NULL};
	struct vctx v = {.len = 0, .err = err, .errlen = errlen};

	v.path[0] = '\0';
	if (!cJSON_IsObject(model))
		return fail(&v, "must be a JSON object");
	return only_keys(&v, model, keys) &&
	       section(&v, model, "fit", true, check_fit) &&
	       section(&v, model, "engagement", true, check_engagement) &&
	       section(&v, model, "rules", true, check_rules) &&
	       section(&v, model, "conversion", false, check_conversion);
}

/* ---- the default model ----------------------------------------------- */

/* Product-qualified signals common to trials; see docs/SCORING.md. */
static const char default_model[] =
    "{\"fit\":{\"criteria\":["
    "{\"trait\":\"account.employees\",\"op\":\"between\","
    "\"value\":[20,5000],\"points\":30},"
    "{\"trait\":\"person.role\",\"op\":\"in\",\"value\":[\"cto\",\"ceo\","
    "\"founder\",\"vp engineering\",\"engineering manager\","
    "\"head of product\"],\"points\":30},"
    "{\"trait\":\"account.industry\",\"op\":\"in\",\"value\":"
    "[\"software\",\"fintech\",\"saas\"],\"points\":20},"
    "{\"trait\":\"person.plan\",\"op\":\"in\",\"value\":[\"trial\","
    "\"free\"],\"points\":20}]},"
    "\"engagement\":{\"half_life_days\":14,\"signals\":["
    "{\"event\":\"release_viewed\",\"points\":2,\"cap_per_day\":5},"
    "{\"event\":\"release_read\",\"points\":1,\"per_minutes\":1},"
    "{\"event\":\"link_clicked\",\"points\":3,\"cap_per_day\":5},"
    "{\"event\":\"release_shared\",\"points\":10,\"cap_per_day\":3},"
    "{\"event\":\"feature_used\",\"points\":5,\"cap_per_day\":4,"
    "\"after_viewing_release\":true},"
    "{\"event\":\"onboarding_completed\",\"points\":15,"
    "\"cap_per_day\":1},"
    "{\"event\":\"teammate_invited\",\"points\":10,\"cap_per_day\":3},"
    "{\"event\":\"integration_connected\",\"points\":10,"
    "\"cap_per_day\":2},"
    "{\"event\":\"plan_limit_reached\",\"points\":15,\"cap_per_day\":1},"
    "{\"event\":\"feedback_submitted\",\"points\":5,\"cap_per_day\":2}"
    "]},"
    "\"rules\":["
    "{\"id\":\"engaged-icp\",\"name\":\"Engaged and in ICP\","
    "\"subject\":\"person\",\"when\":{\"all\":[{\"fit\":{\"gte\":50}},"
    "{\"engagement\":{\"gte\":30}}]},\"notify\":[\"sales\"],"
    "\"cooldown_days\":30},"
    "{\"id\":\"activated\",\"name\":\"Activated the product\","
    "\"subject\":\"person\",\"when\":{\"all\":["
    "{\"count\":{\"event\":\"onboarding_completed\",\"gte\":1}},"
    "{\"any\":[{\"count\":{\"event\":\"teammate_invited\",\"gte\":1}},"
    "{\"count\":{\"event\":\"integration_connected\",\"gte\":1}}]}]},"
    "\"notify\":[\"sales\"],\"cooldown_days\":30},"
    "{\"id\":\"returning-in-trial\",\"name\":\"Came back on 3 days of the "
    "trial\",\"subject\":\"person\",\"when\":{\"active_days\":"
    "{\"since\":\"signup\",\"within_days\":14,\"gte\":3}},"
    "\"notify\":[\"sales\"],\"cooldown_days\":30},"
    "{\"id\":\"buying-intent\",\"name\":\"Pricing or plan limit\","
    "\"subject\":\"person\",\"when\":{\"any\":["
    "{\"count\":{\"event\":\"page\",\"where\":{\"path\":\"/pricing\"},"
    "\"within_days\":14,\"gte\":1}},"
    "{\"count\":{\"event\":\"plan_limit_reached\",\"within_days\":14,"
    "\"gte\":1}}]},\"notify\":[\"sales\"],\"cooldown_days\":14},"
    "{\"id\":\"adopted-new-feature\",\"name\":\"Used a feature an "
    "update introduced\",\"subject\":\"person\",\"when\":{\"all\":["
    "{\"count\":{\"event\":\"release_viewed\",\"within_days\":30,"
    "\"gte\":1}},{\"count\":{\"event\":\"feature_used\","
    "\"within_days\":30,\"gte\":1}},{\"engagement\":{\"gte\":15}}]},"
    "\"notify\":[\"sales\"],\"cooldown_days\":30},"
    "{\"id\":\"engaged-account\",\"name\":\"Engaged account\","
    "\"subject\":\"account\",\"when\":{\"all\":[{\"fit\":{\"gte\":50}},"
    "{\"engagement\":{\"gte\":60}}]},\"notify\":[\"sales\"],"
    "\"cooldown_days\":30}"
    "],"
    "\"conversion\":{\"event\":\"subscription_started\","
    "\"revenue_property\":\"mrr\"}}";

cJSON *
model_default(void)
{
	return cJSON_Parse(default_model);
}

/* ---- comparisons ----------------------------------------------------- */

const cJSON *
model_comparison(const cJSON *atom)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, atom)
	{
		if (is_word(it->string))
			return it;
	}
	return NULL;
}

/* Reads x as a number: a JSON number or a string holding only one. */
static bool
as_number(const cJSON *x, double *out)
{
	char *end;

	if (finite_number(x)) {
		*out = x->valuedouble;
		return true;
	}
	if (!cJSON_IsString(x) || x->valuestring[0] == '\0')
		return false;
	*out = strtod(x->valuestring, &end);
	return *end == '\0' && isfinite(*out);
}

static bool
same(const cJSON *want, const cJSON *actual)
{
	double a, b;

	if (cJSON_IsBool(want) || cJSON_IsBool(actual))
		return cJSON_IsBool(want) && cJSON_IsBool(actual) &&
		       cJSON_IsTrue(want) == cJSON_IsTrue(actual);
	if (finite_number(want) && as_number(actual, &a))
		return a == want->valuedouble;
	if (cJSON_IsString(want) && finite_number(actual) &&
	    as_number(want, &b))
		return actual->valuedouble == b;
	return cJSON_IsString(want) && cJSON_IsString(actual) &&
	       strcasecmp(want->valuestring, actual->valuestring) == 0;
}

static bool
ordered(const char *word, const cJSON *want, double a)
{
	double lo, hi;

	if (strcmp(word, "between") == 0) {
		lo = cJSON_GetArrayItem(want, 0)->valuedouble;
		hi = cJSON_GetArrayItem(want, 1)->valuedouble;
		return a >= lo && a <= hi;
	}
	if (!finite_number(want))
		return false;
	if (strcmp(word, "gt") == 0)
		return a > want->valuedouble;
	if (strcmp(word, "gte") == 0)
		return a >= want->valuedouble;
	if (strcmp(word, "lt") == 0)
		return a < want->valuedouble;
	if (strcmp(word, "lte") == 0)
		return a <= want->valuedouble;
	return false;
}

bool
model_compare(const cJSON *cmp, const cJSON *actual)
{
	const cJSON *e;
	double a;

	if (cmp == NULL || actual == NULL || cJSON_IsNull(actual))
		return false;
	if (strcmp(cmp->string, "eq") == 0)
		return same(cmp, actual);
	if (strcmp(cmp->string, "in") == 0) {
		cJSON_ArrayForEach(e, cmp)
		{
			if (same(e, actual))
				return true;
		}
		return false;
	}
	if (!as_number(actual, &a))
		return false;
	return ordered(cmp->string, cmp, a);
}

bool
model_compare_number(const cJSON *cmp, double actual)
{
	cJSON n = {0};

	n.type = cJSON_Number;
	n.valuedouble = actual;
	n.valueint = (int)actual;
	return model_compare(cmp, &n);
}

const cJSON *
model_trait(const cJSON *facts, const char *trait)
{
	const char *dot = strchr(trait, '.');
	char scope[16];
	size_t n;

	if (dot == NULL || (n = (size_t)(dot - trait)) >= sizeof(scope))
		return NULL;
	memcpy(scope, trait, n);
	scope[n] = '\0';
	return cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(facts, scope), dot + 1);
}

/* The least total of score atoms that makes cond true (see
 * docs/SCORING.md); 0 when it holds none. */
static double
threshold(const cJSON *c)
{
	const cJSON *atom = c ? c->child : NULL, *cmp, *it;
	double sum = 0, best = 0;

	if (atom == NULL)
		return 0;
	if (strcmp(atom->string, "all") == 0) {
		cJSON_ArrayForEach(it, atom) sum += threshold(it);
		return sum;
	}
	if (strcmp(atom->string, "any") == 0) {
		cJSON_ArrayForEach(it, atom)
		{
			double t = threshold(it);

			if (t > 0 && (best == 0 || t < best))
				best = t;
		}
		return best;
	}
	if (strcmp(atom->string, "fit") && strcmp(atom->string, "engagement") &&
	    strcmp(atom->string, "score"))
		return 0;
	cmp = model_comparison(atom);
	if (cmp == NULL)
		return 0;
	if (strcmp(cmp->string, "between") == 0)
		return cJSON_GetArrayItem(cmp, 0)->valuedouble;
	if (strcmp(cmp->string, "gt") == 0 || strcmp(cmp->string, "gte") == 0)
		return cmp->valuedouble;
	return 0;
}

double
model_lowest_threshold(const cJSON *model)
{
	const cJSON *rule;
	double best = 0;

	cJSON_ArrayForEach(rule,
	                   cJSON_GetObjectItemCaseSensitive(model, "rules"))
	{
		double t =
		    threshold(cJSON_GetObjectItemCaseSensitive(rule, "when"));

		if (t > 0 && (best == 0 || t < best))
			best = t;
	}
	return best;
}

double
model_number(const cJSON *obj, const char *key, double def)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);

	return finite_number(x) ? x->valuedouble : def;
}

const char *
model_string(const cJSON *obj, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}
