/* Herald - digests: one message summarising the alerts of an hour or a
 * day for a destination in hourly or daily mode. */
#include "notify/notify.h"

cJSON *
digest_build(cJSON *items, const char *event_id, const char *mode)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *first = cJSON_GetArrayItem(items, 0);

	cJSON_AddStringToObject(o, "event_id", event_id);
	cJSON_AddStringToObject(o, "type", "digest");
	cJSON_AddStringToObject(o, "mode", mode);
	cJSON_AddNumberToObject(o, "count", cJSON_GetArraySize(items));
	cJSON_AddItemToObject(
	    o, "workspace",
	    cJSON_Duplicate(cJSON_GetObjectItem(first, "workspace"), true));
	cJSON_AddItemToObject(o, "alerts", items);
	return o;
}
