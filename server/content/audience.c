/* Herald - evaluation and validation of release audiences. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content/audience.h"

static const char *const operators[] = {"eq",  "ne", "in",  "nin",    "gt",
                                        "gte", "lt", "lte", "exists", NULL};

struct who {
	const cJSON *person;
	const cJSON *account;
};

static bool match_node(const cJSON *c, const struct who *w, int depth);

static bool
is_operator(const char *key)
{
	for (int i = 0; operators[i] != NULL; i++)
		if (strcmp(key, operators[i]) == 0)
			return true;
	return false;
}

static const cJSON *
trait_in(const cJSON *traits, const char *name)
{
	return cJSON_IsObject(traits)
	           ? cJSON_GetObjectItemCaseSensitive(traits, name)
	           : NULL;
}

static const cJSON *
lookup(const struct who *w, const char *path)
{
	const cJSON *v;

	if (strncmp(path, "person.", 7) == 0)
		return trait_in(w->person, path + 7);
	if (strncmp(path, "account.", 8) == 0)
		return trait_in(w->account, path + 8);
	v = trait_in(w->person, path);
	return v != NULL ? v : trait_in(w->account, path);
}

/* Reads a number from a JSON number or a numeric string. */
static bool
number_of(const cJSON *v, double *out)
{
	char *end;

	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return true;
	}
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return false;
	*out = strtod(v->valuestring, &end);
	return *end == '\0' && isfinite(*out);
}

static bool
equal(const cJSON *a, const cJSON *b)
{
	double x, y;

	if (a == NULL || b == NULL)
		return false;
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return strcasecmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsBool(a) || cJSON_IsBool(b))
		return cJSON_IsBool(a) && cJSON_IsBool(b) &&
		       cJSON_IsTrue(a) == cJSON_IsTrue(b);
	if (number_of(a, &x) && number_of(b, &y))
		return x == y;
	return false;
}

/* For a list trait (e.g. roles), "in" matches when any element is in. */
static bool
member(const cJSON *value, const cJSON *list)
{
	const cJSON *e, *v;

	if (cJSON_IsArray(value)) {
		cJSON_ArrayForEach(v, value) if (member(v, list)) return true;
		return false;
	}
	cJSON_ArrayForEach(e, list) if (equal(value, e)) return true;
	return false;
}

static bool
compare(const char *op, const cJSON *value, const cJSON *arg)
{
	double x, y;

	if (strcmp(op, "exists") == 0)
		return (value != NULL && !cJSON_IsNull(value)) ==
		       cJSON_IsTrue(arg);
	if (value == NULL || cJSON_IsNull(value))
		return strcmp(op, "ne") == 0 || strcmp(op, "nin") == 0;
	if (strcmp(op, "eq") == 0)
		return equal(value, arg);
	if (strcmp(op, "ne") == 0)
		return !equal(value, arg);
	if (strcmp(op, "in") == 0)
		return member(value, arg);
	if (strcmp(op, "nin") == 0)
		return !member(value, arg);
	if (!number_of(value, &x) || !number_of(arg, &y))
		return false;
	if (strcmp(op, "gt") == 0)
		return x > y;
	if (strcmp(op, "gte") == 0)
		return x >= y;
	if (strcmp(op, "lt") == 0)
		return x < y;
	return strcmp(op, "lte") == 0 && x <= y;
}

/* {"trait": "...", "op": arg, ...}: every operator present must hold. */
static bool
match_trait(const cJSON *c, const struct who *w)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(c, "trait");
	const cJSON *value, *arg;
	int ops = 0;

	if (!cJSON_IsString(path))
		return false;
	value = lookup(w, path->valuestring);
	cJSON_ArrayForEach(arg, c)
	{
		if (strcmp(arg->string, "trait") == 0)
			continue;
		if (!compare(arg->string, value, arg))
			return false;
		ops++;
	}
	return ops > 0;
}

static bool
match_list(const cJSON *list, const struct who *w, int depth, bool any)
{
	const cJSON *c;

	if (!cJSON_IsArray(list))
		return false;
	cJSON_ArrayForEach(c, list)
	{
		if (match_node(c, w, depth + 1) == any)
			return any;
	}
	return !any;
}

/* One key of a condition object. */
static bool
match_key(const cJSON *item, const struct who *w, int depth)
{
	const char *k = item->string;

	if (strcmp(k, "all") == 0)
		return match_list(item, w, depth, false);
	if (strcmp(k, "any") == 0)
		return match_list(item, w, depth, true);
	if (strcmp(k, "not") == 0)
		return !match_node(item, w, depth + 1);
	if (cJSON_IsArray(item))
		return member(lookup(w, k), item);
	return equal(lookup(w, k), item);
}

static bool
match_node(const cJSON *c, const struct who *w, int depth)
{
	const cJSON *item;

	if (depth > AUDIENCE_MAX_DEPTH || !cJSON_IsObject(c))
		return false;
	if (cJSON_GetObjectItemCaseSensitive(c, "trait") != NULL)
		return match_trait(c, w);
	cJSON_ArrayForEach(item, c)
	{
		if (!match_key(item, w, depth))
			return false;
	}
	return true;
}

bool
release_audience_is_public(const cJSON *audience)
{
	return audience == NULL ||
	       (cJSON_IsObject(audience) && audience->child == NULL);
}

bool
release_audience_match(const cJSON *audience, const cJSON *person_traits,
                       const cJSON *account_traits)
{
	struct who w = {person_traits, account_traits};
	char err[128];

	if (release_audience_is_public(audience))
		return true;
	if (!release_audience_check(audience, err, sizeof(err)))
		return false;
	if (person_traits == NULL && account_traits == NULL)
		return false;
	return match_node(audience, &w, 0);
}

/* ---- validation ------------------------------------------------------- */

static bool check_node(const cJSON *c, const char *path, int depth, char *err,
                       size_t errlen);

static bool
check_scalar(const cJSON *v)
{
	return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v);
}

static bool
check_scalars(const cJSON *list)
{
	const cJSON *v;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
		return false;
	cJSON_ArrayForEach(v, list) if (!check_scalar(v)) return false;
	return true;
}

static bool
check_operator(const cJSON *arg, const char *path, char *err, size_t errlen)
{
	const char *op = arg->string;
	bool ok;

	if (!is_operator(op)) {
		snprintf(err, errlen, "%s.%s: unknown operator", path, op);
		return false;
	}
	if (strcmp(op, "in") == 0 || strcmp(op, "nin") == 0)
		ok = check_scalars(arg);
	else if (strcmp(op, "exists") == 0)
		ok = cJSON_IsBool(arg);
	else if (strcmp(op, "eq") == 0 || strcmp(op, "ne") == 0)
		ok = check_scalar(arg);
	else
		ok = cJSON_IsNumber(arg);
	if (!ok)
		snprintf(err, errlen, "%s.%s: wrong type of value", path, op);
	return ok;
}

static bool
check_trait(const cJSON *c, const char *path, char *err, size_t errlen)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "trait");
	const cJSON *arg;
	int ops = 0;

	if (!cJSON_IsString(t) || t->valuestring[0] == '\0') {
		snprintf(err, errlen, "%s.trait: must be a trait name", path);
		return false;
	}
	cJSON_ArrayForEach(arg, c)
	{
		if (strcmp(arg->string, "trait") == 0)
			continue;
		if (!check_operator(arg, path, err, errlen))
			return false;
		ops++;
	}
	if (ops == 0)
		snprintf(err, errlen, "%s: needs an operator such as in", path);
	return ops > 0;
}

static bool
check_list(const cJSON *list, const char *path, int depth, char *err,
           size_t errlen)
{
	char sub[256];
	int i = 0;
	const cJSON *c;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
		snprintf(err, errlen, "%s: must be a non-empty list", path);
		return false;
	}
	cJSON_ArrayForEach(c, list)
	{
		snprintf(sub, sizeof(sub), "%.200s[%d]", path, i++);
		if (!check_node(c, sub, depth + 1, err, errlen))
			return false;
	}
	return true;
}

static bool
check_key(const cJSON *item, const char *path, int depth, char *err,
          size_t errlen)
{
	char sub[256];
	const char *k = item->string;

	snprintf(sub, sizeof(sub), "%.120s.%.120s", path, k);
	if (strcmp(k, "all") == 0 || strcmp(k, "any") == 0)
		return check_list(item, sub, depth, err, errlen);
	if (strcmp(k, "not") == 0)
		return check_node(item, sub, depth + 1, err, errlen);
	if (k[0] == '\0') {
		snprintf(err, errlen, "%s: empty trait name", path);
		return false;
	}
	if (check_scalar(item) || check_scalars(item))
		return true;
	snprintf(err, errlen, "%s: must be a value or a non-empty list", sub);
	return false;
}

static bool
check_node(const cJSON *c, const char *path, int depth, char *err,
           size_t errlen)
{
	const cJSON *item;

	if (depth > AUDIENCE_MAX_DEPTH) {
		snprintf(err, errlen, "%s: nested too deeply", path);
		return false;
	}
	if (!cJSON_IsObject(c)) {
		snprintf(err, errlen, "%s: must be an object", path);
		return false;
	}
	if (cJSON_GetObjectItemCaseSensitive(c, "trait") != NULL)
		return check_trait(c, path, err, errlen);
	cJSON_ArrayForEach(item, c)
	{
		if (!check_key(item, path, depth, err, errlen))
			return false;
	}
	return true;
}

bool
release_audience_check(const cJSON *audience, char *err, size_t errlen)
{
	if (audience == NULL)
		return true;
	return check_node(audience, "audience", 0, err, errlen);
}
