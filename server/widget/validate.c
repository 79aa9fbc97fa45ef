/* Herald - validation of widget events.  Every field is checked in C
 * before anything reaches the database, so a bad event is refused alone
 * with a reason and the rest of its batch is stored. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsontext.h"
#include "core/util.h"
#include "widget/events.h"

static const struct {
	const char *name;
	bool needs_release;
} types[EV_NTYPES] = {
    [EV_OPENED] = {"widget_opened", false},
    [EV_VIEWED] = {"release_viewed", true},
    [EV_READ] = {"release_read", true},
    [EV_LINK] = {"link_clicked", true},
    [EV_SHARED] = {"release_shared", true},
    [EV_REACTION] = {"reaction", true},
    [EV_CTA] = {"feature_cta", true},
    [EV_MARKED] = {"releases_marked_read", false},
};

const char *
ev_type_name(enum ev_type t)
{
	if ((int)t < 0 || t >= EV_NTYPES)
		abort();
	return types[t].name;
}

/* The type named name, or EV_NTYPES when there is none. */
static int
type_of(const char *name)
{
	int t;

	for (t = 0; t < EV_NTYPES && name != NULL; t++)
		if (strcmp(name, types[t].name) == 0)
			return t;
	return EV_NTYPES;
}

bool
ev_type_known(const char *name)
{
	return type_of(name) != EV_NTYPES;
}

bool
ev_parse_time(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t frac = 0, scale = 100, off = 0;
	time_t t;

	if (p == NULL)
		return false;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += scale > 0 ? (*p - '0') * scale : 0;
	if (*p == 'Z') {
		p++;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	           isdigit((unsigned char)p[2]) && p[3] == ':' &&
	           isdigit((unsigned char)p[4]) &&
	           isdigit((unsigned char)p[5])) {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 60 +
		      (p[4] - '0') * 10 + (p[5] - '0');
		off *= *p == '-' ? -60000 : 60000;
		p += 6;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*ms = (int64_t)t * 1000 + frac - off;
	return true;
}

static void
format_time(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char date[32];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%03dZ", date, (int)(ms % 1000));
}

/* When the event happened: its ts moved by the client's clock skew,
 * never in the future and never more than EVENT_MAX_AGE_MS ago. */
static void
occurred(const cJSON *item, int64_t now_ms, int64_t skew_ms, char out[40])
{
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(item, "ts");
	int64_t at = now_ms;

	if (cJSON_IsString(ts) && ev_parse_time(ts->valuestring, &at))
		at += skew_ms;
	else
		at = now_ms;
	if (at > now_ms)
		at = now_ms;
	if (at < now_ms - EVENT_MAX_AGE_MS)
		at = now_ms - EVENT_MAX_AGE_MS;
	format_time(at, out);
}

static bool
id_ok(const char *s, size_t max)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

	return n > 0 && n <= max && s[n] == '\0';
}

static bool
uuid_ok(const char *s, char out[40])
{
	size_t n = strlen(s);

	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[n] = '\0';
	return true;
}

static bool
set_err(char *err, size_t errlen, const char *text)
{
	snprintf(err, errlen, "%s", text);
	return false;
}

static const char *
field_string(const cJSON *item, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
parse_ms(const cJSON *item, struct ev *ev, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "ms");
	double d;

	if (!cJSON_IsNumber(v))
		return set_err(err, errlen,
		               "ms: must be a number of milliseconds");
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < 1 || d > READ_MS_MAX)
		return set_err(err, errlen,
		               "ms: must be an integer from 1 to 60000");
	ev->ms = (int64_t)d;
	cJSON_AddNumberToObject(ev->props, "ms", d);
	return true;
}

static bool
parse_url(const cJSON *item, struct ev *ev, char *err, size_t errlen)
{
	const char *url = field_string(item, "url");
	size_t n, cut;
	char *copy;

	if (url == NULL || url[0] == '\0')
		return set_err(err, errlen, "url: must be a non-empty string");
	n = strlen(url);
	if (!util_utf8_valid(url, n))
		return set_err(err, errlen, "url: must be valid UTF-8");
	cut = util_utf8_cut(url, n, URL_MAX);
	copy = strndup(url, cut);
	if (copy == NULL)
		abort();
	cJSON_AddStringToObject(ev->props, "url", copy);
	free(copy);
	if (cut < n)
		cJSON_AddTrueToObject(ev->props, "url_cut");
	return true;
}

static bool
parse_channel(const cJSON *item, struct ev *ev, char *err, size_t errlen)
{
	static const char *const channels[] = {"copy", "linkedin", "x", "email",
	                                       NULL};
	const char *ch = field_string(item, "channel");

	for (int i = 0; ch && channels[i]; i++) {
		if (strcmp(ch, channels[i]) == 0) {
			cJSON_AddStringToObject(ev->props, "channel", ch);
			return true;
		}
	}
	return set_err(err, errlen,
	               "channel: must be copy, linkedin, x or email");
}

/* An emoji: 1 to 32 bytes of valid UTF-8 with no ASCII at all. */
static bool
parse_reaction(const cJSON *item, struct ev *ev, char *err, size_t errlen)
{
	const char *e = field_string(item, "emoji");
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(item, "on");
	size_t n = e ? strlen(e) : 0;

	if (n == 0 || n > 32 || !util_utf8_valid(e, n))
		return set_err(err, errlen, "emoji: must be one emoji");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)e[i] < 0x80)
			return set_err(err, errlen, "emoji: must be one emoji");
	if (!cJSON_IsBool(on))
		return set_err(err, errlen, "on: must be true or false");
	memcpy(ev->emoji, e, n + 1);
	ev->on = cJSON_IsTrue(on);
	cJSON_AddStringToObject(ev->props, "emoji", e);
	cJSON_AddBoolToObject(ev->props, "on", ev->on);
	return true;
}

static bool
parse_feature(const cJSON *item, struct ev *ev, char *err, size_t errlen)
{
	const char *f = field_string(item, "feature");

	if (f == NULL || !id_ok(f, 100))
		return set_err(err, errlen,
		               "feature: must be a feature key (letters, "
		               "digits, - and _)");
	snprintf(ev->feature, sizeof(ev->feature), "%s", f);
	cJSON_AddStringToObject(ev->props, "feature", f);
	return true;
}

static bool
parse_details(const cJSON *item, struct ev *ev, char *err, size_t errlen)
{
	switch (ev->type) {
	case EV_READ:
		return parse_ms(item, ev, err, errlen);
	case EV_LINK:
		return parse_url(item, ev, err, errlen);
	case EV_SHARED:
		return parse_channel(item, ev, err, errlen);
	case EV_REACTION:
		return parse_reaction(item, ev, err, errlen);
	case EV_CTA:
		return parse_feature(item, ev, err, errlen);
	case EV_OPENED:
	case EV_VIEWED:
	case EV_MARKED:
		return true;
	case EV_NTYPES:
	default:
		abort();
	}
}

static bool
parse_head(const cJSON *item, struct ev *ev, char *err, size_t errlen)
{
	const char *id = field_string(item, "id");
	const char *type = field_string(item, "type");
	const char *rel = field_string(item, "release_id");
	int t;

	if (cJSON_GetObjectItemCaseSensitive(item, "id") != NULL &&
	    (id == NULL || !id_ok(id, 64)))
		return set_err(err, errlen,
		               "id: must be 1 to 64 letters, digits, - or _");
	t = type_of(type);
	if (t == EV_NTYPES)
		return set_err(err, errlen, "type: unknown event type");
	ev->type = (enum ev_type)t;
	if (id != NULL)
		snprintf(ev->id, sizeof(ev->id), "%s", id);
	if (rel != NULL && !uuid_ok(rel, ev->release_id))
		return set_err(err, errlen, "release_id: must be a UUID");
	if (types[t].needs_release && ev->release_id[0] == '\0')
		return set_err(err, errlen, "release_id: required");
	return true;
}

bool
ev_text_ok(const cJSON *obj, const char *skip, char *err, size_t errlen)
{
	const cJSON *c;
	const char *fault = NULL;

	cJSON_ArrayForEach(c, obj)
	{
		if (c->string != NULL && skip != NULL &&
		    strcmp(c->string, skip) == 0)
			continue;
		if (c->string != NULL &&
		    (fault = jsontext_fault(c->string, strlen(c->string))))
			break;
		if (cJSON_IsString(c) &&
		    (fault = jsontext_fault(c->valuestring,
		                            strlen(c->valuestring))))
			break;
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) &&
		    !ev_text_ok(c, NULL, err, errlen))
			return false;
	}
	if (fault == NULL)
		return true;
	snprintf(err, errlen, "%s: %s",
	         c->string && !jsontext_fault(c->string, strlen(c->string))
	             ? c->string
	             : "key",
	         fault);
	return false;
}

bool
ev_parse(const cJSON *item, int index, int64_t now_ms, int64_t skew_ms,
         struct ev *ev, char *err, size_t errlen)
{
	memset(ev, 0, sizeof(*ev));
	ev->index = index;
	if (!cJSON_IsObject(item))
		return set_err(err, errlen, "event: must be an object");
	if (!ev_text_ok(item, NULL, err, errlen))
		return false;
	ev->props = cJSON_CreateObject();
	if (!parse_head(item, ev, err, errlen) ||
	    !parse_details(item, ev, err, errlen)) {
		ev_cleanup(ev);
		return false;
	}
	occurred(item, now_ms, skew_ms, ev->occurred_at);
	return true;
}

void
ev_cleanup(struct ev *ev)
{
	cJSON_Delete(ev->props);
	ev->props = NULL;
}
