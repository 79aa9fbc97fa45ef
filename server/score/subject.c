/* Herald - scoring one person and their account.  Reads only that
 * subject's rollups (person_daily) and indexed per-person event queries,
 * never a scan of all events. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "score/engage.h"
#include "score/fit.h"
#include "score/model.h"
#include "score/rules.h"
#include "score/scoring.h"
#include "score/subject.h"
#include "widget/events.h"

/* One subject being scored: a person, or an account and its people. */
struct subject {
	struct db_conn *c;
	char ws[24];
	char tz[64];
	int today; /* days since 2000-01-01 in the workspace time zone */
	const cJSON *model;
	int version;
	const char *type; /* "person" or "account" */
	char id[24];
	struct buf people; /* PostgreSQL array literal of person ids */
	cJSON *facts;
	bool has_signup;
	int signup_day;
	PGresult *daily;
	PGresult *detail;
	struct engage_row *rows; /* engagement input */
	size_t nrows;
	struct engage_row *days; /* daily totals, rules input */
	size_t ndays;
	double fit, engagement, score;
	cJSON *reasons;
	bool timed; /* time alone may change its state: recheck */
};

static void
subject_cleanup(struct subject *s)
{
	buf_cleanup(&s->people);
	cJSON_Delete(s->facts);
	cJSON_Delete(s->reasons);
	PQclear(s->daily);
	PQclear(s->detail);
	free(s->rows);
	free(s->days);
	s->days = NULL;
	s->facts = s->reasons = NULL;
	s->daily = s->detail = NULL;
	s->rows = NULL;
}

static int
int_value(const PGresult *r, int row, int col)
{
	return (int)strtol(PQgetvalue(r, row, col), NULL, 10);
}

/* ---- rollups and breakdowns ------------------------------------------ */

/* The first day to load: the widest rule window, the decay horizon, and
 * the signup day for since-signup windows. */
static int
first_day(const struct subject *s)
{
	const cJSON *eng =
	    cJSON_GetObjectItemCaseSensitive(s->model, "engagement");
	double hl = model_number(eng, "half_life_days", 14);
	int decay = (int)fmin(3650, ceil(hl * 10));
	bool signup = false;
	int h = rules_horizon(s->model, &signup);
	int from;

	if (h < 0)
		return -1000000;
	from = s->today - (h > decay ? h : decay) + 1;
	if (signup && s->has_signup && s->signup_day < from)
		from = s->signup_day;
	return from;
}

static const cJSON *
signals_of(const cJSON *model)
{
	return cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(model, "engagement"), "signals");
}

/* True when the signal counts only after a release view. */
static bool
attributed(const cJSON *model, const char *event)
{
	const cJSON *sig;

	cJSON_ArrayForEach(sig, signals_of(model))
	{
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		        sig, "after_viewing_release")) &&
		    strcmp(model_string(sig, "event"), event) == 0)
			return true;
	}
	return false;
}

static const char daily_sql[] =
    "SELECT day - date '2000-01-01', event, sum(count)::float8,"
    " sum(value)::float8 FROM person_daily"
    " WHERE workspace_id = $1 AND person_id = ANY($2::bigint[])"
    "   AND day >= date '2000-01-01' + $3::int"
    " GROUP BY 1, 2";

/* Release views, reads, clicks and shares by day and release title;
 * feature_used (or any attributed signal) by day, feature and the first
 * release viewed before it that introduced the feature. */
static const char detail_sql[] =
    "WITH since AS (SELECT ((date '2000-01-01' + $3::int)::timestamp"
    "   AT TIME ZONE $4) AS t)"
    " SELECT (e.occurred_at AT TIME ZONE $4)::date - date '2000-01-01',"
    "  e.name, r.title, NULL::text, count(*)::float8,"
    "  sum(CASE WHEN jsonb_typeof(e.props->'ms') = 'number'"
    "   AND (e.props->>'ms')::float8 BETWEEN 0 AND 86400000"
    "   THEN (e.props->>'ms')::float8 ELSE 0 END), false"
    " FROM events e JOIN releases r"
    "  ON r.workspace_id = e.workspace_id AND r.id = e.release_id"
    " WHERE e.workspace_id = $1 AND e.person_id = ANY($2::bigint[])"
    "  AND e.occurred_at >= (SELECT t FROM since)"
    "  AND e.release_id IS NOT NULL AND e.name = ANY($5::text[])"
    " GROUP BY 1, 2, 3"
    " UNION ALL"
    " SELECT (f.occurred_at AT TIME ZONE $4)::date - date '2000-01-01',"
    "  f.name, v.title, f.props->>'feature', count(*)::float8, 0, true"
    " FROM events f CROSS JOIN LATERAL ("
    "  SELECT r.title FROM events x JOIN releases r"
    "   ON r.workspace_id = x.workspace_id AND r.id = x.release_id"
    "  WHERE x.workspace_id = f.workspace_id"
    "   AND x.person_id = f.person_id AND x.type = 'release_viewed'"
    "   AND x.occurred_at <= f.occurred_at"
    "   AND r.features @> ARRAY[f.props->>'feature']"
    "  ORDER BY x.occurred_at LIMIT 1) v"
    " WHERE f.workspace_id = $1 AND f.person_id = ANY($2::bigint[])"
    "  AND f.occurred_at >= (SELECT t FROM since)"
    "  AND f.name = ANY($6::text[]) AND f.props ? 'feature'"
    " GROUP BY 1, 2, 3, 4";

/* Text arrays of the signal events: those that can name a release
 * (widget events), and those attributed. */
static void
signal_arrays(const cJSON *model, cJSON *all, cJSON *attr)
{
	const cJSON *sig;

	cJSON_ArrayForEach(sig, signals_of(model))
	{
		const char *ev = model_string(sig, "event");
		cJSON *to = ev == NULL ? NULL
		            : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		                  sig, "after_viewing_release"))
		                ? attr
		            : ev_type_known(ev) ? all
		                                : NULL;

		if (to != NULL)
			cJSON_AddItemToArray(to, cJSON_CreateString(ev));
	}
}

/* True when the loaded daily totals have a row for event. */
static bool
daily_has(const struct subject *s, const char *event)
{
	for (int i = 0; i < PQntuples(s->daily); i++)
		if (strcmp(PQgetvalue(s->daily, i, 1), event) == 0)
			return true;
	return false;
}

/* ... for one of the names in a JSON array. */
static bool
daily_has_any(const struct subject *s, const cJSON *names)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, names)
	{
		if (daily_has(s, it->valuestring))
			return true;
	}
	return false;
}

static const char viewed_sql[] =
    "SELECT EXISTS (SELECT 1 FROM person_daily"
    " WHERE workspace_id = $1 AND person_id = ANY($2::bigint[])"
    "  AND event = 'release_viewed')";

/* Whether the breakdown can have a row, told by the rollups: a release
 * signal counted in the window, or an attributed signal counted in the
 * window by someone who ever viewed a release (person_daily holds every
 * view, merged anonymous ones too, and outlives the events). */
static enum db_status
detail_needed(struct subject *s, const cJSON *all, const cJSON *attr,
              bool *needed)
{
	const char *p[2] = {s->ws, s->people.data};
	PGresult *r = NULL;
	enum db_status result;

	*needed = daily_has_any(s, all) ||
	          (daily_has_any(s, attr) && daily_has(s, "release_viewed"));
	if (*needed || !daily_has_any(s, attr))
		return DB_OK;
	result = db_prepared(s->c, &r, viewed_sql, 2, p);
	if (result == DB_OK)
		*needed = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return result;
}

/* Writes a JSON array of strings as a PostgreSQL array literal. */
static bool
pg_array(const cJSON *list, struct buf *out)
{
	const cJSON *it;
	bool ok = buf_puts(out, "{");

	cJSON_ArrayForEach(it, list)
	{
		ok = ok && buf_puts(out, it == list->child ? "\"" : ",\"");
		for (const char *p = it->valuestring; ok && *p; p++)
			ok = (*p == '"' || *p == '\\' ? buf_puts(out, "\\")
			                              : true) &&
			     buf_append(out, p, 1);
		ok = ok && buf_puts(out, "\"");
	}
	return ok && buf_puts(out, "}");
}

static enum db_status
load_detail(struct subject *s, const char *from)
{
	cJSON *all = cJSON_CreateArray(), *attr = cJSON_CreateArray();
	struct buf a1, a2;
	bool needed = false;
	enum db_status result;

	buf_init(&a1, 1 << 16);
	buf_init(&a2, 1 << 16);
	signal_arrays(s->model, all, attr);
	/* Nothing to break down: spare the query, whose planning over every
	 * partition of events costs more than the rest of a scoring. */
	result = detail_needed(s, all, attr, &needed);
	if (result == DB_OK && needed) {
		result = DB_ERROR;
		if (pg_array(all, &a1) && pg_array(attr, &a2)) {
			const char *p[6] = {s->ws, s->people.data, from,
			                    s->tz, a1.data,        a2.data};

			result =
			    db_prepared(s->c, &s->detail, detail_sql, 6, p);
		}
	}
	buf_cleanup(&a1);
	buf_cleanup(&a2);
	cJSON_Delete(all);
	cJSON_Delete(attr);
	return result;
}

/* Rules read the daily totals as they are (days).  Engagement reads
 * them too (rows), except that attributed signals take their totals from
 * the breakdown, since only uses after a release view count; the
 * breakdown rows follow. */
static bool
build_rows(struct subject *s)
{
	int nd = PQntuples(s->daily), nb = s->detail ? PQntuples(s->detail) : 0;
	size_t n = 0;

	s->days = calloc((size_t)nd + 1, sizeof(*s->days));
	s->rows = calloc((size_t)(nd + 2 * nb) + 1, sizeof(*s->rows));
	if (s->rows == NULL || s->days == NULL)
		return false;
	for (int i = 0; i < nd; i++) {
		struct engage_row *d = &s->days[i];

		d->day = int_value(s->daily, i, 0);
		d->event = PQgetvalue(s->daily, i, 1);
		d->count = strtod(PQgetvalue(s->daily, i, 2), NULL);
		d->value = strtod(PQgetvalue(s->daily, i, 3), NULL);
		d->total = true;
		if (!attributed(s->model, d->event))
			s->rows[n++] = *d;
	}
	s->ndays = (size_t)nd;
	for (int i = 0; i < nb; i++) {
		struct engage_row *r = &s->rows[n++];

		r->day = int_value(s->detail, i, 0);
		r->event = PQgetvalue(s->detail, i, 1);
		r->release = PQgetvalue(s->detail, i, 2);
		r->feature = PQgetisnull(s->detail, i, 3)
		                 ? NULL
		                 : PQgetvalue(s->detail, i, 3);
		r->count = strtod(PQgetvalue(s->detail, i, 4), NULL);
		r->value = strtod(PQgetvalue(s->detail, i, 5), NULL);
		if (PQgetvalue(s->detail, i, 6)[0] == 't') {
			s->rows[n] = *r; /* an attributed use is a total too */
			s->rows[n].total = true;
			s->rows[n].release = s->rows[n].feature = NULL;
			n++;
		}
	}
	s->nrows = n;
	return true;
}

static enum db_status
load_rows(struct subject *s, bool with_detail)
{
	char from[24];
	const char *p[3] = {s->ws, s->people.data, from};
	enum db_status result;

	snprintf(from, sizeof(from), "%d", first_day(s));
	result = db_prepared(s->c, &s->daily, daily_sql, 3, p);
	if (result == DB_OK && with_detail)
		result = load_detail(s, from);
	if (result == DB_OK && !build_rows(s))
		result = DB_ERROR;
	return result;
}

/* ---- rules and transitions ------------------------------------------ */

static const char count_where_sql[] =
    "SELECT count(*)::float8 FROM events"
    " WHERE workspace_id = $1 AND person_id = ANY($2::bigint[])"
    "  AND CASE WHEN type = 'track' THEN name ELSE type END = $3"
    "  AND props @> $4::jsonb"
    "  AND occurred_at >= ((date '2000-01-01' + $5::int)::timestamp"
    "   AT TIME ZONE $7)"
    "  AND occurred_at < ((date '2000-01-01' + $6::int + 1)::timestamp"
    "   AT TIME ZONE $7)";

/* rules_count_fn on the subject's events, through events_person.  The
 * event is matched as the rollups key it: the track name, else the type
 * (widget event types, page, screen). */
static bool
count_where(void *arg, const cJSON *atom, int from, int to, double *out)
{
	struct subject *s = arg;
	char f[24], t[24];
	char *where = cJSON_PrintUnformatted(
	    cJSON_GetObjectItemCaseSensitive(atom, "where"));
	const char *p[7] = {
	    s->ws, s->people.data, model_string(atom, "event"), where, f,
	    t,     s->tz};
	PGresult *r = NULL;
	bool ok;

	snprintf(f, sizeof(f), "%d", from < -100000 ? -100000 : from);
	snprintf(t, sizeof(t), "%d", to);
	ok = where != NULL &&
	     db_prepared(s->c, &r, count_where_sql, 7, p) == DB_OK;
	*out = ok ? strtod(PQgetvalue(r, 0, 0), NULL) : 0;
	PQclear(r);
	free(where);
	return ok;
}

/* Per rule ($4 ids, $5 cooldown days), in order: the open
 * qualification, and whether the last one is within the cooldown. */
static const char open_sql[] =
    "SELECT (SELECT id FROM qualifications WHERE workspace_id = $1"
    "   AND subject_type = $2 AND subject_id = $3 AND rule_id = r.id"
    "   AND left_at IS NULL),"
    " coalesce((SELECT max(qualified_at)"
    "   + make_interval(secs => r.cd * 86400) > now()"
    "   FROM qualifications WHERE workspace_id = $1"
    "   AND subject_type = $2 AND subject_id = $3 AND rule_id = r.id),"
    "  false)"
    " FROM unnest($4::text[], $5::float8[]) WITH ORDINALITY AS r(id, cd, n)"
    " ORDER BY r.n";

static const char leave_sql[] =
    "UPDATE qualifications SET left_at = now()"
    " WHERE workspace_id = $1 AND id = $2 AND left_at IS NULL";

static const char enter_sql[] =
    "WITH q AS (INSERT INTO qualifications (workspace_id, subject_type,"
    "  subject_id, rule_id, rule_name, model_version, score, fit,"
    "  engagement, reasons, notify)"
    " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb,"
    "  ARRAY(SELECT jsonb_array_elements_text($11::jsonb))"
    " ON CONFLICT (workspace_id, subject_type, subject_id, rule_id)"
    "  WHERE left_at IS NULL DO NOTHING RETURNING id)"
    " SELECT id, pg_notify('herald_alerts', json_build_object("
    "  'workspace_id', $1::bigint, 'qualification_id', id)::text)"
    " FROM q";

static enum db_status
enter(struct subject *s, const cJSON *rule)
{
	char ver[16], score[32], fit[32], eng[32];
	char *reasons = cJSON_PrintUnformatted(s->reasons);
	char *notify = cJSON_PrintUnformatted(
	    cJSON_GetObjectItemCaseSensitive(rule, "notify"));
	const char *p[11] = {s->ws,
	                     s->type,
	                     s->id,
	                     model_string(rule, "id"),
	                     model_string(rule, "name"),
	                     ver,
	                     score,
	                     fit,
	                     eng,
	                     reasons,
	                     notify ? notify : "[]"};
	enum db_status result;

	snprintf(ver, sizeof(ver), "%d", s->version);
	snprintf(score, sizeof(score), "%.1f", s->score);
	snprintf(fit, sizeof(fit), "%.1f", s->fit);
	snprintf(eng, sizeof(eng), "%.1f", s->engagement);
	result = reasons ? db_prepared(s->c, NULL, enter_sql, 11, p) : DB_ERROR;
	free(reasons);
	free(notify);
	return result;
}

static void
rules_input_init(struct rules_input *in, struct subject *s)
{
	memset(in, 0, sizeof(*in));
	in->fit = s->fit;
	in->engagement = s->engagement;
	in->score = s->score;
	in->facts = s->facts;
	in->rows = s->days;
	in->nrows = s->ndays;
	in->today = s->today;
	in->has_signup = s->has_signup;
	in->signup_day = s->signup_day;
	in->count_where = count_where;
	in->arg = s;
}

/* Moves one rule's state (row i of open_sql): enter (unless cooling
 * down) or leave. */
static enum db_status
transition(struct subject *s, const cJSON *rule, const PGresult *r, int i)
{
	struct rules_input in;
	enum rules_result st;
	bool open = !PQgetisnull(r, i, 0);
	bool cooling = PQgetvalue(r, i, 1)[0] == 't';

	rules_input_init(&in, s);
	st = rules_eval(cJSON_GetObjectItemCaseSensitive(rule, "when"), &in,
	                open);
	if (open || cooling)
		s->timed = true;
	if (st == RULES_ERROR)
		return DB_ERROR;
	if (open && st == RULES_FALSE) {
		const char *lp[2] = {s->ws, PQgetvalue(r, i, 0)};

		return db_prepared(s->c, NULL, leave_sql, 2, lp);
	}
	if (!open && !cooling && st == RULES_TRUE)
		return enter(s, rule);
	return DB_OK;
}

static bool
mine(const struct subject *s, const cJSON *rule)
{
	const char *subj = model_string(rule, "subject");

	return strcmp(subj ? subj : "person", s->type) == 0;
}

/* The state of every rule of the subject's kind, in one query. */
static enum db_status
load_states(struct subject *s, PGresult **r)
{
	const cJSON *rule;
	cJSON *ids = cJSON_CreateArray();
	struct buf a1, a2;
	bool ok;
	enum db_status result = DB_ERROR;

	buf_init(&a1, 1 << 16);
	buf_init(&a2, 1 << 16);
	ok = buf_puts(&a2, "{");
	cJSON_ArrayForEach(rule,
	                   cJSON_GetObjectItemCaseSensitive(s->model, "rules"))
	{
		const char *id = model_string(rule, "id");

		if (!mine(s, rule))
			continue;
		ok = ok && buf_printf(&a2, "%s%g", cJSON_GetArraySize(ids) ? ","
		                                                           : "",
		                      model_number(rule, "cooldown_days", 0));
		cJSON_AddItemToArray(ids, cJSON_CreateString(id));
	}
	if (ok && buf_puts(&a2, "}") && pg_array(ids, &a1)) {
		const char *p[5] = {s->ws, s->type, s->id, a1.data, a2.data};

		result = db_prepared(s->c, r, open_sql, 5, p);
	}
	buf_cleanup(&a1);
	buf_cleanup(&a2);
	cJSON_Delete(ids);
	return result;
}

static enum db_status
run_rules(struct subject *s)
{
	const cJSON *rule;
	PGresult *r = NULL;
	int i = 0;
	enum db_status result = load_states(s, &r);

	cJSON_ArrayForEach(rule,
	                   cJSON_GetObjectItemCaseSensitive(s->model, "rules"))
	{
		if (result != DB_OK)
			break;
		if (!mine(s, rule))
			continue;
		result = i < PQntuples(r) ? transition(s, rule, r, i++)
		                          : DB_ERROR;
	}
	PQclear(r);
	return result;
}

/* ---- reasons --------------------------------------------------------- */

static int
by_points(const void *a, const void *b)
{
	double pa = model_number(*(cJSON *const *)a, "points", 0);
	double pb = model_number(*(cJSON *const *)b, "points", 0);

	return (pb > pa) - (pb < pa);
}

/* Orders reasons by points, largest first. */
static void
sort_reasons(cJSON *reasons)
{
	int n = cJSON_GetArraySize(reasons);
	cJSON **items;

	if (n < 2 || (items = calloc((size_t)n, sizeof(*items))) == NULL)
		return;
	for (int i = 0; i < n; i++)
		items[i] = cJSON_DetachItemFromArray(reasons, 0);
	qsort(items, (size_t)n, sizeof(*items), by_points);
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(reasons, items[i]);
	free(items);
}

/* ---- storing scores -------------------------------------------------- */

static const char save_person_sql[] =
    "INSERT INTO person_scores AS ps (workspace_id, person_id, score, fit,"
    " engagement, reasons, model_version, recheck_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7,"
    "  CASE WHEN $8::boolean THEN (date '2000-01-01' + $9::int + 1)"
    "   ::timestamp AT TIME ZONE $10 END, now())"
    " ON CONFLICT (workspace_id, person_id) DO UPDATE SET"
    "  score = EXCLUDED.score, fit = EXCLUDED.fit,"
    "  engagement = EXCLUDED.engagement, reasons = EXCLUDED.reasons,"
    "  model_version = EXCLUDED.model_version,"
    "  recheck_at = EXCLUDED.recheck_at, updated_at = now()";

static const char save_account_sql[] =
    "INSERT INTO account_scores (workspace_id, account_id, score, fit,"
    " engagement, reasons, model_version, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, now())"
    " ON CONFLICT (workspace_id, account_id) DO UPDATE SET"
    "  score = EXCLUDED.score, fit = EXCLUDED.fit,"
    "  engagement = EXCLUDED.engagement, reasons = EXCLUDED.reasons,"
    "  model_version = EXCLUDED.model_version, updated_at = now()";

static enum db_status
save(struct subject *s)
{
	char score[32], fit[32], eng[32], ver[16], today[16];
	char *reasons = cJSON_PrintUnformatted(s->reasons);
	bool person = strcmp(s->type, "person") == 0;
	const char *p[10] = {
	    s->ws, s->id,   score, fit,
	    eng,   reasons, ver,   s->timed || s->nrows > 0 ? "true" : "false",
	    today, s->tz};
	enum db_status result = DB_ERROR;

	snprintf(score, sizeof(score), "%.1f", s->score);
	snprintf(fit, sizeof(fit), "%.1f", s->fit);
	snprintf(eng, sizeof(eng), "%.1f", s->engagement);
	snprintf(ver, sizeof(ver), "%d", s->version);
	snprintf(today, sizeof(today), "%d", s->today);
	if (reasons != NULL)
		result = db_prepared(s->c, NULL,
		                  person ? save_person_sql : save_account_sql,
		                  person ? 10 : 7, p);
	free(reasons);
	return result;
}

/* ---- the person ------------------------------------------------------ */

static const char person_sql[] =
    "SELECT w.timezone,"
    " (now() AT TIME ZONE w.timezone)::date - date '2000-01-01',"
    " p.traits || jsonb_strip_nulls(jsonb_build_object('email', p.email,"
    "  'name', p.name, 'external_id', p.external_id)),"
    " p.account_id,"
    " (coalesce(p.signed_up_at, p.first_seen_at) AT TIME ZONE w.timezone)"
    "  ::date - date '2000-01-01',"
    " CASE WHEN a.id IS NULL THEN '{}'::jsonb ELSE a.traits ||"
    "  jsonb_strip_nulls(jsonb_build_object('name', a.name,"
    "  'external_id', a.external_id)) END"
    " FROM persons p JOIN workspaces w ON w.id = p.workspace_id"
    " LEFT JOIN accounts a"
    "  ON a.workspace_id = p.workspace_id AND a.id = p.account_id"
    " WHERE p.workspace_id = $1 AND p.id = $2";

/* Scores the subject s already loaded: fit, engagement, reasons. */
static void
compute(struct subject *s)
{
	s->reasons = cJSON_CreateArray();
	s->fit = fit_compute(s->model, s->facts, s->reasons);
	s->engagement =
	    engage_compute(s->model, s->rows, s->nrows, s->today, s->reasons);
	s->score = round((s->fit + s->engagement) * 10) / 10;
	sort_reasons(s->reasons);
}

static enum db_status
score_person(struct subject *s, const PGresult *p, int64_t person_id)
{
	enum db_status result;

	s->type = "person";
	snprintf(s->id, sizeof(s->id), "%lld", (long long)person_id);
	if (!buf_printf(&s->people, "{%lld}", (long long)person_id))
		return DB_ERROR;
	s->facts = cJSON_CreateObject();
	cJSON_AddItemToObject(s->facts, "person",
	                      cJSON_Parse(PQgetvalue(p, 0, 2)));
	cJSON_AddItemToObject(s->facts, "account",
	                      cJSON_Parse(PQgetvalue(p, 0, 5)));
	s->has_signup = true;
	s->signup_day = int_value(p, 0, 4);
	result = load_rows(s, true);
	if (result != DB_OK)
		return result;
	compute(s);
	result = run_rules(s);
	if (result == DB_OK)
		result = save(s);
	return result;
}

/* ---- the account ----------------------------------------------------- */

static const char people_sql[] =
    "SELECT p.id, p.traits || jsonb_strip_nulls(jsonb_build_object("
    "  'email', p.email, 'name', p.name, 'external_id', p.external_id)),"
    " (coalesce(p.signed_up_at, p.first_seen_at) AT TIME ZONE $3)::date"
    "  - date '2000-01-01',"
    " coalesce(ps.engagement, 0), coalesce(p.name, p.email, p.external_id)"
    " FROM persons p LEFT JOIN person_scores ps"
    "  ON ps.workspace_id = p.workspace_id AND ps.person_id = p.id"
    " WHERE p.workspace_id = $1 AND p.account_id = $2"
    " ORDER BY 4 DESC, p.id LIMIT 5000";

static const char lock_sql[] = "SELECT pg_advisory_xact_lock(hashtextextended("
                               " 'herald-account-' || $1 || '-' || $2, 0))";

static void
person_reason(cJSON *reasons, const PGresult *r, int i)
{
	cJSON *o = cJSON_CreateObject();
	double eng = strtod(PQgetvalue(r, i, 3), NULL);

	cJSON_AddStringToObject(o, "kind", "person");
	cJSON_AddNumberToObject(o, "person_id",
	                        strtod(PQgetvalue(r, i, 0), NULL));
	cJSON_AddStringToObject(o, "detail", PQgetvalue(r, i, 4));
	cJSON_AddNumberToObject(o, "points", eng);
	cJSON_AddItemToArray(reasons, o);
}

/* Account fit: its traits with its best person; engagement: the sum of
 * its people's; reasons: fit, then the five most engaged people. */
static bool
account_facts(struct subject *s, const PGresult *r, cJSON *account)
{
	cJSON *people = cJSON_CreateArray();
	int n = PQntuples(r);

	s->reasons = cJSON_CreateArray();
	s->engagement = 0;
	s->has_signup = n > 0;
	for (int i = 0; i < n; i++) {
		int day = int_value(r, i, 2);

		cJSON_AddItemToArray(people, cJSON_Parse(PQgetvalue(r, i, 1)));
		s->engagement += strtod(PQgetvalue(r, i, 3), NULL);
		if (i == 0 || day < s->signup_day)
			s->signup_day = day;
		if (!buf_printf(&s->people, "%s%s", i ? "," : "",
		                PQgetvalue(r, i, 0)))
			return false;
	}
	s->fit = fit_account(s->model, account, people, s->reasons);
	for (int i = 0; i < n && i < 5; i++)
		person_reason(s->reasons, r, i);
	s->engagement = round(s->engagement * 10) / 10;
	s->score = round((s->fit + s->engagement) * 10) / 10;
	s->facts = cJSON_CreateObject();
	cJSON_AddItemToObject(s->facts, "account", cJSON_Duplicate(account, 1));
	cJSON_AddItemToObject(s->facts, "people", people);
	return true;
}

static enum db_status
score_account(struct subject *s, const char *account_id, cJSON *account)
{
	const char *p[3] = {s->ws, account_id, s->tz};
	PGresult *r = NULL;
	enum db_status result;

	s->type = "account";
	snprintf(s->id, sizeof(s->id), "%s", account_id);
	/* People of one account scored at once in several processes take
	 * turns here, so that the account's rows are written in turn. */
	result = db_prepared(s->c, NULL, lock_sql, 2, p);
	if (result == DB_OK)
		result = db_prepared(s->c, &r, people_sql, 3, p);
	if (result != DB_OK)
		return result;
	if (!buf_puts(&s->people, "{") || !account_facts(s, r, account) ||
	    !buf_puts(&s->people, "}"))
		result = DB_ERROR;
	PQclear(r);
	if (result == DB_OK)
		result = load_rows(s, false);
	if (result == DB_OK)
		result = run_rules(s);
	if (result == DB_OK)
		result = save(s);
	return result;
}

/* ---- entry ----------------------------------------------------------- */

static const char account_sql[] =
    "SELECT w.timezone,"
    " (now() AT TIME ZONE w.timezone)::date - date '2000-01-01',"
    " a.traits || jsonb_strip_nulls(jsonb_build_object('name', a.name,"
    "  'external_id', a.external_id))"
    " FROM accounts a JOIN workspaces w ON w.id = a.workspace_id"
    " WHERE a.workspace_id = $1 AND a.id = $2";

static void
subject_init(struct subject *s, struct db_conn *c,
             const struct subject_model *m)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->model = m->model;
	s->version = m->version;
	snprintf(s->ws, sizeof(s->ws), "%lld", (long long)m->workspace_id);
	buf_init(&s->people, 1 << 20);
}

enum db_status
subject_score_person(struct db_conn *c, const struct subject_model *m,
                     int64_t person_id, int64_t *account_id)
{
	struct subject s;
	char pid[24];
	const char *p[2] = {s.ws, pid};
	PGresult *r = NULL;
	enum db_status result;

	*account_id = 0;
	subject_init(&s, c, m);
	snprintf(pid, sizeof(pid), "%lld", (long long)person_id);
	result = db_prepared(c, &r, person_sql, 2, p);
	if (result != DB_OK || PQntuples(r) != 1)
		goto out;
	snprintf(s.tz, sizeof(s.tz), "%s", PQgetvalue(r, 0, 0));
	s.today = int_value(r, 0, 1);
	result = score_person(&s, r, person_id);
	if (result == DB_OK && !PQgetisnull(r, 0, 3) &&
	    !util_parse_i64(PQgetvalue(r, 0, 3), account_id))
		result = DB_ERROR;
out:
	subject_cleanup(&s);
	PQclear(r);
	return result;
}

enum db_status
subject_score_account(struct db_conn *c, const struct subject_model *m,
                      int64_t account_id)
{
	struct subject s;
	char aid[24];
	const char *p[2] = {s.ws, aid};
	cJSON *account = NULL;
	PGresult *r = NULL;
	enum db_status result;

	subject_init(&s, c, m);
	snprintf(aid, sizeof(aid), "%lld", (long long)account_id);
	result = db_prepared(c, &r, account_sql, 2, p);
	if (result != DB_OK || PQntuples(r) != 1)
		goto out;
	snprintf(s.tz, sizeof(s.tz), "%s", PQgetvalue(r, 0, 0));
	s.today = int_value(r, 0, 1);
	account = cJSON_Parse(PQgetvalue(r, 0, 2));
	result = account ? score_account(&s, aid, account) : DB_ERROR;
out:
	subject_cleanup(&s);
	cJSON_Delete(account);
	PQclear(r);
	return result;
}
