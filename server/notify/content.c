/* Herald - what an alert says: who qualified, their company, the rule,
 * the score and its top reasons, what they did in the last 30 days, a
 * suggested opening line and the lead page link.  Built once as the
 * webhook payload; Slack and email render the same object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/markdown.h"
#include "core/config.h"
#include "core/util.h"
#include "notify/notify.h"

#define SUMMARY_BYTES 4000    /* of plain text in an alert */
#define SUMMARY_MD    "20000" /* characters of markdown rendered for it */

/* One row: the qualification, its workspace, person and account.  For an
 * account, the person shown is its most recently seen one. */
static const char head_sql[] =
    "SELECT q.rule_id, coalesce(q.rule_name, q.rule_id), q.score, q.fit,"
    " q.engagement, to_char(q.qualified_at AT TIME ZONE 'UTC',"
    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " q.subject_type, q.subject_id, w.slug, w.name,"
    " p.id, p.name, p.email,"
    " coalesce(p.traits->>'role', p.traits->>'title'),"
    " a.id, coalesce(a.name, a.traits->>'name'), a.traits->>'employees',"
    " a.traits->>'industry', a.traits->>'country',"
    " coalesce(a.traits->>'plan', p.traits->>'plan'),"
    " (SELECT coalesce(jsonb_agg(r ORDER BY"
    "   CASE WHEN jsonb_typeof(r->'points') = 'number'"
    "   THEN (r->>'points')::float8 END DESC NULLS LAST), '[]')::text"
    "  FROM (SELECT r FROM jsonb_array_elements(CASE WHEN"
    "   jsonb_typeof(q.reasons) = 'array' THEN q.reasons ELSE '[]' END) r"
    "   ORDER BY CASE WHEN jsonb_typeof(r->'points') = 'number'"
    "   THEN (r->>'points')::float8 END DESC NULLS LAST LIMIT 5) t),"
    " q.qualified_at, CASE WHEN jsonb_typeof(q.reasons) = 'array'"
    "  THEN q.reasons ELSE '[]' END::text"
    " FROM qualifications q JOIN workspaces w ON w.id = q.workspace_id"
    " LEFT JOIN persons p ON p.workspace_id = q.workspace_id AND p.id ="
    "  CASE WHEN q.subject_type = 'person' THEN q.subject_id ELSE"
    "  (SELECT pp.id FROM persons pp WHERE pp.workspace_id = q.workspace_id"
    "   AND pp.account_id = q.subject_id ORDER BY pp.last_seen_at DESC"
    "   LIMIT 1) END"
    " LEFT JOIN accounts a ON a.workspace_id = q.workspace_id AND a.id ="
    "  CASE WHEN q.subject_type = 'account' THEN q.subject_id"
    "  ELSE p.account_id END"
    " WHERE q.workspace_id = $1 AND q.id = $2";

/* What the person did in the 30 days up to the qualification: releases
 * read (with read time), links clicked, shares, features tried (and the
 * release that introduced each, when they used it after it shipped). */
static const char activity_sql[] =
    "WITH ev AS (SELECT type, name, release_id, props, occurred_at"
    "  FROM events WHERE workspace_id = $1 AND person_id = $2"
    "  AND occurred_at > $3::timestamptz - interval '30 days'"
    "  AND occurred_at <= $3::timestamptz + interval '1 minute'),"
    " reads AS (SELECT r.id, r.title, r.slug, r.features, r.published_at,"
    "  left(r.body_md, " SUMMARY_MD ") AS summary,"
    "  coalesce(sum(CASE WHEN ev.type = 'release_read' AND"
    "   jsonb_typeof(ev.props->'ms') = 'number'"
    "   THEN (ev.props->>'ms')::float8 END), 0) AS ms,"
    "  count(*) FILTER (WHERE ev.type = 'release_viewed') AS views"
    "  FROM ev JOIN releases r ON r.workspace_id = $1"
    "  AND r.id = ev.release_id"
    "  WHERE ev.type IN ('release_read', 'release_viewed')"
    "  GROUP BY r.workspace_id, r.id ORDER BY 7 DESC, 8 DESC LIMIT 3),"
    " feats AS (SELECT coalesce(props->>'feature', '') AS feature,"
    "  count(*) AS n, min(occurred_at) AS first_at,"
    "  (array_agg(release_id ORDER BY occurred_at DESC) FILTER (WHERE"
    "   type = 'feature_cta' AND release_id IS NOT NULL))[1] AS cta FROM ev"
    "  WHERE ((type = 'track' AND name = 'feature_used') OR"
    "  type = 'feature_cta') AND coalesce(props->>'feature', '') <> ''"
    "  GROUP BY 1 ORDER BY 2 DESC, 3 LIMIT 5),"
    /* The release each feature was tried from ("Try it" in the widget),
     * else the latest release that introduced it before its first use. */
    " tried AS (SELECT f.*, coalesce(f.cta,"
    "  (SELECT r.id FROM releases r WHERE r.workspace_id = $1"
    "   AND f.feature = ANY (r.features) AND r.status = 'published'"
    "   AND r.published_at <= f.first_at + interval '1 day'"
    "   ORDER BY r.published_at DESC LIMIT 1)) AS rel FROM feats f),"
    /* Releases the score credits, by points: feature-use reasons first. */
    " credited AS (SELECT x->>'release' AS title,"
    "  sum((x->>'points')::float8) AS pts, bool_or(x->>'event' IN"
    "  ('feature_used', 'feature_cta')) AS feat"
    "  FROM jsonb_array_elements($4::jsonb) x"
    "  WHERE jsonb_typeof(x->'release') = 'string'"
    "  AND jsonb_typeof(x->'points') = 'number' GROUP BY 1),"
    /* The release the alert is about: the last one whose "Try it" was
     * clicked, the one the score credits for a feature use, the one that
     * introduced the feature tried most, the one the score credits most,
     * the one read most. */
    " about AS (SELECT id FROM ("
    "  SELECT release_id AS id, 1 AS rank,"
    "   extract(epoch FROM occurred_at)::float8 AS weight FROM ev"
    "   WHERE type = 'feature_cta' AND release_id IS NOT NULL"
    "  UNION ALL SELECT (SELECT r.id FROM releases r"
    "   WHERE r.workspace_id = $1 AND r.title = c.title"
    "   ORDER BY r.published_at DESC NULLS LAST LIMIT 1),"
    "   CASE WHEN c.feat THEN 2 ELSE 4 END, c.pts FROM credited c"
    "  UNION ALL SELECT rel, 3, n::float8 FROM tried"
    "  UNION ALL SELECT id, 5, ms + views FROM reads) a"
    "  WHERE id IS NOT NULL ORDER BY rank, weight DESC LIMIT 1)"
    " SELECT"
    " (SELECT coalesce(json_agg(json_build_object('id', id, 'title', title,"
    "  'slug', slug, 'read_seconds', round(ms / 1000), 'views', views,"
    "  'summary', summary) ORDER BY ms DESC, views DESC), '[]') FROM reads),"
    " (SELECT coalesce(json_agg(json_build_object('url', url, 'count', n)"
    "  ORDER BY n DESC), '[]') FROM (SELECT props->>'url' AS url,"
    "  count(*) AS n FROM ev WHERE type = 'link_clicked'"
    "  AND props->>'url' IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 5) l),"
    " (SELECT coalesce(json_agg(json_build_object('channel', ch,"
    "  'release', title, 'count', n) ORDER BY n DESC), '[]') FROM"
    "  (SELECT coalesce(ev.props->>'channel', 'link') AS ch, r.title,"
    "  count(*) AS n FROM ev LEFT JOIN releases r ON r.workspace_id = $1"
    "  AND r.id = ev.release_id WHERE ev.type = 'release_shared'"
    "  GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5) s),"
    " (SELECT coalesce(json_agg(json_build_object('feature', f.feature,"
    "  'count', f.n, 'first_at', f.first_at, 'release',"
    "  (SELECT r.title FROM releases r WHERE r.workspace_id = $1"
    "   AND r.id = f.rel)) ORDER BY f.n DESC, f.first_at), '[]')"
    "  FROM tried f),"
    " (SELECT json_build_object('id', r.id, 'title', r.title, 'slug',"
    "  r.slug, 'summary', left(r.body_md, " SUMMARY_MD "))"
    "  FROM releases r WHERE r.workspace_id = $1"
    "  AND r.id = (SELECT id FROM about))";

static void
add_text(cJSON *o, const char *key, const PGresult *r, int col)
{
	if (PQgetisnull(r, 0, col) || PQgetvalue(r, 0, col)[0] == '\0')
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, PQgetvalue(r, 0, col));
}

static void
add_number(cJSON *o, const char *key, const PGresult *r, int col)
{
	if (PQgetisnull(r, 0, col))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key,
		                        strtod(PQgetvalue(r, 0, col), NULL));
}

static cJSON *
person_part(const PGresult *r, char *lead_url, size_t lead_len)
{
	cJSON *p = cJSON_CreateObject();

	add_number(p, "id", r, 10);
	add_text(p, "name", r, 11);
	add_text(p, "email", r, 12);
	add_text(p, "role", r, 13);
	if (!PQgetisnull(r, 0, 10))
		snprintf(lead_url, lead_len, "%s/admin/leads/%s",
		         config.public_url, PQgetvalue(r, 0, 10));
	else
		lead_url[0] = '\0';
	return p;
}

static cJSON *
account_part(const PGresult *r)
{
	int64_t employees;
	cJSON *a;

	if (PQgetisnull(r, 0, 14))
		return cJSON_CreateNull();
	a = cJSON_CreateObject();
	add_number(a, "id", r, 14);
	add_text(a, "name", r, 15);
	if (util_parse_i64(PQgetvalue(r, 0, 16), &employees))
		cJSON_AddNumberToObject(a, "employees", (double)employees);
	else
		add_text(a, "employees", r, 16);
	add_text(a, "industry", r, 17);
	add_text(a, "country", r, 18);
	add_text(a, "plan", r, 19);
	return a;
}

static void
reason_value(struct buf *b, const cJSON *v, const char *sep)
{
	const cJSON *e;
	bool ok = true;

	if (cJSON_IsString(v)) {
		ok = buf_puts(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		ok = buf_printf(b, "%.15g", v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		ok = buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v)
		{
			if (ok && e != v->child)
				ok = buf_puts(b, sep);
			if (ok)
				reason_value(b, e, sep);
		}
	}
}

/* The words before a fit criterion's value, by operator. */
static const char *
op_words(const char *op)
{
	static const char *const words[][2] = {
	    {"in", "one of "}, {"gt", "over "},     {"gte", "at least "},
	    {"lt", "under "},  {"lte", "at most "}, {"between", "between "},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(op, words[i][0]) == 0)
			return words[i][1];
	return NULL;
}

/* A fit reason: the trait, its value and the criterion it met, as in
 * "account.employees 120 (between 20 and 5000)", "person.role CTO (one
 * of CTO, VP)" or "account.plan is trial".  Reasons stored before the
 * criterion was recorded show the trait and its value. */
static bool
fit_text(const cJSON *r, const char *trait, struct buf *b)
{
	const char *op = cJSON_GetStringValue(cJSON_GetObjectItem(r, "op"));
	const cJSON *crit = cJSON_GetObjectItem(r, "criterion");
	const char *words = op ? op_words(op) : NULL;

	if (!buf_printf(b, "%s %s", trait,
	                op && strcmp(op, "eq") == 0 ? "is " : ""))
		return false;
	reason_value(b, cJSON_GetObjectItem(r, "value"), ", ");
	if (crit == NULL || op == NULL || strcmp(op, "eq") == 0)
		return true;
	if (!(words ? buf_printf(b, " (%s", words)
	            : buf_printf(b, " (%s ", op)))
		return false;
	reason_value(b, crit, strcmp(op, "between") == 0 ? " and " : ", ");
	return buf_puts(b, ")");
}

/* One line a person can read: "person.role CTO (one of CTO, VP)",
 * "release_read: Data visualization x2, 3.2 min", or the scorer's
 * detail.  False when the buffer is full (b keeps what fitted). */
static bool
reason_text(const cJSON *r, struct buf *b)
{
	const char *trait =
	    cJSON_GetStringValue(cJSON_GetObjectItem(r, "trait"));
	const char *event =
	    cJSON_GetStringValue(cJSON_GetObjectItem(r, "event"));
	const char *detail =
	    cJSON_GetStringValue(cJSON_GetObjectItem(r, "detail"));
	const cJSON *count = cJSON_GetObjectItem(r, "count");
	const cJSON *minutes = cJSON_GetObjectItem(r, "minutes");
	bool ok = true;

	if (trait != NULL && detail == NULL)
		return fit_text(r, trait, b);
	if (event != NULL)
		ok = buf_printf(b, "%s%s", event, detail ? ": " : "");
	if (ok && detail != NULL)
		ok = buf_puts(b, detail);
	if (ok && b->len == 0) {
		const char *kind =
		    cJSON_GetStringValue(cJSON_GetObjectItem(r, "kind"));

		ok = buf_puts(b, kind ? kind : "signal");
	}
	if (ok && cJSON_IsNumber(count) && count->valuedouble > 1)
		ok = buf_printf(b, " \xc3\x97%g", count->valuedouble);
	if (ok && cJSON_IsNumber(minutes))
		ok = buf_printf(b, ", %.1f min", minutes->valuedouble);
	return ok;
}

/* Adds "text" to every reason. */
static void
label_reasons(cJSON *reasons)
{
	cJSON *r;
	struct buf b;

	cJSON_ArrayForEach(r, reasons)
	{
		if (!cJSON_IsObject(r))
			continue;
		buf_init(&b, 1000);
		/* A full buffer keeps the text written so far. */
		reason_text(r, &b);
		cJSON_DeleteItemFromObject(r, "text");
		cJSON_AddStringToObject(r, "text", b.data ? b.data : "");
		buf_cleanup(&b);
	}
}

static cJSON *
head_part(const PGresult *r, const char *event_id, char *lead_url,
          size_t lead_len)
{
	cJSON *o = cJSON_CreateObject(), *x;

	cJSON_AddStringToObject(o, "event_id", event_id);
	cJSON_AddStringToObject(o, "type", "lead.qualified");
	x = cJSON_AddObjectToObject(o, "workspace");
	add_text(x, "slug", r, 8);
	add_text(x, "name", r, 9);
	x = cJSON_AddObjectToObject(o, "rule");
	add_text(x, "id", r, 0);
	add_text(x, "name", r, 1);
	x = cJSON_AddObjectToObject(o, "subject");
	add_text(x, "type", r, 6);
	add_number(x, "id", r, 7);
	x = cJSON_AddObjectToObject(o, "score");
	add_number(x, "total", r, 2);
	add_number(x, "fit", r, 3);
	add_number(x, "engagement", r, 4);
	x = cJSON_Parse(PQgetvalue(r, 0, 20));
	label_reasons(x);
	cJSON_AddItemToObject(o, "reasons", x ? x : cJSON_CreateArray());
	add_text(o, "qualified_at", r, 5);
	cJSON_AddItemToObject(o, "person", person_part(r, lead_url, lead_len));
	cJSON_AddItemToObject(o, "account", account_part(r));
	return o;
}

static cJSON *
parsed(const PGresult *r, int col)
{
	cJSON *v = cJSON_Parse(PQgetvalue(r, 0, col));

	return v ? v : cJSON_CreateArray();
}

/* Replaces a release's markdown "summary" with its plain text (emphasis,
 * links and code marks gone), at most SUMMARY_BYTES; null when it cannot
 * be rendered, so markdown never reaches a reader as is. */
static void
plain_summary(cJSON *rel)
{
	const char *md =
	    cJSON_GetStringValue(cJSON_GetObjectItem(rel, "summary"));
	char *text = NULL;

	if (md == NULL)
		return;
	if (markdown_plain(md, strlen(md), SUMMARY_BYTES, &text))
		cJSON_ReplaceItemInObject(rel, "summary",
		                          cJSON_CreateString(text));
	else
		cJSON_ReplaceItemInObject(rel, "summary", cJSON_CreateNull());
	free(text);
}

/* Adds the page URL to a release and renders its summary. */
static void
finish_release(cJSON *rel, const char *ws_slug)
{
	const cJSON *slug = cJSON_GetObjectItem(rel, "slug");
	char url[600];

	plain_summary(rel);
	if (!cJSON_IsString(slug))
		return;
	snprintf(url, sizeof(url), "%s/c/%s/%s", config.public_url, ws_slug,
	         slug->valuestring);
	cJSON_AddStringToObject(rel, "url", url);
}

static void
finish_releases(cJSON *reads, const char *ws_slug)
{
	cJSON *e;

	cJSON_ArrayForEach(e, reads) finish_release(e, ws_slug);
}

/* Adds "release", the release the alert is about (or null), with its
 * page URL and plain summary. */
static void
add_about(cJSON *o, const PGresult *r, int col, const char *ws_slug)
{
	cJSON *rel =
	    PQgetisnull(r, 0, col) ? NULL : cJSON_Parse(PQgetvalue(r, 0, col));

	if (!cJSON_IsObject(rel)) {
		cJSON_Delete(rel);
		cJSON_AddNullToObject(o, "release");
		return;
	}
	finish_release(rel, ws_slug);
	cJSON_AddItemToObject(o, "release", rel);
}

/* Adds "activity" and "release"; head is the row of head_sql (the
 * qualification time and its reasons). */
static bool
add_activity(struct db_conn *c, cJSON *o, const char *ws, const char *person_id,
             const PGresult *head, char *err, size_t errlen)
{
	const char *params[4] = {ws, person_id, PQgetvalue(head, 0, 21),
	                         PQgetvalue(head, 0, 22)};
	const char *slug = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(o, "workspace"), "slug"));
	PGresult *r = NULL;
	cJSON *act = cJSON_AddObjectToObject(o, "activity"), *reads;

	if (person_id == NULL) {
		cJSON_AddNullToObject(o, "release");
		cJSON_AddItemToObject(act, "releases_read",
		                      cJSON_CreateArray());
		cJSON_AddItemToObject(act, "links_clicked",
		                      cJSON_CreateArray());
		cJSON_AddItemToObject(act, "shares", cJSON_CreateArray());
		cJSON_AddItemToObject(act, "features_tried",
		                      cJSON_CreateArray());
		return true;
	}
	if (db_query(c, &r, activity_sql, 4, params) != DB_OK) {
		snprintf(err, errlen, "%s", c->error);
		return false;
	}
	reads = parsed(r, 0);
	finish_releases(reads, slug);
	cJSON_AddItemToObject(act, "releases_read", reads);
	cJSON_AddItemToObject(act, "links_clicked", parsed(r, 1));
	cJSON_AddItemToObject(act, "shares", parsed(r, 2));
	cJSON_AddItemToObject(act, "features_tried", parsed(r, 3));
	add_about(o, r, 4, slug);
	PQclear(r);
	return true;
}

static void
add_opening_line(cJSON *o)
{
	struct buf line;

	buf_init(&line, 2000);
	if (content_opening_line(o, &line))
		cJSON_AddStringToObject(o, "opening_line", line.data);
	buf_cleanup(&line);
}

cJSON *
content_build(struct db_conn *c, const char *workspace_id,
              const char *qualification_id, const char *event_id, char *err,
              size_t errlen)
{
	const char *params[2] = {workspace_id, qualification_id};
	char lead_url[600];
	PGresult *r = NULL;
	cJSON *o = NULL;

	if (db_query(c, &r, head_sql, 2, params) != DB_OK) {
		snprintf(err, errlen, "%s", c->error);
		return NULL;
	}
	if (PQntuples(r) != 1) {
		snprintf(err, errlen, "qualification %s is gone",
		         qualification_id);
		goto out;
	}
	o = head_part(r, event_id, lead_url, sizeof(lead_url));
	if (lead_url[0])
		cJSON_AddStringToObject(o, "lead_url", lead_url);
	else
		cJSON_AddNullToObject(o, "lead_url");
	if (!add_activity(c, o, workspace_id,
	                  PQgetisnull(r, 0, 10) ? NULL : PQgetvalue(r, 0, 10),
	                  r, err, errlen)) {
		cJSON_Delete(o);
		o = NULL;
		goto out;
	}
	add_opening_line(o);
out:
	PQclear(r);
	return o;
}

cJSON *
content_test(const char *workspace_name, const char *event_id)
{
	cJSON *o = cJSON_CreateObject(), *w;

	cJSON_AddStringToObject(o, "event_id", event_id);
	cJSON_AddStringToObject(o, "type", "test");
	w = cJSON_AddObjectToObject(o, "workspace");
	cJSON_AddStringToObject(w, "name", workspace_name);
	cJSON_AddStringToObject(o, "text",
	                        "Herald test message: this destination "
	                        "receives alerts.");
	return o;
}

/* ---- activity lines ------------------------------------------------------ */

static long
whole(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (long)v->valuedouble
	                                               : 0;
}

const char *
content_read_verb(const cJSON *read)
{
	return whole(read, "read_seconds") > 0 ? "Read" : "Opened";
}

bool
content_read_tail(const cJSON *read, struct buf *out)
{
	long secs = whole(read, "read_seconds");
	long views = whole(read, "views");
	bool ok = true;

	if (secs >= 60 && secs % 60 != 0)
		ok =
		    buf_printf(out, " for %ld min %ld s", secs / 60, secs % 60);
	else if (secs >= 60)
		ok = buf_printf(out, " for %ld min", secs / 60);
	else if (secs > 0)
		ok = buf_printf(out, " for %ld s", secs);
	if (ok && views > 0)
		ok = buf_printf(out, " (%ld view%s)", views,
		                views == 1 ? "" : "s");
	if (ok && secs == 0)
		ok = buf_puts(out, ", not read yet");
	return ok;
}

/* ---- the opening line ---------------------------------------------------- */

static const char *
get_str(const cJSON *o, const char *path1, const char *path2)
{
	const cJSON *v = cJSON_GetObjectItem(o, path1);

	if (path2 != NULL)
		v = cJSON_GetObjectItem(v, path2);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
first_name(const cJSON *o, struct buf *out)
{
	const char *name = get_str(o, "person", "name");
	size_t n;

	if (name == NULL)
		return buf_puts(out, "Hi there");
	n = strcspn(name, " ");
	return buf_printf(out, "Hi %.*s", (int)n, name);
}

/* Names the feature they tried and the release they tried it from, or
 * the release the alert is about, or falls back to the company. */
bool
content_opening_line(const cJSON *o, struct buf *out)
{
	const cJSON *act = cJSON_GetObjectItem(o, "activity");
	const cJSON *feat =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(act, "features_tried"), 0);
	const cJSON *read = cJSON_GetObjectItem(o, "release");
	const char *company = get_str(o, "account", "name");
	const char *f = get_str(feat, "feature", NULL);
	const char *rel = get_str(feat, "release", NULL);
	const char *title = get_str(read, "title", NULL);

	if (!first_name(o, out))
		return false;
	if (f != NULL && rel != NULL)
		return buf_printf(out,
		                  ", I saw you tried %s after our \"%s\" "
		                  "update. Want a quick walkthrough of how "
		                  "teams like %s get the most out of it?",
		                  f, rel, company ? company : "yours");
	if (f != NULL)
		return buf_printf(out,
		                  ", I saw you tried %s. Want a quick "
		                  "walkthrough of how teams like %s use it?",
		                  f, company ? company : "yours");
	if (title != NULL)
		return buf_printf(out,
		                  ", I noticed you read about \"%s\". Happy to "
		                  "show how it would fit %s - 15 minutes this "
		                  "week?",
		                  title, company ? company : "your team");
	return buf_printf(out,
	                  ", thanks for trying us out%s%s. Can I help you "
	                  "get %s set up?",
	                  company ? " at " : "", company ? company : "",
	                  company ? "the team" : "everything");
}
