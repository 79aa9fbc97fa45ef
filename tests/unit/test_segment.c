/* Herald unit tests - Segment message parsing and validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "ingest/ingest.h"
#include "ingest/personids.h"

static struct ingest_job *
job_new(void)
{
	struct ingest_job *job = calloc(1, sizeof(*job));

	job->received_ms = 1764789600000LL; /* 2025-12-03T19:20:00Z */
	buf_init(&job->text, 1 << 20);
	return job;
}

static bool
add(struct ingest_job *job, const char *json, char *why, size_t whylen)
{
	char *text = strdup(json);
	cJSON *msg;
	bool ok;

	cr_assert(segment_prescan(text, strlen(text)));
	msg = cJSON_Parse(text);
	cr_assert_not_null(msg, "%s", json);
	ok = segment_add(job, msg, -1, 7, -1, why, whylen);
	cJSON_Delete(msg);
	free(text);
	return ok;
}

/* text parses, and prints back in UTC as want. */
static void
reads_as(const char *text, const char *want)
{
	int64_t ms;
	char out[64];

	cr_assert(segment_parse_time(text, &ms), "%s", text);
	segment_format_time(ms, out);
	cr_assert_str_eq(out, want, "%s", text);
}

Test(segment, iso_times_parse_with_zones_and_fractions)
{
	int64_t ms;

	reads_as("2026-12-03T18:24:15.002Z", "2026-12-03T18:24:15.002Z");
	reads_as("2026-12-03T20:24:15+02:00", "2026-12-03T18:24:15.000Z");
	cr_assert(segment_parse_time("2026-12-03", &ms));
	cr_assert_not(segment_parse_time("yesterday", &ms));
	cr_assert_not(segment_parse_time("2026-13-03T00:00:00Z", &ms));
	cr_assert_not(segment_parse_time("2026-12-03T00:00:00Zjunk", &ms));
}

Test(segment, prescan_marks_nul_and_bad_escapes_but_keeps_valid_ones)
{
	char a[] = "{\"a\":\"x\\u0000y\",\"b\":\"\\uD83D\\uDE00\","
	           "\"c\":\"\\\\u0000\",\"d\":\"\\q\"}";
	cJSON *o;

	cr_assert(segment_prescan(a, strlen(a)));
	o = cJSON_Parse(a);
	cr_assert_not_null(o);
	cr_assert_eq((unsigned char)cJSON_GetObjectItem(o, "a")->valuestring[1],
	             0xc0);
	cr_assert_str_eq(cJSON_GetObjectItem(o, "b")->valuestring,
	                 "\xf0\x9f\x98\x80");
	cr_assert_str_eq(cJSON_GetObjectItem(o, "c")->valuestring, "\\u0000");
	cr_assert_eq((unsigned char)cJSON_GetObjectItem(o, "d")->valuestring[0],
	             0xc1);
	cJSON_Delete(o);
}

Test(segment, prescan_refuses_deep_nesting)
{
	char deep[200];

	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	cr_assert_not(segment_prescan(deep, sizeof(deep)));
	cr_assert(segment_prescan(deep + 40, 120));
}

Test(segment, track_is_normalised_into_the_job)
{
	struct ingest_job *job = job_new();
	char why[256];

	cr_assert(add(job,
	              "{\"type\":\"track\",\"event\":\"feature_used\","
	              "\"userId\":42,\"messageId\":\"m1\","
	              "\"timestamp\":\"2025-12-03T19:00:00Z\","
	              "\"properties\":{\"feature\":\"charts\"},"
	              "\"context\":{\"ip\":\"198.51.100.23\"}}",
	              why, sizeof(why)),
	          "%s", why);
	cr_assert_eq(job->nev, 1);
	cr_assert_str_eq(ingest_str(job, job->ev[0].uid), "42");
	cr_assert_str_eq(ingest_str(job, job->ev[0].name), "feature_used");
	cr_assert_str_eq(ingest_str(job, job->ev[0].ctx),
	                 "{\"ip\":\"198.51.100.0\"}");
	cr_assert_eq(job->ev[0].occurred_ms, 1764788400000LL);
	cr_assert_eq(job->ev[0].ws, 7);
	ingest_job_free(job);
}

Test(segment, long_strings_are_cut_on_a_character_and_listed)
{
	struct ingest_job *job = job_new();
	char *msg = malloc(8000), why[256];
	cJSON *props;
	size_t n;

	n = (size_t)snprintf(msg, 8000,
	                     "{\"type\":\"page\",\"userId\":\"u\","
	                     "\"properties\":{\"t\":\"");
	for (int i = 0; i < 1000; i++, n += 2)
		memcpy(msg + n, "\xc3\xa9", 2);
	memcpy(msg + n, "\"}}", 4);
	cr_assert(add(job, msg, why, sizeof(why)), "%s", why);
	props = cJSON_Parse(ingest_str(job, job->ev[0].props));
	cr_assert_eq(strlen(cJSON_GetObjectItem(props, "t")->valuestring),
	             1024);
	cr_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(props, "_truncated"), 0)
	        ->valuestring,
	    "properties.t");
	cJSON_Delete(props);
	free(msg);
	ingest_job_free(job);
}

Test(segment, refusals_name_the_field)
{
	struct ingest_job *job = job_new();
	char why[256];

	cr_assert_not(add(job, "{\"type\":\"track\",\"userId\":\"u\"}", why,
	                  sizeof(why)));
	cr_assert(strstr(why, "event") == why, "%s", why);
	cr_assert_not(
	    add(job, "{\"type\":\"track\",\"event\":\"e\"}", why, sizeof(why)));
	cr_assert(strstr(why, "userId or anonymousId") != NULL);
	cr_assert_not(add(job,
	                  "{\"type\":\"track\",\"event\":\"e\",\"userId\":"
	                  "\"u\",\"properties\":[1]}",
	                  why, sizeof(why)));
	cr_assert(strstr(why, "properties") == why, "%s", why);
	cr_assert_not(add(job, "{\"type\":\"group\",\"userId\":\"u\"}", why,
	                  sizeof(why)));
	cr_assert(strstr(why, "groupId") == why, "%s", why);
	cr_assert_eq(job->nev, 0);
	ingest_job_free(job);
}

Test(segment, properties_are_stored_as_compact_json_text)
{
	struct ingest_job *job = job_new();
	char why[256];

	cr_assert(add(job,
	              "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
	              "\"properties\":{ \"n\" : -42, \"big\": 9007199254740992,"
	              " \"f\": 0.1, \"g\": 1e-7, \"third\": 0.3333333333333333,"
	              " \"s\": \"q\\\"b\\\\s\\n\\t\\u0001é\", \"t\": true,"
	              " \"no\": false, \"z\": null, \"a\": [1, [], {}],"
	              " \"k\\\"ey\": 0}}",
	              why, sizeof(why)),
	          "%s", why);
	cr_assert_str_eq(ingest_str(job, job->ev[0].props),
	                 "{\"n\":-42,\"big\":9007199254740992,\"f\":0.1,"
	                 "\"g\":1e-07,\"third\":0.33333333333333331,"
	                 "\"s\":\"q\\\"b\\\\s\\n\\t\\u0001é\",\"t\":true,"
	                 "\"no\":false,\"z\":null,\"a\":[1,[],{}],"
	                 "\"k\\\"ey\":0}");
	ingest_job_free(job);
}

Test(segment, the_path_of_a_refused_value_is_named)
{
	struct ingest_job *job = job_new();
	char why[256];

	cr_assert_not(add(job,
	                  "{\"type\":\"track\",\"event\":\"e\","
	                  "\"userId\":\"u\",\"properties\":{\"list\":"
	                  "[0, 1, {\"deep\": 18014398509481984}]}}",
	                  why, sizeof(why)));
	cr_assert(strstr(why, "properties.list[2].deep: number is too large") ==
	              why,
	          "%s", why);
	ingest_job_free(job);
}

/* The date arithmetic against the C library's, over years 1 to 9999:
 * every leap rule, days before 1970, and the round trip. */
Test(segment, times_match_the_c_library_from_year_1_to_9999)
{
	const int64_t first = -62135596800LL; /* 0001-01-01T00:00:00Z */
	const int64_t last = 253402300799LL;  /* 9999-12-31T23:59:59Z */
	char ours[64], libc[64];
	int checked = 0;

	for (int64_t t = first; t <= last; t += 86399LL * 37 + 12345) {
		time_t secs = (time_t)t;
		struct tm tm;
		int64_t back;

		gmtime_r(&secs, &tm);
		snprintf(libc, sizeof(libc),
		         "%04d-%02d-%02dT%02d:%02d:%02d.789Z",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_hour, tm.tm_min, tm.tm_sec);
		segment_format_time(t * 1000 + 789, ours);
		cr_assert_str_eq(ours, libc, "at %lld", (long long)t);
		cr_assert(segment_parse_time(ours, &back));
		cr_assert_eq(back, t * 1000 + 789, "%s", ours);
		checked++;
	}
	cr_assert_gt(checked, 90000);
	/* Leap days, and days past a month's end running on. */
	reads_as("2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z");
	reads_as("2023-02-31T00:00:00Z", "2023-03-03T00:00:00.000Z");
	reads_as("1900-03-01T00:00:00-01:30", "1900-03-01T01:30:00.000Z");
}

/* Numbers other than integers beyond cJSON's reach are stored as cJSON
 * prints them, so that model filters printed by cJSON match them: sent
 * with 17 digits, many have a 15-digit form cJSON accepts. */
Test(segment, numbers_are_stored_as_cjson_prints_them)
{
	uint64_t x = 88172645463325252ULL;
	char body[256], why[256];
	int shorter = 0;

	for (int i = 0; i < 2000; i++) {
		struct ingest_job *job = job_new();
		cJSON *sent;
		char *want;
		double v;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift */
		v = (double)(x >> 11) / (double)(1ULL << 53) *
		    (i % 2 ? 1e3 : 1e-3) * (i % 3 ? 1 : -1);
		snprintf(body, sizeof(body),
		         "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
		         "\"properties\":{\"v\":%1.17g}}",
		         v);
		sent = cJSON_Parse(body);
		want = cJSON_PrintUnformatted(
		    cJSON_GetObjectItem(sent, "properties"));
		shorter += strlen(want) < 22;
		cr_assert(add(job, body, why, sizeof(why)), "%s", why);
		cr_assert_str_eq(ingest_str(job, job->ev[0].props), want);
		free(want);
		cJSON_Delete(sent);
		ingest_job_free(job);
	}
	cr_assert_gt(shorter, 20); /* the 15-digit forms were exercised */
}

/* ---- the writers' person id cache ------------------------------------ */

Test(personids, ids_are_per_workspace_and_user_and_reset_with_the_epoch)
{
	personids_lock();
	personids_free();
	cr_assert_eq(personids_epoch(), -1);
	cr_assert_eq(personids_get(1, "u1"), 0);
	cr_assert(personids_put(1, "u1", 10));
	cr_assert(personids_put(2, "u1", 20));
	cr_assert(personids_put(1, "u10", 11));
	cr_assert_eq(personids_get(1, "u1"), 10);
	cr_assert_eq(personids_get(2, "u1"), 20);
	cr_assert_eq(personids_get(1, "u10"), 11);
	cr_assert_eq(personids_get(3, "u1"), 0);
	cr_assert_eq(personids_get(1, NULL), 0);
	cr_assert(personids_put(1, "u1", 12)); /* replaced, not added */
	cr_assert_eq(personids_get(1, "u1"), 12);
	cr_assert_eq(personids_count(), 3);
	personids_reset(7);
	cr_assert_eq(personids_epoch(), 7);
	cr_assert_eq(personids_count(), 0);
	cr_assert_eq(personids_get(1, "u1"), 0);
	personids_free();
	personids_unlock();
}

Test(personids, a_full_table_starts_again_empty_and_keeps_working)
{
	char uid[32];
	long peak = 0;

	personids_lock();
	personids_free();
	for (int i = 1; i <= 100000; i++) {
		snprintf(uid, sizeof(uid), "user-%d", i);
		cr_assert(personids_put(1, uid, i));
		if (personids_count() > peak)
			peak = personids_count();
		cr_assert_eq(personids_get(1, uid), i);
	}
	/* Bounded: never more than three quarters of the slots. */
	cr_assert_eq(peak, 32768 / 4 * 3);
	cr_assert_lt(personids_count(), peak);
	snprintf(uid, sizeof(uid), "user-%d", 100000);
	cr_assert_eq(personids_get(1, uid), 100000);
	cr_assert_eq(personids_get(1, "user-1"), 0);
	personids_free();
	personids_unlock();
}

/* Members are found in one pass: the first of a repeated key counts (as
 * a lookup by name found it), names are case-sensitive, and unknown
 * members are ignored. */
Test(segment, repeated_members_take_the_first_and_names_match_exactly)
{
	struct ingest_job *job = job_new();
	char why[256];
	const struct ingest_event *e;

	cr_assert(add(job,
	              "{\"type\":\"track\",\"Type\":\"alias\",\"event\":\"a\","
	              "\"userId\":\"first\",\"userId\":\"second\","
	              "\"UserId\":\"third\",\"messageId\":\"m1\","
	              "\"properties\":{\"k\":1},\"properties\":\"no\","
	              "\"extra\":{\"deep\":[1,2]},\"event\":\"b\"}",
	              why, sizeof(why)),
	          "%s", why);
	e = &job->ev[0];
	cr_assert_eq(e->kind, KIND_TRACK);
	cr_assert_str_eq(ingest_str(job, e->uid), "first");
	cr_assert_str_eq(ingest_str(job, e->name), "a");
	cr_assert_str_eq(ingest_str(job, e->mid), "m1");
	cr_assert_str_eq(ingest_str(job, e->props), "{\"k\":1}");
	cr_assert_not(add(job,
	                  "{\"Type\":\"track\",\"event\":\"a\","
	                  "\"userId\":\"u\"}",
	                  why, sizeof(why)));
	cr_assert(strstr(why, "type:") == why, "%s", why);
	cr_assert_not(add(job,
	                  "{\"type\":\"track\",\"event\":\"a\","
	                  "\"UserID\":\"u\"}",
	                  why, sizeof(why)));
	cr_assert_str_eq(why, "userId or anonymousId is required");
	ingest_job_free(job);
}
