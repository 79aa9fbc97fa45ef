/* Herald - alerts admin API: every alert with its delivery state,
 * attempts and last error per destination; customer-success settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "core/log.h"
#include "core/util.h"
#include "notify/notify.h"
#include "store/db.h"

static const char list_sql[] =
    "SELECT coalesce(json_agg(x ORDER BY x.id DESC), '[]')::text FROM ("
    " SELECT a.id, a.kind, a.created_at,"
    " CASE WHEN q.id IS NULL THEN NULL ELSE json_build_object('id', q.id,"
    "  'rule_id', q.rule_id, 'rule_name', q.rule_name,"
    "  'subject_type', q.subject_type, 'subject_id', q.subject_id,"
    "  'score', q.score, 'qualified_at', q.qualified_at) END"
    "  AS qualification,"
    " (SELECT coalesce(json_agg(json_build_object('id', d.id,"
    "  'destination_id', d.destination_id, 'destination', t.name,"
    "  'kind', t.kind, 'state', d.state, 'attempts', d.attempts,"
    "  'last_status', d.last_status, 'last_error', d.last_error,"
    "  'next_attempt_at', CASE WHEN d.state IN ('queued', 'failed')"
    "   THEN d.next_attempt_at END,"
    "  'delivered_at', d.delivered_at, 'event_id', d.event_id)"
    "  ORDER BY d.id), '[]')"
    "  FROM deliveries d JOIN destinations t"
    "  ON t.workspace_id = d.workspace_id AND t.id = d.destination_id"
    "  WHERE d.workspace_id = a.workspace_id AND d.alert_id = a.id)"
    "  AS deliveries"
    " FROM alerts a LEFT JOIN qualifications q"
    " ON q.workspace_id = a.workspace_id AND q.id = a.qualification_id"
    " WHERE a.workspace_id = $1 AND ($2::bigint IS NULL OR a.id < $2)"
    " ORDER BY a.id DESC LIMIT $3) x";

static bool
query_number(struct http_req *req, const char *name, int64_t lo, int64_t hi,
             char *out, size_t outlen)
{
	const char *v = http_query(req, name);
	int64_t n;

	out[0] = '\0';
	if (v == NULL)
		return true;
	if (!util_parse_i64(v, &n) || n < lo || n > hi) {
		http_error(req, 400, "%s: must be a number from %lld to %lld",
		           name, (long long)lo, (long long)hi);
		return false;
	}
	snprintf(out, outlen, "%lld", (long long)n);
	return true;
}

static void
list_alerts(struct http_req *req)
{
	struct caller who;
	char ws[24], before[24], limit[24], err[512];
	PGresult *r = NULL;
	enum db_status st;
	cJSON *o, *arr, *last;

	if (!auth_admin(req, ROLE_SALES, &who) ||
	    !query_number(req, "before", 1, INT64_MAX, before,
	                  sizeof(before)) ||
	    !query_number(req, "limit", 1, 500, limit, sizeof(limit)))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	const char *params[3] = {ws, before[0] ? before : NULL,
	                         limit[0] ? limit : "100"};
	st = db_exec(&r, list_sql, 3, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s alerts query failed: %s", req->id, err);
		http_error(req, db_http_status(st), "database unavailable");
		return;
	}
	arr = cJSON_Parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	o = cJSON_CreateObject();
	last = cJSON_GetArrayItem(arr, cJSON_GetArraySize(arr) - 1);
	cJSON_AddItemToObject(o, "alerts", arr ? arr : cJSON_CreateArray());
	if (last != NULL)
		cJSON_AddItemToObject(
		    o, "next_before",
		    cJSON_Duplicate(cJSON_GetObjectItem(last, "id"), true));
	http_json(req, 200, o);
}

/* ---- customer-success settings ------------------------------------------- */

static const char settings_sql[] =
    "SELECT json_build_object('stalled_after_days',"
    " coalesce(s.stalled_after_days, 3), 'disengaged_after_days',"
    " coalesce(s.disengaged_after_days, 7), 'success_notify',"
    " coalesce(s.success_notify, '{success}'))::text"
    " FROM workspaces w LEFT JOIN alert_settings s ON s.workspace_id = w.id"
    " WHERE w.id = $1";

static const char upsert_sql[] =
    "INSERT INTO alert_settings (workspace_id, stalled_after_days,"
    " disengaged_after_days, success_notify)"
    " VALUES ($1, coalesce($2::int, 3), coalesce($3::int, 7),"
    " coalesce((SELECT array_agg(x) FROM jsonb_array_elements_text($4::jsonb)"
    " x), '{success}'))"
    " ON CONFLICT (workspace_id) DO UPDATE SET"
    " stalled_after_days = coalesce($2::int,"
    "  alert_settings.stalled_after_days),"
    " disengaged_after_days = coalesce($3::int,"
    "  alert_settings.disengaged_after_days),"
    " success_notify = CASE WHEN $4::jsonb IS NULL"
    "  THEN alert_settings.success_notify ELSE coalesce((SELECT"
    "  array_agg(x) FROM jsonb_array_elements_text($4::jsonb) x), '{}')"
    "  END, updated_at = now()";

static void
reply_settings(struct http_req *req, const char *ws)
{
	const char *params[1] = {ws};
	char err[256];
	PGresult *r = NULL;

	if (db_exec(&r, settings_sql, 1, params, err, sizeof(err)) != DB_OK ||
	    PQntuples(r) != 1) {
		PQclear(r);
		http_error(req, 503, "database unavailable");
		return;
	}
	http_json(req, 200, cJSON_Parse(PQgetvalue(r, 0, 0)));
	PQclear(r);
}

static void
get_settings(struct http_req *req)
{
	struct caller who;
	char ws[24];

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	reply_settings(req, ws);
}

static bool
days_field(struct http_req *req, const cJSON *body, const char *key, char *out,
           size_t outlen, const char **param)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

	*param = NULL;
	if (v == NULL)
		return true;
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 365 ||
	    v->valuedouble != (double)(int)v->valuedouble) {
		http_error(req, 400,
		           "%s: must be a whole number of days, "
		           "1 to 365",
		           key);
		return false;
	}
	snprintf(out, outlen, "%d", (int)v->valuedouble);
	*param = out;
	return true;
}

static bool
notify_field(struct http_req *req, const cJSON *body, char **out)
{
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(body, "success_notify");
	const cJSON *e;

	*out = NULL;
	if (v == NULL)
		return true;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > 20) {
		http_error(req, 400,
		           "success_notify: must be an array of "
		           "destination names or tags");
		return false;
	}
	cJSON_ArrayForEach(e, v) if (!cJSON_IsString(e) ||
	                             strlen(e->valuestring) > 100)
	{
		http_error(req, 400, "success_notify: each must be a string");
		return false;
	}
	*out = cJSON_PrintUnformatted(v);
	return true;
}

static void
patch_settings(struct http_req *req)
{
	struct caller who;
	char ws[24], s1[16], s2[16], err[256];
	const char *p1 = NULL, *p2 = NULL;
	char *notify = NULL;
	cJSON *body;

	if (!auth_admin(req, ROLE_OWNER, &who))
		return;
	if ((body = http_json_body(req)) == NULL)
		return;
	if (!cJSON_IsObject(body)) {
		http_error(req, 400, "body must be a JSON object");
		goto out;
	}
	if (!days_field(req, body, "stalled_after_days", s1, sizeof(s1), &p1) ||
	    !days_field(req, body, "disengaged_after_days", s2, sizeof(s2),
	                &p2) ||
	    !notify_field(req, body, &notify))
		goto out;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	const char *params[4] = {ws, p1, p2, notify};
	if (db_exec(NULL, upsert_sql, 4, params, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s alert settings update failed: %s", req->id,
		         err);
		http_error(req, 503, "database unavailable");
		goto out;
	}
	reply_settings(req, ws);
out:
	free(notify);
	cJSON_Delete(body);
}

const struct route alerts_routes[] = {
    {"GET", "/api/v1/alerts", list_alerts, 0},
    {"GET", "/api/v1/alerts/settings", get_settings, 0},
    {"PATCH", "/api/v1/alerts/settings", patch_settings, 0},
    {NULL, NULL, NULL, 0},
};
