/* Herald - release history.  Rows are written by the trigger of
 * migration 0010 on every change; this file only reads them. */
#include <stdio.h>
#include <stdlib.h>

#include "api/auth.h"
#include "content/dates.h"
#include "content/releases.h"
#include "content/revisions.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"

static const char sql_revisions[] =
    "SELECT v.revision, v.title, v.slug, v.body_md,"
    " array_to_json(v.labels)::text, array_to_json(v.features)::text,"
    " v.audience::text, v.status,"
    " floor(extract(epoch FROM v.publish_at))::bigint,"
    " floor(extract(epoch FROM v.published_at))::bigint, v.author,"
    " floor(extract(epoch FROM v.edited_at))::bigint"
    " FROM releases r JOIN release_revisions v"
    " ON v.workspace_id = r.workspace_id AND v.release_id = r.id"
    " WHERE r.workspace_id = $1 AND r.id = $2::uuid"
    " ORDER BY v.revision DESC LIMIT 500";

static void
add_time(cJSON *o, const char *key, const PGresult *r, int row, int col)
{
	char when[DATES_LEN];
	int64_t t;

	if (PQgetisnull(r, row, col) ||
	    !util_parse_i64(PQgetvalue(r, row, col), &t)) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	dates_rfc3339(t, when);
	cJSON_AddStringToObject(o, key, when);
}

static void
add_json(cJSON *o, const char *key, const char *text)
{
	cJSON *v = cJSON_Parse(text);

	cJSON_AddItemToObject(o, key, v ? v : cJSON_CreateNull());
}

static cJSON *
revision_json(const PGresult *r, int i)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "revision",
	                        strtod(PQgetvalue(r, i, 0), NULL));
	cJSON_AddStringToObject(o, "title", PQgetvalue(r, i, 1));
	cJSON_AddStringToObject(o, "slug", PQgetvalue(r, i, 2));
	cJSON_AddStringToObject(o, "body", PQgetvalue(r, i, 3));
	add_json(o, "labels", PQgetvalue(r, i, 4));
	add_json(o, "features", PQgetvalue(r, i, 5));
	add_json(o, "audience", PQgetvalue(r, i, 6));
	cJSON_AddStringToObject(o, "status", PQgetvalue(r, i, 7));
	add_time(o, "publish_at", r, i, 8);
	add_time(o, "published_at", r, i, 9);
	if (PQgetisnull(r, i, 10))
		cJSON_AddNullToObject(o, "author");
	else
		cJSON_AddStringToObject(o, "author", PQgetvalue(r, i, 10));
	add_time(o, "edited_at", r, i, 11);
	return o;
}

void
releases_revisions(struct http_req *req)
{
	struct caller who;
	const char *id = http_param(req, 0);
	char ws[24], err[512];
	const char *v[2] = {ws, id};
	PGresult *r = NULL;
	enum db_status st;
	cJSON *root, *list;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	if (!release_id_valid(id)) {
		http_error(req, 404, "no release %s", id);
		return;
	}
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	st = db_exec(&r, sql_revisions, 2, v, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s ws=%s revisions query failed: %s", req->id, ws,
		         err);
		http_error(req, db_http_status(st), "database error");
		return;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		http_error(req, 404, "no release %s", id);
		return;
	}
	root = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(root, "revisions");
	for (int i = 0; i < PQntuples(r); i++)
		cJSON_AddItemToArray(list, revision_json(r, i));
	PQclear(r);
	http_json(req, 200, root);
}
