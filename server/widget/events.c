/* Herald - POST /api/v1/widget/{pk}/events: a batch of engagement
 * events.  Each event is validated alone (a bad one is refused with its
 * index and reason, the rest stored), de-duplicated by its client id
 * (event_keys, "w:" + id) and, for views, by a 2 s window per identity
 * and release.  Reading time is credited from a per identity and release
 * budget that wall-clock time refills (READ_BUDGET_MS at most), so no
 * report, however many, adds more reading than time allowed.  Events,
 * read state, reactions, rollups and the score queue are written in one
 * transaction committed before the reply.  Robots are answered 200 and
 * nothing is stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "store/db.h"
#include "widget/events.h"
#include "widget/robots.h"
#include "widget/widget.h"

#define TX_ATTEMPTS 3

/* A release seen in this batch: published or not, and its features. */
struct rel {
	char id[40];
	bool published;
	cJSON *features;
};

struct batch {
	struct http_req *req;
	struct widget_ws ws;
	struct widget_who who;
	struct db_conn *c;
	char wsid[24];
	char *context; /* JSON text */
	struct ev evs[EVENTS_MAX];
	int nevs;
	struct rel rels[EVENTS_MAX];
	int nrels;
	cJSON *rejected;    /* refused while validating */
	cJSON *db_rejected; /* refused while storing (reset on retry) */
	long accepted, duplicates;
	struct buf ids;   /* "{1,2,...}" of stored events with a person */
	char last_at[40]; /* latest occurred_at among them */
};

enum step { STEP_STORE, STEP_SKIP, STEP_REFUSE };

static void
reject(cJSON *list, int index, const char *error)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "index", index);
	cJSON_AddStringToObject(o, "error", error);
	cJSON_AddItemToArray(list, o);
}

static enum db_status
q(struct batch *b, PGresult **out, const char *sql, int n, const char *const *v)
{
	return db_query(b->c, out, sql, n, v);
}

/* Runs a statement and reports how many rows it touched. */
static enum db_status
q_rows(struct batch *b, const char *sql, int n, const char *const *v,
       long *rows)
{
	PGresult *r = NULL;
	enum db_status st = q(b, &r, sql, n, v);

	*rows = st == DB_OK ? strtol(PQcmdTuples(r), NULL, 10) : 0;
	PQclear(r);
	return st;
}

static enum db_status
release_lookup(struct batch *b, const char *id, struct rel **out)
{
	const char *v[2] = {b->wsid, id};
	PGresult *r = NULL;
	struct rel *rel;
	enum db_status st;

	for (int i = 0; i < b->nrels; i++)
		if (strcmp(b->rels[i].id, id) == 0) {
			*out = &b->rels[i];
			return DB_OK;
		}
	st = q(b, &r,
	       "SELECT array_to_json(features)::text FROM releases"
	       " WHERE workspace_id = $1 AND id = $2::uuid"
	       " AND status = 'published'",
	       2, v);
	if (st != DB_OK)
		return st;
	rel = &b->rels[b->nrels++];
	memcpy(rel->id, id, strnlen(id, sizeof(rel->id) - 1));
	rel->id[strnlen(id, sizeof(rel->id) - 1)] = '\0';
	rel->published = PQntuples(r) == 1;
	rel->features =
	    rel->published ? cJSON_Parse(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	*out = rel;
	return DB_OK;
}

static bool
has_feature(const struct rel *rel, const char *feature)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, rel->features)
	{
		if (cJSON_IsString(f) && strcmp(f->valuestring, feature) == 0)
			return true;
	}
	return false;
}

/* A view within 2 s of the previous one of this identity and release
 * is the same view. */
static enum db_status
step_view(struct batch *b, const struct ev *ev, enum step *step)
{
	const char *v[3] = {b->wsid, b->who.identity, ev->release_id};
	long rows = 0;
	enum db_status st = q_rows(
	    b,
	    "INSERT INTO release_reads (workspace_id, identity, release_id,"
	    " last_view_at) VALUES ($1, $2, $3::uuid, clock_timestamp())"
	    " ON CONFLICT (workspace_id, identity, release_id) DO UPDATE"
	    " SET last_view_at = EXCLUDED.last_view_at"
	    " WHERE release_reads.last_view_at IS NULL"
	    " OR release_reads.last_view_at <"
	    "  EXCLUDED.last_view_at - interval '2 seconds'",
	    3, v, &rows);

	*step = rows > 0 ? STEP_STORE : STEP_SKIP;
	return st;
}

/* Takes up to ev->ms from the reading budget; stores what was granted. */
static enum db_status
step_read(struct batch *b, struct ev *ev, enum step *step)
{
	char want[24], cap[24];
	const char *v[5] = {b->wsid, b->who.identity, ev->release_id, want,
	                    cap};
	PGresult *r = NULL;
	int64_t granted = 0;
	enum db_status st;

	snprintf(want, sizeof(want), "%lld", (long long)ev->ms);
	snprintf(cap, sizeof(cap), "%d", READ_BUDGET_MS);
	st = q(b, NULL,
	       "INSERT INTO release_reads (workspace_id, identity, release_id)"
	       " VALUES ($1, $2, $3::uuid) ON CONFLICT DO NOTHING",
	       3, v);
	if (st == DB_OK)
		st =
		    q(b, &r,
		      "WITH cur AS (SELECT least($5::bigint, budget_ms +"
		      "  greatest(0, (extract(epoch FROM clock_timestamp()"
		      "  - budget_at) * 1000)::bigint)) AS avail"
		      "  FROM release_reads WHERE workspace_id = $1"
		      "  AND identity = $2 AND release_id = $3::uuid"
		      "  FOR UPDATE)"
		      " UPDATE release_reads SET budget_at = clock_timestamp(),"
		      "  budget_ms = cur.avail - least(cur.avail, $4::bigint)"
		      " FROM cur WHERE workspace_id = $1 AND identity = $2"
		      "  AND release_id = $3::uuid"
		      " RETURNING least(cur.avail, $4::bigint)",
		      5, v);
	if (st != DB_OK)
		return st;
	if (PQntuples(r) != 1 || !util_parse_i64(PQgetvalue(r, 0, 0), &granted))
		granted = 0;
	PQclear(r);
	/* A remainder under a second is refused rather than stored as
	 * crumbs of a report that time did not allow. */
	*step = granted >= ev->ms || granted >= 1000 ? STEP_STORE : STEP_REFUSE;
	if (*step == STEP_STORE && granted < ev->ms) {
		cJSON_ReplaceItemInObject(ev->props, "ms",
		                          cJSON_CreateNumber((double)granted));
		cJSON_AddNumberToObject(ev->props, "reported_ms",
		                        (double)ev->ms);
		cJSON_AddTrueToObject(ev->props, "clamped");
	}
	return DB_OK;
}

static enum db_status
step_reaction(struct batch *b, const struct ev *ev)
{
	const char *v[4] = {b->wsid, ev->release_id, b->who.identity,
	                    ev->emoji};

	if (ev->on)
		return q(
		    b, NULL,
		    "INSERT INTO release_reactions (workspace_id,"
		    " release_id, identity, emoji)"
		    " VALUES ($1, $2::uuid, $3, $4) ON CONFLICT DO NOTHING",
		    4, v);
	return q(b, NULL,
	         "DELETE FROM release_reactions WHERE workspace_id = $1"
	         " AND release_id = $2::uuid AND identity = $3 AND emoji = $4",
	         4, v);
}

static enum db_status
step_marked(struct batch *b)
{
	const char *v[2] = {b->wsid, b->who.identity};

	return q(b, NULL,
	         "INSERT INTO release_read_marks (workspace_id, identity,"
	         " marked_at) VALUES ($1, $2, clock_timestamp())"
	         " ON CONFLICT (workspace_id, identity) DO UPDATE"
	         " SET marked_at = greatest(release_read_marks.marked_at,"
	         "  EXCLUDED.marked_at)",
	         2, v);
}

static enum db_status
step_effect(struct batch *b, struct ev *ev, enum step *step)
{
	*step = STEP_STORE;
	switch (ev->type) {
	case EV_VIEWED:
		return step_view(b, ev, step);
	case EV_READ:
		return step_read(b, ev, step);
	case EV_REACTION:
		return step_reaction(b, ev);
	case EV_MARKED:
		return step_marked(b);
	case EV_OPENED:
	case EV_LINK:
	case EV_SHARED:
	case EV_CTA:
		return DB_OK;
	case EV_NTYPES:
	default:
		abort();
	}
}

/* True (rows > 0) when the client id was not seen before. */
static enum db_status
claim_key(struct batch *b, const struct ev *ev, char *message_id, size_t len,
          bool *fresh)
{
	const char *v[2] = {b->wsid, message_id};
	long rows = 1;
	enum db_status st = DB_OK;

	if (ev->id[0] != '\0') {
		snprintf(message_id, len, "w:%s", ev->id);
		st = q_rows(b,
		            "INSERT INTO event_keys (workspace_id, message_id)"
		            " VALUES ($1, $2) ON CONFLICT DO NOTHING",
		            2, v, &rows);
	} else if (!util_token("w:s:", 16, message_id, len)) {
		abort();
	}
	*fresh = rows > 0;
	return st;
}

static enum db_status
insert_event(struct batch *b, const struct ev *ev, const char *message_id)
{
	char pid[24], *props = cJSON_PrintUnformatted(ev->props);
	const char *type = ev_type_name(ev->type);
	const char *v[10] = {b->wsid,
	                     message_id,
	                     type,
	                     b->who.person_id ? pid : NULL,
	                     b->who.anon,
	                     b->who.person_id ? b->who.external_id : NULL,
	                     ev->release_id[0] ? ev->release_id : NULL,
	                     props,
	                     b->context,
	                     ev->occurred_at};
	PGresult *r = NULL;
	enum db_status st;

	snprintf(pid, sizeof(pid), "%lld", (long long)b->who.person_id);
	st = q(b, &r,
	       "INSERT INTO events (workspace_id, message_id, source, type,"
	       " name, person_id, anonymous_id, user_id, release_id, props,"
	       " context, occurred_at) VALUES ($1, $2, 'widget', $3, $3,"
	       " $4::bigint, $5, $6, $7::uuid, $8::jsonb, $9::jsonb,"
	       " $10::timestamptz) ON CONFLICT DO NOTHING RETURNING id",
	       10, v);
	free(props);
	/* No row: a Segment message of this workspace took the same id in
	 * this month's partition (event_keys holds only widget ids). */
	if (st == DB_OK && PQntuples(r) == 1 && b->who.person_id != 0 &&
	    !buf_printf(&b->ids, "%s%s", b->ids.len > 1 ? "," : "",
	                PQgetvalue(r, 0, 0)))
		abort(); /* the buffer's cap fits EVENTS_MAX ids */
	if (st == DB_OK && strcmp(ev->occurred_at, b->last_at) > 0)
		memcpy(b->last_at, ev->occurred_at, sizeof(b->last_at));
	PQclear(r);
	return st;
}

/* Checks the release, claims the client id, applies the effect and
 * stores the event. */
static enum db_status
store_one(struct batch *b, struct ev *ev)
{
	char message_id[96];
	struct rel *rel = NULL;
	enum step step = STEP_STORE;
	bool fresh = true;
	enum db_status st = DB_OK;

	if (ev->release_id[0] != '\0')
		st = release_lookup(b, ev->release_id, &rel);
	if (st != DB_OK)
		return st;
	if (rel != NULL && !rel->published) {
		reject(b->db_rejected, ev->index,
		       "release_id: no such published release");
		return DB_OK;
	}
	if (ev->type == EV_CTA && !has_feature(rel, ev->feature)) {
		reject(b->db_rejected, ev->index,
		       "feature: not a feature of this release");
		return DB_OK;
	}
	if ((st = claim_key(b, ev, message_id, sizeof(message_id), &fresh)) !=
	        DB_OK ||
	    !fresh) {
		b->duplicates += !fresh;
		b->accepted += !fresh;
		return st;
	}
	if ((st = step_effect(b, ev, &step)) != DB_OK)
		return st;
	if (step == STEP_REFUSE) {
		reject(b->db_rejected, ev->index,
		       "ms: more reading than the time since the last report "
		       "allows");
		return DB_OK;
	}
	b->accepted++;
	if (step == STEP_SKIP) {
		b->duplicates++;
		return DB_OK;
	}
	return insert_event(b, ev, message_id);
}

/* "Last active": moves the person's last_seen_at to the latest event
 * stored (never in the future) when that is more than a minute ahead.
 * Before the rollups, so persons is locked before person_daily and
 * score_queue, as the ingest writer does. */
static enum db_status
seen_forward(struct batch *b, const char *pid)
{
	const char *v[3] = {b->wsid, pid, b->last_at};

	return q(b, NULL,
	         "UPDATE persons SET last_seen_at = $3::timestamptz"
	         " WHERE workspace_id = $1 AND id = $2::bigint"
	         "  AND last_seen_at < $3::timestamptz - interval '1 minute'",
	         3, v);
}

static enum db_status
rollup(struct batch *b)
{
	char pid[24];
	const char *v[3] = {b->wsid, pid, b->ids.data};
	enum db_status st;

	if (b->who.person_id == 0 || b->ids.len <= 1)
		return DB_OK;
	if (!buf_puts(&b->ids, "}"))
		abort();
	snprintf(pid, sizeof(pid), "%lld", (long long)b->who.person_id);
	v[2] = b->ids.data;
	st = seen_forward(b, pid);
	if (st != DB_OK)
		return st;
	st = q(b, NULL,
	       "INSERT INTO person_daily (workspace_id, person_id, day, event,"
	       " count, value)"
	       " SELECT e.workspace_id, e.person_id,"
	       "  (e.occurred_at AT TIME ZONE w.timezone)::date, e.type,"
	       "  count(*), coalesce(sum(CASE WHEN e.type = 'release_read'"
	       "  THEN (e.props->>'ms')::float8 END), 0)"
	       " FROM events e JOIN workspaces w ON w.id = e.workspace_id"
	       " WHERE e.workspace_id = $1 AND e.person_id = $2::bigint"
	       "  AND e.id = ANY($3::bigint[])"
	       " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
	       " ON CONFLICT (workspace_id, person_id, day, event) DO UPDATE"
	       " SET count = person_daily.count + EXCLUDED.count,"
	       "  value = person_daily.value + EXCLUDED.value",
	       3, v);
	if (st == DB_OK)
		st = q(b, NULL,
		       "INSERT INTO score_queue (workspace_id, person_id)"
		       " VALUES ($1, $2::bigint)"
		       " ON CONFLICT (workspace_id, person_id) DO UPDATE"
		       " SET queued_at = score_queue.queued_at WHERE false",
		       2, v);
	if (st == DB_OK)
		st = q(b, NULL, "NOTIFY herald_score", 0, NULL);
	return st;
}

static void
attempt_reset(struct batch *b)
{
	cJSON_Delete(b->db_rejected);
	b->db_rejected = cJSON_CreateArray();
	b->accepted = 0;
	b->duplicates = 0;
	b->last_at[0] = '\0';
	buf_cleanup(&b->ids);
	buf_init(&b->ids, 24 * EVENTS_MAX + 8);
	if (!buf_puts(&b->ids, "{"))
		abort();
	for (int i = 0; i < b->nrels; i++)
		cJSON_Delete(b->rels[i].features);
	b->nrels = 0;
}

static enum db_status
store_attempt(struct batch *b)
{
	enum db_status st;

	attempt_reset(b);
	st = q(b, NULL, "BEGIN", 0, NULL);
	for (int i = 0; i < b->nevs && st == DB_OK; i++)
		st = store_one(b, &b->evs[i]);
	if (st == DB_OK)
		st = rollup(b);
	if (st == DB_OK)
		st = q(b, NULL, "COMMIT", 0, NULL);
	if (st != DB_OK)
		(void)q(b, NULL, "ROLLBACK", 0, NULL);
	return st;
}

/* Stores the batch, retrying on deadlock or serialization failure. */
static enum db_status
store_batch(struct batch *b, char *err, size_t errlen)
{
	enum db_status st = DB_UNAVAILABLE;

	b->c = db_acquire(5000, err, errlen);
	if (b->c == NULL)
		return DB_UNAVAILABLE;
	for (int i = 0; i < TX_ATTEMPTS; i++) {
		st = store_attempt(b);
		if (st == DB_OK || strncmp(b->c->sqlstate, "40", 2) != 0)
			break;
	}
	if (st != DB_OK)
		snprintf(err, errlen, "%s", b->c->error);
	db_release(b->c);
	b->c = NULL;
	return st;
}

static char *
context_json(const struct http_req *req)
{
	const char *ua = http_header(req, "User-Agent");
	cJSON *o = cJSON_CreateObject();
	char *text, cut[520];

	if (ua != NULL && util_utf8_valid(ua, strlen(ua))) {
		size_t n = util_utf8_cut(ua, strlen(ua), 512);

		memcpy(cut, ua, n);
		cut[n] = '\0';
		cJSON_AddStringToObject(o, "user_agent", cut);
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Validates every event into b->evs; refusals go to b->rejected. */
static void
parse_events(struct batch *b, const cJSON *events, const cJSON *sent_at)
{
	int64_t now = util_wall_ms(), sent = now, skew;
	const cJSON *item;
	char err[256];
	int i = 0;

	if (!cJSON_IsString(sent_at) ||
	    !ev_parse_time(sent_at->valuestring, &sent))
		sent = now;
	skew = now - sent;
	cJSON_ArrayForEach(item, events)
	{
		if (ev_parse(item, i, now, skew, &b->evs[b->nevs], err,
		             sizeof(err)))
			b->nevs++;
		else
			reject(b->rejected, i, err);
		i++;
	}
}

static bool
content_type_ok(const struct http_req *req)
{
	const char *ct = http_header(req, "Content-Type");

	return ct == NULL || strncasecmp(ct, "application/json", 16) == 0 ||
	       strncasecmp(ct, "text/plain", 10) == 0;
}

static void
reply_stored(struct batch *b)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *item;

	cJSON_AddNumberToObject(root, "accepted", (double)b->accepted);
	while ((item = cJSON_DetachItemFromArray(b->db_rejected, 0)) != NULL)
		cJSON_AddItemToArray(b->rejected, item);
	cJSON_AddItemToObject(root, "rejected", b->rejected);
	b->rejected = NULL;
	cJSON_AddNumberToObject(root, "duplicates", (double)b->duplicates);
	cJSON_AddStringToObject(root, "anonymous_id", b->who.anon);
	http_json(b->req, 200, root);
}

static void
reply_robot(struct http_req *req, int n)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddNumberToObject(root, "accepted", 0);
	cJSON_AddItemToObject(root, "rejected", cJSON_CreateArray());
	cJSON_AddNumberToObject(root, "ignored", n);
	cJSON_AddStringToObject(root, "reason",
	                        "robot user agents are not counted");
	http_json(req, 200, root);
}

static const char *
body_string(const cJSON *root, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Checks the batch's envelope; replies and returns false when wrong. */
static bool
envelope_ok(struct http_req *req, const cJSON *root, const cJSON *events)
{
	const char *anon = body_string(root, "anonymous_id");
	char err[256];

	if (!cJSON_IsObject(root)) {
		http_error(req, 400, "body: must be a JSON object");
		return false;
	}
	if (!ev_text_ok(root, "events", err, sizeof(err))) {
		http_error(req, 400, "%s", err);
		return false;
	}
	if (!cJSON_IsArray(events) || cJSON_GetArraySize(events) == 0 ||
	    cJSON_GetArraySize(events) > EVENTS_MAX) {
		http_error(req, 400,
		           "events: must be an array of 1 to %d "
		           "events",
		           EVENTS_MAX);
		return false;
	}
	if (anon != NULL && !widget_anon_valid(anon)) {
		http_error(req, 400,
		           "anonymous_id: must be a_ followed by "
		           "6 to 64 letters, digits, - or _");
		return false;
	}
	return true;
}

static void
handle(struct batch *b, cJSON *root)
{
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, "events");
	const char *token = body_string(root, "token");
	const char *anon = body_string(root, "anonymous_id");
	char msg[256] = "", err[512] = "";
	enum db_status st;
	int code;

	if (!envelope_ok(b->req, root, events))
		return;
	if (robots_user_agent(http_header(b->req, "User-Agent"))) {
		reply_robot(b->req, cJSON_GetArraySize(events));
		return;
	}
	if (token == NULL)
		token = widget_bearer(b->req);
	if (token == NULL && anon == NULL &&
	    body_string(root, "user_id") == NULL) {
		http_error(b->req, 400,
		           "anonymous_id: required when there is no token");
		return;
	}
	code = widget_identify(&b->ws, token, body_string(root, "user_id"),
	                       anon, false, &b->who, msg, sizeof(msg));
	if (code == 503) {
		widget_unavailable(b->req);
		return;
	}
	if (code != 200) {
		http_error(b->req, code, "%s", msg);
		return;
	}
	parse_events(b, events,
	             cJSON_GetObjectItemCaseSensitive(root, "sent_at"));
	st = b->nevs > 0 ? store_batch(b, err, sizeof(err)) : DB_OK;
	if (st == DB_OK) {
		reply_stored(b);
		return;
	}
	log_warn("req=%s ws=%lld events not stored: %s", b->req->id,
	         (long long)b->ws.id, err);
	if (st == DB_UNAVAILABLE)
		widget_unavailable(b->req);
	else
		http_error(b->req, 500, "events not stored (req %s)",
		           b->req->id);
}

static void
batch_free(struct batch *b)
{
	for (int i = 0; i < b->nevs; i++)
		ev_cleanup(&b->evs[i]);
	for (int i = 0; i < b->nrels; i++)
		cJSON_Delete(b->rels[i].features);
	cJSON_Delete(b->rejected);
	cJSON_Delete(b->db_rejected);
	free(b->context);
	buf_cleanup(&b->ids);
	widget_who_cleanup(&b->who);
	widget_ws_cleanup(&b->ws);
	free(b);
}

void
widget_events_post(struct http_req *req)
{
	struct batch *b = calloc(1, sizeof(*b));
	cJSON *root = NULL;
	int st;

	if (b == NULL)
		abort();
	b->req = req;
	b->rejected = cJSON_CreateArray();
	st = widget_ws_load(http_param(req, 0), &b->ws);
	req->workspace_id = b->ws.id;
	snprintf(b->wsid, sizeof(b->wsid), "%lld", (long long)b->ws.id);
	if (st == 503)
		widget_unavailable(req);
	else if (st != 200)
		http_error(req, 404, "public key: no such workspace");
	else if (!cors_allow(req, &b->ws))
		http_error(req, 403, "origin: not allowed for this widget");
	else if (!content_type_ok(req))
		http_error(req, 415,
		           "Content-Type: send application/json "
		           "or text/plain");
	else if ((root = http_json_body_unchecked(req)) != NULL) {
		b->context = context_json(req);
		handle(b, root);
	}
	cJSON_Delete(root);
	batch_free(b);
}
