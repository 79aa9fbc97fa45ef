/* Herald - privacy requests: GET /api/v1/people/{id} exports everything
 * Herald holds about one person, DELETE erases it.  {id} is the numeric
 * person id or the customer's user id (external id).  Tables other parts
 * of Herald add hang off persons with ON DELETE CASCADE; the widget's
 * read state (keyed by identity text, no foreign key) is deleted here.
 * De-duplication keys (random message ids, nothing personal) outlive the
 * events on purpose: erased Segment ids go to erased_keys, widget ids
 * stay in event_keys, so a client retrying an old batch cannot bring
 * erased events back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "core/log.h"
#include "http/http.h"
#include "store/db.h"

#define PERSON_CTE                                                             \
	"WITH p AS (SELECT * FROM persons WHERE workspace_id = $1"             \
	" AND (id::text = $2 OR external_id = $2)"                             \
	" ORDER BY (id::text = $2) DESC LIMIT 1)"

static const char SQL_EXPORT[] = PERSON_CTE
    " SELECT json_build_object("
    "'person', to_jsonb(p) - 'workspace_id',"
    "'account', (SELECT to_jsonb(a) - 'workspace_id' FROM accounts a"
    "  WHERE a.workspace_id = p.workspace_id AND a.id = p.account_id),"
    "'anonymous_ids', (SELECT coalesce(json_agg(anonymous_id), '[]')"
    "  FROM anonymous_ids x WHERE x.workspace_id = p.workspace_id"
    "  AND x.person_id = p.id),"
    "'events', (SELECT coalesce(json_agg(json_build_object("
    "  'message_id', message_id, 'source', source, 'type', type,"
    "  'name', name, 'props', props, 'context', context,"
    "  'release_id', release_id, 'occurred_at', occurred_at,"
    "  'received_at', received_at) ORDER BY occurred_at), '[]')"
    "  FROM events e WHERE e.workspace_id = p.workspace_id"
    "  AND e.person_id = p.id),"
    "'daily', (SELECT coalesce(json_agg(json_build_object('day', day,"
    "  'event', event, 'count', count, 'value', value)"
    "  ORDER BY day, event), '[]') FROM person_daily d"
    "  WHERE d.workspace_id = p.workspace_id AND d.person_id = p.id),"
    "'release_reads', (SELECT coalesce(json_agg(json_build_object("
    "  'release_id', release_id, 'read_at', read_at) ORDER BY read_at),"
    "  '[]') FROM release_reads r WHERE r.workspace_id = p.workspace_id"
    "  AND r.identity = 'p:' || p.id),"
    "'qualifications', (SELECT coalesce(json_agg(to_jsonb(q)"
    "  - 'workspace_id' ORDER BY q.id), '[]') FROM qualifications q"
    "  WHERE q.workspace_id = p.workspace_id"
    "  AND q.subject_type = 'person' AND q.subject_id = p.id)"
    ")::text FROM p";

static const char SQL_ERASE[] = PERSON_CTE
    ","
    " an AS (SELECT anonymous_id FROM anonymous_ids WHERE workspace_id = $1"
    "  AND person_id = (SELECT id FROM p)),"
    " ev AS (DELETE FROM events WHERE workspace_id = $1"
    "  AND (person_id = (SELECT id FROM p)"
    "   OR (person_id IS NULL AND anonymous_id IN"
    "       (SELECT anonymous_id FROM an)))"
    "  RETURNING source, message_id),"
    /* A Segment client retrying an old batch must not bring them back
     * (widget ids stay in event_keys, which nothing here deletes). */
    " ek AS (INSERT INTO erased_keys (workspace_id, message_id)"
    "  SELECT $1, message_id FROM ev WHERE source = 'api'"
    "  ON CONFLICT DO NOTHING),"
    " pd AS (DELETE FROM person_daily WHERE workspace_id = $1"
    "  AND person_id = (SELECT id FROM p) RETURNING 1),"
    " sq AS (DELETE FROM score_queue WHERE workspace_id = $1"
    "  AND person_id = (SELECT id FROM p) RETURNING 1),"
    " qu AS (DELETE FROM qualifications WHERE workspace_id = $1"
    "  AND subject_type = 'person' AND subject_id = (SELECT id FROM p)"
    "  RETURNING 1),"
    " ai AS (DELETE FROM anonymous_ids WHERE workspace_id = $1"
    "  AND person_id = (SELECT id FROM p) RETURNING 1),"
    " ids AS (SELECT 'p:' || id AS identity FROM p"
    "  UNION ALL SELECT 'a:' || anonymous_id FROM an),"
    " rr AS (DELETE FROM release_reads WHERE workspace_id = $1"
    "  AND identity IN (SELECT identity FROM ids) RETURNING 1),"
    " rm AS (DELETE FROM release_read_marks WHERE workspace_id = $1"
    "  AND identity IN (SELECT identity FROM ids) RETURNING 1),"
    " rx AS (DELETE FROM release_reactions WHERE workspace_id = $1"
    "  AND identity IN (SELECT identity FROM ids) RETURNING 1),"
    " pe AS (DELETE FROM persons WHERE workspace_id = $1"
    "  AND id = (SELECT id FROM p) RETURNING id)"
    " SELECT (SELECT count(*) FROM pe), (SELECT count(*) FROM ev),"
    "  (SELECT count(*) FROM pd), (SELECT count(*) FROM ai),"
    "  (SELECT count(*) FROM qu)";

/* Runs sql once; *retry tells whether a deadlock or serialization
 * failure (the scorer working on the same person) makes it worth again. */
static enum db_status
run_once(PGresult **r, const char *sql, const char *const *params, bool *retry,
         char *err, size_t errlen)
{
	struct db_conn *c = db_acquire(5000, err, errlen);
	enum db_status st;

	*retry = false;
	if (c == NULL)
		return DB_UNAVAILABLE;
	st = db_query(c, r, sql, 2, params);
	if (st != DB_OK) {
		snprintf(err, errlen, "%s", c->error);
		*retry = st == DB_ERROR && strncmp(c->sqlstate, "40", 2) == 0;
	}
	db_release(c);
	return st;
}

static PGresult *
run(struct http_req *req, const char *sql, const struct caller *who)
{
	char ws[24], err[512];
	const char *params[2] = {ws, http_param(req, 0)};
	PGresult *r = NULL;
	enum db_status st = DB_ERROR; /* set by the loop; -O1 cannot tell */
	bool retry = true;

	snprintf(ws, sizeof(ws), "%lld", (long long)who->workspace_id);
	for (int i = 0; i < 5 && retry; i++)
		st = run_once(&r, sql, params, &retry, err, sizeof(err));
	if (st == DB_OK)
		return r;
	log_warn("req=%s ws=%s people request failed: %s", req->id, ws, err);
	if (st == DB_UNAVAILABLE)
		http_add_header(req, "Retry-After", "1");
	http_error(req, st == DB_UNAVAILABLE ? 503 : 500,
	           "database error while reading the person");
	return NULL;
}

static void
export_person(struct http_req *req)
{
	struct caller who;
	PGresult *r;

	if (!auth_admin(req, ROLE_SALES, &who) ||
	    (r = run(req, SQL_EXPORT, &who)) == NULL)
		return;
	if (PQntuples(r) != 1)
		http_error(req, 404, "id: no person %s in this workspace",
		           http_param(req, 0));
	else
		http_reply(req, 200, "application/json", PQgetvalue(r, 0, 0),
		           (size_t)PQgetlength(r, 0, 0));
	PQclear(r);
}

static void
erase_person(struct http_req *req)
{
	struct caller who;
	cJSON *out;
	PGresult *r;

	if (!auth_admin(req, ROLE_OWNER, &who) ||
	    (r = run(req, SQL_ERASE, &who)) == NULL)
		return;
	if (strcmp(PQgetvalue(r, 0, 0), "0") == 0) {
		PQclear(r);
		http_error(req, 404, "id: no person %s in this workspace",
		           http_param(req, 0));
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddBoolToObject(out, "erased", true);
	cJSON_AddNumberToObject(out, "events",
	                        strtod(PQgetvalue(r, 0, 1), NULL));
	cJSON_AddNumberToObject(out, "daily_rows",
	                        strtod(PQgetvalue(r, 0, 2), NULL));
	cJSON_AddNumberToObject(out, "anonymous_ids",
	                        strtod(PQgetvalue(r, 0, 3), NULL));
	cJSON_AddNumberToObject(out, "qualifications",
	                        strtod(PQgetvalue(r, 0, 4), NULL));
	PQclear(r);
	log_info("req=%s ws=%lld person=%s erased", req->id,
	         (long long)who.workspace_id, http_param(req, 0));
	http_json(req, 200, out);
}

const struct route privacy_routes[] = {
    {"GET", "/api/v1/people/{}", export_person, 0},
    {"DELETE", "/api/v1/people/{}", erase_person, 0},
    {NULL, NULL, NULL, 0},
};
