/* Herald - ICP fit from person and account traits. */
#include <math.h>

#include "score/fit.h"
#include "score/model.h"

static double
round1(double x)
{
	return round(x * 10) / 10;
}

static void
add_reason(cJSON *reasons, const cJSON *c, const cJSON *actual)
{
	cJSON *r;

	if (reasons == NULL)
		return;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "kind", "fit");
	cJSON_AddStringToObject(r, "trait", model_string(c, "trait"));
	cJSON_AddStringToObject(r, "op", model_string(c, "op"));
	cJSON_AddItemToObject(r, "value", cJSON_Duplicate(actual, 1));
	/* What the trait was compared with, so an alert can say why. */
	cJSON_AddItemToObject(
	    r, "criterion",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, "value"), 1));
	cJSON_AddNumberToObject(r, "points",
	                        round1(model_number(c, "points", 0)));
	cJSON_AddItemToArray(reasons, r);
}

double
fit_compute(const cJSON *model, const cJSON *facts, cJSON *reasons)
{
	const cJSON *fit = cJSON_GetObjectItemCaseSensitive(model, "fit");
	const cJSON *c;
	double total = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(fit, "criteria"))
	{
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(c, "op");
		const cJSON *value =
		    cJSON_GetObjectItemCaseSensitive(c, "value");
		const char *trait = model_string(c, "trait");
		const cJSON *actual;
		cJSON *cmp;
		bool hit;

		if (trait == NULL || !cJSON_IsString(op) || value == NULL)
			continue;
		actual = model_trait(facts, trait);
		/* model_compare reads the word from the item's name. */
		cmp = cJSON_Duplicate(value, 1);
		cmp->string = op->valuestring;
		hit = model_compare(cmp, actual);
		cmp->string = NULL;
		cJSON_Delete(cmp);
		if (!hit)
			continue;
		total += model_number(c, "points", 0);
		add_reason(reasons, c, actual);
	}
	return round1(fmin(100, fmax(0, total)));
}

double
fit_account(const cJSON *model, const cJSON *account, const cJSON *people,
            cJSON *reasons)
{
	cJSON *facts = cJSON_CreateObject();
	const cJSON *p, *best = NULL;
	double top = -1;

	cJSON_AddItemToObject(facts, "account", cJSON_Duplicate(account, 1));
	cJSON_ArrayForEach(p, people)
	{
		double f;

		cJSON_DeleteItemFromObjectCaseSensitive(facts, "person");
		cJSON_AddItemToObject(facts, "person", cJSON_Duplicate(p, 1));
		f = fit_compute(model, facts, NULL);
		if (f > top) {
			top = f;
			best = p;
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(facts, "person");
	if (best != NULL)
		cJSON_AddItemToObject(facts, "person",
		                      cJSON_Duplicate(best, 1));
	top = fit_compute(model, facts, reasons);
	cJSON_Delete(facts);
	return top;
}
