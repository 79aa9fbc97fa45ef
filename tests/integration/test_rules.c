/* Herald integration tests - rules written for real product-qualified
 * moments, each on a stream that fires it and on a near miss, with the
 * edges of every window and days counted across daylight saving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"
#include "lib/scorefix.h"

static struct srv s;

static void
up(void)
{
	static const char *const env[] = {"HERALD_SCORE_SWEEP_SECONDS=1", NULL};

	srv_start(&s, env);
}

static void
down(void)
{
	srv_stop(&s);
}

TestSuite(rules, .init = up, .fini = down, .timeout = 90);

static const char moments_model[] =
    "{\"fit\": {\"criteria\": []},"
    "\"engagement\": {\"half_life_days\": 14, \"signals\": []},"
    "\"rules\": ["
    "{\"id\": \"team-2000\", \"subject\": \"account\", \"when\":"
    " {\"count\": {\"event\": \"message_sent\", \"gte\": 2000}}},"
    "{\"id\": \"device-or-file\", \"when\": {\"any\": ["
    " {\"count\": {\"event\": \"device_connected\", \"gte\": 2}},"
    " {\"count\": {\"event\": \"file_shared\","
    "  \"where\": {\"with\": \"teammate\"}, \"gte\": 1}}]}},"
    "{\"id\": \"hundred-a-month\", \"when\": {\"count\":"
    " {\"event\": \"conversation_started\", \"within_days\": 30,"
    "  \"gte\": 100}}},"
    "{\"id\": \"seven-in-ten\", \"when\": {\"count\":"
    " {\"event\": \"friend_added\", \"since\": \"signup\","
    "  \"within_days\": 10, \"gte\": 7}}},"
    "{\"id\": \"calendar-and-meeting\", \"when\": {\"all\": ["
    " {\"count\": {\"event\": \"calendar_connected\", \"gte\": 1}},"
    " {\"count\": {\"event\": \"meeting_booked\", \"gte\": 1}}]}},"
    "{\"id\": \"first-external-video\", \"when\": {\"count\":"
    " {\"event\": \"video_shared\", \"where\": {\"external\": true},"
    "  \"gte\": 1}}}]}";

struct ctx {
	cJSON *ws;
	char id[24];
};

static void
setup_ws(struct ctx *c, const char *tz, const char *model)
{
	const char *p[2] = {c->id, tz};

	c->ws = workspace_new("Rules");
	fx_ws_id(c->ws, c->id, sizeof(c->id));
	PQclear(sql("UPDATE workspaces SET timezone = $2 WHERE id = $1", 2, p));
	fx_model(c->id, model);
}

static void
track(const struct ctx *c, const char *person, const char *name,
      const char *props, const char *at, int n)
{
	fx_event(c->id, person, "track", name, NULL, props, at, n);
}

static void
expect(const struct ctx *c, const char *type, const char *id, const char *rule,
       long n)
{
	cr_expect_eq(fx_quals(c->id, type, id, rule), n,
	             "%s %s rule %s: want %ld qualifications", type, id, rule,
	             n);
}

Test(rules, a_team_reaching_2000_messages_fires_and_1999_does_not)
{
	struct ctx c;

	setup_ws(&c, "UTC", moments_model);
	char *big = fx_account(c.id, "big", "Big", NULL);
	char *small = fx_account(c.id, "small", "Small", NULL);
	char *a = fx_person(c.id, "a", "A", NULL, big, NULL);
	char *b = fx_person(c.id, "b", "B", NULL, big, NULL);
	char *x = fx_person(c.id, "x", "X", NULL, small, NULL);
	char *y = fx_person(c.id, "y", "Y", NULL, small, NULL);
	char *t = fx_ago("-1 day");

	track(&c, a, "message_sent", NULL, t, 1200);
	track(&c, b, "message_sent", NULL, t, 800);
	track(&c, x, "message_sent", NULL, t, 1200);
	track(&c, y, "message_sent", NULL, t, 799);
	fx_wait_scored(c.id);
	expect(&c, "account", big, "team-2000", 1);
	expect(&c, "account", small, "team-2000", 0);
	/* One more message crosses the line. */
	track(&c, y, "message_sent", NULL, t, 1);
	fx_wait_scored(c.id);
	expect(&c, "account", small, "team-2000", 1);
	expect(&c, "account", big, "team-2000", 1);
}

Test(rules, a_second_device_or_a_file_shared_with_a_teammate_fires)
{
	struct ctx c;

	setup_ws(&c, "UTC", moments_model);
	char *dev = fx_person(c.id, "dev", "Dev", NULL, NULL, NULL);
	char *file = fx_person(c.id, "file", "File", NULL, NULL, NULL);
	char *miss = fx_person(c.id, "miss", "Miss", NULL, NULL, NULL);
	char *t = fx_ago("-2 hours");

	track(&c, dev, "device_connected", "{\"kind\": \"phone\"}", t, 1);
	track(&c, dev, "device_connected", "{\"kind\": \"laptop\"}", t, 1);
	track(&c, file, "file_shared", "{\"with\": \"teammate\"}", t, 1);
	track(&c, miss, "device_connected", NULL, t, 1);
	track(&c, miss, "file_shared", "{\"with\": \"customer\"}", t, 3);
	fx_wait_scored(c.id);
	expect(&c, "person", dev, "device-or-file", 1);
	expect(&c, "person", file, "device-or-file", 1);
	expect(&c, "person", miss, "device-or-file", 0);
}

Test(rules, hundred_conversations_in_thirty_calendar_days_counts_both_edges)
{
	struct ctx c;

	setup_ws(&c, "America/New_York", moments_model);
	char *in = fx_person(c.id, "in", "In", NULL, NULL, NULL);
	char *out = fx_person(c.id, "out", "Out", NULL, NULL, NULL);
	/* The window is today and the 29 days before, local time. */
	char *first = fx_local(c.id, 29, "00:00:01");
	char *before = fx_local(c.id, 30, "23:59:59");
	char *now = fx_ago("-1 minute");

	track(&c, in, "conversation_started", NULL, first, 1);
	track(&c, in, "conversation_started", NULL, now, 99);
	track(&c, out, "conversation_started", NULL, before, 1);
	track(&c, out, "conversation_started", NULL, now, 99);
	fx_wait_scored(c.id);
	expect(&c, "person", in, "hundred-a-month", 1);
	expect(&c, "person", out, "hundred-a-month", 0);
}

Test(rules, seven_friends_within_ten_days_of_signup_counts_day_ten_out)
{
	struct ctx c;

	setup_ws(&c, "Europe/Berlin", moments_model);
	char *signup = fx_local(c.id, 20, "18:00:00");
	char *in = fx_person(c.id, "in", "In", NULL, NULL, signup);
	char *out = fx_person(c.id, "out", "Out", NULL, NULL, signup);
	char *d0 = fx_local(c.id, 20, "19:00:00");
	/* Day 1 is the signup day, so the 10th day is 11 days later. */
	char *d9 = fx_local(c.id, 11, "23:59:59");
	char *d10 = fx_local(c.id, 10, "00:00:01");

	track(&c, in, "friend_added", NULL, d0, 6);
	track(&c, in, "friend_added", NULL, d9, 1);
	track(&c, out, "friend_added", NULL, d0, 6);
	track(&c, out, "friend_added", NULL, d10, 1);
	fx_wait_scored(c.id);
	expect(&c, "person", in, "seven-in-ten", 1);
	expect(&c, "person", out, "seven-in-ten", 0);
}

Test(rules, a_calendar_and_a_meeting_fire_together_not_apart)
{
	struct ctx c;

	setup_ws(&c, "UTC", moments_model);
	char *both = fx_person(c.id, "both", "Both", NULL, NULL, NULL);
	char *cal = fx_person(c.id, "cal", "Cal", NULL, NULL, NULL);
	char *t = fx_ago("-1 hour");

	track(&c, both, "calendar_connected", "{\"provider\": \"google\"}", t,
	      1);
	track(&c, both, "meeting_booked", NULL, t, 1);
	track(&c, cal, "calendar_connected", "{\"provider\": \"google\"}", t,
	      1);
	fx_wait_scored(c.id);
	expect(&c, "person", both, "calendar-and-meeting", 1);
	expect(&c, "person", cal, "calendar-and-meeting", 0);
}

Test(rules, a_first_video_shared_outside_fires_an_internal_one_does_not)
{
	struct ctx c;

	setup_ws(&c, "UTC", moments_model);
	char *ext = fx_person(c.id, "ext", "Ext", NULL, NULL, NULL);
	char *inn = fx_person(c.id, "inn", "Inn", NULL, NULL, NULL);
	char *t = fx_ago("-1 hour");

	track(&c, ext, "video_shared", "{\"external\": true, \"n\": 1}", t, 1);
	track(&c, inn, "video_shared", "{\"external\": false}", t, 4);
	track(&c, inn, "video_shared", "{\"external\": \"true\"}", t, 1);
	fx_wait_scored(c.id);
	expect(&c, "person", ext, "first-external-video", 1);
	expect(&c, "person", inn, "first-external-video", 0);
	/* A second external share is no new transition. */
	track(&c, ext, "video_shared", "{\"external\": true}", t, 1);
	fx_wait_scored(c.id);
	expect(&c, "person", ext, "first-external-video", 1);
}

/* Days since a date, plus one: a within_days window starting that day. */
static long
days_from(const struct ctx *c, const char *day)
{
	const char *p[2] = {c->id, day};

	return sql_long("SELECT (now() AT TIME ZONE timezone)::date"
	                " - $2::date + 1 FROM workspaces WHERE id = $1",
	                2, p);
}

/* Berlin: clocks go forward on 2026-03-29 and back on 2026-10-25.  A
 * window starting at local midnight after each change must take an
 * event 30 minutes after that midnight and refuse one 30 minutes
 * before it; a fixed UTC offset gets one of the two wrong. */
Test(rules, days_are_counted_in_the_time_zone_across_both_dst_changes)
{
	struct ctx c;
	char model[2048];
	long spring, fall;

	setup_ws(&c, "Europe/Berlin", moments_model);
	spring = days_from(&c, "2026-03-30");
	fall = days_from(&c, "2026-10-26");
	snprintf(model, sizeof(model),
	         "{\"fit\": {\"criteria\": []}, \"engagement\":"
	         " {\"half_life_days\": 14, \"signals\": []}, \"rules\": ["
	         "{\"id\": \"spring-days\", \"when\": {\"active_days\":"
	         " {\"within_days\": %ld, \"gte\": 1}}},"
	         "{\"id\": \"spring-count\", \"when\": {\"count\":"
	         " {\"event\": \"e\", \"where\": {\"k\": 1},"
	         "  \"within_days\": %ld, \"gte\": 1}}},"
	         "{\"id\": \"fall-days\", \"when\": {\"active_days\":"
	         " {\"within_days\": %ld, \"gte\": 2}}},"
	         "{\"id\": \"fall-count\", \"when\": {\"count\":"
	         " {\"event\": \"e\", \"where\": {\"k\": 1},"
	         "  \"within_days\": %ld, \"gte\": 1}}}]}",
	         spring, spring, fall, fall);
	fx_model(c.id, model);
	char *sin = fx_person(c.id, "sin", "S in", NULL, NULL, NULL);
	char *sout = fx_person(c.id, "sout", "S out", NULL, NULL, NULL);
	char *fin = fx_person(c.id, "fin", "F in", NULL, NULL, NULL);
	char *fout = fx_person(c.id, "fout", "F out", NULL, NULL, NULL);

	/* 00:30 CEST on 30 March and 23:30 CEST on 29 March. */
	track(&c, sin, "e", "{\"k\": 1}", "2026-03-29T22:30:00Z", 1);
	track(&c, sout, "e", "{\"k\": 1}", "2026-03-29T21:30:00Z", 1);
	/* 00:30 CET on 26 October and 23:30 CET on 25 October; each also
	 * active once later, so fall-days needs the edge day to count. */
	track(&c, fin, "e", "{\"k\": 1}", "2026-10-25T23:30:00Z", 1);
	track(&c, fout, "e", "{\"k\": 1}", "2026-10-25T22:30:00Z", 1);
	track(&c, fin, "other", NULL, "2026-11-02T12:00:00Z", 1);
	track(&c, fout, "other", NULL, "2026-11-02T12:00:00Z", 1);
	fx_wait_scored(c.id);
	expect(&c, "person", sin, "spring-days", 1);
	expect(&c, "person", sin, "spring-count", 1);
	expect(&c, "person", sout, "spring-days", 0);
	expect(&c, "person", sout, "spring-count", 0);
	expect(&c, "person", fin, "fall-days", 1);
	expect(&c, "person", fin, "fall-count", 1);
	expect(&c, "person", fout, "fall-days", 0);
	expect(&c, "person", fout, "fall-count", 0);
}
