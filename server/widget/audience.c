/* Herald - release audiences, decided on the server from verified
 * traits.  Format: {} is everyone; {"plan": ["pro", "trial"], "role":
 * ["admin"]} needs every key to match one of its values. */
#include <string.h>
#include <strings.h>

#include "widget/widget.h"

static const cJSON *
trait(const char *key, const cJSON *person, const cJSON *account)
{
	const cJSON *v;

	if (strncmp(key, "person.", 7) == 0)
		return cJSON_GetObjectItemCaseSensitive(person, key + 7);
	if (strncmp(key, "account.", 8) == 0)
		return cJSON_GetObjectItemCaseSensitive(account, key + 8);
	v = cJSON_GetObjectItemCaseSensitive(person, key);
	return v ? v : cJSON_GetObjectItemCaseSensitive(account, key);
}

static bool
same(const cJSON *want, const cJSON *have)
{
	if (cJSON_IsString(want) && cJSON_IsString(have))
		return strcasecmp(want->valuestring, have->valuestring) == 0;
	if (cJSON_IsNumber(want) && cJSON_IsNumber(have))
		return want->valuedouble == have->valuedouble;
	if (cJSON_IsBool(want) && cJSON_IsBool(have))
		return cJSON_IsTrue(want) == cJSON_IsTrue(have);
	return false;
}

static bool
key_matches(const cJSON *want, const cJSON *have)
{
	const cJSON *w;

	if (have == NULL)
		return false;
	if (!cJSON_IsArray(want))
		return same(want, have);
	cJSON_ArrayForEach(w, want)
	{
		if (same(w, have))
			return true;
	}
	return false;
}

bool
release_audience_match(const cJSON *audience, const cJSON *person_traits,
                       const cJSON *account_traits)
{
	const cJSON *k;

	if (!cJSON_IsObject(audience))
		return false;
	if (cJSON_GetArraySize(audience) == 0)
		return true;
	if (person_traits == NULL)
		return false;
	cJSON_ArrayForEach(k, audience)
	{
		if (!key_matches(
		        k, trait(k->string, person_traits, account_traits)))
			return false;
	}
	return true;
}
