/* Herald - what a workspace's model reads.  The scorer fingerprints each
 * claimed person's inputs in one statement for the whole batch and
 * rescores only those whose fingerprint moved: under a steady stream of
 * events the model never reads, people are claimed and dropped without
 * the per-person queries of a full scoring. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "score/inputs.h"
#include "score/model.h"
#include "score/rules.h"

/* What a model reads beyond traits. */
struct spec {
	cJSON *events;   /* rollup keys read: signals and counts */
	bool days;       /* a rule counts active days (any event) */
	bool signup;     /* a window starts at signup */
	int span;        /* days read back from today */
	double cooldown; /* the longest cooldown, days */
};

static void
add_event(cJSON *events, const char *name)
{
	const cJSON *it;

	if (name == NULL)
		return;
	cJSON_ArrayForEach(it, events)
	{
		if (strcmp(it->valuestring, name) == 0)
			return;
	}
	cJSON_AddItemToArray(events, cJSON_CreateString(name));
}

/* Walks a condition: count atoms read their event, active_days any. */
static void
walk(const cJSON *node, struct spec *sp)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, node)
	{
		if (it->string != NULL && strcmp(it->string, "count") == 0)
			add_event(sp->events, model_string(it, "event"));
		else if (it->string != NULL &&
		         strcmp(it->string, "active_days") == 0)
			sp->days = true;
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			walk(it, sp);
	}
}

static void
spec_build(const cJSON *model, struct spec *sp)
{
	const cJSON *eng =
	    cJSON_GetObjectItemCaseSensitive(model, "engagement");
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(model, "rules");
	const cJSON *sig, *rule;
	int decay = (int)fmin(3650, ceil(model_number(eng, "half_life_days",
	                                              14) * 10));
	int h = rules_horizon(model, &sp->signup);

	sp->events = cJSON_CreateArray();
	sp->days = false;
	sp->cooldown = 0;
	sp->span = h < 0 ? 1000000 : (h > decay ? h : decay);
	cJSON_ArrayForEach(sig,
	                   cJSON_GetObjectItemCaseSensitive(eng, "signals"))
	{
		add_event(sp->events, model_string(sig, "event"));
		/* An attributed use counts after a release view. */
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		        sig, "after_viewing_release")))
			add_event(sp->events, "release_viewed");
	}
	cJSON_ArrayForEach(rule, rules)
	{
		double cd = model_number(rule, "cooldown_days", 0);

		walk(cJSON_GetObjectItemCaseSensitive(rule, "when"), sp);
		if (cd > sp->cooldown)
			sp->cooldown = cd;
	}
}

static bool
text_array(const cJSON *list, struct buf *out)
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

static bool
id_array(const struct inputs_person *people, int n, struct buf *out)
{
	bool ok = buf_puts(out, "{");

	for (int i = 0; ok && i < n; i++)
		ok = buf_printf(out, "%s%lld", i ? "," : "",
		                (long long)people[i].id);
	return ok && buf_puts(out, "}");
}

/* $1 workspace, $2 people, $3 events read, $4 active days read, $5 span,
 * $6 since signup, $7 model version, $8 longest cooldown (days). */
static const char check_sql[] =
    "SELECT t.id, f.fp, coalesce(ps.model_version = $7::int"
    "  AND ps.inputs = f.fp"
    "  AND (ps.updated_at AT TIME ZONE w.timezone)::date = d.today"
    "  AND NOT ($8::float8 > 0 AND EXISTS (SELECT 1 FROM qualifications q"
    "   WHERE q.workspace_id = $1 AND q.left_at IS NOT NULL"
    "    AND ((q.subject_type = 'person' AND q.subject_id = p.id)"
    "     OR (q.subject_type = 'account' AND q.subject_id = p.account_id))"
    "    AND q.qualified_at > now() - make_interval(secs => $8 * 86400))),"
    "  false)"
    " FROM unnest($2::bigint[]) AS t(id)"
    " JOIN persons p ON p.workspace_id = $1 AND p.id = t.id"
    " JOIN workspaces w ON w.id = p.workspace_id"
    " LEFT JOIN accounts a"
    "  ON a.workspace_id = p.workspace_id AND a.id = p.account_id"
    " LEFT JOIN person_scores ps"
    "  ON ps.workspace_id = p.workspace_id AND ps.person_id = p.id"
    " CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE w.timezone)::date"
    "  AS today) d"
    " CROSS JOIN LATERAL (SELECT md5(row(w.timezone, p.traits, p.email,"
    "  p.name, p.external_id, p.signed_up_at, p.first_seen_at,"
    "  p.account_id, a.traits, a.name, a.external_id)::text || ':' ||"
    "  coalesce((SELECT string_agg(x, ',' ORDER BY x) FROM (SELECT DISTINCT"
    "   CASE WHEN pd.event = ANY($3::text[]) THEN pd.day || ' ' ||"
    "    pd.event || ' ' || pd.count || ' ' || pd.value"
    "   WHEN $4::boolean THEN pd.day::text END AS x"
    "   FROM person_daily pd"
    "   WHERE pd.workspace_id = p.workspace_id AND pd.person_id = p.id"
    "    AND pd.day >= least(d.today - $5::int + 1, CASE WHEN $6::boolean"
    "     THEN (coalesce(p.signed_up_at, p.first_seen_at)"
    "      AT TIME ZONE w.timezone)::date END)) y), '')) AS fp) f";

static void
take(const PGresult *r, struct inputs_person *people, int n)
{
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t id = 0;

		if (!util_parse_i64(PQgetvalue(r, i, 0), &id))
			continue;
		for (int j = 0; j < n; j++) {
			if (people[j].id != id)
				continue;
			snprintf(people[j].fp, sizeof(people[j].fp), "%s",
			         PQgetvalue(r, i, 1));
			people[j].unchanged = PQgetvalue(r, i, 2)[0] == 't';
		}
	}
}

enum db_status
inputs_check(struct db_conn *c, const struct subject_model *m,
             struct inputs_person *people, int n)
{
	struct spec sp;
	struct buf ids, names;
	char ws[24], span[16], ver[16], cool[32];
	PGresult *r = NULL;
	enum db_status result = DB_ERROR;

	for (int i = 0; i < n; i++) {
		people[i].unchanged = false;
		people[i].fp[0] = '\0';
	}
	spec_build(m->model, &sp);
	buf_init(&ids, 1 << 20);
	buf_init(&names, 1 << 16);
	snprintf(ws, sizeof(ws), "%lld", (long long)m->workspace_id);
	snprintf(span, sizeof(span), "%d", sp.span);
	snprintf(ver, sizeof(ver), "%d", m->version);
	snprintf(cool, sizeof(cool), "%g", sp.cooldown);
	if (id_array(people, n, &ids) && text_array(sp.events, &names)) {
		const char *p[8] = {ws,
		                    ids.data,
		                    names.data,
		                    sp.days ? "true" : "false",
		                    span,
		                    sp.signup ? "true" : "false",
		                    ver,
		                    cool};

		result = db_prepared(c, &r, check_sql, 8, p);
	}
	if (result == DB_OK)
		take(r, people, n);
	PQclear(r);
	buf_cleanup(&ids);
	buf_cleanup(&names);
	cJSON_Delete(sp.events);
	return result;
}

static const char save_sql[] =
    "UPDATE person_scores ps SET inputs = t.fp"
    " FROM unnest($2::bigint[], $3::text[]) AS t(id, fp)"
    " WHERE ps.workspace_id = $1 AND ps.person_id = t.id";

enum db_status
inputs_save(struct db_conn *c, const struct subject_model *m,
            const struct inputs_person *people, int n)
{
	struct buf ids, fps;
	char ws[24];
	bool ok, any = false;
	enum db_status result = DB_ERROR;

	buf_init(&ids, 1 << 20);
	buf_init(&fps, 1 << 20);
	snprintf(ws, sizeof(ws), "%lld", (long long)m->workspace_id);
	ok = buf_puts(&ids, "{") && buf_puts(&fps, "{");
	for (int i = 0; ok && i < n; i++) {
		if (people[i].unchanged || people[i].fp[0] == '\0')
			continue;
		ok = buf_printf(&ids, "%s%lld", any ? "," : "",
		                (long long)people[i].id) &&
		     buf_printf(&fps, "%s%s", any ? "," : "", people[i].fp);
		any = true;
	}
	ok = ok && buf_puts(&ids, "}") && buf_puts(&fps, "}");
	if (ok && !any)
		result = DB_OK;
	else if (ok) {
		const char *p[3] = {ws, ids.data, fps.data};

		result = db_prepared(c, NULL, save_sql, 3, p);
	}
	buf_cleanup(&ids);
	buf_cleanup(&fps);
	return result;
}
