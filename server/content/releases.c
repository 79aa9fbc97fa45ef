/* Herald - the releases admin API.  An edit loads the stored release as
 * its JSON object, applies the fields sent, validates the result and
 * writes it back, all in one transaction under a row lock. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "content/audience.h"
#include "content/dates.h"
#include "content/markdown.h"
#include "content/releases.h"
#include "content/revisions.h"
#include "content/stats.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "store/db.h"

#define LIST_DEFAULT 20
#define LIST_MAX     100
#define LABELS_MAX   20
#define LABEL_LEN    40
#define FEATURE_LEN  64

/* An error for the client: HTTP status and a message naming the field. */
struct problem {
	int status;
	char text[300];
};

static bool
fail(struct problem *p, int status, const char *field, const char *what)
{
	p->status = status;
	snprintf(p->text, sizeof(p->text), "%s: %s", field, what);
	return false;
}

/* ---- rows to JSON ----------------------------------------------------- */

void
release_url(const char *ws_slug, const char *release_slug, char *out,
            size_t outlen)
{
	snprintf(out, outlen, "%s/c/%s/%s", config.public_url, ws_slug,
	         release_slug);
}

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
add_parsed(cJSON *o, const char *key, const char *text, const char *dflt)
{
	cJSON *v = cJSON_Parse(text);

	if (v == NULL)
		v = cJSON_Parse(dflt);
	cJSON_AddItemToObject(o, key, v);
}

static bool
add_html(cJSON *o, const char *md)
{
	char *html = NULL;

	if (!markdown_render(md, strlen(md), &html))
		return false;
	cJSON_AddStringToObject(o, "html", html);
	free(html);
	return true;
}

cJSON *
release_from_row(const PGresult *r, int row, const char *ws_slug, bool html)
{
	cJSON *o = cJSON_CreateObject();
	char url[1024];

	cJSON_AddStringToObject(o, "id", PQgetvalue(r, row, 0));
	cJSON_AddStringToObject(o, "slug", PQgetvalue(r, row, 1));
	cJSON_AddStringToObject(o, "title", PQgetvalue(r, row, 2));
	cJSON_AddStringToObject(o, "body", PQgetvalue(r, row, 3));
	if (html && !add_html(o, PQgetvalue(r, row, 3))) {
		cJSON_Delete(o);
		return NULL;
	}
	add_parsed(o, "labels", PQgetvalue(r, row, 4), "[]");
	add_parsed(o, "features", PQgetvalue(r, row, 5), "[]");
	add_parsed(o, "audience", PQgetvalue(r, row, 6), "{}");
	cJSON_AddStringToObject(o, "status", PQgetvalue(r, row, 7));
	add_time(o, "publish_at", r, row, 8);
	add_time(o, "published_at", r, row, 9);
	if (PQgetisnull(r, row, 10))
		cJSON_AddNullToObject(o, "author");
	else
		cJSON_AddStringToObject(o, "author", PQgetvalue(r, row, 10));
	add_time(o, "created_at", r, row, 11);
	add_time(o, "updated_at", r, row, 12);
	release_url(ws_slug, PQgetvalue(r, row, 1), url, sizeof(url));
	cJSON_AddStringToObject(o, "url", url);
	return o;
}

void
release_slugify(const char *title, char *out, size_t outlen)
{
	size_t n = 0, max = outlen - 1 < RELEASE_SLUG_MAX ? outlen - 1
	                                                  : RELEASE_SLUG_MAX;
	bool dash = false;

	for (const char *p = title; *p != '\0' && n < max; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x80 && isalnum(c)) {
			if (dash && n > 0 && n + 1 < max)
				out[n++] = '-';
			out[n++] = (char)tolower(c);
			dash = false;
		} else {
			dash = true;
		}
	}
	if (n == 0)
		n = (size_t)snprintf(out, outlen, "release");
	out[n] = '\0';
}

bool
release_id_valid(const char *text)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(text) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i] != '\0'; i++) {
		bool hex = isxdigit((unsigned char)text[i]);

		if (shape[i] == '-' ? text[i] != '-' : !hex)
			return false;
	}
	return true;
}

/* ---- input ------------------------------------------------------------ */

static bool
slug_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RELEASE_SLUG_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		      isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

static bool
feature_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FEATURE_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("_-.:", s[i])))
			return false;
	return true;
}

static bool
label_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= LABEL_LEN;
}

/* A list of distinct strings each passing ok(). */
static bool
string_list(const cJSON *v, const char *field, bool (*ok)(const char *),
            struct problem *p)
{
	const cJSON *e, *f;

	if (!cJSON_IsArray(v))
		return fail(p, 400, field, "must be a list of strings");
	if (cJSON_GetArraySize(v) > LABELS_MAX)
		return fail(p, 400, field, "has more than 20 entries");
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e) || !ok(e->valuestring))
			return fail(p, 400, field,
			            "has an empty, too long or bad entry");
		for (f = v->child; f != e; f = f->next)
			if (strcmp(f->valuestring, e->valuestring) == 0)
				return fail(p, 400, field,
				            "lists an entry twice");
	}
	return true;
}

static bool
check_title(const cJSON *v, struct problem *p)
{
	const char *s;

	if (v == NULL || cJSON_IsNull(v))
		return fail(p, 400, "title", "is required");
	if (!cJSON_IsString(v))
		return fail(p, 400, "title", "must be a string");
	s = v->valuestring;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return fail(p, 400, "title", "must not be empty");
	if (strlen(v->valuestring) > RELEASE_TITLE_MAX)
		return fail(p, 400, "title", "is longer than 300 bytes");
	return true;
}

static bool
check_status(const cJSON *v, struct problem *p)
{
	if (cJSON_IsString(v) && (strcmp(v->valuestring, "draft") == 0 ||
	                          strcmp(v->valuestring, "scheduled") == 0 ||
	                          strcmp(v->valuestring, "published") == 0))
		return true;
	return fail(p, 400, "status",
	            "unknown status; use draft, scheduled or published");
}

static bool
check_body(const cJSON *v, struct problem *p)
{
	if (!cJSON_IsString(v))
		return fail(p, 400, "body", "must be a string of markdown");
	if (strlen(v->valuestring) > RELEASE_BODY_MAX)
		return fail(p, 413, "body",
		            "is over the limit of 102400 bytes (100 KiB)");
	return true;
}

/* Validates publish_at and replaces it by its normalised form. */
static bool
normalise_publish_at(cJSON *in, struct problem *p)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "publish_at");
	char when[DATES_LEN];
	int64_t t;

	if (v == NULL || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v) || !dates_parse_iso8601(v->valuestring, &t))
		return fail(p, 400, "publish_at",
		            "must be an ISO 8601 time such as "
		            "2026-05-01T09:00:00Z");
	dates_rfc3339(t, when);
	cJSON_ReplaceItemInObjectCaseSensitive(in, "publish_at",
	                                       cJSON_CreateString(when));
	return true;
}

static bool
check_audience(const cJSON *v, struct problem *p)
{
	char err[256];

	if (!release_audience_check(v, err, sizeof(err))) {
		p->status = 400;
		snprintf(p->text, sizeof(p->text), "%s", err);
		return false;
	}
	return true;
}

static bool
check_optional_string(const cJSON *v, const char *field, size_t max,
                      struct problem *p)
{
	if (v == NULL || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max)
		return fail(p, 400, field, "must be a short string");
	return true;
}

/* Checks every field present in the input (title only when required). */
static bool
check_input(cJSON *in, bool need_title, struct problem *p)
{
	const cJSON *v;

	if (!cJSON_IsObject(in))
		return fail(p, 400, "body", "must be a JSON object");
	v = cJSON_GetObjectItemCaseSensitive(in, "title");
	if ((need_title || v != NULL) && !check_title(v, p))
		return false;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "body")) &&
	    !check_body(v, p))
		return false;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "status")) &&
	    !check_status(v, p))
		return false;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "labels")) &&
	    !string_list(v, "labels", label_valid, p))
		return false;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "features")) &&
	    !string_list(v, "features", feature_valid, p))
		return false;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "audience")) &&
	    !check_audience(v, p))
		return false;
	v = cJSON_GetObjectItemCaseSensitive(in, "slug");
	if (v != NULL && !(cJSON_IsString(v) && slug_valid(v->valuestring)))
		return fail(p, 400, "slug",
		            "must be 1-80 of a-z, 0-9 and '-', not starting "
		            "with '-'");
	if (!check_optional_string(
	        cJSON_GetObjectItemCaseSensitive(in, "author"), "author", 200,
	        p))
		return false;
	return normalise_publish_at(in, p);
}

static const char *const editable[] = {
    "title",    "slug",   "body",       "labels", "features",
    "audience", "status", "publish_at", "author", NULL};

/* Copies the editable fields present in `in` onto rel. */
static void
apply_input(cJSON *rel, const cJSON *in)
{
	for (int i = 0; editable[i] != NULL; i++) {
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(in, editable[i]);

		if (v == NULL)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(rel, editable[i]);
		cJSON_AddItemToObject(rel, editable[i],
		                      cJSON_Duplicate(v, true));
	}
}

/* Rules on the merged release, old may be NULL (a new release). */
static bool
check_merged(const cJSON *rel, const cJSON *old, struct problem *p)
{
	const char *status = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(rel, "status"));
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(rel, "publish_at");
	const char *slug, *old_slug;

	if (strcmp(status, "scheduled") == 0 && !cJSON_IsString(at))
		return fail(p, 400, "publish_at",
		            "is required when status is scheduled");
	if (old == NULL ||
	    cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(old, "published_at")))
		return true;
	slug =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rel, "slug"));
	old_slug =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(old, "slug"));
	if (slug && old_slug && strcmp(slug, old_slug) != 0)
		return fail(p, 400, "slug",
		            "cannot change once the release was published");
	return true;
}

/* The defaults of a new release, or of a replaced one (PUT). */
static cJSON *
defaults(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "body", "");
	cJSON_AddItemToObject(o, "labels", cJSON_CreateArray());
	cJSON_AddItemToObject(o, "features", cJSON_CreateArray());
	cJSON_AddItemToObject(o, "audience", cJSON_CreateObject());
	cJSON_AddStringToObject(o, "status", "draft");
	cJSON_AddNullToObject(o, "publish_at");
	cJSON_AddNullToObject(o, "author");
	return o;
}

/* ---- database --------------------------------------------------------- */

struct tx {
	struct db_conn *c;
	char err[512];
	enum db_status st;
};

static bool
tx_begin(struct tx *t)
{
	t->c = db_acquire(5000, t->err, sizeof(t->err));
	if (t->c == NULL) {
		t->st = DB_UNAVAILABLE;
		return false;
	}
	t->st = db_query(t->c, NULL, "BEGIN", 0, NULL);
	return t->st == DB_OK;
}

static bool
tx_run(struct tx *t, PGresult **out, const char *q, int n, const char *const *v)
{
	t->st = db_query(t->c, out, q, n, v);
	if (t->st != DB_OK)
		snprintf(t->err, sizeof(t->err), "%s", t->c->error);
	return t->st == DB_OK;
}

static bool
tx_commit(struct tx *t)
{
	return tx_run(t, NULL, "COMMIT", 0, NULL);
}

static void
tx_end(struct tx *t)
{
	if (t->c != NULL)
		db_release(t->c);
	t->c = NULL;
}

static const char *
str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Text of a JSON field for a jsonb parameter; caller frees. */
static char *
json_text(const cJSON *o, const char *key)
{
	return cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Parameters $3.. of the insert and update statements. */
struct write_params {
	char *labels, *features, *audience, *html;
	const char *v[12];
};

static bool
params_init(struct write_params *w, const char *ws, const char *id,
            const cJSON *rel)
{
	const char *body = str(rel, "body");

	memset(w, 0, sizeof(*w));
	w->labels = json_text(rel, "labels");
	w->features = json_text(rel, "features");
	w->audience = json_text(rel, "audience");
	if (!markdown_render(body, strlen(body), &w->html) || !w->labels ||
	    !w->features || !w->audience)
		return false;
	w->v[0] = ws;
	w->v[1] = id;
	w->v[2] = str(rel, "title");
	w->v[3] = str(rel, "slug");
	w->v[4] = body;
	w->v[5] = w->html;
	w->v[6] = w->labels;
	w->v[7] = w->features;
	w->v[8] = w->audience;
	w->v[9] = str(rel, "status");
	w->v[10] = str(rel, "publish_at");
	w->v[11] = str(rel, "author");
	return true;
}

static void
params_cleanup(struct write_params *w)
{
	free(w->labels);
	free(w->features);
	free(w->audience);
	free(w->html);
}

#define SET_FIELDS                                                             \
	"title = $3, body_md = $5, body_html = $6,"                            \
	" labels = ARRAY(SELECT jsonb_array_elements_text($7::jsonb)),"        \
	" features = ARRAY(SELECT jsonb_array_elements_text($8::jsonb)),"      \
	" audience = $9::jsonb, status = $10,"                                 \
	" publish_at = $11::timestamptz, author = $12, updated_at = now(),"    \
	" published_at = CASE WHEN $10 = 'published'"                          \
	" THEN COALESCE(r.published_at, now()) ELSE r.published_at END"

static const char sql_update[] =
    "UPDATE releases r SET slug = $4, " SET_FIELDS
    " WHERE r.workspace_id = $1 AND r.id = $2::uuid"
    " RETURNING " RELEASE_COLUMNS;

/* $2 unused on insert: the id comes from the default.  $4 NULL picks the
 * first free slug made from the title. */
static const char sql_insert[] =
    "INSERT INTO releases AS r (workspace_id, slug, title, body_md,"
    " body_html, labels, features, audience, status, publish_at, author,"
    " published_at)"
    " SELECT $1, COALESCE($4, (SELECT c FROM (SELECT $13::text AS c, 1 AS n"
    "   UNION ALL SELECT $13 || '-' || g, g"
    "   FROM generate_series(2, 100000) g) s"
    "   WHERE NOT EXISTS (SELECT 1 FROM releases x"
    "     WHERE x.workspace_id = $1 AND x.slug = s.c)"
    "   ORDER BY n LIMIT 1)),"
    " $3, $5, $6, ARRAY(SELECT jsonb_array_elements_text($7::jsonb)),"
    " ARRAY(SELECT jsonb_array_elements_text($8::jsonb)), $9::jsonb, $10,"
    " $11::timestamptz, $12,"
    " CASE WHEN $10 = 'published' THEN now() END"
    " WHERE $2::text IS NULL"
    " RETURNING " RELEASE_COLUMNS;

static const char sql_notify[] =
    "SELECT pg_notify('herald_release_published',"
    " json_build_object('workspace_id', $1::bigint,"
    " 'release_id', $2::text)::text)";

static bool
notify_published(struct tx *t, const char *ws, const char *id)
{
	const char *v[2] = {ws, id};

	return tx_run(t, NULL, sql_notify, 2, v);
}

/* ---- handlers --------------------------------------------------------- */

struct call {
	struct http_req *req;
	struct caller who;
	char ws[24];
};

static bool
call_init(struct call *c, struct http_req *req, enum role need)
{
	c->req = req;
	if (!auth_admin(req, need, &c->who))
		return false;
	snprintf(c->ws, sizeof(c->ws), "%lld", (long long)c->who.workspace_id);
	return true;
}

static void
reply_db_error(struct call *c, struct tx *t)
{
	int status = db_http_status(t->st);

	if (t->c != NULL && strcmp(t->c->sqlstate, "23505") == 0) {
		http_error(c->req, 409,
		           "slug: already used by another "
		           "release of this workspace");
		return;
	}
	log_warn("req=%s ws=%s releases query failed: %s", c->req->id, c->ws,
	         t->err);
	if (status == 400)
		http_error(c->req, 400, "the database refused a value");
	else
		http_error(c->req, status, "database %s",
		           status == 503 ? "unavailable" : "error");
}

static void
reply_release(struct call *c, int status, const PGresult *r)
{
	cJSON *o = release_from_row(r, 0, c->who.workspace_slug, true);

	if (o == NULL) {
		http_error(c->req, 500, "cannot render the release");
		return;
	}
	http_json(c->req, status, o);
}

/* Loads a release of the caller's workspace, locked for update, as JSON.
 * Returns NULL with *found false when there is none. */
static cJSON *
load_locked(struct call *c, struct tx *t, const char *id, bool *found)
{
	const char *v[2] = {c->ws, id};
	PGresult *r = NULL;
	cJSON *o;

	*found = false;
	if (!tx_run(t, &r,
	            "SELECT " RELEASE_COLUMNS " FROM releases r"
	            " WHERE r.workspace_id = $1 AND r.id = $2::uuid"
	            " FOR UPDATE",
	            2, v))
		return NULL;
	*found = PQntuples(r) == 1;
	o = *found ? release_from_row(r, 0, c->who.workspace_slug, false)
	           : NULL;
	PQclear(r);
	return o;
}

static void
reply_problem(struct call *c, const struct problem *p)
{
	http_error(c->req, p->status, "%s", p->text);
}

/* Writes the merged release; notifies when it became published. */
static bool
save(struct call *c, struct tx *t, const cJSON *rel, const cJSON *old,
     PGresult **out)
{
	struct write_params w;
	char slug[RELEASE_SLUG_MAX + 1];
	const char *was = old ? str(old, "status") : "";
	const char *id = old ? str(old, "id") : NULL;
	const char *v[13];
	bool ok;

	if (!params_init(&w, c->ws, id, rel)) {
		params_cleanup(&w);
		snprintf(t->err, sizeof(t->err), "out of memory");
		t->st = DB_ERROR;
		return false;
	}
	memcpy(v, w.v, sizeof(w.v));
	release_slugify(str(rel, "title"), slug, sizeof(slug));
	v[12] = slug;
	ok = tx_run(t, out, old ? sql_update : sql_insert, old ? 12 : 13, v);
	params_cleanup(&w);
	if (!ok)
		return false;
	if (strcmp(str(rel, "status"), "published") != 0 ||
	    strcmp(was, "published") == 0)
		return true;
	return notify_published(t, c->ws, PQgetvalue(*out, 0, 0));
}

static void
create(struct call *c, cJSON *in)
{
	struct problem p = {0};
	struct tx t = {0};
	PGresult *r = NULL;
	cJSON *rel = NULL;

	if (!check_input(in, true, &p)) {
		reply_problem(c, &p);
		return;
	}
	rel = defaults();
	apply_input(rel, in);
	if (c->who.user_id == 0 &&
	    cJSON_IsNull(cJSON_GetObjectItem(rel, "author")))
		cJSON_ReplaceItemInObject(rel, "author",
		                          cJSON_CreateString("admin"));
	if (!check_merged(rel, NULL, &p)) {
		reply_problem(c, &p);
		goto out;
	}
	if (!tx_begin(&t) || !save(c, &t, rel, NULL, &r) || !tx_commit(&t)) {
		reply_db_error(c, &t);
		goto out;
	}
	log_info("req=%s ws=%s release=%s created", c->req->id, c->ws,
	         PQgetvalue(r, 0, 0));
	reply_release(c, 201, r);
out:
	PQclear(r);
	tx_end(&t);
	cJSON_Delete(rel);
}

static void
releases_create(struct http_req *req)
{
	struct call c;
	cJSON *in;

	if (!call_init(&c, req, ROLE_EDITOR))
		return;
	in = http_json_body(req);
	if (in == NULL)
		return;
	create(&c, in);
	cJSON_Delete(in);
}

/* Applies `in` to release `id`; replace resets the content fields first
 * (PUT), publish forces status published. */
static void
edit(struct call *c, const char *id, cJSON *in, bool replace)
{
	struct problem p = {0};
	struct tx t = {0};
	PGresult *r = NULL;
	cJSON *old = NULL, *rel = NULL;
	bool found;

	if (!check_input(in, replace, &p)) {
		reply_problem(c, &p);
		return;
	}
	if (!tx_begin(&t))
		goto dberr;
	old = load_locked(c, &t, id, &found);
	if (old == NULL && !found) {
		if (t.st != DB_OK)
			goto dberr;
		http_error(c->req, 404, "no release %s", id);
		goto out;
	}
	rel = cJSON_Duplicate(old, true);
	if (replace) {
		cJSON *d = defaults();

		cJSON_DeleteItemFromObject(d, "status");
		apply_input(rel, d);
		cJSON_Delete(d);
	}
	apply_input(rel, in);
	if (!check_merged(rel, old, &p)) {
		reply_problem(c, &p);
		goto out;
	}
	if (!save(c, &t, rel, old, &r) || !tx_commit(&t))
		goto dberr;
	log_info("req=%s ws=%s release=%s status=%s updated", c->req->id, c->ws,
	         id, str(rel, "status"));
	reply_release(c, 200, r);
	goto out;
dberr:
	reply_db_error(c, &t);
out:
	PQclear(r);
	tx_end(&t);
	cJSON_Delete(old);
	cJSON_Delete(rel);
}

static bool
id_param(struct call *c, const char **id)
{
	*id = http_param(c->req, 0);
	if (release_id_valid(*id))
		return true;
	http_error(c->req, 404, "no release %s", *id);
	return false;
}

static void
edit_request(struct http_req *req, bool replace)
{
	struct call c;
	const char *id;
	cJSON *in;

	if (!call_init(&c, req, ROLE_EDITOR) || !id_param(&c, &id))
		return;
	in = http_json_body(req);
	if (in == NULL)
		return;
	edit(&c, id, in, replace);
	cJSON_Delete(in);
}

static void
releases_patch(struct http_req *req)
{
	edit_request(req, false);
}

static void
releases_put(struct http_req *req)
{
	edit_request(req, true);
}

static void
releases_publish(struct http_req *req)
{
	struct call c;
	const char *id;
	cJSON *in;

	if (!call_init(&c, req, ROLE_EDITOR) || !id_param(&c, &id))
		return;
	in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "status", "published");
	edit(&c, id, in, false);
	cJSON_Delete(in);
}

static void
releases_get(struct http_req *req)
{
	struct call c;
	const char *id, *v[2];
	char err[512];
	PGresult *r = NULL;
	enum db_status st;

	if (!call_init(&c, req, ROLE_SALES) || !id_param(&c, &id))
		return;
	v[0] = c.ws;
	v[1] = id;
	st = db_exec(&r,
	             "SELECT " RELEASE_COLUMNS " FROM releases r"
	             " WHERE r.workspace_id = $1 AND r.id = $2::uuid",
	             2, v, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s release read failed: %s", req->id, err);
		http_error(req, db_http_status(st), "database error");
		return;
	}
	if (PQntuples(r) == 1)
		reply_release(&c, 200, r);
	else
		http_error(req, 404, "no release %s", id);
	PQclear(r);
}

static void
releases_delete(struct http_req *req)
{
	struct call c;
	const char *id, *v[2];
	char err[512];
	PGresult *r = NULL;
	enum db_status st;

	if (!call_init(&c, req, ROLE_EDITOR) || !id_param(&c, &id))
		return;
	v[0] = c.ws;
	v[1] = id;
	st = db_exec(&r,
	             "DELETE FROM releases WHERE workspace_id = $1"
	             " AND id = $2::uuid RETURNING id",
	             2, v, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s release delete failed: %s", req->id, err);
		http_error(req, db_http_status(st), "database error");
		return;
	}
	if (PQntuples(r) == 1) {
		log_info("req=%s ws=%s release=%s deleted", req->id, c.ws, id);
		http_reply(req, 204, NULL, "", 0);
	} else {
		http_error(req, 404, "no release %s", id);
	}
	PQclear(r);
}

/* ---- list ------------------------------------------------------------- */

struct list_query {
	const char *status, *label;
	char limit[24], offset[24], after_us[24], after_id[40];
	long n;
};

/* Reads ?status= ?label= ?limit= ?cursor= ?page=. */
static bool
list_query_parse(struct http_req *req, struct list_query *q, struct problem *p)
{
	const char *lim = http_query(req, "limit");
	const char *cur = http_query(req, "cursor");
	const char *page = http_query(req, "page");
	int64_t n = LIST_DEFAULT, pg = 1;
	cJSON *st = NULL;

	memset(q, 0, sizeof(*q));
	q->status = http_query(req, "status");
	q->label = http_query(req, "label");
	if (q->status && *q->status) {
		st = cJSON_CreateString(q->status);
		if (!check_status(st, p)) {
			cJSON_Delete(st);
			return false;
		}
		cJSON_Delete(st);
	} else {
		q->status = NULL;
	}
	if (q->label && *q->label == '\0')
		q->label = NULL;
	if (lim && (!util_parse_i64(lim, &n) || n < 1 || n > LIST_MAX))
		return fail(p, 400, "limit", "must be a number from 1 to 100");
	if (page && (!util_parse_i64(page, &pg) || pg < 1 || pg > 1000000))
		return fail(p, 400, "page", "must be a number from 1");
	q->n = (long)n;
	snprintf(q->limit, sizeof(q->limit), "%ld", q->n + 1);
	snprintf(q->offset, sizeof(q->offset), "%lld",
	         (long long)((pg - 1) * n));
	if (cur == NULL || *cur == '\0')
		return true;
	if (strlen(cur) != 16 + 1 + 36 || cur[16] != '_' ||
	    !release_id_valid(cur + 17))
		return fail(p, 400, "cursor", "is not one this API gave");
	memcpy(q->after_us, cur, 16);
	snprintf(q->after_id, sizeof(q->after_id), "%s", cur + 17);
	if (!util_parse_i64(q->after_us, &n) || n < 0)
		return fail(p, 400, "cursor", "is not one this API gave");
	return true;
}

static const char sql_list[] =
    "SELECT " RELEASE_COLUMNS ","
    " lpad((extract(epoch FROM r.created_at) * 1000000)::bigint::text,"
    " 16, '0')"
    " FROM releases r WHERE r.workspace_id = $1"
    " AND ($2::text IS NULL OR r.status = $2)"
    " AND ($3::text IS NULL OR $3 = ANY (r.labels))"
    " AND ($4::bigint IS NULL OR (r.created_at, r.id) <"
    "      (timestamptz 'epoch' + $4::bigint * interval '1 microsecond',"
    "       $5::uuid))"
    " ORDER BY r.created_at DESC, r.id DESC LIMIT $6 OFFSET $7";

static cJSON *
list_json(struct call *c, const PGresult *r, long n)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "releases");
	int rows = PQntuples(r);
	char next[64];

	for (int i = 0; i < rows && i < n; i++)
		cJSON_AddItemToArray(
		    arr, release_from_row(r, i, c->who.workspace_slug, true));
	if (rows > n) {
		snprintf(next, sizeof(next), "%s_%s",
		         PQgetvalue(r, (int)n - 1, RELEASE_NCOLUMNS),
		         PQgetvalue(r, (int)n - 1, 0));
		cJSON_AddStringToObject(root, "next", next);
	} else {
		cJSON_AddNullToObject(root, "next");
	}
	return root;
}

static void
releases_list(struct http_req *req)
{
	struct call c;
	struct list_query q;
	struct problem p = {0};
	char err[512];
	PGresult *r = NULL;
	enum db_status st;

	if (!call_init(&c, req, ROLE_SALES))
		return;
	if (!list_query_parse(req, &q, &p)) {
		reply_problem(&c, &p);
		return;
	}
	const char *v[7] = {c.ws,
	                    q.status,
	                    q.label,
	                    q.after_us[0] ? q.after_us : NULL,
	                    q.after_id[0] ? q.after_id : NULL,
	                    q.limit,
	                    q.after_us[0] ? "0" : q.offset};
	st = db_exec(&r, sql_list, 7, v, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("req=%s release list failed: %s", req->id, err);
		http_error(req, db_http_status(st), "database error");
		return;
	}
	http_json(req, 200, list_json(&c, r, q.n));
	PQclear(r);
}

const struct route releases_routes[] = {
    {"GET", "/api/v1/releases", releases_list, 0},
    {"POST", "/api/v1/releases", releases_create, 0},
    {"GET", "/api/v1/releases/{}/stats", releases_stats, 0},
    {"GET", "/api/v1/releases/{}/revisions", releases_revisions, 0},
    {"POST", "/api/v1/releases/{}/publish", releases_publish, 0},
    {"GET", "/api/v1/releases/{}", releases_get, 0},
    {"PATCH", "/api/v1/releases/{}", releases_patch, 0},
    {"PUT", "/api/v1/releases/{}", releases_put, 0},
    {"DELETE", "/api/v1/releases/{}", releases_delete, 0},
    {NULL, NULL, NULL, 0},
};
