/* Herald - dates on the proleptic Gregorian calendar (util's
 * days-from-civil arithmetic), so no output depends on LC_TIME or TZ. */
#include <stdio.h>
#include <string.h>

#include "content/dates.h"
#include "core/util.h"

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const day_names[7] = {"Thu", "Fri", "Sat", "Sun",
                                         "Mon", "Tue", "Wed"};

struct civil {
	int64_t year;
	int month, day, hour, min, sec, wday; /* wday: 0 = Thursday */
};

static void
civil_from_epoch(int64_t t, struct civil *c)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;

	util_civil_from_days(days, &c->year, &c->month, &c->day);
	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->sec = (int)(secs % 60);
	c->wday = (int)(((days % 7) + 7) % 7);
}

static int
days_in_month(int64_t y, int m)
{
	static const int n[12] = {31, 28, 31, 30, 31, 30,
	                          31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : n[m - 1];
}

/* Reads exactly n digits at *p into *out and advances *p. */
static bool
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Parses Z, +HH:MM, +HHMM or +HH into seconds east of UTC. */
static bool
parse_offset(const char *p, int *out)
{
	int sign, h = 0, m = 0;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*out = 0;
		return true;
	}
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &h))
		return false;
	if (*p == ':')
		p++;
	if (*p != '\0' && !digits(&p, 2, &m))
		return false;
	if (*p != '\0' || h > 23 || m > 59)
		return false;
	*out = sign * (h * 3600 + m * 60);
	return true;
}

static bool
parse_time(const char *p, int *h, int *mi, int *s, int *off)
{
	*s = 0;
	if (!digits(&p, 2, h) || *p++ != ':' || !digits(&p, 2, mi))
		return false;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, s))
			return false;
		if (*p == '.' || *p == ',') {
			p++;
			if (*p < '0' || *p > '9')
				return false;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	return *h <= 23 && *mi <= 59 && *s <= 60 && parse_offset(p, off);
}

bool
dates_parse_iso8601(const char *text, int64_t *out)
{
	const char *p = text;
	int y, mo, d, h = 0, mi = 0, s = 0, off = 0;

	if (text == NULL || !digits(&p, 4, &y) || *p++ != '-' ||
	    !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return false;
	if (*p != '\0') {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return false;
		if (!parse_time(p + 1, &h, &mi, &s, &off))
			return false;
	}
	*out = util_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	       s - off;
	return true;
}

void
dates_rfc3339(int64_t epoch, char out[DATES_LEN])
{
	struct civil c;

	civil_from_epoch(epoch, &c);
	snprintf(out, DATES_LEN, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
	         (long long)c.year, c.month, c.day, c.hour, c.min, c.sec);
}

void
dates_rfc822(int64_t epoch, char out[DATES_LEN])
{
	struct civil c;
	char mon[4];

	civil_from_epoch(epoch, &c);
	memcpy(mon, month_names[c.month - 1], 3);
	mon[3] = '\0';
	snprintf(out, DATES_LEN, "%s, %02d %s %04lld %02d:%02d:%02d +0000",
	         day_names[c.wday], c.day, mon, (long long)c.year, c.hour,
	         c.min, c.sec);
}

void
dates_human(int64_t epoch, char out[DATES_LEN])
{
	struct civil c;

	civil_from_epoch(epoch, &c);
	snprintf(out, DATES_LEN, "%d %s %lld", c.day, month_names[c.month - 1],
	         (long long)c.year);
}

void
dates_ymd(int64_t epoch, char out[DATES_LEN])
{
	struct civil c;

	civil_from_epoch(epoch, &c);
	snprintf(out, DATES_LEN, "%04lld-%02d-%02d", (long long)c.year, c.month,
	         c.day);
}
