/* Herald - GET /api/v1/widget/{pk}/releases: the published releases this
 * visitor may see, newest first, with read state, reactions and the
 * unread count kept on the server (so every device agrees).  A robot
 * gets the feed too, but nothing of its visit is stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "store/db.h"
#include "widget/robots.h"
#include "widget/widget.h"

/* $3 is the identified person (NULL otherwise): a feed load moves the
 * person's last_seen_at forward when it is more than a minute behind, in
 * the same statement, so polls do not write every time. */
static const char feed_sql[] =
    "WITH seen AS (UPDATE persons SET last_seen_at = now()"
    " WHERE workspace_id = $1 AND id = $3::bigint"
    "  AND last_seen_at < now() - interval '1 minute' RETURNING 1)"
    "SELECT r.id, r.slug, r.title, r.body_html,"
    " array_to_json(r.labels)::text, array_to_json(r.features)::text,"
    " r.audience::text,"
    " to_char(r.published_at AT TIME ZONE 'UTC',"
    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " (rr.release_id IS NOT NULL OR r.published_at <= m.marked_at),"
    " coalesce((SELECT json_object_agg(emoji, n)::text FROM"
    "  (SELECT emoji, count(*) AS n FROM release_reactions x"
    "   WHERE x.workspace_id = r.workspace_id AND x.release_id = r.id"
    "   GROUP BY emoji) s), '{}'),"
    " coalesce((SELECT json_agg(emoji ORDER BY emoji)::text"
    "  FROM release_reactions x WHERE x.workspace_id = r.workspace_id"
    "  AND x.release_id = r.id AND x.identity = $2), '[]')"
    " FROM releases r"
    " LEFT JOIN release_reads rr ON rr.workspace_id = r.workspace_id"
    "  AND rr.identity = $2 AND rr.release_id = r.id"
    " LEFT JOIN release_read_marks m ON m.workspace_id = r.workspace_id"
    "  AND m.identity = $2"
    " WHERE r.workspace_id = $1 AND r.status = 'published'"
    "  AND (r.published_at IS NULL OR r.published_at <= now())"
    " ORDER BY r.published_at DESC NULLS LAST, r.created_at DESC"
    " LIMIT 50";

static void
add_parsed(cJSON *o, const char *key, const char *text, bool object)
{
	cJSON *v = cJSON_Parse(text);

	if (v == NULL || (object ? !cJSON_IsObject(v) : !cJSON_IsArray(v))) {
		cJSON_Delete(v);
		v = object ? cJSON_CreateObject() : cJSON_CreateArray();
	}
	cJSON_AddItemToObject(o, key, v);
}

static cJSON *
release_json(PGresult *r, int i, const struct widget_ws *ws)
{
	cJSON *o = cJSON_CreateObject();
	char url[1024];

	snprintf(url, sizeof(url), "%s/c/%s/%s", config.public_url, ws->slug,
	         PQgetvalue(r, i, 1));
	cJSON_AddStringToObject(o, "id", PQgetvalue(r, i, 0));
	cJSON_AddStringToObject(o, "slug", PQgetvalue(r, i, 1));
	cJSON_AddStringToObject(o, "title", PQgetvalue(r, i, 2));
	cJSON_AddStringToObject(o, "html", PQgetvalue(r, i, 3));
	add_parsed(o, "labels", PQgetvalue(r, i, 4), false);
	add_parsed(o, "features", PQgetvalue(r, i, 5), false);
	if (PQgetisnull(r, i, 7))
		cJSON_AddNullToObject(o, "published_at");
	else
		cJSON_AddStringToObject(o, "published_at", PQgetvalue(r, i, 7));
	cJSON_AddStringToObject(o, "url", url);
	cJSON_AddBoolToObject(o, "read", PQgetvalue(r, i, 8)[0] == 't');
	add_parsed(o, "reactions", PQgetvalue(r, i, 9), true);
	add_parsed(o, "my_reactions", PQgetvalue(r, i, 10), false);
	return o;
}

static bool
visible(PGresult *r, int i, const struct widget_who *who)
{
	cJSON *audience = cJSON_Parse(PQgetvalue(r, i, 6));
	bool ok = release_audience_match(audience, who->person_traits,
	                                 who->account_traits);

	cJSON_Delete(audience);
	return ok;
}

static int
feed_build(const struct widget_ws *ws, const struct widget_who *who, bool robot,
           cJSON **out)
{
	char wsid[24], pid[24], err[512];
	const char *params[3] = {wsid, who->identity,
	                         who->person_id && !robot ? pid : NULL};
	PGresult *r = NULL;
	cJSON *list, *root;
	long unread = 0;
	enum db_status st;

	snprintf(wsid, sizeof(wsid), "%lld", (long long)ws->id);
	snprintf(pid, sizeof(pid), "%lld", (long long)who->person_id);
	st = db_exec(&r, feed_sql, 3, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("component=widget ws=%lld feed failed: %s",
		         (long long)ws->id, err);
		return st == DB_UNAVAILABLE ? 503 : 500;
	}
	root = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(root, "releases");
	for (int i = 0; i < PQntuples(r); i++) {
		if (!visible(r, i, who))
			continue;
		cJSON_AddItemToArray(list, release_json(r, i, ws));
		unread += PQgetvalue(r, i, 8)[0] != 't';
	}
	PQclear(r);
	cJSON_AddNumberToObject(root, "unread", (double)unread);
	cJSON_AddStringToObject(root, "anonymous_id", who->anon);
	*out = root;
	return 200;
}

static void
releases_get(struct http_req *req)
{
	struct widget_ws ws;
	struct widget_who who = {0};
	char msg[256] = "";
	cJSON *root = NULL;
	bool robot = robots_user_agent(http_header(req, "User-Agent"));
	int st = widget_ws_load(http_param(req, 0), &ws);

	req->workspace_id = ws.id;
	if (st != 200) {
		if (st == 503)
			widget_unavailable(req);
		else
			http_error(req, 404, "public key: no such workspace");
		goto out;
	}
	if (!cors_allow(req, &ws)) {
		http_error(req, 403, "origin: not allowed for this widget");
		goto out;
	}
	http_add_header(req, "Cache-Control", "private, no-store");
	st = widget_identify(
	    &ws, widget_bearer(req), http_query(req, "user_id"),
	    http_query(req, "anonymous_id"), robot, &who, msg, sizeof(msg));
	if (st == 200)
		st = feed_build(&ws, &who, robot, &root);
	if (st == 200)
		http_json(req, 200, root);
	else if (st == 503)
		widget_unavailable(req);
	else if (st == 500)
		http_error(req, 500, "internal error (req %s)", req->id);
	else
		http_error(req, st, "%s", msg);
out:
	widget_who_cleanup(&who);
	widget_ws_cleanup(&ws);
}

const struct route widget_routes[] = {
    {"GET", "/api/v1/widget/{}/releases", releases_get, 0},
    {"OPTIONS", "/api/v1/widget/{}/releases", cors_preflight, 0},
    {"POST", "/api/v1/widget/{}/events", widget_events_post,
     WIDGET_EVENTS_BODY_CAP},
    {"OPTIONS", "/api/v1/widget/{}/events", cors_preflight, 0},
    {"GET", "/widget.{*}", widget_asset, 0},
    {"GET", "/demo", widget_demo, 0},
    {NULL, NULL, NULL, 0},
};
