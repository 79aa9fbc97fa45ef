/* Herald - the leads API: GET /api/v1/leads (qualified and
 * near-qualified people and accounts) and GET /api/v1/leads/{person}
 * (scores, reasons, releases read, features used, qualifications and
 * the recent timeline of one person). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "score/model.h"
#include "score/scoring.h"

/* Near-qualified: a score of at least this share of the lowest score
 * threshold of the model's rules. */
#define NEAR_SHARE 0.7

/* ---- helpers on result cells ----------------------------------------- */

static void
add_text(cJSON *o, const char *key, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, PQgetvalue(r, row, col));
}

static void
add_num(cJSON *o, const char *key, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key,
		                        strtod(PQgetvalue(r, row, col), NULL));
}

static void
add_json(cJSON *o, const char *key, const PGresult *r, int row, int col)
{
	cJSON *v = PQgetisnull(r, row, col)
	               ? NULL
	               : cJSON_Parse(PQgetvalue(r, row, col));

	cJSON_AddItemToObject(o, key, v ? v : cJSON_CreateNull());
}

static void
db_failed(struct http_req *req, enum db_status st, const char *err)
{
	log_warn("req=%s ws=%lld leads query failed: %s", req->id,
	         (long long)req->workspace_id, err);
	http_error(req, st == DB_UNAVAILABLE ? 503 : 500, "%s",
	           st == DB_UNAVAILABLE ? "database unavailable"
	                                : "leads query failed");
}

/* ---- GET /api/v1/leads ---------------------------------------------- */

static const char list_sql[] =
    "WITH open AS (SELECT subject_type, subject_id,"
    "  array_to_json(array_agg(rule_id ORDER BY rule_id)) AS rules,"
    "  array_agg(rule_id) AS ids, max(qualified_at) AS at"
    "  FROM qualifications WHERE workspace_id = $1 AND left_at IS NULL"
    "  GROUP BY 1, 2),"
    " l AS ("
    " SELECT 'person' AS subject, p.id, coalesce(p.name, p.external_id)"
    "  AS name, p.email, p.traits->>'role' AS role, a.id AS account_id,"
    "  a.name AS account_name, s.score, s.fit, s.engagement, o.rules,"
    "  o.ids, o.at, s.updated_at, a.traits->>'employees' AS employees"
    " FROM person_scores s JOIN persons p"
    "  ON p.workspace_id = s.workspace_id AND p.id = s.person_id"
    " LEFT JOIN accounts a"
    "  ON a.workspace_id = p.workspace_id AND a.id = p.account_id"
    " LEFT JOIN open o ON o.subject_type = 'person' AND o.subject_id = p.id"
    " WHERE s.workspace_id = $1"
    "  AND (o.ids IS NOT NULL OR s.score >= $2::float8)"
    " UNION ALL"
    " SELECT 'account', a.id, coalesce(a.name, a.external_id), NULL, NULL,"
    "  a.id, a.name, s.score, s.fit, s.engagement, o.rules, o.ids, o.at,"
    "  s.updated_at, a.traits->>'employees'"
    " FROM account_scores s JOIN accounts a"
    "  ON a.workspace_id = s.workspace_id AND a.id = s.account_id"
    " LEFT JOIN open o ON o.subject_type = 'account'"
    "  AND o.subject_id = a.id"
    " WHERE s.workspace_id = $1"
    "  AND (o.ids IS NOT NULL OR s.score >= $2::float8))"
    " SELECT subject, id, name, email, role, account_id, account_name,"
    "  score, fit, engagement, rules::text, at, updated_at FROM l"
    " WHERE ($3::text IS NULL OR subject = $3)"
    "  AND ($4::text IS NULL OR $4 = ANY(ids))"
    "  AND ($5::float8 IS NULL OR fit >= $5)"
    "  AND ($6::float8 IS NULL OR (employees ~ '^[0-9]+(\\.[0-9]+)?$'"
    "   AND employees::float8 >= $6))"
    " ORDER BY CASE $7 WHEN 'fit' THEN fit WHEN 'engagement' THEN"
    "  engagement WHEN 'qualified_at' THEN extract(epoch FROM at)"
    "  ELSE score END DESC NULLS LAST, score DESC, id"
    " LIMIT $8";

static cJSON *
lead_json(const PGresult *r, int i)
{
	cJSON *o = cJSON_CreateObject(), *acct;

	add_text(o, "subject", r, i, 0);
	add_num(o, "id", r, i, 1);
	add_text(o, "name", r, i, 2);
	add_text(o, "email", r, i, 3);
	add_text(o, "role", r, i, 4);
	if (PQgetisnull(r, i, 5)) {
		cJSON_AddNullToObject(o, "account");
	} else {
		acct = cJSON_AddObjectToObject(o, "account");
		add_num(acct, "id", r, i, 5);
		add_text(acct, "name", r, i, 6);
	}
	add_num(o, "score", r, i, 7);
	add_num(o, "fit", r, i, 8);
	add_num(o, "engagement", r, i, 9);
	cJSON_AddStringToObject(o, "state",
	                        PQgetisnull(r, i, 10) ? "near" : "qualified");
	if (PQgetisnull(r, i, 10))
		cJSON_AddItemToObject(o, "rules", cJSON_CreateArray());
	else
		add_json(o, "rules", r, i, 10);
	add_text(o, "qualified_at", r, i, 11);
	add_text(o, "updated_at", r, i, 12);
	return o;
}

/* Checks an optional number query parameter into out (NULL when
 * absent).  Replies 400 and returns false when malformed. */
static bool
num_param(struct http_req *req, const char *name, char *out, size_t len,
          const char **value)
{
	const char *v = http_query(req, name);
	char *end;
	double d;

	*value = NULL;
	if (v == NULL || *v == '\0')
		return true;
	d = strtod(v, &end);
	if (*end != '\0' || !isfinite(d)) {
		http_error(req, 400, "%s: must be a number", name);
		return false;
	}
	snprintf(out, len, "%.17g", d);
	*value = out;
	return true;
}

struct list_args {
	const char *subject, *rule, *min_fit, *min_emp, *sort;
	char fit[32], emp[32], limit[16];
};

static bool
list_args(struct http_req *req, struct list_args *a)
{
	const char *lim = http_query(req, "limit");
	int64_t n = 100;

	a->subject = http_query(req, "subject");
	a->rule = http_query(req, "rule");
	a->sort = http_query(req, "sort");
	if (a->sort == NULL)
		a->sort = "score";
	if (strcmp(a->sort, "score") && strcmp(a->sort, "fit") &&
	    strcmp(a->sort, "engagement") && strcmp(a->sort, "qualified_at")) {
		http_error(req, 400,
		           "sort: must be score, fit, engagement or "
		           "qualified_at");
		return false;
	}
	if (a->subject && strcmp(a->subject, "person") &&
	    strcmp(a->subject, "account")) {
		http_error(req, 400, "subject: must be person or account");
		return false;
	}
	if (lim && (!util_parse_i64(lim, &n) || n < 1 || n > 500)) {
		http_error(req, 400, "limit: must be from 1 to 500");
		return false;
	}
	snprintf(a->limit, sizeof(a->limit), "%lld", (long long)n);
	return num_param(req, "min_fit", a->fit, sizeof(a->fit), &a->min_fit) &&
	       num_param(req, "min_employees", a->emp, sizeof(a->emp),
	                 &a->min_emp);
}

/* The near-qualified score: NEAR_SHARE of the lowest rule threshold. */
static enum db_status
near_score(int64_t ws, double *out, char *err, size_t errlen)
{
	struct db_conn *c = db_acquire(5000, err, errlen);
	cJSON *model = NULL;
	enum db_status result;
	int version;

	if (c == NULL)
		return DB_UNAVAILABLE;
	result = scoring_current(c, ws, &version, &model);
	if (result != DB_OK)
		snprintf(err, errlen, "%s", c->error);
	db_release(c);
	*out = model ? model_lowest_threshold(model) * NEAR_SHARE : 0;
	cJSON_Delete(model);
	return result;
}

static void
get_leads(struct http_req *req)
{
	struct caller who;
	struct list_args a;
	char ws[24], near[32], err[512];
	double threshold = 0;
	PGresult *r = NULL;
	enum db_status st;
	cJSON *o, *list;

	if (!auth_admin(req, ROLE_SALES, &who) || !list_args(req, &a))
		return;
	st = near_score(who.workspace_id, &threshold, err, sizeof(err));
	if (st != DB_OK) {
		db_failed(req, st, err);
		return;
	}
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	snprintf(near, sizeof(near), "%.17g", threshold);
	const char *p[8] = {ws,        threshold > 0 ? near : NULL,
	                    a.subject, a.rule,
	                    a.min_fit, a.min_emp,
	                    a.sort,    a.limit};
	st = db_exec(&r, list_sql, 8, p, err, sizeof(err));
	if (st != DB_OK) {
		db_failed(req, st, err);
		return;
	}
	o = cJSON_CreateObject();
	if (threshold > 0)
		cJSON_AddNumberToObject(o, "near_score",
		                        round(threshold * 10) / 10);
	else
		cJSON_AddNullToObject(o, "near_score");
	list = cJSON_AddArrayToObject(o, "leads");
	for (int i = 0; i < PQntuples(r); i++)
		cJSON_AddItemToArray(list, lead_json(r, i));
	PQclear(r);
	http_json(req, 200, o);
}

/* ---- GET /api/v1/leads/{person} ------------------------------------- */

static const char person_sql[] =
    "SELECT p.id, p.external_id, p.name, p.email, p.traits->>'role',"
    " p.traits::text, p.signed_up_at, p.last_seen_at,"
    " a.id, a.name, a.traits::text,"
    " ps.score, ps.fit, ps.engagement, ps.reasons::text,"
    " ps.model_version, ps.updated_at,"
    " s.score, s.fit, s.engagement, s.reasons::text"
    " FROM persons p LEFT JOIN accounts a"
    "  ON a.workspace_id = p.workspace_id AND a.id = p.account_id"
    " LEFT JOIN person_scores ps"
    "  ON ps.workspace_id = p.workspace_id AND ps.person_id = p.id"
    " LEFT JOIN account_scores s"
    "  ON s.workspace_id = a.workspace_id AND s.account_id = a.id"
    " WHERE p.workspace_id = $1 AND p.id = $2";

static const char quals_sql[] =
    "SELECT id, subject_type, subject_id, rule_id, rule_name,"
    " qualified_at, left_at, score, fit, engagement, reasons::text,"
    " model_version"
    " FROM qualifications WHERE workspace_id = $1"
    "  AND ((subject_type = 'person' AND subject_id = $2)"
    "   OR (subject_type = 'account' AND subject_id = $3::bigint))"
    " ORDER BY qualified_at DESC, id DESC LIMIT 100";

static const char releases_sql[] =
    "SELECT r.id, r.title, r.slug,"
    " count(*) FILTER (WHERE e.type = 'release_viewed'),"
    " coalesce(sum(CASE WHEN e.type = 'release_read'"
    "  AND jsonb_typeof(e.props->'ms') = 'number'"
    "  AND (e.props->>'ms')::float8 BETWEEN 0 AND 86400000"
    "  THEN (e.props->>'ms')::float8 END), 0),"
    " count(*) FILTER (WHERE e.type = 'link_clicked'),"
    " count(*) FILTER (WHERE e.type = 'release_shared'),"
    " max(e.occurred_at)"
    " FROM events e JOIN releases r"
    "  ON r.workspace_id = e.workspace_id AND r.id = e.release_id"
    " WHERE e.workspace_id = $1 AND e.person_id = $2"
    "  AND e.release_id IS NOT NULL"
    " GROUP BY r.id, r.title, r.slug ORDER BY max(e.occurred_at) DESC"
    " LIMIT 100";

static const char features_sql[] =
    "SELECT props->>'feature', count(*), min(occurred_at),"
    " max(occurred_at) FROM events"
    " WHERE workspace_id = $1 AND person_id = $2 AND name = 'feature_used'"
    "  AND props ? 'feature'"
    " GROUP BY 1 ORDER BY max(occurred_at) DESC LIMIT 100";

static const char timeline_sql[] =
    "SELECT e.source, e.type, e.name, e.release_id, r.title,"
    " e.props::text, e.occurred_at"
    " FROM events e LEFT JOIN releases r"
    "  ON r.workspace_id = e.workspace_id AND r.id = e.release_id"
    " WHERE e.workspace_id = $1 AND e.person_id = $2"
    " ORDER BY e.occurred_at DESC, e.id DESC LIMIT 50";

static cJSON *
person_json(const PGresult *r)
{
	cJSON *o = cJSON_CreateObject();

	add_num(o, "id", r, 0, 0);
	add_text(o, "external_id", r, 0, 1);
	add_text(o, "name", r, 0, 2);
	add_text(o, "email", r, 0, 3);
	add_text(o, "role", r, 0, 4);
	add_json(o, "traits", r, 0, 5);
	add_text(o, "signed_up_at", r, 0, 6);
	add_text(o, "last_seen_at", r, 0, 7);
	return o;
}

static cJSON *
account_json(const PGresult *r)
{
	cJSON *o;

	if (PQgetisnull(r, 0, 8))
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	add_num(o, "id", r, 0, 8);
	add_text(o, "name", r, 0, 9);
	add_json(o, "traits", r, 0, 10);
	add_num(o, "score", r, 0, 17);
	add_num(o, "fit", r, 0, 18);
	add_num(o, "engagement", r, 0, 19);
	add_json(o, "reasons", r, 0, 20);
	return o;
}

/* Fills scores and reasons of the lead from the person row. */
static void
scores_json(cJSON *o, const PGresult *r)
{
	bool none = PQgetisnull(r, 0, 11);

	if (none) {
		cJSON_AddNumberToObject(o, "score", 0);
		cJSON_AddNumberToObject(o, "fit", 0);
		cJSON_AddNumberToObject(o, "engagement", 0);
		cJSON_AddItemToObject(o, "reasons", cJSON_CreateArray());
		cJSON_AddNullToObject(o, "model_version");
		cJSON_AddNullToObject(o, "scored_at");
		return;
	}
	add_num(o, "score", r, 0, 11);
	add_num(o, "fit", r, 0, 12);
	add_num(o, "engagement", r, 0, 13);
	add_json(o, "reasons", r, 0, 14);
	add_num(o, "model_version", r, 0, 15);
	add_text(o, "scored_at", r, 0, 16);
}

static void
quals_json(cJSON *o, const PGresult *r)
{
	cJSON *state = cJSON_AddArrayToObject(o, "state");
	cJSON *list = cJSON_AddArrayToObject(o, "qualifications");

	for (int i = 0; i < PQntuples(r); i++) {
		cJSON *q = cJSON_CreateObject();

		add_num(q, "id", r, i, 0);
		add_text(q, "subject", r, i, 1);
		add_num(q, "subject_id", r, i, 2);
		add_text(q, "rule_id", r, i, 3);
		add_text(q, "rule_name", r, i, 4);
		add_text(q, "qualified_at", r, i, 5);
		add_text(q, "left_at", r, i, 6);
		add_num(q, "score", r, i, 7);
		add_num(q, "fit", r, i, 8);
		add_num(q, "engagement", r, i, 9);
		add_json(q, "reasons", r, i, 10);
		add_num(q, "model_version", r, i, 11);
		if (PQgetisnull(r, i, 6))
			cJSON_AddItemToArray(state, cJSON_Duplicate(q, 1));
		cJSON_AddItemToArray(list, q);
	}
}

static void
releases_json(cJSON *o, const PGresult *r)
{
	cJSON *list = cJSON_AddArrayToObject(o, "releases");

	for (int i = 0; i < PQntuples(r); i++) {
		cJSON *x = cJSON_CreateObject();
		double ms = strtod(PQgetvalue(r, i, 4), NULL);

		add_text(x, "release_id", r, i, 0);
		add_text(x, "title", r, i, 1);
		add_text(x, "slug", r, i, 2);
		add_num(x, "views", r, i, 3);
		cJSON_AddNumberToObject(x, "read_ms", ms);
		cJSON_AddNumberToObject(x, "read_minutes",
		                        round(ms / 6000.0) / 10);
		add_num(x, "clicks", r, i, 5);
		add_num(x, "shares", r, i, 6);
		add_text(x, "last_at", r, i, 7);
		cJSON_AddItemToArray(list, x);
	}
}

static void
features_json(cJSON *o, const PGresult *r)
{
	cJSON *list = cJSON_AddArrayToObject(o, "features");

	for (int i = 0; i < PQntuples(r); i++) {
		cJSON *x = cJSON_CreateObject();

		add_text(x, "feature", r, i, 0);
		add_num(x, "count", r, i, 1);
		add_text(x, "first_used_at", r, i, 2);
		add_text(x, "last_used_at", r, i, 3);
		cJSON_AddItemToArray(list, x);
	}
}

static void
timeline_json(cJSON *o, const PGresult *r)
{
	cJSON *list = cJSON_AddArrayToObject(o, "timeline");

	for (int i = 0; i < PQntuples(r); i++) {
		cJSON *x = cJSON_CreateObject();

		add_text(x, "source", r, i, 0);
		add_text(x, "type", r, i, 1);
		add_text(x, "name", r, i, 2);
		add_text(x, "release_id", r, i, 3);
		add_text(x, "release_title", r, i, 4);
		add_json(x, "properties", r, i, 5);
		add_text(x, "occurred_at", r, i, 6);
		cJSON_AddItemToArray(list, x);
	}
}

/* Runs the four per-person queries and adds their parts to o. */
static enum db_status
lead_parts(struct db_conn *c, const char *const *p, cJSON *o)
{
	static const char *const sqls[] = {quals_sql, releases_sql,
	                                   features_sql, timeline_sql};
	static void (*const fill[])(cJSON *, const PGresult *) = {
	    quals_json, releases_json, features_json, timeline_json};
	enum db_status result = DB_OK;

	for (size_t i = 0; i < 4 && result == DB_OK; i++) {
		PGresult *r = NULL;

		result = db_query(c, &r, sqls[i], i == 0 ? 3 : 2, p);
		if (result == DB_OK)
			fill[i](o, r);
		PQclear(r);
	}
	return result;
}

static void
get_lead(struct http_req *req)
{
	struct caller who;
	char ws[24], pid[24], acct[24], err[512];
	struct db_conn *c = NULL;
	PGresult *r = NULL;
	enum db_status st = DB_UNAVAILABLE;
	int64_t id;
	cJSON *o = NULL;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	if (!util_parse_i64(http_param(req, 0), &id) || id <= 0) {
		http_error(req, 400, "person_id: must be a positive number");
		return;
	}
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	snprintf(pid, sizeof(pid), "%lld", (long long)id);
	const char *p[3] = {ws, pid, NULL};
	c = db_acquire(5000, err, sizeof(err));
	if (c == NULL || (st = db_query(c, &r, person_sql, 2, p)) != DB_OK)
		goto fail;
	if (PQntuples(r) != 1) {
		http_error(req, 404, "person_id: no person %s", pid);
		goto out;
	}
	snprintf(acct, sizeof(acct), "%s", PQgetvalue(r, 0, 8));
	p[2] = PQgetisnull(r, 0, 8) ? NULL : acct;
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "person", person_json(r));
	cJSON_AddItemToObject(o, "account", account_json(r));
	scores_json(o, r);
	st = lead_parts(c, p, o);
	if (st != DB_OK)
		goto fail;
	http_json(req, 200, o);
	o = NULL;
	goto out;
fail:
	db_failed(req, st, c ? c->error : err);
out:
	cJSON_Delete(o);
	PQclear(r);
	db_release(c);
}

const struct route leads_routes[] = {
    {"GET", "/api/v1/leads", get_leads, 0},
    {"GET", "/api/v1/leads/{}", get_lead, 0},
    {NULL, NULL, NULL, 0},
};
