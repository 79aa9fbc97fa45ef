/* Herald unit tests - identity tokens, robots, audiences, event
 * validation of the widget. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "core/util.h"
#include "widget/events.h"
#include "widget/jwt.h"
#include "widget/robots.h"
#include "widget/widget.h"

static void
setup(void)
{
	cr_assert(util_init());
}

TestSuite(jwt, .init = setup);

static char *
sign(const char *claims, const char *secret)
{
	cJSON *c = cJSON_Parse(claims);
	char *t = jwt_sign(c, secret);

	cJSON_Delete(c);
	return t;
}

static enum jwt_status
check(const char *token, const char *secret)
{
	const char *secrets[1] = {secret};
	cJSON *claims = NULL;
	enum jwt_status st = jwt_verify(token, secrets, 1, 1000000, &claims);

	cr_assert_eq(st == JWT_OK, claims != NULL);
	cJSON_Delete(claims);
	return st;
}

Test(jwt, signed_token_verifies_and_gives_its_claims)
{
	char *t = sign("{\"sub\":\"u1\",\"exp\":1000100}", "s3cret");
	const char *secrets[2] = {"other", "s3cret"};
	cJSON *claims = NULL;

	cr_assert_eq(jwt_verify(t, secrets, 2, 1000000, &claims), JWT_OK);
	cr_assert_str_eq(cJSON_GetObjectItem(claims, "sub")->valuestring, "u1");
	cJSON_Delete(claims);
	free(t);
}

Test(jwt, wrong_secret_and_tampered_payload_are_refused)
{
	char *t = sign("{\"sub\":\"u1\"}", "s3cret");
	char *dot = strchr(t, '.');

	cr_assert_eq(check(t, "wrong"), JWT_BAD_SIGNATURE);
	dot[2] = dot[2] == 'A' ? 'B' : 'A';
	cr_assert_neq(check(t, "s3cret"), JWT_OK);
	free(t);
}

Test(jwt, alg_none_and_other_algs_are_refused)
{
	/* {"alg":"none"} . {"sub":"u1"} . (empty) */
	cr_assert_eq(check("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9.", "s"),
	             JWT_BAD_ALG);
	/* {"alg":"HS512"} */
	cr_assert_eq(check("eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1MSJ9.AAAA", "s"),
	             JWT_BAD_ALG);
	cr_assert_eq(check("not a token", "s"), JWT_MALFORMED);
	cr_assert_eq(check("a.b.c.d", "s"), JWT_MALFORMED);
}

Test(jwt, expiry_allows_sixty_seconds_of_skew)
{
	char *ok = sign("{\"sub\":\"u\",\"exp\":999950}", "k");
	char *old = sign("{\"sub\":\"u\",\"exp\":999930}", "k");
	char *early = sign("{\"sub\":\"u\",\"nbf\":1000100}", "k");
	char *iat = sign("{\"sub\":\"u\",\"iat\":1000030}", "k");
	char *nosub = sign("{\"exp\":1000100}", "k");
	char *badexp = sign("{\"sub\":\"u\",\"exp\":\"soon\"}", "k");

	cr_assert_eq(check(ok, "k"), JWT_OK);
	cr_assert_eq(check(old, "k"), JWT_EXPIRED);
	cr_assert_eq(check(early, "k"), JWT_NOT_YET);
	cr_assert_eq(check(iat, "k"), JWT_OK);
	cr_assert_eq(check(nosub, "k"), JWT_BAD_CLAIMS);
	cr_assert_eq(check(badexp, "k"), JWT_BAD_CLAIMS);
	free(ok);
	free(old);
	free(early);
	free(iat);
	free(nosub);
	free(badexp);
}

Test(robots, crawlers_unfurlers_and_headless_browsers_are_robots)
{
	cr_assert(robots_user_agent("Slackbot-LinkExpanding 1.0 "
	                            "(+https://api.slack.com/robots)"));
	cr_assert(robots_user_agent(
	    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
	    "Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"));
	cr_assert(robots_user_agent("facebookexternalhit/1.1"));
	cr_assert(robots_user_agent("Twitterbot/1.0"));
	cr_assert(robots_user_agent("LinkedInBot/1.0"));
	cr_assert(robots_user_agent("Mozilla/5.0 (compatible; Googlebot/2.1)"));
	cr_assert_not(robots_user_agent(
	    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
	    "Gecko) Chrome/120.0.0.0 Safari/537.36"));
	cr_assert_not(robots_user_agent("curl/7.88.1"));
	cr_assert_not(robots_user_agent(NULL));
	cr_assert_not(robots_user_agent(""));
}

static bool
match(const char *audience, const char *person, const char *account)
{
	cJSON *a = cJSON_Parse(audience);
	cJSON *p = person ? cJSON_Parse(person) : NULL;
	cJSON *c = account ? cJSON_Parse(account) : NULL;
	bool ok = release_audience_match(a, p, c);

	cJSON_Delete(a);
	cJSON_Delete(p);
	cJSON_Delete(c);
	return ok;
}

Test(widget_audience, empty_audience_is_everyone_and_anonymous_sees_only_it)
{
	cr_assert(match("{}", NULL, NULL));
	cr_assert(match("{}", "{}", "{}"));
	cr_assert_not(match("{\"plan\":[\"pro\"]}", NULL, NULL));
}

Test(widget_audience, traits_of_person_then_account_must_match_every_key)
{
	cr_assert(match("{\"plan\":[\"pro\",\"trial\"]}", "{\"plan\":\"Pro\"}",
	                "{}"));
	cr_assert(match("{\"plan\":[\"pro\"]}", "{}", "{\"plan\":\"pro\"}"));
	cr_assert_not(match("{\"plan\":[\"pro\"]}", "{\"plan\":\"free\"}",
	                    "{\"plan\":\"pro\"}"));
	cr_assert(match("{\"account.plan\":[\"pro\"]}", "{\"plan\":\"free\"}",
	                "{\"plan\":\"pro\"}"));
	cr_assert_not(match("{\"plan\":[\"pro\"],\"role\":[\"admin\"]}",
	                    "{\"plan\":\"pro\",\"role\":\"user\"}", "{}"));
	cr_assert(match("{\"employees\":[120]}", "{}", "{\"employees\":120}"));
}

static bool
parse(const char *json, struct ev *ev, char *err)
{
	cJSON *item = cJSON_Parse(json);
	bool ok = ev_parse(item, 0, 1764496800000LL, 0, ev, err, 256);

	cJSON_Delete(item);
	return ok;
}

Test(widget_events, absurd_durations_are_refused_naming_ms)
{
	static const char *const bad[] = {
	    "1767225600000", "-5000", "\"1e309\"", "\"NaN\"", "1e309", "0",
	    "2.5",           "60001", "null",      "true",
	};
	const char *rel = "0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
	char json[256], err[256];
	struct ev ev;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json),
		         "{\"type\":\"release_read\",\"release_id\":\"%s\","
		         "\"ms\":%s}",
		         rel, bad[i]);
		cr_assert_not(parse(json, &ev, err), "ms %s accepted", bad[i]);
		cr_assert(strncmp(err, "ms:", 3) == 0, "%s: %s", bad[i], err);
	}
	snprintf(json, sizeof(json),
	         "{\"type\":\"release_read\",\"release_id\":\"%s\","
	         "\"ms\":60000}",
	         rel);
	cr_assert(parse(json, &ev, err), "%s", err);
	cr_assert_eq(ev.ms, 60000);
	ev_cleanup(&ev);
}

Test(widget_events, times_are_parsed_and_bad_fields_named)
{
	int64_t ms = 0;
	char err[256];
	struct ev ev;

	cr_assert(ev_parse_time("2025-11-30T10:00:00Z", &ms));
	cr_assert_eq(ms, 1764496800000LL);
	cr_assert(ev_parse_time("2025-11-30T11:00:00.250+01:00", &ms));
	cr_assert_eq(ms, 1764496800250LL);
	cr_assert_not(ev_parse_time("yesterday", &ms));
	cr_assert_not(parse("{\"type\":\"nope\"}", &ev, err));
	cr_assert_str_eq(err, "type: unknown event type");
	cr_assert_not(parse("{\"type\":\"release_viewed\"}", &ev, err));
	cr_assert_str_eq(err, "release_id: required");
	cr_assert_not(parse("{\"type\":\"release_shared\",\"release_id\":"
	                    "\"0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d\","
	                    "\"channel\":\"fax\"}",
	                    &ev, err));
	cr_assert(strncmp(err, "channel:", 8) == 0);
	cr_assert_not(parse("{\"type\":\"reaction\",\"release_id\":"
	                    "\"0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d\","
	                    "\"emoji\":\"<b>\",\"on\":true}",
	                    &ev, err));
	cr_assert(strncmp(err, "emoji:", 6) == 0);
}
