/* Herald - Segment messages: parse, validate and normalise one message
 * into an ingest_event before anything reaches PostgreSQL.
 *
 * Everything PostgreSQL would refuse is caught here, per message, so a
 * bad message is refused with its reason and the rest of the request is
 * stored: NUL characters, invalid escapes, invalid UTF-8, numbers that
 * are not finite or not exact, over-long strings (cut on a character
 * boundary and listed in props._truncated) and over-deep properties. */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/jsontext.h"
#include "core/util.h"
#include "ingest/ingest.h"

#define DAY_MS      (24LL * 3600 * 1000)
#define FUTURE_MS   DAY_MS             /* later timestamps are clamped */
#define PAST_MS     (400 * DAY_MS)     /* older timestamps are refused */
#define EXACT_LIMIT 9007199254740992.0 /* 2^53 */

/* ---- prescan ------------------------------------------------------- */

bool
segment_prescan(char *text, size_t len)
{
	return jsontext_prescan(text, len, INGEST_DEPTH_MAX);
}

/* ---- time ---------------------------------------------------------- */

/* Reads exactly n digits. */
static bool
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool
parse_zone(const char *p, long *offset_s)
{
	int hh = 0, mm = 0, sign;

	*offset_s = 0;
	if (*p == '\0' || ((*p == 'Z' || *p == 'z') && p[1] == '\0'))
		return true;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p == '-' ? -1 : 1;
	p++;
	if (!digits(&p, 2, &hh))
		return false;
	if (*p == ':')
		p++;
	if (*p != '\0' && !digits(&p, 2, &mm))
		return false;
	if (*p != '\0' || hh > 23 || mm > 59)
		return false;
	*offset_s = sign * (hh * 3600L + mm * 60L);
	return true;
}

bool
segment_parse_time(const char *text, int64_t *out_ms)
{
	const char *p = text;
	int y, mo, d, h = 0, mi = 0, s = 0, ms = 0, scale = 100;
	int64_t secs;
	long off;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return false;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return false;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &s))
				return false;
		}
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			for (; isdigit((unsigned char)*p); p++, scale /= 10)
				ms += (*p - '0') * scale;
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    s > 60 || !parse_zone(p, &off))
		return false;
	secs = util_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	*out_ms = (secs - off) * 1000 + ms;
	return true;
}

/* Writes v as n decimal digits at out. */
static void
put_digits(char *out, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
segment_format_time(int64_t ms, char out[64])
{
	int64_t secs = ms / 1000, days, year;
	int frac = (int)(ms % 1000), sod, mon, mday;

	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	days = secs / 86400;
	sod = (int)(secs % 86400);
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	util_civil_from_days(days, &year, &mon, &mday);
	if (year < 0 || year > 9999) {
		snprintf(out, 64, "1970-01-01T00:00:00.000Z");
		return;
	}
	/* YYYY-MM-DDTHH:MM:SS.mmmZ, without printf on the hot path */
	memcpy(out, "0000-00-00T00:00:00.000Z", 25);
	put_digits(out, (int)year, 4);
	put_digits(out + 5, mon, 2);
	put_digits(out + 8, mday, 2);
	put_digits(out + 11, sod / 3600, 2);
	put_digits(out + 14, sod / 60 % 60, 2);
	put_digits(out + 17, sod % 60, 2);
	put_digits(out + 20, frac, 3);
}

/* ---- job text ------------------------------------------------------ */

const char *
ingest_str(const struct ingest_job *job, uint32_t off)
{
	return off == INGEST_NONE ? NULL : job->text.data + off;
}

static bool
put(struct ingest_job *job, const char *s, size_t n, uint32_t *off)
{
	*off = (uint32_t)job->text.len;
	return buf_append(&job->text, s, n) && buf_append(&job->text, "", 1);
}

static bool
put_str(struct ingest_job *job, const char *s, uint32_t *off)
{
	*off = INGEST_NONE;
	return s == NULL || put(job, s, strlen(s), off);
}

/* Writes s as a JSON string: the escapes cJSON_Print uses. */
static bool
json_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	bool ok = buf_append(b, "\"", 1);

	while (ok && *s != '\0') {
		size_t n = 0;
		unsigned char c;

		while ((c = (unsigned char)s[n]) >= 0x20 && c != '"' &&
		       c != '\\')
			n++;
		ok = buf_append(b, s, n);
		s += n;
		if (!ok || (c = (unsigned char)*s) == '\0')
			break;
		s++;
		switch (c) {
		case '"': ok = buf_append(b, "\\\"", 2); break;
		case '\\': ok = buf_append(b, "\\\\", 2); break;
		case '\b': ok = buf_append(b, "\\b", 2); break;
		case '\f': ok = buf_append(b, "\\f", 2); break;
		case '\n': ok = buf_append(b, "\\n", 2); break;
		case '\r': ok = buf_append(b, "\\r", 2); break;
		case '\t': ok = buf_append(b, "\\t", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4],
			             hex[c & 15]};

			ok = buf_append(b, u, 6);
		}
		}
	}
	return ok && buf_append(b, "\"", 1);
}

/* Writes a finite number as cJSON_Print would, but for integers of 16
 * digits, which cJSON rounds to 15 and which are written exactly here. */
static bool
json_number(struct buf *b, double v)
{
	char out[32];
	double back;
	int n;

	if (v == floor(v) && fabs(v) <= EXACT_LIMIT)
		return buf_append(b, out, util_i64_text((int64_t)v, out));
	/* 15 digits when they read back within a relative DBL_EPSILON,
	 * cJSON's own test, so that stored values keep cJSON's text. */
	n = snprintf(out, sizeof(out), "%1.15g", v);
	back = strtod(out, NULL);
	if (fabs(back - v) > fmax(fabs(back), fabs(v)) * DBL_EPSILON)
		n = snprintf(out, sizeof(out), "%1.17g", v);
	return n > 0 && buf_append(b, out, (size_t)n);
}

/* Writes item as compact JSON.  Walked messages hold finite numbers
 * only (check_number); anything else would be written as null. */
static bool
json_write(struct buf *b, const cJSON *item)
{
	const cJSON *c;
	bool ok;

	if (cJSON_IsString(item))
		return json_string(b, item->valuestring);
	if (cJSON_IsNumber(item))
		return isfinite(item->valuedouble)
		           ? json_number(b, item->valuedouble)
		           : buf_append(b, "null", 4);
	if (cJSON_IsTrue(item))
		return buf_append(b, "true", 4);
	if (cJSON_IsFalse(item))
		return buf_append(b, "false", 5);
	if (!cJSON_IsObject(item) && !cJSON_IsArray(item))
		return buf_append(b, "null", 4);
	ok = buf_append(b, cJSON_IsObject(item) ? "{" : "[", 1);
	for (c = item->child; ok && c != NULL; c = c->next) {
		if (c != item->child)
			ok = buf_append(b, ",", 1);
		if (ok && cJSON_IsObject(item))
			ok = json_string(b, c->string ? c->string : "") &&
			     buf_append(b, ":", 1);
		ok = ok && json_write(b, c);
	}
	return ok && buf_append(b, cJSON_IsObject(item) ? "}" : "]", 1);
}

/* Writes item as compact JSON into the job's text, straight from the
 * tree: no printed copy to allocate, no printf for integers. */
static bool
put_json(struct ingest_job *job, const cJSON *item, uint32_t *off)
{
	*off = (uint32_t)job->text.len;
	return json_write(&job->text, item) && buf_append(&job->text, "", 1);
}

void
ingest_job_free(struct ingest_job *job)
{
	if (job == NULL)
		return;
	free(job->ev);
	buf_cleanup(&job->text);
	cJSON_Delete(job->rejected);
	free(job);
}

/* ---- walking a message's tree -------------------------------------- */

struct walk {
	char path[256];
	size_t plen;
	size_t size;      /* approximate encoded size of the message */
	cJSON *truncated; /* paths cut or dropped */
	char *why;
	size_t whylen;
	int max_depth; /* values deeper are dropped; 0: no limit */
};

/* Appends n bytes to the path, as many as fit. */
static void
path_add(struct walk *w, const char *s, size_t n)
{
	size_t room = sizeof(w->path) - 1 - w->plen;

	n = n < room ? n : room;
	memcpy(w->path + w->plen, s, n);
	w->plen += n;
	w->path[w->plen] = '\0';
}

/* Every value's path is built, for the few that need naming: by hand,
 * since this runs for each value of each message. */
static void
path_push(struct walk *w, const char *key, int index, size_t *saved)
{
	char num[UTIL_I64_TEXT];

	*saved = w->plen;
	if (key != NULL) {
		if (w->plen > 0)
			path_add(w, ".", 1);
		path_add(w, key, strlen(key));
		return;
	}
	path_add(w, "[", 1);
	path_add(w, num, util_i64_text(index, num));
	path_add(w, "]", 1);
}

static void
note(struct walk *w)
{
	if (w->truncated == NULL)
		w->truncated = cJSON_CreateArray();
	if (cJSON_GetArraySize(w->truncated) < 32)
		cJSON_AddItemToArray(w->truncated, cJSON_CreateString(w->path));
}

/* Checks one string; names the fault in w->why. */
static bool
check_text(struct walk *w, const char *s, const char *what)
{
	const char *fault = jsontext_fault(s, strlen(s));

	if (fault == NULL)
		return true;
	snprintf(w->why, w->whylen, "%s%s: %s", w->path, what, fault);
	return false;
}

/* Cuts an over-long string value on a character boundary. */
static bool
cut_string(struct walk *w, cJSON *item, size_t max)
{
	size_t n = strlen(item->valuestring);
	size_t keep;
	char *s;

	if (n <= max)
		return true;
	keep = util_utf8_cut(item->valuestring, n, max);
	/* cJSON's allocator: the tree may live in a request's arena. */
	s = cJSON_malloc(keep + 1);
	if (s == NULL)
		return false;
	memcpy(s, item->valuestring, keep);
	s[keep] = '\0';
	cJSON_free(item->valuestring);
	item->valuestring = s;
	note(w);
	return true;
}

static bool
check_number(struct walk *w, const cJSON *item)
{
	double v = item->valuedouble;

	if (isnan(v) || isinf(v)) {
		snprintf(w->why, w->whylen, "%s: number is not finite",
		         w->path);
		return false;
	}
	if (fabs(v) > EXACT_LIMIT) {
		snprintf(w->why, w->whylen,
		         "%s: number is too large to "
		         "store exactly (beyond 2^53); send it as a string",
		         w->path);
		return false;
	}
	return true;
}

static bool walk_node(struct walk *w, cJSON *node, int depth);

static bool
walk_children(struct walk *w, cJSON *node, int depth)
{
	cJSON *c = node->child, *next;
	int i = 0;

	for (; c != NULL; c = next, i++) {
		size_t saved;
		bool ok;

		next = c->next;
		path_push(w, cJSON_IsObject(node) ? c->string : NULL, i,
		          &saved);
		if (c->string != NULL) {
			w->size += strlen(c->string) + 3;
			if (!check_text(w, c->string, " (key)"))
				return false;
		}
		if (w->max_depth > 0 && depth + 1 > w->max_depth &&
		    (cJSON_IsObject(c) || cJSON_IsArray(c))) {
			note(w);
			cJSON_Delete(cJSON_DetachItemViaPointer(node, c));
			w->plen = saved;
			w->path[saved] = '\0';
			continue;
		}
		ok = walk_node(w, c, depth + 1);
		w->plen = saved;
		w->path[saved] = '\0';
		if (!ok)
			return false;
	}
	return true;
}

static bool
walk_node(struct walk *w, cJSON *node, int depth)
{
	w->size += 4;
	if (cJSON_IsString(node)) {
		w->size += strlen(node->valuestring);
		return check_text(w, node->valuestring, "") &&
		       cut_string(w, node, INGEST_STR_MAX);
	}
	if (cJSON_IsNumber(node))
		return check_number(w, node);
	if (cJSON_IsObject(node) || cJSON_IsArray(node))
		return walk_children(w, node, depth);
	return true;
}

/* Walks the subtree of a message's member `key` (item, maybe NULL). */
static bool
walk_member(struct walk *w, cJSON *item, const char *key, int max_depth)
{
	bool ok;

	if (item == NULL)
		return true;
	w->plen = 0;
	path_add(w, key, strlen(key));
	w->max_depth = max_depth;
	ok = walk_node(w, item, 0);
	w->plen = 0;
	w->path[0] = '\0';
	return ok;
}

/* ---- message fields ------------------------------------------------ */

/* The members of a message Herald reads, found in one pass over it (the
 * first of a repeated key, as cJSON's lookup by name would find): a
 * lookup per field went through every member with strcmp, and that
 * was the largest part of checking a message. */
struct fields {
	cJSON *type, *mid, *uid, *anon, *gid, *prev, *ts, *sent;
	cJSON *ctx, *props, *traits, *event, *name;
};

static cJSON **
field_slot(struct fields *f, const char *k)
{
	switch (k[0]) {
	case 'a':
		return strcmp(k, "anonymousId") == 0 ? &f->anon : NULL;
	case 'c':
		return strcmp(k, "context") == 0 ? &f->ctx : NULL;
	case 'e':
		return strcmp(k, "event") == 0 ? &f->event : NULL;
	case 'g':
		return strcmp(k, "groupId") == 0 ? &f->gid : NULL;
	case 'm':
		return strcmp(k, "messageId") == 0 ? &f->mid : NULL;
	case 'n':
		return strcmp(k, "name") == 0 ? &f->name : NULL;
	case 'p':
		if (strcmp(k, "properties") == 0)
			return &f->props;
		return strcmp(k, "previousId") == 0 ? &f->prev : NULL;
	case 's':
		return strcmp(k, "sentAt") == 0 ? &f->sent : NULL;
	case 't':
		if (strcmp(k, "type") == 0)
			return &f->type;
		if (strcmp(k, "timestamp") == 0)
			return &f->ts;
		return strcmp(k, "traits") == 0 ? &f->traits : NULL;
	case 'u':
		return strcmp(k, "userId") == 0 ? &f->uid : NULL;
	default:
		return NULL;
	}
}

static void
read_fields(cJSON *msg, struct fields *f)
{
	memset(f, 0, sizeof(*f));
	for (cJSON *m = msg->child; m != NULL; m = m->next) {
		cJSON **slot = m->string ? field_slot(f, m->string) : NULL;

		if (slot != NULL && *slot == NULL)
			*slot = m;
	}
}

static const char *const kinds[] = {"track", "identify", "group",
                                    "page",  "screen",   "alias"};

static int
kind_of(const cJSON *t)
{
	if (!cJSON_IsString(t))
		return -1;
	for (int i = 0; i < 6; i++)
		if (strcmp(t->valuestring, kinds[i]) == 0)
			return i;
	return -1;
}

/* An id given as a string or a finite integer, as text into out.
 * Returns 0 absent, 1 present, -1 invalid (reason in why). */
static int
id_field(const cJSON *v, const char *key, char *out, size_t outlen, char *why,
         size_t whylen)
{
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
	    fabs(v->valuedouble) <= EXACT_LIMIT) {
		snprintf(out, outlen, "%.0f", v->valuedouble);
		return 1;
	}
	if (!cJSON_IsString(v)) {
		snprintf(why, whylen, "%s: must be a string", key);
		return -1;
	}
	if (v->valuestring[0] == '\0')
		return 0;
	if (strlen(v->valuestring) >= outlen) {
		snprintf(why, whylen, "%s: longer than %zu bytes", key,
		         outlen - 1);
		return -1;
	}
	memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
	return 1;
}

struct ids {
	char mid[INGEST_ID_MAX + 1];
	char uid[INGEST_ID_MAX + 1];
	char anon[INGEST_ID_MAX + 1];
	char gid[INGEST_ID_MAX + 1];
	char prev[INGEST_ID_MAX + 1];
	int has_uid, has_anon, has_gid, has_prev;
};

static bool
read_ids(const struct fields *f, int kind, struct ids *ids, char *why,
         size_t whylen)
{
	int has_mid = id_field(f->mid, "messageId", ids->mid, sizeof(ids->mid),
	                       why, whylen);

	if (has_mid < 0)
		return false;
	if (has_mid == 0) {
		/* Segment makes one up; so does Herald (no de-duplication
		 * is then possible for that message). */
		if (!util_token("herald-", 16, ids->mid, sizeof(ids->mid)))
			abort();
	}
	ids->has_uid =
	    id_field(f->uid, "userId", ids->uid, sizeof(ids->uid), why, whylen);
	ids->has_anon = id_field(f->anon, "anonymousId", ids->anon,
	                         sizeof(ids->anon), why, whylen);
	ids->has_gid = id_field(f->gid, "groupId", ids->gid, sizeof(ids->gid),
	                        why, whylen);
	ids->has_prev = id_field(f->prev, "previousId", ids->prev,
	                         sizeof(ids->prev), why, whylen);
	if (ids->has_uid < 0 || ids->has_anon < 0 || ids->has_gid < 0 ||
	    ids->has_prev < 0)
		return false;
	if (!ids->has_uid && !ids->has_anon) {
		snprintf(why, whylen, "userId or anonymousId is required");
		return false;
	}
	if (kind == KIND_GROUP && !ids->has_gid) {
		snprintf(why, whylen, "groupId: required for group");
		return false;
	}
	if (kind == KIND_ALIAS && (!ids->has_prev || !ids->has_uid)) {
		snprintf(why, whylen, "alias needs userId and previousId");
		return false;
	}
	return true;
}

/* occurred_at: timestamp shifted by receivedAt - sentAt (Segment's
 * clock-skew correction); far future clamped, far past refused. */
static bool
read_time(const struct fields *f, int64_t received, int64_t batch_sent,
          int64_t *out, char *why, size_t whylen)
{
	const cJSON *ts = f->ts, *sa = f->sent;
	int64_t t = received, sent = batch_sent;

	if (cJSON_IsString(sa) && !segment_parse_time(sa->valuestring, &sent))
		sent = batch_sent;
	if (ts != NULL && !cJSON_IsNull(ts)) {
		if (!cJSON_IsString(ts) ||
		    !segment_parse_time(ts->valuestring, &t)) {
			snprintf(why, whylen,
			         "timestamp: not an ISO-8601 "
			         "date-time");
			return false;
		}
		if (sent >= 0)
			t += received - sent;
	}
	if (t < received - PAST_MS) {
		snprintf(why, whylen,
		         "timestamp: more than 400 days in the "
		         "past");
		return false;
	}
	if (t > received + FUTURE_MS)
		t = received;
	*out = t;
	return true;
}

/* Parses a dotted IPv4 address into its four parts. */
static bool
parse_ipv4(const char *s, unsigned part[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		int n = 0;

		while (*s >= '0' && *s <= '9' && n < 3) {
			v = v * 10 + (unsigned)(*s++ - '0');
			n++;
		}
		if (n == 0 || v > 255 || *s != (i < 3 ? '.' : '\0'))
			return false;
		part[i] = v;
		if (i < 3)
			s++;
	}
	return true;
}

/* Replaces context.ip with its /24 (IPv4) or /48 (IPv6) network, so no
 * client address is stored in clear; anything else is dropped. */
static void
mask_ip(cJSON *ctx)
{
	cJSON *ip = cJSON_GetObjectItemCaseSensitive(ctx, "ip");
	unsigned a[4];
	char net[64];

	if (ip == NULL)
		return;
	if (cJSON_IsString(ip) && parse_ipv4(ip->valuestring, a)) {
		snprintf(net, sizeof(net), "%u.%u.%u.0", a[0], a[1], a[2]);
		cJSON_ReplaceItemInObjectCaseSensitive(ctx, "ip",
		                                       cJSON_CreateString(net));
		return;
	}
	if (cJSON_IsString(ip) && strchr(ip->valuestring, ':') != NULL) {
		size_t n = 0;
		int colons = 0;

		while (ip->valuestring[n] && colons < 3 && n < 40)
			if (ip->valuestring[n++] == ':')
				colons++;
		if (colons == 3 && n < sizeof(net) - 2) {
			snprintf(net, sizeof(net), "%.*s:", (int)n,
			         ip->valuestring);
			cJSON_ReplaceItemInObjectCaseSensitive(
			    ctx, "ip", cJSON_CreateString(net));
			return;
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ctx, "ip");
}

/* Reads an optional string member (v, named key), cutting it to max
 * (noted). */
static bool
short_text(struct walk *w, cJSON *v, const char *key, size_t max,
           const char **out)
{
	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v)) {
		snprintf(w->why, w->whylen, "%s: must be a string", key);
		return false;
	}
	w->plen = 0;
	path_add(w, key, strlen(key));
	if (!check_text(w, v->valuestring, "") || !cut_string(w, v, max))
		return false;
	w->plen = 0;
	w->path[0] = '\0';
	*out = v->valuestring;
	return true;
}

static bool
object_or_absent(const cJSON *v, const char *key, char *why, size_t whylen)
{
	if (v == NULL || cJSON_IsNull(v) || cJSON_IsObject(v))
		return true;
	snprintf(why, whylen, "%s: must be an object", key);
	return false;
}

static struct ingest_event *
new_event(struct ingest_job *job)
{
	if (job->nev == job->cap) {
		int cap = job->cap ? job->cap * 2 : 8;
		struct ingest_event *ev =
		    realloc(job->ev, (size_t)cap * sizeof(*ev));

		if (ev == NULL)
			return NULL;
		job->ev = ev;
		job->cap = cap;
	}
	return &job->ev[job->nev];
}

/* Email, name and signup time from identify traits. */
static bool
person_traits(struct ingest_job *job, struct ingest_event *e,
              const cJSON *traits)
{
	const cJSON *em = cJSON_GetObjectItemCaseSensitive(traits, "email");
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(traits, "name");
	const cJSON *ca =
	    cJSON_GetObjectItemCaseSensitive(traits, "created_at");
	int64_t ms;
	char iso[64];

	if (ca == NULL)
		ca = cJSON_GetObjectItemCaseSensitive(traits, "createdAt");
	e->signed_up = INGEST_NONE;
	if (cJSON_IsString(ca) && segment_parse_time(ca->valuestring, &ms)) {
		segment_format_time(ms, iso);
		if (!put_str(job, iso, &e->signed_up))
			return false;
	}
	return put_str(job, cJSON_IsString(em) ? em->valuestring : NULL,
	               &e->email) &&
	       put_str(job, cJSON_IsString(nm) ? nm->valuestring : NULL,
	               &e->pname);
}

/* Stores the checked message into the job. */
static bool
store(struct ingest_job *job, const struct fields *f, int kind, int64_t ws,
      const struct ids *ids, const char *name, int64_t occurred, struct walk *w)
{
	cJSON *props =
	    kind == KIND_IDENTIFY || kind == KIND_GROUP ? f->traits : f->props;
	cJSON *ctx = f->ctx;
	struct ingest_event *e = new_event(job);
	cJSON *empty = NULL;
	bool ok;

	if (e == NULL)
		return false;
	if (!cJSON_IsObject(props)) {
		props = empty = cJSON_CreateObject();
		if (props == NULL)
			return false;
	}
	if (w->truncated != NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(props, "_truncated");
		cJSON_AddItemToObject(props, "_truncated", w->truncated);
		w->truncated = NULL;
	}
	memset(e, 0, sizeof(*e));
	e->ws = ws;
	e->kind = (enum ingest_kind)kind;
	e->occurred_ms = occurred;
	ok = put_str(job, ids->mid, &e->mid) && put_str(job, name, &e->name) &&
	     put_str(job, ids->has_anon ? ids->anon : NULL, &e->anon) &&
	     put_str(job, ids->has_uid ? ids->uid : NULL, &e->uid) &&
	     put_str(job, ids->has_gid ? ids->gid : NULL, &e->group_id) &&
	     put_str(job, ids->has_prev ? ids->prev : NULL, &e->prev) &&
	     put_json(job, props, &e->props);
	e->ctx = INGEST_NONE;
	if (ok && cJSON_IsObject(ctx))
		ok = put_json(job, ctx, &e->ctx);
	e->email = e->pname = e->signed_up = INGEST_NONE;
	if (ok && (kind == KIND_IDENTIFY || kind == KIND_GROUP))
		ok = person_traits(job, e, props);
	cJSON_Delete(empty);
	if (ok)
		job->nev++;
	return ok;
}

static bool
check_body(struct walk *w, const struct fields *f, int kind, const char **name)
{
	*name = NULL;
	if (!object_or_absent(f->props, "properties", w->why, w->whylen) ||
	    !object_or_absent(f->traits, "traits", w->why, w->whylen) ||
	    !object_or_absent(f->ctx, "context", w->why, w->whylen))
		return false;
	if (kind == KIND_TRACK) {
		if (!short_text(w, f->event, "event", INGEST_ID_MAX, name))
			return false;
		if (*name == NULL || **name == '\0') {
			snprintf(w->why, w->whylen,
			         "event: required for "
			         "track");
			return false;
		}
	} else if (kind == KIND_PAGE || kind == KIND_SCREEN) {
		if (!short_text(w, f->name, "name", INGEST_ID_MAX, name))
			return false;
	} else if (kind == KIND_GROUP) {
		*name = NULL;
	}
	if (cJSON_IsObject(f->ctx))
		mask_ip(f->ctx);
	return walk_member(w, f->props, "properties", INGEST_PROPS_DEPTH) &&
	       walk_member(w, f->traits, "traits", INGEST_PROPS_DEPTH) &&
	       walk_member(w, f->ctx, "context", INGEST_PROPS_DEPTH);
}

bool
segment_add(struct ingest_job *job, cJSON *msg, int kind, int64_t ws,
            int64_t batch_sent_ms, char *why, size_t whylen)
{
	struct walk w = {.why = why, .whylen = whylen};
	struct fields f;
	struct ids ids;
	const char *name;
	int64_t occurred;
	bool result = false;

	why[0] = '\0';
	if (!cJSON_IsObject(msg)) {
		snprintf(why, whylen, "message must be a JSON object");
		return false;
	}
	read_fields(msg, &f);
	if (kind < 0 && (kind = kind_of(f.type)) < 0) {
		snprintf(why, whylen,
		         "type: must be one of track, identify, "
		         "group, page, screen, alias");
		return false;
	}
	if (!read_ids(&f, kind, &ids, why, whylen) ||
	    !read_time(&f, job->received_ms, batch_sent_ms, &occurred, why,
	               whylen) ||
	    !check_body(&w, &f, kind, &name))
		goto out;
	if (w.size > INGEST_MSG_MAX) {
		snprintf(why, whylen, "message is larger than 32 KB");
		goto out;
	}
	if (kind == KIND_GROUP)
		name = ids.gid;
	if (!store(job, &f, kind, ws, &ids, name, occurred, &w)) {
		snprintf(why, whylen, "message could not be stored (memory)");
		goto out;
	}
	result = true;
out:
	cJSON_Delete(w.truncated);
	return result;
}
