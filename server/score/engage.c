/* Herald - decayed engagement from daily rollups. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "score/engage.h"
#include "score/model.h"

/* A day of read time above this is a broken client, not a reader. */
#define MAX_READ_MS_PER_DAY 86400000.0

static double
round1(double x)
{
	return round(x * 10) / 10;
}

double
engage_decay(double points, int age_days, double half_life)
{
	if (age_days < 0)
		age_days = 0;
	if (half_life <= 0)
		return points;
	return points * pow(0.5, (double)age_days / half_life);
}

double
engage_day_points(const cJSON *signal, double count, double value)
{
	double points = model_number(signal, "points", 0);
	double per = model_number(signal, "per_minutes", 0);
	double cap = model_number(signal, "cap_per_day", 0);

	if (!isfinite(count) || count <= 0)
		return 0;
	if (per > 0) {
		if (!isfinite(value) || value <= 0)
			return 0;
		value = fmin(value, MAX_READ_MS_PER_DAY);
		return value / 60000.0 / per * points;
	}
	if (cap > 0 && count > cap)
		count = cap;
	return count * points;
}

/* The breakdown entry for a release/feature pair, made on first use. */
static cJSON *
entry(cJSON *map, const struct engage_row *b)
{
	char key[512];
	cJSON *e;

	snprintf(key, sizeof(key), "%s\x1f%s", b->release ? b->release : "",
	         b->feature ? b->feature : "");
	e = cJSON_GetObjectItemCaseSensitive(map, key);
	if (e != NULL)
		return e;
	e = cJSON_AddObjectToObject(map, key);
	if (b->release)
		cJSON_AddStringToObject(e, "release", b->release);
	if (b->feature)
		cJSON_AddStringToObject(e, "feature", b->feature);
	cJSON_AddNumberToObject(e, "count", 0);
	cJSON_AddNumberToObject(e, "ms", 0);
	cJSON_AddNumberToObject(e, "points", 0);
	return e;
}

static void
bump(cJSON *e, const char *key, double by)
{
	cJSON *x = cJSON_GetObjectItemCaseSensitive(e, key);

	cJSON_SetNumberValue(x, x->valuedouble + by);
}

/* Shares one day's points of a signal among its breakdown rows; returns
 * the points given out. */
static double
split_day(const cJSON *signal, const struct engage_row *rows, size_t n,
          const struct engage_row *t, double pts, cJSON *map)
{
	bool by_time = model_number(signal, "per_minutes", 0) > 0;
	double given = 0;

	for (size_t i = 0; i < n; i++) {
		const struct engage_row *b = &rows[i];
		double share;
		cJSON *e;

		if (b->total || b->day != t->day || strcmp(b->event, t->event))
			continue;
		share = by_time ? (t->value > 0 ? b->value / t->value : 0)
		                : (t->count > 0 ? b->count / t->count : 0);
		share = fmin(1, fmax(0, share));
		e = entry(map, b);
		bump(e, "count", b->count);
		bump(e, "ms", fmin(b->value, MAX_READ_MS_PER_DAY));
		bump(e, "points", pts * share);
		given += pts * share;
	}
	return given;
}

static const char *
detail(const cJSON *e, char *buf, size_t len)
{
	const char *rel = model_string(e, "release");
	const char *feat = model_string(e, "feature");

	if (rel && feat)
		snprintf(buf, len, "%s (introduced by %s)", feat, rel);
	else
		snprintf(buf, len, "%s", rel ? rel : feat ? feat : "");
	return buf;
}

static void
add_reason(cJSON *reasons, const cJSON *signal, const cJSON *e)
{
	double points = model_number(e, "points", 0);
	char text[600];
	cJSON *r;

	if (reasons == NULL || fabs(points) < 0.05)
		return;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "kind", "signal");
	cJSON_AddStringToObject(r, "event", model_string(signal, "event"));
	if (model_string(e, "release") || model_string(e, "feature"))
		cJSON_AddStringToObject(r, "detail",
		                        detail(e, text, sizeof(text)));
	if (model_string(e, "release"))
		cJSON_AddStringToObject(r, "release",
		                        model_string(e, "release"));
	if (model_string(e, "feature"))
		cJSON_AddStringToObject(r, "feature",
		                        model_string(e, "feature"));
	cJSON_AddNumberToObject(r, "count", model_number(e, "count", 0));
	if (model_number(signal, "per_minutes", 0) > 0)
		cJSON_AddNumberToObject(
		    r, "minutes", round1(model_number(e, "ms", 0) / 60000.0));
	cJSON_AddNumberToObject(r, "points", round1(points));
	cJSON_AddItemToArray(reasons, r);
}

/* Adds up one signal over every day; returns its points. */
static double
one_signal(const cJSON *signal, double half_life, const struct engage_row *rows,
           size_t n, int today, cJSON *reasons)
{
	const char *event = model_string(signal, "event");
	cJSON *map = cJSON_CreateObject();
	cJSON *rest = cJSON_CreateObject();
	const cJSON *e;
	double total = 0;

	cJSON_AddNumberToObject(rest, "count", 0);
	cJSON_AddNumberToObject(rest, "ms", 0);
	cJSON_AddNumberToObject(rest, "points", 0);
	for (size_t i = 0; i < n; i++) {
		const struct engage_row *t = &rows[i];
		double pts, given;

		if (!t->total || strcmp(t->event, event) != 0)
			continue;
		pts =
		    engage_decay(engage_day_points(signal, t->count, t->value),
		                 today - t->day, half_life);
		total += pts;
		given = split_day(signal, rows, n, t, pts, map);
		bump(rest, "points", pts - given);
		bump(rest, "count", t->count);
		bump(rest, "ms", fmin(fmax(t->value, 0), MAX_READ_MS_PER_DAY));
	}
	cJSON_ArrayForEach(e, map)
	{
		bump(rest, "count", -model_number(e, "count", 0));
		bump(rest, "ms", -model_number(e, "ms", 0));
		add_reason(reasons, signal, e);
	}
	add_reason(reasons, signal, rest);
	cJSON_Delete(map);
	cJSON_Delete(rest);
	return total;
}

double
engage_compute(const cJSON *model, const struct engage_row *rows, size_t n,
               int today, cJSON *reasons)
{
	const cJSON *eng =
	    cJSON_GetObjectItemCaseSensitive(model, "engagement");
	double half_life = model_number(eng, "half_life_days", 14);
	const cJSON *s;
	double total = 0;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(eng, "signals"))
	{
		if (model_string(s, "event") == NULL)
			continue;
		total += one_signal(s, half_life, rows, n, today, reasons);
	}
	return round1(total);
}
