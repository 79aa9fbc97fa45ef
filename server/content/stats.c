/* Herald - release statistics.  Every number is computed by PostgreSQL
 * from the widget events of the release (source 'widget', release_id set)
 * and the feature_used track events, in one read-only snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "content/releases.h"
#include "content/stats.h"
#include "core/log.h"
#include "store/db.h"

/* The widget events of the release, with a reader key that is the person
 * when known, else the anonymous id. */
#define EV                                                                     \
	"WITH ev AS (SELECT e.id, e.type, e.props, e.occurred_at,"             \
	" e.person_id, COALESCE('p' || e.person_id::text,"                     \
	" 'a' || e.anonymous_id) AS who FROM events e"                         \
	" WHERE e.workspace_id = $1 AND e.release_id = $2::uuid"               \
	" AND e.source = 'widget') "

static const char sql_release[] =
    "SELECT w.timezone FROM releases r JOIN workspaces w"
    " ON w.id = r.workspace_id WHERE r.workspace_id = $1"
    " AND r.id = $2::uuid";

static const char sql_views[] =
    EV "SELECT count(*), count(DISTINCT who) FROM ev"
       " WHERE type = 'release_viewed'";

static const char sql_read[] =
    EV "SELECT COALESCE(sum(ms), 0)::bigint,"
       " COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), 0)"
       "::bigint, count(*) FROM (SELECT who, sum(ms) AS ms FROM"
       " (SELECT who, (props->>'ms')::numeric AS ms FROM ev"
       "  WHERE type = 'release_read'"
       "  AND jsonb_typeof(props->'ms') = 'number') x"
       " WHERE ms > 0 GROUP BY who) y";

static const char sql_clicks[] =
    EV "SELECT props->>'url', count(*) FROM ev"
       " WHERE type = 'link_clicked' AND props->>'url' IS NOT NULL"
       " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 100";

static const char sql_shares[] =
    EV "SELECT COALESCE(props->>'channel', 'other'), count(*) FROM ev"
       " WHERE type = 'release_shared' GROUP BY 1 ORDER BY 1";

/* A reaction counts once per reader and emoji, in its latest state. */
static const char sql_reactions[] =
    EV "SELECT emoji, count(*) FROM (SELECT DISTINCT ON (who, emoji)"
       " emoji, state FROM (SELECT who, occurred_at, id,"
       " props->>'emoji' AS emoji, props->'on' AS state FROM ev"
       " WHERE type = 'reaction' AND props->>'emoji' IS NOT NULL) z"
       " ORDER BY who, emoji, occurred_at DESC, id DESC) x"
       " WHERE state IS DISTINCT FROM 'false'::jsonb"
       " GROUP BY emoji ORDER BY 2 DESC, 1";

static const char sql_days[] =
    EV "SELECT to_char((occurred_at AT TIME ZONE $3)::date, 'YYYY-MM-DD'),"
       " count(*), count(DISTINCT who) FROM ev"
       " WHERE type = 'release_viewed' GROUP BY 1 ORDER BY 1";

/* Viewers: identified people who viewed the release (first view time).
 * Non-viewers: identified people with any event since the release was
 * published who did not view it.  "Used" means a feature_used track
 * event for the feature after the first view (viewers) or after
 * publication (non-viewers). */
static const char sql_adoption[] =
    "WITH rel AS (SELECT features,"
    "  COALESCE(published_at, created_at) AS since FROM releases"
    "  WHERE workspace_id = $1 AND id = $2::uuid),"
    " viewers AS (SELECT person_id, min(occurred_at) AS first_view"
    "  FROM events WHERE workspace_id = $1 AND release_id = $2::uuid"
    "  AND source = 'widget' AND type = 'release_viewed'"
    "  AND person_id IS NOT NULL GROUP BY person_id),"
    " others AS (SELECT DISTINCT e.person_id FROM events e, rel"
    "  WHERE e.workspace_id = $1 AND e.person_id IS NOT NULL"
    "  AND e.occurred_at >= rel.since AND NOT EXISTS (SELECT 1"
    "  FROM viewers v WHERE v.person_id = e.person_id)),"
    " used AS (SELECT u.person_id, u.props->>'feature' AS feature,"
    "  u.occurred_at FROM events u, rel WHERE u.workspace_id = $1"
    "  AND u.type = 'track' AND u.name = 'feature_used'"
    "  AND u.person_id IS NOT NULL"
    "  AND u.props->>'feature' = ANY (rel.features))"
    " SELECT f.feature,"
    "  (SELECT count(*) FROM viewers v WHERE EXISTS (SELECT 1 FROM used"
    "   WHERE used.person_id = v.person_id AND used.feature = f.feature"
    "   AND used.occurred_at >= v.first_view)),"
    "  (SELECT count(*) FROM viewers),"
    "  (SELECT count(*) FROM others o WHERE EXISTS (SELECT 1 FROM used,"
    "   rel WHERE used.person_id = o.person_id"
    "   AND used.feature = f.feature AND used.occurred_at >= rel.since)),"
    "  (SELECT count(*) FROM others)"
    " FROM rel, unnest(rel.features) WITH ORDINALITY AS f(feature, n)"
    " ORDER BY f.n";

struct stats_run {
	struct db_conn *c;
	const char *v[3];
	char err[512];
	enum db_status st;
};

static PGresult *
query(struct stats_run *s, const char *sql, int n)
{
	PGresult *r = NULL;

	if (s->st != DB_OK)
		return NULL;
	s->st = db_query(s->c, &r, sql, n, s->v);
	if (s->st != DB_OK) {
		snprintf(s->err, sizeof(s->err), "%s", s->c->error);
		return NULL;
	}
	return r;
}

static double
num(const PGresult *r, int row, int col)
{
	return strtod(PQgetvalue(r, row, col), NULL);
}

/* Adds a list of {key: text, count: n} objects from two-column rows. */
static void
add_pairs(cJSON *root, const char *name, const char *key, PGresult *r)
{
	cJSON *arr = cJSON_AddArrayToObject(root, name);

	for (int i = 0; r != NULL && i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, key, PQgetvalue(r, i, 0));
		cJSON_AddNumberToObject(o, "count", num(r, i, 1));
		cJSON_AddItemToArray(arr, o);
	}
	PQclear(r);
}

/* Adds an object {text: n} from two-column rows. */
static void
add_map(cJSON *root, const char *name, PGresult *r)
{
	cJSON *o = cJSON_AddObjectToObject(root, name);

	for (int i = 0; r != NULL && i < PQntuples(r); i++)
		cJSON_AddNumberToObject(o, PQgetvalue(r, i, 0), num(r, i, 1));
	PQclear(r);
}

static void
add_counts(struct stats_run *s, cJSON *root)
{
	PGresult *r = query(s, sql_views, 2);
	cJSON *rt;

	cJSON_AddNumberToObject(root, "views", r ? num(r, 0, 0) : 0);
	cJSON_AddNumberToObject(root, "unique_viewers", r ? num(r, 0, 1) : 0);
	PQclear(r);
	r = query(s, sql_read, 2);
	rt = cJSON_AddObjectToObject(root, "read_time_ms");
	cJSON_AddNumberToObject(rt, "total", r ? num(r, 0, 0) : 0);
	cJSON_AddNumberToObject(rt, "median_per_reader", r ? num(r, 0, 1) : 0);
	cJSON_AddNumberToObject(root, "readers", r ? num(r, 0, 2) : 0);
	PQclear(r);
}

static void
add_adoption(struct stats_run *s, cJSON *root)
{
	static const char *const keys[] = {"viewers_used", "viewers",
	                                   "non_viewers_used", "non_viewers"};
	PGresult *r = query(s, sql_adoption, 2);
	cJSON *arr = cJSON_AddArrayToObject(root, "feature_adoption");

	for (int i = 0; r != NULL && i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "feature", PQgetvalue(r, i, 0));
		for (int k = 0; k < 4; k++)
			cJSON_AddNumberToObject(o, keys[k], num(r, i, k + 1));
		cJSON_AddItemToArray(arr, o);
	}
	PQclear(r);
}

static void
add_days(struct stats_run *s, cJSON *root)
{
	PGresult *r = query(s, sql_days, 3);
	cJSON *arr = cJSON_AddArrayToObject(root, "views_by_day");

	for (int i = 0; r != NULL && i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "day", PQgetvalue(r, i, 0));
		cJSON_AddNumberToObject(o, "views", num(r, i, 1));
		cJSON_AddNumberToObject(o, "unique", num(r, i, 2));
		cJSON_AddItemToArray(arr, o);
	}
	PQclear(r);
}

/* Runs every query; NULL with s->st set on a database error, or with
 * *found false when the release is not the caller's. */
static cJSON *
collect(struct stats_run *s, bool *found)
{
	PGresult *r = query(s, sql_release, 2);
	char tz[128];
	cJSON *root;

	*found = r != NULL && PQntuples(r) == 1;
	if (!*found) {
		PQclear(r);
		return NULL;
	}
	snprintf(tz, sizeof(tz), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	s->v[2] = tz;
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "release_id", s->v[1]);
	add_counts(s, root);
	add_pairs(root, "clicks", "url", query(s, sql_clicks, 2));
	add_map(root, "shares", query(s, sql_shares, 2));
	add_map(root, "reactions", query(s, sql_reactions, 2));
	add_adoption(s, root);
	add_days(s, root);
	s->v[2] = NULL;
	if (s->st == DB_OK)
		return root;
	cJSON_Delete(root);
	return NULL;
}

void
releases_stats(struct http_req *req)
{
	struct stats_run s = {0};
	struct caller who;
	char ws[24];
	const char *id = http_param(req, 0);
	cJSON *root = NULL;
	bool found = false;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	if (!release_id_valid(id)) {
		http_error(req, 404, "no release %s", id);
		return;
	}
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	s.v[0] = ws;
	s.v[1] = id;
	s.c = db_acquire(5000, s.err, sizeof(s.err));
	s.st = s.c ? db_query(s.c, NULL,
	                      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	                      0, NULL)
	           : DB_UNAVAILABLE;
	if (s.st == DB_OK)
		root = collect(&s, &found);
	if (s.c != NULL)
		db_release(s.c);
	if (root != NULL)
		http_json(req, 200, root);
	else if (s.st == DB_OK)
		http_error(req, 404, "no release %s", id);
	else {
		log_warn("req=%s ws=%s release stats failed: %s", req->id, ws,
		         s.err);
		http_error(req, db_http_status(s.st), "database error");
	}
}
