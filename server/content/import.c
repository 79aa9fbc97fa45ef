/* Herald - the changelog importer.  Parsing is line based and kept apart
 * from storage so the unit tests can check it on real files. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content/dates.h"
#include "content/import.h"
#include "content/markdown.h"
#include "content/releases.h"
#include "core/util.h"
#include "store/db.h"

struct line {
	const char *s;
	size_t n;
};

static bool
starts(const struct line *l, const char *prefix)
{
	size_t k = strlen(prefix);

	return l->n >= k && memcmp(l->s, prefix, k) == 0;
}

/* A fence opens or closes on ``` or ~~~ after up to three spaces. */
static bool
is_fence(const struct line *l)
{
	size_t i = 0;

	while (i < 3 && i < l->n && l->s[i] == ' ')
		i++;
	return l->n >= i + 3 && (memcmp(l->s + i, "```", 3) == 0 ||
	                         memcmp(l->s + i, "~~~", 3) == 0);
}

static bool
is_h2(const struct line *l)
{
	return starts(l, "## ") || (l->n == 2 && starts(l, "##"));
}

static bool
is_h1(const struct line *l)
{
	return starts(l, "# ");
}

/* "[x]: url" */
static bool
is_link_definition(const struct line *l)
{
	const char *close;

	if (l->n < 4 || l->s[0] != '[')
		return false;
	close = memchr(l->s, ']', l->n);
	return close != NULL && (size_t)(close - l->s) + 1 < l->n &&
	       close[1] == ':';
}

static bool
blank(const struct line *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!isspace((unsigned char)l->s[i]))
			return false;
	return true;
}

/* Finds the first YYYY-MM-DD in s (n bytes) and parses it. */
static bool
find_date(const char *s, size_t n, int64_t *out)
{
	char ymd[11];

	for (size_t i = 0; i + 10 <= n; i++) {
		if (!isdigit((unsigned char)s[i]))
			continue;
		memcpy(ymd, s + i, 10);
		ymd[10] = '\0';
		if (dates_parse_iso8601(ymd, out))
			return true;
	}
	return false;
}

/* Reads the version of "## [1.2.0](url) - date" or "## 1.2.0 - date";
 * *rest points after it. */
static bool
heading_version(const struct line *l, char *out, size_t outlen, size_t *rest)
{
	size_t i = 2, start, end;

	while (i < l->n && l->s[i] == ' ')
		i++;
	if (i < l->n && l->s[i] == '[') {
		start = ++i;
		while (i < l->n && l->s[i] != ']')
			i++;
		end = i;
		if (i < l->n)
			i++;
	} else {
		start = i;
		while (i < l->n && !isspace((unsigned char)l->s[i]))
			i++;
		end = i;
	}
	if (end == start || end - start >= outlen)
		return false;
	memcpy(out, l->s + start, end - start);
	out[end - start] = '\0';
	*rest = i;
	return true;
}

static void
skip(struct import_parse *p, const struct line *l, const char *reason)
{
	cJSON *o = cJSON_CreateObject();
	char *h = strndup(l->s, l->n);

	cJSON_AddStringToObject(o, "heading", h ? h : "");
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddItemToArray(p->skipped, o);
	free(h);
}

static void
add_label(cJSON *labels, const struct line *l)
{
	char name[256];
	size_t n = 0;
	const cJSON *e;

	for (size_t i = 3; i < l->n && n + 1 < sizeof(name); i++) {
		unsigned char c = (unsigned char)l->s[i];

		if (n == 0 && isspace(c))
			continue;
		name[n++] = (char)tolower(c);
	}
	while (n > 0 && isspace((unsigned char)name[n - 1]))
		n--;
	name[n] = '\0';
	n = util_utf8_cut(name, n, 40);
	name[n] = '\0';
	if (n == 0 || cJSON_GetArraySize(labels) >= 20)
		return;
	cJSON_ArrayForEach(e, labels) if (strcmp(e->valuestring, name) ==
	                                  0) return;
	cJSON_AddItemToArray(labels, cJSON_CreateString(name));
}

/* Starts a version from its heading; false when it is skipped. */
static bool
version_open(struct import_parse *p, const struct line *l,
             struct import_version *v)
{
	size_t rest = 0;
	int64_t when;

	memset(v, 0, sizeof(*v));
	if (!heading_version(l, v->version, sizeof(v->version), &rest)) {
		skip(p, l, "no version in the heading");
		return false;
	}
	if (strcasecmp(v->version, "unreleased") == 0) {
		skip(p, l, "unreleased");
		return false;
	}
	if (!find_date(l->s + rest, l->n - rest, &when)) {
		skip(p, l, "no YYYY-MM-DD date in the heading");
		return false;
	}
	v->published = when;
	snprintf(v->title, sizeof(v->title), "%s%s",
	         isdigit((unsigned char)v->version[0]) ? "v" : "", v->version);
	release_slugify(v->title, v->slug, sizeof(v->slug));
	v->labels = cJSON_CreateArray();
	if (strstr(l->s + rest, "YANKED") != NULL)
		cJSON_AddItemToArray(v->labels, cJSON_CreateString("yanked"));
	return true;
}

/* Sets the body from lines [from, to), dropping trailing blank lines
 * and link definitions. */
static bool
version_body(struct import_version *v, const struct line *lines, int from,
             int to)
{
	const char *start, *end;

	while (to > from &&
	       (blank(&lines[to - 1]) || is_link_definition(&lines[to - 1])))
		to--;
	while (from < to && blank(&lines[from]))
		from++;
	if (from >= to) {
		v->body = strdup("");
		return v->body != NULL;
	}
	start = lines[from].s;
	end = lines[to - 1].s + lines[to - 1].n;
	v->body = strndup(start, (size_t)(end - start));
	return v->body != NULL;
}

static struct line *
split_lines(const char *text, size_t len, int *count)
{
	struct line *lines = NULL;
	int n = 0, cap = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n == cap) {
			struct line *grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(lines, (size_t)cap * sizeof(*lines));
			if (grown == NULL) {
				free(lines);
				return NULL;
			}
			lines = grown;
		}
		lines[n].s = p;
		lines[n].n = k > 0 && p[k - 1] == '\r' ? k - 1 : k;
		n++;
		p = nl ? nl + 1 : end;
	}
	*count = n;
	return lines;
}

/* Closes the version open at lines[from..to) and keeps it. */
static bool
version_close(struct import_parse *p, struct import_version *v,
              const struct line *lines, int from, int to)
{
	if (!version_body(v, lines, from, to))
		return false;
	if (p->n >= IMPORT_VERSIONS_MAX)
		return false;
	p->v[p->n++] = *v;
	memset(v, 0, sizeof(*v));
	return true;
}

static bool
parse_lines(struct import_parse *p, const struct line *lines, int n)
{
	struct import_version cur;
	bool open = false, fenced = false;
	int from = 0;

	memset(&cur, 0, sizeof(cur));
	for (int i = 0; i <= n; i++) {
		bool end = i == n;
		bool heading = !end && (is_h2(&lines[i]) || is_h1(&lines[i]));

		if (!end && is_fence(&lines[i]))
			fenced = !fenced;
		if (!end && (fenced || !heading)) {
			if (open && starts(&lines[i], "### "))
				add_label(cur.labels, &lines[i]);
			continue;
		}
		if (open && !version_close(p, &cur, lines, from, i))
			return false;
		open = !end && is_h2(&lines[i]) &&
		       version_open(p, &lines[i], &cur);
		from = i + 1;
	}
	return true;
}

bool
import_parse_text(const char *text, size_t len, struct import_parse *out,
                  char *err, size_t errlen)
{
	struct line *lines = NULL;
	int n = 0;
	bool result = false;

	memset(out, 0, sizeof(*out));
	if (!util_utf8_valid(text, len)) {
		snprintf(err, errlen, "the file is not valid UTF-8 text");
		return false;
	}
	out->skipped = cJSON_CreateArray();
	out->v = calloc(IMPORT_VERSIONS_MAX, sizeof(*out->v));
	lines = split_lines(text, len, &n);
	if (out->v == NULL || (lines == NULL && len > 0)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!parse_lines(out, lines, n)) {
		snprintf(err, errlen, "more than %d versions, or out of memory",
		         IMPORT_VERSIONS_MAX);
		goto out;
	}
	result = true;
out:
	free(lines);
	if (!result)
		import_parse_cleanup(out);
	return result;
}

void
import_parse_cleanup(struct import_parse *p)
{
	for (int i = 0; p->v != NULL && i < p->n; i++) {
		free(p->v[i].body);
		cJSON_Delete(p->v[i].labels);
	}
	free(p->v);
	cJSON_Delete(p->skipped);
	memset(p, 0, sizeof(*p));
}

/* ---- storage ---------------------------------------------------------- */

static char *
read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "cannot open %s", path);
		return NULL;
	}
	data = malloc(IMPORT_FILE_MAX + 1);
	n = data ? fread(data, 1, IMPORT_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (data == NULL || n > IMPORT_FILE_MAX) {
		free(data);
		snprintf(err, errlen, "%s is larger than 16 MiB", path);
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

static const char sql_upsert[] =
    "INSERT INTO releases AS r (workspace_id, slug, title, body_md,"
    " body_html, labels, status, published_at, author)"
    " VALUES ($1, $2, $3, $4, $5,"
    " ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), 'published',"
    " to_timestamp($7::bigint), 'import')"
    " ON CONFLICT (workspace_id, slug) DO UPDATE SET"
    " title = EXCLUDED.title, body_md = EXCLUDED.body_md,"
    " body_html = EXCLUDED.body_html, labels = EXCLUDED.labels,"
    " status = 'published', published_at = EXCLUDED.published_at,"
    " updated_at = CASE WHEN (r.title, r.body_md, r.labels, r.status,"
    " r.published_at) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.body_md,"
    " EXCLUDED.labels, 'published', EXCLUDED.published_at)"
    " THEN now() ELSE r.updated_at END"
    " RETURNING (xmax = 0), (updated_at = now())";

struct tally {
	int created, updated, unchanged;
};

static bool
store_one(struct db_conn *c, const char *ws, const struct import_version *v,
          struct tally *t, char *err, size_t errlen)
{
	char *html = NULL, *labels = cJSON_PrintUnformatted(v->labels);
	char when[24];
	PGresult *r = NULL;
	bool result = false;

	const char *p[7] = {ws, v->slug, v->title, v->body, NULL, labels, when};

	snprintf(when, sizeof(when), "%lld", v->published);
	if (labels == NULL ||
	    !markdown_render(v->body, strlen(v->body), &html)) {
		snprintf(err, errlen, "%s: cannot render", v->version);
		goto out;
	}
	p[4] = html;
	if (db_query(c, &r, sql_upsert, 7, p) != DB_OK) {
		snprintf(err, errlen, "%s: %s", v->version, c->error);
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, 0), "t") == 0)
		t->created++;
	else if (strcmp(PQgetvalue(r, 0, 1), "t") == 0)
		t->updated++;
	else
		t->unchanged++;
	result = true;
out:
	PQclear(r);
	free(html);
	free(labels);
	return result;
}

/* Looks the workspace up; its id goes to ws[24]. */
static bool
workspace_id(struct db_conn *c, const char *slug, char ws[24], char *err,
             size_t errlen)
{
	const char *p[1] = {slug};
	PGresult *r = NULL;
	bool found;

	if (db_query(c, &r, "SELECT id FROM workspaces WHERE slug = $1", 1,
	             p) != DB_OK) {
		snprintf(err, errlen, "%s", c->error);
		return false;
	}
	found = PQntuples(r) == 1;
	if (found)
		snprintf(ws, 24, "%s", PQgetvalue(r, 0, 0));
	else
		snprintf(err, errlen, "no workspace with slug \"%s\"", slug);
	PQclear(r);
	return found;
}

static bool
store_all(const struct import_parse *p, const char *ws_slug, struct tally *t,
          char *err, size_t errlen)
{
	struct db_conn *c = db_acquire(10000, err, errlen);
	char ws[24];
	bool result = false;

	if (c == NULL)
		return false;
	if (db_query(c, NULL, "BEGIN", 0, NULL) != DB_OK ||
	    !workspace_id(c, ws_slug, ws, err, errlen))
		goto out;
	for (int i = 0; i < p->n; i++) {
		if (strlen(p->v[i].body) > RELEASE_BODY_MAX) {
			snprintf(err, errlen, "%s: body over %u bytes",
			         p->v[i].version, RELEASE_BODY_MAX);
			goto out;
		}
		if (!store_one(c, ws, &p->v[i], t, err, errlen))
			goto out;
	}
	if (db_query(c, NULL, "COMMIT", 0, NULL) != DB_OK) {
		snprintf(err, errlen, "%s", c->error);
		goto out;
	}
	result = true;
out:
	db_release(c);
	return result;
}

static cJSON *
report_new(const char *path, const char *ws_slug, struct import_parse *p,
           const struct tally *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "workspace", ws_slug);
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddNumberToObject(o, "releases", p->n);
	cJSON_AddNumberToObject(o, "created", t->created);
	cJSON_AddNumberToObject(o, "updated", t->updated);
	cJSON_AddNumberToObject(o, "unchanged", t->unchanged);
	cJSON_AddItemToObject(o, "skipped", p->skipped);
	p->skipped = NULL;
	return o;
}

bool
import_changelog(const char *path, const char *ws_slug, cJSON **report,
                 char *err, size_t errlen)
{
	struct import_parse p;
	struct tally t = {0};
	size_t len = 0;
	char *text = read_file(path, &len, err, errlen);
	bool result = false;

	memset(&p, 0, sizeof(p));
	*report = NULL;
	if (text == NULL)
		return false;
	if (!import_parse_text(text, len, &p, err, errlen))
		goto out;
	if (!store_all(&p, ws_slug, &t, err, errlen))
		goto out;
	*report = report_new(path, ws_slug, &p, &t);
	result = true;
out:
	import_parse_cleanup(&p);
	free(text);
	return result;
}
