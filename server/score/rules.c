/* Herald - evaluation of rule conditions (see docs/SCORING.md for the
 * exact windows). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score/model.h"
#include "score/rules.h"

bool
rules_window(const cJSON *atom, const struct rules_input *in, int *from,
             int *to)
{
	const char *since = model_string(atom, "since");
	double within = model_number(atom, "within_days", 0);

	if (since != NULL) {
		if (!in->has_signup)
			return false;
		*from = in->signup_day;
		*to = within > 0 ? in->signup_day + (int)within - 1 : in->today;
		if (*to > in->today)
			*to = in->today;
		return *from <= *to;
	}
	if (within > 0) {
		*from = in->today - (int)within + 1;
		*to = in->today;
		return true;
	}
	*from = -1000000; /* whole history */
	*to = in->today;
	return true;
}

static bool
count_events(const cJSON *atom, const struct rules_input *in, double *out)
{
	const char *event = model_string(atom, "event");
	int from, to;

	*out = 0;
	if (!rules_window(atom, in, &from, &to))
		return true;
	for (size_t i = 0; i < in->nrows; i++) {
		const struct engage_row *r = &in->rows[i];

		if (r->total && r->day >= from && r->day <= to &&
		    strcmp(r->event, event) == 0)
			*out += r->count;
	}
	/* With `where` only the events themselves can tell, but they are
	 * a subset of the rollup's: none there, none to look for. */
	if (*out > 0 && cJSON_GetObjectItemCaseSensitive(atom, "where"))
		return in->count_where != NULL &&
		       in->count_where(in->arg, atom, from, to, out);
	return true;
}

/* Distinct days with any event in the window. */
static double
active_days(const cJSON *atom, const struct rules_input *in)
{
	int from, to, n = 0;
	bool *seen;

	if (!rules_window(atom, in, &from, &to) || to - from > 4000)
		return 0;
	seen = calloc((size_t)(to - from + 1), sizeof(*seen));
	if (seen == NULL)
		return 0;
	for (size_t i = 0; i < in->nrows; i++) {
		const struct engage_row *r = &in->rows[i];

		if (r->total && r->count > 0 && r->day >= from &&
		    r->day <= to && !seen[r->day - from]) {
			seen[r->day - from] = true;
			n++;
		}
	}
	free(seen);
	return n;
}

/* Compares a score with its threshold, loosened while holding. */
static bool
score_compare(const cJSON *cmp, double actual, bool holding)
{
	if (holding &&
	    (strcmp(cmp->string, "gt") == 0 || strcmp(cmp->string, "gte") == 0))
		actual /= RULES_HOLD;
	else if (holding && (strcmp(cmp->string, "lt") == 0 ||
	                     strcmp(cmp->string, "lte") == 0))
		actual *= RULES_HOLD;
	return model_compare_number(cmp, actual);
}

static enum rules_result
trait_atom(const cJSON *atom, const struct rules_input *in)
{
	const char *trait = model_string(atom, "trait");
	const cJSON *cmp = model_comparison(atom);
	const cJSON *people, *p;

	if (model_compare(cmp, model_trait(in->facts, trait)))
		return RULES_TRUE;
	people = cJSON_GetObjectItemCaseSensitive(in->facts, "people");
	if (strncmp(trait, "person.", 7) != 0 || people == NULL)
		return RULES_FALSE;
	/* Under an account rule a person trait holds when any of its
	 * people has it. */
	cJSON_ArrayForEach(p, people)
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, trait + 7);

		if (model_compare(cmp, v))
			return RULES_TRUE;
	}
	return RULES_FALSE;
}

static enum rules_result
list(const cJSON *items, const struct rules_input *in, bool holding, bool all)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, items)
	{
		enum rules_result r = rules_eval(c, in, holding);

		if (r == RULES_ERROR)
			return r;
		if (all && r == RULES_FALSE)
			return RULES_FALSE;
		if (!all && r == RULES_TRUE)
			return RULES_TRUE;
	}
	return all ? RULES_TRUE : RULES_FALSE;
}

enum rules_result
rules_eval(const cJSON *when, const struct rules_input *in, bool holding)
{
	const cJSON *atom = when ? when->child : NULL;
	const char *kind = atom ? atom->string : "";
	enum rules_result r;
	double n;

	if (atom == NULL)
		return RULES_FALSE;
	if (strcmp(kind, "all") == 0 || strcmp(kind, "any") == 0)
		return list(atom, in, holding, kind[1] == 'l');
	if (strcmp(kind, "not") == 0) {
		/* Loosening under a negation would tighten: none there. */
		r = rules_eval(atom, in, false);
		return r == RULES_ERROR  ? r
		       : r == RULES_TRUE ? RULES_FALSE
		                         : RULES_TRUE;
	}
	if (strcmp(kind, "trait") == 0)
		return trait_atom(atom, in);
	if (strcmp(kind, "count") == 0) {
		if (!count_events(atom, in, &n))
			return RULES_ERROR;
		return model_compare_number(model_comparison(atom), n);
	}
	if (strcmp(kind, "active_days") == 0)
		return model_compare_number(model_comparison(atom),
		                            active_days(atom, in));
	n = strcmp(kind, "fit") == 0          ? in->fit
	    : strcmp(kind, "engagement") == 0 ? in->engagement
	                                      : in->score;
	return score_compare(model_comparison(atom), n, holding);
}

static int
cond_horizon(const cJSON *c, bool *needs_signup)
{
	const cJSON *atom = c ? c->child : NULL, *it;
	int best = 0;

	if (atom == NULL)
		return 0;
	if (strcmp(atom->string, "count") == 0 ||
	    strcmp(atom->string, "active_days") == 0) {
		if (model_string(atom, "since") != NULL) {
			*needs_signup = true;
			return 0;
		}
		return (int)model_number(atom, "within_days", -1);
	}
	if (strcmp(atom->string, "not") == 0)
		return cond_horizon(atom, needs_signup);
	cJSON_ArrayForEach(it, atom)
	{
		int h;

		if (!cJSON_IsObject(it))
			continue;
		h = cond_horizon(it, needs_signup);
		if (h < 0 || best < 0)
			best = -1;
		else if (h > best)
			best = h;
	}
	return best;
}

int
rules_horizon(const cJSON *model, bool *needs_signup)
{
	const cJSON *rule;
	int best = 0;

	*needs_signup = false;
	cJSON_ArrayForEach(rule,
	                   cJSON_GetObjectItemCaseSensitive(model, "rules"))
	{
		int h =
		    cond_horizon(cJSON_GetObjectItemCaseSensitive(rule, "when"),
		                 needs_signup);

		if (h < 0 || best < 0)
			best = -1;
		else if (h > best)
			best = h;
	}
	return best;
}
