/* Herald tests - scoring fixtures written with SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"
#include "lib/scorefix.h"

char *
fx_account(const char *ws, const char *ext, const char *name,
           const char *traits)
{
	const char *p[4] = {ws, ext, name, traits ? traits : "{}"};

	return sql_value("INSERT INTO accounts (workspace_id, external_id,"
	                 " name, traits) VALUES ($1, $2, $3, $4::jsonb)"
	                 " RETURNING id",
	                 4, p);
}

char *
fx_person(const char *ws, const char *ext, const char *name, const char *traits,
          const char *account, const char *signed_up)
{
	char email[256];
	const char *p[7] = {ws,      ext,       name, traits ? traits : "{}",
	                    account, signed_up, email};

	snprintf(email, sizeof(email), "%s@example.test", ext);
	return sql_value("INSERT INTO persons (workspace_id, external_id,"
	                 " name, traits, account_id, signed_up_at, email)"
	                 " VALUES ($1, $2, $3, $4::jsonb, $5::bigint,"
	                 " $6::timestamptz, $7) RETURNING id",
	                 7, p);
}

char *
fx_release(const char *ws, const char *slug, const char *title,
           const char *features)
{
	const char *p[4] = {ws, slug, title, features};

	return sql_value("INSERT INTO releases (workspace_id, slug, title,"
	                 " features, status, published_at) VALUES ($1, $2,"
	                 " $3, $4::text[], 'published', now() - interval"
	                 " '30 days') RETURNING id",
	                 4, p);
}

/* One statement, as the ingest's transaction: events, person_daily,
 * score_queue, NOTIFY. */
static const char event_sql[] =
    "WITH w AS (SELECT timezone FROM workspaces WHERE id = $1),"
    " e AS (INSERT INTO events (workspace_id, message_id, source, type,"
    "  name, person_id, release_id, props, occurred_at)"
    "  SELECT $1, gen_random_uuid()::text,"
    "   CASE WHEN $2 IN ('track', 'page') THEN 'api' ELSE 'widget' END,"
    "   $2, coalesce($3, $2), $4, $5::uuid, $6::jsonb, $7::timestamptz"
    "  FROM generate_series(1, $8::int) RETURNING occurred_at),"
    " d AS (INSERT INTO person_daily (workspace_id, person_id, day, event,"
    "  count, value)"
    "  SELECT $1, $4, (min(e.occurred_at) AT TIME ZONE w.timezone)::date,"
    "   CASE WHEN $2 = 'page' THEN 'page' ELSE coalesce($3, $2) END,"
    "   count(*), CASE WHEN $2 = 'release_read'"
    "    THEN count(*) * ($6::jsonb->>'ms')::float8 ELSE 0 END"
    "  FROM e, w GROUP BY w.timezone"
    "  ON CONFLICT (workspace_id, person_id, day, event) DO UPDATE"
    "  SET count = person_daily.count + EXCLUDED.count,"
    "   value = person_daily.value + EXCLUDED.value),"
    " q AS (INSERT INTO score_queue (workspace_id, person_id)"
    "  VALUES ($1, $4) ON CONFLICT (workspace_id, person_id) DO UPDATE"
    "  SET queued_at = score_queue.queued_at WHERE false)"
    " SELECT pg_notify('herald_score', $1::text)";

void
fx_event(const char *ws, const char *person, const char *kind, const char *name,
         const char *release, const char *props, const char *at, int n)
{
	char count[16];
	const char *p[8] = {
	    ws, kind, name, person, release, props ? props : "{}", at, count};

	snprintf(count, sizeof(count), "%d", n);
	PQclear(sql(event_sql, 8, p));
}

char *
fx_ago(const char *interval)
{
	const char *p[1] = {interval};

	return sql_value("SELECT (now() + $1::interval)::text", 1, p);
}

char *
fx_local(const char *ws, int days_back, const char *hms)
{
	char back[16];
	const char *p[3] = {ws, back, hms};

	snprintf(back, sizeof(back), "%d", days_back);
	return sql_value(
	    "SELECT (((now() AT TIME ZONE timezone)::date - $2::int"
	    " + $3::time) AT TIME ZONE timezone)::text"
	    " FROM workspaces WHERE id = $1",
	    3, p);
}

void
fx_queue(const char *ws, const char *person)
{
	const char *p[2] = {ws, person};

	PQclear(sql("WITH q AS (INSERT INTO score_queue (workspace_id,"
	            " person_id) VALUES ($1, $2)"
	            " ON CONFLICT (workspace_id, person_id) DO UPDATE"
	            " SET queued_at = score_queue.queued_at WHERE false)"
	            " SELECT pg_notify('herald_score', $1::text)",
	            2, p));
}

void
fx_wait_scored(const char *ws)
{
	const char *p[1] = {ws};

	cr_assert(sql_wait("SELECT (SELECT count(*) FROM score_queue"
	                   "  WHERE workspace_id = $1)"
	                   " + (SELECT count(*) FROM persons p"
	                   "  WHERE workspace_id = $1 AND NOT EXISTS ("
	                   "  SELECT 1 FROM person_scores s WHERE"
	                   "  s.workspace_id = p.workspace_id"
	                   "  AND s.person_id = p.id))",
	                   1, p, 0),
	          "workspace %s was not scored within 10 s", ws);
}

void
fx_model(const char *ws, const char *model)
{
	const char *p[2] = {ws, model};

	PQclear(sql("INSERT INTO scoring_models (workspace_id, version,"
	            " model, author) SELECT $1, coalesce(max(version), 0) + 1,"
	            " $2::jsonb, 'test' FROM scoring_models"
	            " WHERE workspace_id = $1",
	            2, p));
}

long
fx_quals(const char *ws, const char *type, const char *id, const char *rule)
{
	const char *p[4] = {ws, type, id, rule};

	return sql_long("SELECT count(*) FROM qualifications"
	                " WHERE workspace_id = $1 AND subject_type = $2"
	                " AND subject_id = $3 AND rule_id = $4",
	                4, p);
}

const char *
fx_ws_id(const cJSON *ws, char *buf, int len)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(ws, "id");

	snprintf(buf, (size_t)len, "%lld", (long long)id->valuedouble);
	return buf;
}
