/* Herald - read-time distribution of a release for the admin app's
 * analytics: readers (a person, else an anonymous id) grouped by their
 * total attentive reading time.  Readers are counted as the release
 * stats count them: widget release_read events with a numeric ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "core/log.h"
#include "store/db.h"

static const char *const labels[] = {"under 10 s", "10-30 s", "30-60 s",
                                     "1-2 min",    "2-5 min", "5 min or more"};
#define NBUCKETS (sizeof(labels) / sizeof(labels[0]))

static const char sql_buckets[] =
    "WITH r AS (SELECT 1 FROM releases"
    "  WHERE workspace_id = $1 AND id = $2::uuid),"
    " per AS (SELECT COALESCE('p' || person_id::text, 'a' || anonymous_id)"
    "  AS who, sum((props->>'ms')::numeric) AS ms FROM events"
    "  WHERE workspace_id = $1 AND release_id = $2::uuid"
    "  AND source = 'widget' AND type = 'release_read'"
    "  AND jsonb_typeof(props->'ms') = 'number' GROUP BY 1)"
    " SELECT (SELECT count(*) FROM r),"
    " width_bucket(ms, ARRAY[10000, 30000, 60000, 120000, 300000]::numeric[])"
    "  AS b, count(*) FROM per WHERE ms > 0 GROUP BY b"
    " UNION ALL SELECT (SELECT count(*) FROM r), NULL, 0";

/* True when text is a UUID in its usual 36-character form. */
static bool
uuid_ok(const char *text)
{
	if (strlen(text) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? text[i] != '-'
		         : strchr("0123456789abcdefABCDEF", text[i]) == NULL)
			return false;
	}
	return true;
}

static cJSON *
buckets_json(const PGresult *r)
{
	long counts[NBUCKETS] = {0};
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "buckets");

	for (int i = 0; i < PQntuples(r); i++) {
		long b;

		if (PQgetisnull(r, i, 1))
			continue;
		b = strtol(PQgetvalue(r, i, 1), NULL, 10);
		if (b >= 0 && (size_t)b < NBUCKETS)
			counts[b] = strtol(PQgetvalue(r, i, 2), NULL, 10);
	}
	for (size_t i = 0; i < NBUCKETS; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "label", labels[i]);
		cJSON_AddNumberToObject(o, "readers", (double)counts[i]);
		cJSON_AddItemToArray(arr, o);
	}
	return root;
}

/* GET /api/v1/releases/{id}/read-time */
static void
read_time(struct http_req *req)
{
	struct caller who;
	char ws[24], err[256];
	const char *id = http_param(req, 0);
	const char *params[2] = {ws, id};
	PGresult *r = NULL;
	enum db_status st;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	if (!uuid_ok(id)) {
		http_error(req, 404, "no release %s", id);
		return;
	}
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	st = db_exec(&r, sql_buckets, 2, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s read-time query failed: %s", req->id, err);
		http_error(req, db_http_status(st), "database unavailable");
		return;
	}
	if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 0), "1") != 0) {
		PQclear(r);
		http_error(req, 404, "no release %s", id);
		return;
	}
	http_json(req, 200, buckets_json(r));
	PQclear(r);
}

const struct route readtime_routes[] = {
    {"GET", "/api/v1/releases/{}/read-time", read_time, 0},
    {NULL, NULL, NULL, 0},
};
