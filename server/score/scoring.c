/* Herald - the scoring model API: GET and PUT /api/v1/scoring and GET
 * /api/v1/scoring/versions.  Every PUT adds a version; nothing is
 * overwritten. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "core/log.h"
#include "http/http.h"
#include "score/model.h"
#include "score/scoring.h"

#define MODEL_BODY_CAP (256u << 10)

static const char current_sql[] =
    "SELECT version, model::text, author, created_at FROM scoring_models"
    " WHERE workspace_id = $1 ORDER BY version DESC LIMIT 1";

enum db_status
scoring_current(struct db_conn *c, int64_t workspace_id, int *version,
                cJSON **model)
{
	char ws[24];
	const char *p[1] = {ws};
	PGresult *r = NULL;
	enum db_status result;

	snprintf(ws, sizeof(ws), "%lld", (long long)workspace_id);
	*model = NULL;
	*version = 0;
	result = db_prepared(c, &r, current_sql, 1, p);
	if (result != DB_OK)
		return result;
	if (PQntuples(r) == 1) {
		*version = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
		*model = cJSON_Parse(PQgetvalue(r, 0, 1));
	} else {
		*model = model_default();
	}
	PQclear(r);
	return *model ? DB_OK : DB_ERROR;
}

static cJSON *
version_json(const PGresult *r, int i, bool with_model)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "version",
	                        strtod(PQgetvalue(r, i, 0), NULL));
	if (with_model)
		cJSON_AddItemToObject(o, "model",
		                      cJSON_Parse(PQgetvalue(r, i, 1)));
	if (PQgetisnull(r, i, 2))
		cJSON_AddNullToObject(o, "author");
	else
		cJSON_AddStringToObject(o, "author", PQgetvalue(r, i, 2));
	cJSON_AddStringToObject(o, "created_at", PQgetvalue(r, i, 3));
	return o;
}

static void
reply_current(struct http_req *req, int64_t ws_id, int status)
{
	char ws[24], err[256];
	const char *p[1] = {ws};
	PGresult *r = NULL;
	cJSON *o;

	snprintf(ws, sizeof(ws), "%lld", (long long)ws_id);
	if (db_exec(&r, current_sql, 1, p, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s ws=%s scoring read failed: %s", req->id, ws,
		         err);
		http_error(req, 503, "database unavailable");
		return;
	}
	if (PQntuples(r) == 1) {
		o = version_json(r, 0, true);
		cJSON_AddBoolToObject(o, "default", false);
	} else {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "version", 0);
		cJSON_AddItemToObject(o, "model", model_default());
		cJSON_AddBoolToObject(o, "default", true);
	}
	PQclear(r);
	http_json(req, status, o);
}

static void
get_scoring(struct http_req *req)
{
	struct caller who;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	reply_current(req, who.workspace_id, 200);
}

static void
get_versions(struct http_req *req)
{
	struct caller who;
	char ws[24], err[256];
	const char *p[1] = {ws};
	PGresult *r = NULL;
	cJSON *o, *list;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	if (db_exec(&r,
	            "SELECT version, model::text, author, created_at"
	            " FROM scoring_models WHERE workspace_id = $1"
	            " ORDER BY version DESC LIMIT 200",
	            1, p, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s ws=%s versions read failed: %s", req->id, ws,
		         err);
		http_error(req, 503, "database unavailable");
		return;
	}
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "versions");
	for (int i = 0; i < PQntuples(r); i++)
		cJSON_AddItemToArray(list, version_json(r, i, true));
	PQclear(r);
	http_json(req, 200, o);
}

/* Saves model as the next version and queues every scored person of the
 * workspace, so that scores follow the new model. */
static const char save_sql[] =
    "WITH v AS (INSERT INTO scoring_models (workspace_id, version, model,"
    "  author)"
    " SELECT $1, coalesce(max(version), 0) + 1, $2::jsonb,"
    "  coalesce((SELECT email FROM users WHERE workspace_id = $1"
    "   AND id = $3), 'admin token')"
    " FROM scoring_models WHERE workspace_id = $1 RETURNING version),"
    " q AS (INSERT INTO score_queue (workspace_id, person_id)"
    "  SELECT workspace_id, person_id FROM person_scores"
    "  WHERE workspace_id = $1 ORDER BY 1, 2"
    "  ON CONFLICT (workspace_id, person_id) DO UPDATE"
    "  SET queued_at = score_queue.queued_at WHERE false)"
    " SELECT version, pg_notify('herald_score', $1::text) FROM v";

static void
put_scoring(struct http_req *req)
{
	struct caller who;
	char ws[24], user[24], err[512];
	char *text = NULL;
	cJSON *body;
	PGresult *r = NULL;
	enum db_status st;

	if (!auth_admin(req, ROLE_OWNER, &who))
		return;
	body = http_json_body(req);
	if (body == NULL)
		return;
	if (!model_validate(body, err, sizeof(err))) {
		http_error(req, 400, "%s", err);
		goto out;
	}
	text = cJSON_PrintUnformatted(body);
	snprintf(ws, sizeof(ws), "%lld", (long long)who.workspace_id);
	snprintf(user, sizeof(user), "%lld", (long long)who.user_id);
	const char *p[3] = {ws, text, user};
	st = db_exec(&r, save_sql, 3, p, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s ws=%s scoring save failed: %s", req->id, ws,
		         err);
		if (st == DB_BAD_INPUT)
			http_error(req, 409,
			           "version: the model changed at "
			           "the same time; read and retry");
		else
			http_error(req, db_http_status(st),
			           "database "
			           "unavailable");
		goto out;
	}
	log_info("req=%s ws=%s version=%s scoring model saved", req->id, ws,
	         PQgetvalue(r, 0, 0));
	reply_current(req, who.workspace_id, 200);
out:
	PQclear(r);
	free(text);
	cJSON_Delete(body);
}

const struct route scoring_routes[] = {
    {"GET", "/api/v1/scoring", get_scoring, 0},
    {"PUT", "/api/v1/scoring", put_scoring, MODEL_BODY_CAP},
    {"GET", "/api/v1/scoring/versions", get_versions, 0},
    {NULL, NULL, NULL, 0},
};
