/* Herald integration tests - alerts: a qualification reaches Slack, email
 * and a signed webhook with what to pitch; escaping, size limits, email
 * encoding (cases C-14, C-16, C-18, C-19, C-21), routing and digests, all
 * checked on the bytes local receivers got. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "lib/alerts_fixture.h"
#include "lib/harness.h"
#include "lib/scorefix.h"
#include "lib/sinks.h"

static struct alerts_fx fx;

static void
up(void)
{
	fx_start(&fx);
}

static void
down(void)
{
	fx_stop(&fx);
}

TestSuite(alerts, .init = up, .fini = down, .timeout = 90);

static void
assert_has(const char *hay, const char *needle)
{
	cr_assert(hay != NULL && strstr(hay, needle) != NULL,
	          "expected \"%s\" in:\n%s", needle, hay ? hay : "(null)");
}

Test(alerts, qualification_for_alex_reaches_slack_email_and_webhook)
{
	struct seed sd;
	char lead[256];
	long q;

	fx_workspace(&fx, "Alex Ws");
	fx_destinations(&fx, "sales");
	fx_seed(&fx, &sd, "Charts are here", "Draw **charts** from any table.");
	q = fx_qualify(&fx, sd.person, "engaged-icp", "Engaged and in ICP",
	               "{sales}");
	cr_assert_gt(q, 0);
	cr_assert_eq(sink_wait(&fx.hook, "/slack", 1, 10000), 1);
	cr_assert_eq(sink_wait(&fx.hook, "/hook", 1, 10000), 1);
	cr_assert_eq(fx_mail_wait(&fx, 1, 10000), 1);
	snprintf(lead, sizeof(lead), "/admin/leads/%ld", sd.person);

	/* Slack */
	cJSON *rec = fx_record(&fx.hook, "/slack", 0);
	char *text = fx_slack_text(rec);
	cr_assert_str_eq(sink_header(rec, "content-type"), "application/json");
	assert_has(text, "Alex Doe qualified: Engaged and in ICP");
	assert_has(text, "CTO");
	assert_has(text, "alex@acme.test");
	assert_has(text, "*Acme Inc*");
	assert_has(text, "250 employees");
	assert_has(text, "software");
	assert_has(text, " US");
	assert_has(text, "plan trial");
	assert_has(text, "*Score 88* (fit 60, engagement 28)");
	/* A stored reason without its criterion shows the value alone. */
	assert_has(text, "\xe2\x80\xa2 person.role CTO +30\n");
	assert_has(text, "\xe2\x80\xa2 release_shared +10\n");
	assert_has(text, "release_read: Charts are here \xc3\x97"
	                 "2, 3.0 min +3");
	assert_has(text, "Read \xe2\x80\x9c"
	                 "Charts are here\xe2\x80\x9d for 3 min "
	                 "(3 views)\n");
	assert_has(text, "Clicked https://docs.example.com/charts \xc3\x97"
	                 "1");
	assert_has(text, "on twitter");
	assert_has(text, "Tried *charts* \xc3\x97"
	                 "2 after \xe2\x80\x9c"
	                 "Charts are here\xe2\x80\x9d");
	assert_has(text, "Hi Alex, I saw you tried charts after our \"Charts "
	                 "are here\" update");
	assert_has(text, "Qualified 20");
	char *button = fx_slack_button(rec);
	cr_assert(strncmp(button, "http://", 7) == 0, "%s", button);
	cr_assert(strlen(button) > strlen(lead) &&
	              strcmp(button + strlen(button) - strlen(lead), lead) == 0,
	          "lead link %s", button);
	free(button);
	free(text);
	cJSON_Delete(rec);

	/* Webhook: signed, with every field in the documented schema. */
	rec = fx_record(&fx.hook, "/hook", 0);
	size_t len;
	char *body = sink_body(rec, &len);
	char expect[200];
	const char *sig = sink_header(rec, "herald-signature");
	long long ts = strtoll(sig + 2, NULL, 10);
	cr_assert(
	    webhook_expected(FX_SECRET, ts, body, len, expect, sizeof(expect)));
	cr_assert_str_eq(sig, expect);
	cJSON *o = cJSON_Parse(body);
	cr_assert_not_null(o);
	cr_assert_str_eq(jstr(o, "type"), "lead.qualified");
	cr_assert_eq(strlen(jstr(o, "event_id")), 36);
	cr_assert_str_eq(sink_header(rec, "herald-event-id"),
	                 jstr(o, "event_id"));
	cJSON *p = cJSON_GetObjectItem(o, "person");
	cr_assert_str_eq(jstr(p, "name"), "Alex Doe");
	cr_assert_str_eq(jstr(p, "email"), "alex@acme.test");
	cr_assert_str_eq(jstr(p, "role"), "CTO");
	cJSON *a = cJSON_GetObjectItem(o, "account");
	cr_assert_str_eq(jstr(a, "name"), "Acme Inc");
	cr_assert_eq(cJSON_GetObjectItem(a, "employees")->valueint, 250);
	cr_assert_str_eq(jstr(a, "industry"), "software");
	cr_assert_str_eq(jstr(a, "country"), "US");
	cr_assert_str_eq(jstr(a, "plan"), "trial");
	cr_assert_str_eq(jstr(cJSON_GetObjectItem(o, "rule"), "id"),
	                 "engaged-icp");
	cr_assert_float_eq(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(o, "score"), "total")
	        ->valuedouble,
	    87.5, 0.001);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "reasons")), 3);
	cJSON *act = cJSON_GetObjectItem(o, "activity");
	cJSON *rd =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(act, "releases_read"), 0);
	cr_assert_str_eq(jstr(rd, "title"), "Charts are here");
	cr_assert_eq(cJSON_GetObjectItem(rd, "read_seconds")->valueint, 180);
	char rel[128];
	snprintf(rel, sizeof(rel), "/c/%s/charts", jstr(fx.ws, "slug"));
	assert_has(jstr(rd, "url"), rel);
	cJSON *ft =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(act, "features_tried"), 0);
	cr_assert_str_eq(jstr(ft, "feature"), "charts");
	cr_assert_str_eq(jstr(ft, "release"), "Charts are here");
	assert_has(jstr(o, "lead_url"), lead);
	assert_has(jstr(o, "opening_line"), "charts");
	assert_has(jstr(o, "qualified_at"), "T");
	cJSON_Delete(o);
	free(body);
	cJSON_Delete(rec);

	/* Email */
	cJSON *m = sink_mail(&fx.smtp, 0);
	cr_assert_str_eq(jstr(m, "subject"),
	                 "Alex Doe (Acme Inc) qualified: Engaged and in ICP");
	cr_assert_str_eq(jstr(m, "content_type"), "multipart/alternative");
	cr_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(m, "envelope_to"), 0)
	        ->valuestring,
	    "sales@acme.test");
	const char *t = jstr(m, "text");
	assert_has(t, "Alex Doe <alex@acme.test>, CTO");
	assert_has(t, "Acme Inc, 250 employees, software, US, plan trial");
	assert_has(t, "Score:    88 (fit 60, engagement 28)");
	assert_has(t, "  - person.role CTO +30\n");
	assert_has(t, "Read \"Charts are here\" for 3 min (3 views) http");
	assert_has(t, "Clicked https://docs.example.com/charts (1 times)");
	assert_has(t, "Shared \"Charts are here\" on twitter");
	assert_has(t, "Tried charts (2 times) after \"Charts are here\"");
	assert_has(t, "Hi Alex, I saw you tried charts");
	assert_has(t, lead);
	assert_has(jstr(m, "html"), lead);
	assert_has(jstr(m, "html"), "<b>Company:</b> Acme Inc");
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(m, "long_lines")));
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(m, "bare_lf")));
	cJSON_Delete(m);

	/* The alerts API shows each delivery as delivered. */
	cJSON *al = fx_alerts(&fx);
	cJSON *d = cJSON_GetObjectItem(cJSON_GetArrayItem(al, 0), "deliveries");
	cr_assert_eq(cJSON_GetArraySize(d), 3);
	for (int i = 0; i < 3; i++) {
		cJSON *di = cJSON_GetArrayItem(d, i);

		cr_assert_str_eq(jstr(di, "state"), "delivered");
		cr_assert_eq(cJSON_GetObjectItem(di, "attempts")->valueint, 1);
	}
	cJSON_Delete(al);
}

Test(alerts, slack_text_is_escaped_once_and_pings_no_channel)
{
	struct seed sd;
	size_t len;

	fx_workspace(&fx, "C14 Ws");
	fx_destinations(&fx, "sales");
	fx_seed(&fx, &sd, "Q&A <beta> for <!channel> & search > 2x", "");
	fx_qualify(&fx, sd.person, "r", "Rule <!here> & co", "{sales}");
	cr_assert_eq(sink_wait(&fx.hook, "/slack", 1, 10000), 1);
	cJSON *rec = fx_record(&fx.hook, "/slack", 0);
	char *body = sink_body(rec, &len);

	cr_assert_str_eq(sink_header(rec, "content-type"), "application/json");
	assert_has(body, "Q&amp;A &lt;beta&gt; for &lt;!channel&gt; &amp; "
	                 "search &gt; 2x");
	assert_has(body, "Rule &lt;!here&gt; &amp; co");
	cr_assert_null(strstr(body, "<!channel>"));
	cr_assert_null(strstr(body, "<!here>"));
	cr_assert_null(strstr(body, "&amp;amp;"));
	cr_assert_null(strstr(body, "&amp;lt;"));
	free(body);
	cJSON_Delete(rec);
}

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

Test(alerts, slack_blocks_stay_within_limits_and_cut_on_characters)
{
	char title[400], summary[3600];
	struct seed sd;
	size_t len;
	int n = 0;

	/* 160 characters with a rocket as character 150. */
	memset(title, 'T', 149);
	memcpy(title + 149, "\xf0\x9f\x9a\x80", 4);
	memset(title + 153, 'x', 10);
	title[163] = '\0';
	memset(summary, 's', 3500);
	summary[3500] = '\0';
	fx_workspace(&fx, "C16 Ws");
	fx_destinations(&fx, "sales");
	fx_seed(&fx, &sd, title, summary);
	fx_qualify(&fx, sd.person, "r", title, "{sales}");
	cr_assert_eq(sink_wait(&fx.hook, "/slack", 1, 10000), 1);
	cJSON *rec = fx_record(&fx.hook, "/slack", 0);
	char *body = sink_body(rec, &len);
	cJSON *msg = cJSON_Parse(body), *b;

	cr_assert_not_null(msg);
	cr_assert(sodium_init() >= 0);
	cJSON *blocks = cJSON_GetObjectItem(msg, "blocks");
	cr_assert_leq(cJSON_GetArraySize(blocks), 50);
	cJSON_ArrayForEach(b, blocks)
	{
		const char *type = jstr(b, "type");
		const char *txt = jstr(cJSON_GetObjectItem(b, "text"), "text");

		if (strcmp(type, "header") == 0) {
			cr_assert_leq(utf8_chars(txt), 150);
			cr_assert(strstr(txt, "\xe2\x80\xa6") != NULL, "%s",
			          txt);
		}
		if (strcmp(type, "section") == 0) {
			cr_assert_leq(utf8_chars(txt), 3000);
			if (strstr(txt, "sssss") != NULL) {
				cr_assert_eq(utf8_chars(txt), 3000);
				cr_assert(strcmp(txt + strlen(txt) - 3,
				                 "\xe2\x80\xa6") == 0);
				n++;
			}
		}
	}
	cr_assert_eq(n, 1);
	cr_assert_leq(utf8_chars(jstr(msg, "text")), 3000);
	cJSON_Delete(msg);
	free(body);
	cJSON_Delete(rec);
}

Test(alerts, slack_payload_is_valid_json_and_shows_text_unchanged)
{
	struct seed sd;
	size_t len;

	fx_workspace(&fx, "C18 Ws");
	fx_destinations(&fx, "sales");
	fx_seed_account_name(&fx, "Backslash Co\\");
	fx_seed(&fx, &sd, "He said \"hi\" \\o/", "line one\nline\ttwo");
	fx_qualify(&fx, sd.person, "r", "Rule", "{sales}");
	cr_assert_eq(sink_wait(&fx.hook, "/slack", 1, 10000), 1);
	cJSON *rec = fx_record(&fx.hook, "/slack", 0);
	char *body = sink_body(rec, &len);
	cJSON *msg = cJSON_Parse(body);
	char *text = fx_slack_text(rec);

	cr_assert_not_null(msg, "invalid JSON: %s", body);
	assert_has(text, "He said \"hi\" \\o/");
	assert_has(text, "line one\nline\ttwo");
	assert_has(text, "*Backslash Co\\*");
	cJSON_Delete(msg);
	free(text);
	free(body);
	cJSON_Delete(rec);
}

Test(alerts, email_has_crlf_dot_stuffing_and_intact_body)
{
	struct seed sd;
	size_t len;

	fx_workspace(&fx, "C19 Ws");
	fx_destinations(&fx, "sales");
	fx_seed(&fx, &sd, "Dots", "Hello\n.\nworld\n");
	fx_qualify(&fx, sd.person, "r", "Rule", "{sales}");
	cr_assert_eq(fx_mail_wait(&fx, 1, 10000), 1);
	char *wire = sink_wire(&fx.smtp, &len);
	char *data = strstr(wire, "DATA\r\n");

	cr_assert_not_null(data);
	for (size_t i = 1; i < len; i++)
		cr_assert(wire[i] != '\n' || wire[i - 1] == '\r',
		          "bare LF at byte %zu", i);
	assert_has(data, "\r\nHello\r\n..\r\nworld\r\n");
	cJSON *m = sink_mail(&fx.smtp, 0);
	assert_has(jstr(m, "text"), "\nHello\n.\nworld");
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(m, "long_lines")));
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(m, "defects")), 0);
	cJSON_Delete(m);
	free(wire);
}

static int
header_count(const cJSON *m, const char *prefix)
{
	const cJSON *l;
	int n = 0;

	cJSON_ArrayForEach(l, cJSON_GetObjectItem(m, "header_lines"))
	{
		if (strncasecmp(l->valuestring, prefix, strlen(prefix)) == 0)
			n++;
	}
	return n;
}

/* Runs of white space as one space, as mail readers show a phrase. */
static char *
squeeze(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	size_t n = 0;

	for (; *s; s++)
		if (*s != ' ' || (n > 0 && out[n - 1] != ' '))
			out[n++] = *s;
	out[n] = '\0';
	return out;
}

Test(alerts, email_headers_are_encoded_words_and_cannot_be_injected)
{
	const char *utf = "Gr\xc3\xb6\xc3\x9f"
	                  "ere Uploads f\xc3\xbcr Teams "
	                  "\xe2\x80\x93 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
	                  "\xf0\x9f\x9a\x80";
	const char *evil = "v2.1\r\nBcc: someone@example.invalid\r\n\r\nfake "
	                   "body";
	struct seed sd;

	fx_workspace(&fx, "C21 Ws");
	fx_rename_workspace(&fx, evil);
	fx_destinations(&fx, "sales");
	fx_seed(&fx, &sd, utf, "");
	fx_qualify(&fx, sd.person, "r1", utf, "{sales}");
	fx_qualify(&fx, sd.person, "r2", evil, "{sales}");
	cr_assert_eq(fx_mail_wait(&fx, 2, 15000), 2);
	for (int i = 0; i < 2; i++) {
		cJSON *m = sink_mail(&fx.smtp, i);
		const char *subject = jstr(m, "subject");

		cr_assert_eq(header_count(m, "Subject:"), 1);
		cr_assert_eq(header_count(m, "Bcc:"), 0);
		cr_assert_eq(
		    cJSON_GetArraySize(cJSON_GetObjectItem(m, "envelope_to")),
		    1);
		char *shown = squeeze(jstr(m, "from_display"));

		cr_assert_str_eq(shown, "Herald \xc2\xb7 v2.1 Bcc: "
		                        "someone@example.invalid fake body");
		free(shown);
		if (strstr(subject, "Gr\xc3\xb6\xc3\x9f") != NULL) {
			assert_has(subject, utf);
			assert_has(jstr(m, "text"), utf);
		} else {
			assert_has(subject, "qualified: v2.1  Bcc: someone@"
			                    "example.invalid    fake body");
		}
		assert_has(jstr(m, "text"), "Alex Doe (Acme Inc) qualified: ");
		cr_assert(strncmp(jstr(m, "text"), "Alex Doe", 8) == 0);
		cr_assert_eq(
		    cJSON_GetArraySize(cJSON_GetObjectItem(m, "defects")), 0);
		cJSON_Delete(m);
	}
}

Test(alerts, rules_route_by_name_tag_and_id_for_the_hybrid_motion)
{
	char big[64], small[64], ws[24];
	struct seed sd;

	fx_workspace(&fx, "Route Ws");
	long sales = fx_destination(&fx, "{\"name\":\"AE team\",\"kind\":"
	                                 "\"webhook\",\"url\":\"%s/ae\","
	                                 "\"tags\":[\"sales\"]}");
	long self = fx_destination(&fx, "{\"name\":\"Self serve\",\"kind\":"
	                                "\"webhook\",\"url\":\"%s/ss\","
	                                "\"tags\":[\"self-serve\"]}");
	fx_seed(&fx, &sd, "Routing", "");
	fx_qualify(&fx, sd.person, "big-accounts", "Big", "{sales}");
	fx_qualify(&fx, sd.person, "small-accounts", "Small", "{self-serve}");
	snprintf(big, sizeof(big), "{\"Self serve\",%ld}", sales);
	fx_qualify(&fx, sd.person, "both", "Both", big);
	snprintf(small, sizeof(small), "{nobody}");
	fx_qualify(&fx, sd.person, "none", "None", small);
	cr_assert_eq(sink_wait(&fx.hook, "/ae", 2, 10000), 2);
	cr_assert_eq(sink_wait(&fx.hook, "/ss", 2, 10000), 2);
	snprintf(ws, sizeof(ws), "%ld", fx.ws_id);
	const char *p[1] = {ws};
	cr_assert_eq(sql_long("SELECT count(*) FROM deliveries"
	                      " WHERE workspace_id = $1",
	                      1, p),
	             4);
	cr_assert_eq(sql_long("SELECT count(*) FROM alerts"
	                      " WHERE workspace_id = $1",
	                      1, p),
	             4);
	(void)self;
}

Test(alerts, hourly_destination_gets_one_digest_of_the_period)
{
	struct seed sd;
	char ws[24];
	size_t len;

	fx_workspace(&fx, "Digest Ws");
	fx_destination(&fx, "{\"name\":\"Digest\",\"kind\":\"slack\","
	                    "\"url\":\"%s/digest\",\"tags\":[\"sales\"],"
	                    "\"mode\":\"hourly\"}");
	fx_seed(&fx, &sd, "Digest", "");
	fx_qualify(&fx, sd.person, "r1", "First rule", "{sales}");
	fx_qualify(&fx, sd.person, "r2", "Second rule", "{sales}");
	snprintf(ws, sizeof(ws), "%ld", fx.ws_id);
	const char *p[1] = {ws};
	cr_assert_eq(sql_long("SELECT count(*) FROM deliveries WHERE"
	                      " workspace_id = $1 AND next_attempt_at ="
	                      " date_trunc('hour', created_at)"
	                      " + interval '1 hour'",
	                      1, p),
	             2);
	/* The hour ends. */
	PQclear(sql("UPDATE deliveries SET next_attempt_at = now()"
	            " WHERE workspace_id = $1",
	            1, p));
	cr_assert_eq(sink_wait(&fx.hook, "/digest", 1, 10000), 1);
	cJSON *rec = fx_record(&fx.hook, "/digest", 0);
	char *body = sink_body(rec, &len);
	assert_has(body, "Herald digest: 2 leads qualified");
	assert_has(body, "First rule");
	assert_has(body, "Second rule");
	free(body);
	cJSON_Delete(rec);
	cr_assert_eq(sql_long("SELECT count(*) FROM deliveries WHERE"
	                      " workspace_id = $1 AND state = 'delivered'"
	                      " AND batch_id IS NOT NULL",
	                      1, p),
	             2);
	cr_assert_eq(sink_count(&fx.hook, "/digest", 0), 1);
}

/* The demo's story: Alex opened "Charts for every dashboard" once and
 * clicked its "Try it"; he opened "Export any table to CSV" twice and
 * read it for 45 seconds. */
static const char demo_seed[] =
    "WITH a AS (INSERT INTO accounts (workspace_id, external_id, name,"
    "  traits) VALUES ($1, 'acme', 'Acme', '{\"employees\": 120}')"
    "  RETURNING id),"
    " p AS (INSERT INTO persons (workspace_id, external_id, email, name,"
    "  traits, account_id) SELECT $1, 'alex', 'alex@acme.test',"
    "  'Alex Doe', '{\"role\": \"CTO\"}', a.id FROM a RETURNING id),"
    " r AS (INSERT INTO releases (workspace_id, slug, title, body_md,"
    "  features, status, published_at) VALUES"
    "  ($1, 'charts', 'Charts for every dashboard',"
    "   $2, '{charts}', 'published', now() - interval '3 days'),"
    "  ($1, 'export', 'Export any table to CSV',"
    "   'Every table now has an *Export* button.', '{export}',"
    "   'published', now() - interval '1 day') RETURNING id, slug),"
    " e AS (INSERT INTO events (workspace_id, message_id, source, type,"
    "  name, person_id, release_id, props, occurred_at)"
    "  SELECT $1, gen_random_uuid()::text, 'widget', v.type, v.type,"
    "  p.id, r.id, v.props::jsonb, now() - v.ago::interval"
    "  FROM p, r JOIN (VALUES"
    "   ('charts', 'release_viewed', '{}', '3 hours'),"
    "   ('charts', 'feature_cta', '{\"feature\": \"charts\"}', '2 hours'),"
    "   ('export', 'release_viewed', '{}', '90 minutes'),"
    "   ('export', 'release_viewed', '{}', '80 minutes'),"
    "   ('export', 'release_read', '{\"ms\": 45000}', '80 minutes'))"
    "  AS v(slug, type, props, ago) ON v.slug = r.slug)"
    " SELECT id FROM p";

/* A qualification with the reasons the scorer writes. */
static const char demo_qualify[] =
    "INSERT INTO qualifications (workspace_id, subject_type, subject_id,"
    " rule_id, rule_name, model_version, score, fit, engagement, reasons,"
    " notify) VALUES ($1, 'person', $2, 'engaged-icp',"
    " 'Engaged and in ICP', 1, 71, 65, 6, '["
    "{\"kind\": \"fit\", \"trait\": \"account.employees\","
    " \"op\": \"between\", \"value\": 120, \"criterion\": [20, 5000],"
    " \"points\": 30},"
    "{\"kind\": \"fit\", \"trait\": \"person.role\", \"op\": \"in\","
    " \"value\": \"CTO\", \"criterion\": [\"CTO\", \"VP Engineering\"],"
    " \"points\": 20},"
    "{\"kind\": \"fit\", \"trait\": \"person.plan\", \"op\": \"eq\","
    " \"value\": \"trial\", \"criterion\": \"trial\", \"points\": 10},"
    "{\"kind\": \"fit\", \"trait\": \"account.employees\","
    " \"op\": \"gte\", \"value\": 120, \"criterion\": 100,"
    " \"points\": 5},"
    "{\"kind\": \"signal\", \"event\": \"release_viewed\","
    " \"detail\": \"Export any table to CSV\","
    " \"release\": \"Export any table to CSV\", \"count\": 2,"
    " \"points\": 4}]', '{sales}') RETURNING id";

/* Seeds the demo story with the Charts release body md and qualifies
 * Alex; waits for the Slack, webhook and email messages. */
static void
demo_alert(const char *md)
{
	char ws[24];

	fx_workspace(&fx, "Demo Ws");
	fx_destinations(&fx, "sales");
	snprintf(ws, sizeof(ws), "%ld", fx.ws_id);
	const char *p1[2] = {ws, md};
	char *alex = sql_value(demo_seed, 2, p1);
	const char *p2[2] = {ws, alex};
	cr_assert_gt(sql_long(demo_qualify, 2, p2), 0);
	free(alex);
	cr_assert_eq(sink_wait(&fx.hook, "/slack", 1, 10000), 1);
	cr_assert_eq(sink_wait(&fx.hook, "/hook", 1, 10000), 1);
	cr_assert_eq(fx_mail_wait(&fx, 1, 10000), 1);
}

Test(alerts, activity_counts_views_and_says_when_nothing_was_read)
{
	demo_alert("Every dashboard gets a **Charts** tab.");

	cJSON *rec = fx_record(&fx.hook, "/slack", 0);
	char *text = fx_slack_text(rec);
	assert_has(text, "\n\xe2\x80\xa2 Read \xe2\x80\x9c"
	                 "Export any table to CSV\xe2\x80\x9d for 45 s "
	                 "(2 views)\n");
	assert_has(text, "\n\xe2\x80\xa2 Opened \xe2\x80\x9c"
	                 "Charts for every dashboard\xe2\x80\x9d (1 view), "
	                 "not read yet\n");
	cr_assert(strstr(text, "0 min") == NULL, "%s", text);
	free(text);
	cJSON_Delete(rec);

	cJSON *m = sink_mail(&fx.smtp, 0);
	const char *t = jstr(m, "text");
	assert_has(t, "  - Read \"Export any table to CSV\" for 45 s (2 views)"
	              " http");
	assert_has(t, "  - Opened \"Charts for every dashboard\" (1 view), "
	              "not read yet http");
	assert_has(jstr(m, "html"),
	           "<li>Opened \"Charts for every dashboard\" (1 view), "
	           "not read yet http");
	cJSON_Delete(m);
}

/* Markdown with emphasis, a link, code, a list and characters Slack
 * and HTML must escape. */
static const char charts_md[] =
    "Every dashboard gets a **Charts** tab for *R&D* teams <3, see "
    "[the docs](https://docs.example.com/charts).\n\n"
    "- `bar` charts\n- pie charts\n";
static const char charts_plain[] =
    "Every dashboard gets a Charts tab for R&D teams <3, see the docs.\n"
    "\n"
    "  - bar charts\n"
    "  - pie charts";

Test(alerts, release_summaries_are_plain_text_not_markdown)
{
	demo_alert(charts_md);

	cJSON *rec = fx_record(&fx.hook, "/hook", 0);
	size_t len;
	char *body = sink_body(rec, &len);
	cJSON *o = cJSON_Parse(body);
	cJSON *reads = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "activity"),
	                                   "releases_read");
	cr_assert_eq(cJSON_GetArraySize(reads), 2);
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(reads, 0), "summary"),
	                 "Every table now has an Export button.");
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(reads, 1), "summary"),
	                 charts_plain);
	cr_assert_str_eq(jstr(cJSON_GetObjectItem(o, "release"), "summary"),
	                 charts_plain);
	cJSON_Delete(o);
	free(body);
	cJSON_Delete(rec);

	/* Slack: rendered, then &, < and > escaped once. */
	rec = fx_record(&fx.hook, "/slack", 0);
	char *text = fx_slack_text(rec);
	assert_has(text, "*About \xe2\x80\x9c"
	                 "Charts for every dashboard\xe2\x80\x9d*\n"
	                 "Every dashboard gets a Charts tab for R&amp;D teams "
	                 "&lt;3, see the docs.\n\n  - bar charts\n"
	                 "  - pie charts\n");
	cr_assert(strstr(text, "**") == NULL && strstr(text, "`") == NULL, "%s",
	          text);
	free(text);
	cJSON_Delete(rec);

	cJSON *m = sink_mail(&fx.smtp, 0);
	assert_has(jstr(m, "text"), "About \"Charts for every dashboard\":\n");
	assert_has(jstr(m, "text"), charts_plain);
	assert_has(jstr(m, "html"),
	           "<pre>Every dashboard gets a Charts tab for R&amp;D teams "
	           "&lt;3, see the docs.\n\n  - bar charts\n  - pie charts"
	           "</pre>");
	cJSON_Delete(m);
}

/* Alex opened Export twice and read it; he clicked "Try it" on Charts. */
Test(alerts, alert_is_about_the_release_whose_try_it_was_clicked)
{
	demo_alert("Every dashboard gets a **Charts** tab.");

	cJSON *rec = fx_record(&fx.hook, "/slack", 0);
	char *text = fx_slack_text(rec);
	assert_has(text, "*About \xe2\x80\x9c"
	                 "Charts for every dashboard\xe2\x80\x9d*\n"
	                 "Every dashboard gets a Charts tab.\n");
	assert_has(text, "Tried *charts* \xc3\x97"
	                 "1 after \xe2\x80\x9c"
	                 "Charts for every dashboard\xe2\x80\x9d");
	assert_has(text, "Hi Alex, I saw you tried charts after our \"Charts "
	                 "for every dashboard\" update.");
	cr_assert(strstr(text, "About \xe2\x80\x9c"
	                       "Export") == NULL,
	          "%s", text);
	free(text);
	cJSON_Delete(rec);

	rec = fx_record(&fx.hook, "/hook", 0);
	size_t len;
	char *body = sink_body(rec, &len);
	cJSON *o = cJSON_Parse(body);
	cJSON *rel = cJSON_GetObjectItem(o, "release");
	cr_assert_str_eq(jstr(rel, "title"), "Charts for every dashboard");
	cr_assert_str_eq(jstr(rel, "slug"), "charts");
	cr_assert_str_eq(jstr(rel, "summary"),
	                 "Every dashboard gets a Charts tab.");
	assert_has(jstr(rel, "url"), "/charts");
	cr_assert_str_eq(
	    jstr(cJSON_GetArrayItem(
	             cJSON_GetObjectItem(cJSON_GetObjectItem(o, "activity"),
	                                 "releases_read"),
	             0),
	         "title"),
	    "Export any table to CSV");
	cJSON_Delete(o);
	free(body);
	cJSON_Delete(rec);

	cJSON *m = sink_mail(&fx.smtp, 0);
	assert_has(jstr(m, "text"), "About \"Charts for every dashboard\":\n"
	                            "Every dashboard gets a Charts tab.");
	assert_has(jstr(m, "html"), "<p><b>About \"Charts for every "
	                            "dashboard\"</b></p>\n<pre>Every dashboard "
	                            "gets a Charts tab.</pre>");
	cJSON_Delete(m);
}

static const char icp_model[] =
    "{\"fit\": {\"criteria\": ["
    "{\"trait\": \"account.employees\", \"op\": \"between\","
    " \"value\": [50, 1000], \"points\": 30},"
    "{\"trait\": \"account.industry\", \"op\": \"in\","
    " \"value\": [\"software\", \"fintech\"], \"points\": 25},"
    "{\"trait\": \"account.country\", \"op\": \"in\","
    " \"value\": [\"US\", \"DE\", \"GB\"], \"points\": 15},"
    "{\"trait\": \"person.role\", \"op\": \"in\","
    " \"value\": [\"cto\", \"engineering manager\"], \"points\": 30}]},"
    "\"engagement\": {\"half_life_days\": 14, \"signals\": ["
    "{\"event\": \"release_viewed\", \"points\": 2, \"cap_per_day\": 5},"
    "{\"event\": \"release_read\", \"points\": 1, \"per_minutes\": 1},"
    "{\"event\": \"link_clicked\", \"points\": 3},"
    "{\"event\": \"release_shared\", \"points\": 10},"
    "{\"event\": \"feature_used\", \"points\": 5,"
    " \"after_viewing_release\": true}]},"
    "\"rules\": [{\"id\": \"engaged-icp\", \"name\": \"Engaged and in ICP\","
    " \"subject\": \"person\", \"when\": {\"all\": [{\"fit\": {\"gte\": 60}},"
    " {\"engagement\": {\"gte\": 25}}]}, \"notify\": [\"sales\"],"
    " \"cooldown_days\": 30}]}";

Test(alerts, alex_qualified_by_the_scorer_reaches_slack_with_its_reasons)
{
	char w[24], lead[64];
	struct resp r;

	fx_workspace(&fx, "Scored Ws");
	fx_destinations(&fx, "sales");
	api(&r, &fx.srv, "PUT", "/api/v1/scoring", fx.token, icp_model);
	if (r.status == 404)
		cr_skip_test("no scorer in this build");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	snprintf(w, sizeof(w), "%ld", fx.ws_id);
	char *acc = fx_account(w, "acme", "Acme",
	                       "{\"employees\": 200, \"industry\": "
	                       "\"software\", \"country\": \"US\"}");
	char *alex =
	    fx_person(w, "alex", "Alex", "{\"role\": \"CTO\"}", acc, NULL);
	char *viz = fx_release(w, "data-viz", "Data visualization", "{charts}");
	char *now = fx_ago("-1 minutes");
	fx_event(w, alex, "release_viewed", NULL, viz, "{}", now, 3);
	fx_event(w, alex, "release_read", NULL, viz, "{\"ms\": 120000}", now,
	         1);
	fx_event(w, alex, "link_clicked", NULL, viz,
	         "{\"url\": \"https://docs.example/c\"}", now, 1);
	fx_event(w, alex, "release_shared", NULL, viz,
	         "{\"channel\": \"linkedin\"}", now, 1);
	fx_event(w, alex, "track", "feature_used", NULL,
	         "{\"feature\": \"charts\"}", now, 1);
	cr_assert_eq(sink_wait(&fx.hook, "/slack", 1, 15000), 1);
	cr_assert_eq(sink_wait(&fx.hook, "/hook", 1, 10000), 1);
	cr_assert_eq(fx_mail_wait(&fx, 1, 10000), 1);

	cJSON *rec = fx_record(&fx.hook, "/slack", 0);
	char *text = fx_slack_text(rec);
	assert_has(text, "Alex qualified: Engaged and in ICP");
	assert_has(text, "*Acme* \xc2\xb7 200 employees \xc2\xb7 software");
	assert_has(text, "\xe2\x80\xa2 account.employees 200 (between 50 and"
	                 " 1000) +30\n");
	assert_has(text, "\xe2\x80\xa2 person.role CTO (one of cto,"
	                 " engineering manager) +30\n");
	assert_has(text, "\xe2\x80\xa2 account.industry software (one of"
	                 " software, fintech) +25\n");
	assert_has(text, "\xe2\x80\xa2 account.country US (one of US, DE,"
	                 " GB) +15\n");
	assert_has(text, "release_shared: Data visualization +10");
	assert_has(text, "Read \xe2\x80\x9c"
	                 "Data visualization\xe2\x80\x9d for 2 min "
	                 "(3 views)\n");
	assert_has(text, "Shared \xe2\x80\x9c"
	                 "Data visualization\xe2\x80\x9d on linkedin");
	assert_has(text, "Tried *charts* \xc3\x97"
	                 "1 after \xe2\x80\x9c"
	                 "Data visualization\xe2\x80\x9d");
	assert_has(text, "Hi Alex, I saw you tried charts after our \"Data "
	                 "visualization\" update");
	char *button = fx_slack_button(rec);
	snprintf(lead, sizeof(lead), "/admin/leads/%s", alex);
	cr_assert_str_eq(button + strlen(button) - strlen(lead), lead);
	free(button);
	free(text);
	cJSON_Delete(rec);
	free(acc), free(alex), free(viz), free(now);
}

/* The routing example of docs/ALERTS.md, with a count in place of the
 * score so that one view qualifies. */
static const char hybrid_model[] =
    "{\"fit\": {\"criteria\": []},"
    " \"engagement\": {\"half_life_days\": 14, \"signals\": []},"
    " \"rules\": ["
    "{\"id\": \"pql-sales\", \"name\": \"PQL for sales\","
    " \"subject\": \"person\", \"when\": {\"all\": ["
    " {\"count\": {\"event\": \"release_viewed\", \"within_days\": 7,"
    " \"gte\": 1}},"
    " {\"trait\": {\"trait\": \"account.employees\", \"gte\": 200}}]},"
    " \"notify\": [\"sales\"]},"
    "{\"id\": \"pql-self-serve\", \"name\": \"PQL for self-serve\","
    " \"subject\": \"person\", \"when\": {\"all\": ["
    " {\"count\": {\"event\": \"release_viewed\", \"within_days\": 7,"
    " \"gte\": 1}},"
    " {\"not\": {\"trait\": {\"trait\": \"account.employees\","
    " \"gte\": 200}}}]},"
    " \"notify\": [\"self-serve\"]}]}";

Test(alerts, hybrid_motion_sends_big_accounts_to_sales)
{
	char w[24];
	struct resp r;

	fx_workspace(&fx, "Hybrid Ws");
	fx_destination(&fx, "{\"name\":\"AE\",\"kind\":\"slack\","
	                    "\"url\":\"%s/ae\",\"tags\":[\"sales\"]}");
	fx_destination(&fx, "{\"name\":\"Growth\",\"kind\":\"slack\","
	                    "\"url\":\"%s/growth\",\"tags\":[\"self-serve\"]}");
	api(&r, &fx.srv, "PUT", "/api/v1/scoring", fx.token, hybrid_model);
	if (r.status == 404)
		cr_skip_test("no scorer in this build");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	snprintf(w, sizeof(w), "%ld", fx.ws_id);
	char *big = fx_account(w, "big", "Big Co", "{\"employees\": 500}");
	char *small = fx_account(w, "small", "Small Co", "{\"employees\": 20}");
	char *bea = fx_person(w, "bea", "Bea Big", "{}", big, NULL);
	char *sid = fx_person(w, "sid", "Sid Small", "{}", small, NULL);
	char *viz = fx_release(w, "hybrid", "Hybrid", "{}");
	char *now = fx_ago("-1 minutes");
	fx_event(w, bea, "release_viewed", NULL, viz, "{}", now, 1);
	fx_event(w, sid, "release_viewed", NULL, viz, "{}", now, 1);
	cr_assert_eq(sink_wait(&fx.hook, "/ae", 1, 15000), 1);
	cr_assert_eq(sink_wait(&fx.hook, "/growth", 1, 15000), 1);
	cJSON *rec = fx_record(&fx.hook, "/ae", 0);
	char *text = fx_slack_text(rec);
	assert_has(text, "Bea Big qualified: PQL for sales");
	free(text);
	cJSON_Delete(rec);
	rec = fx_record(&fx.hook, "/growth", 0);
	text = fx_slack_text(rec);
	assert_has(text, "Sid Small qualified: PQL for self-serve");
	free(text);
	cJSON_Delete(rec);
	cr_assert_eq(sink_count(&fx.hook, "/ae", 0), 1);
	cr_assert_eq(sink_count(&fx.hook, "/growth", 0), 1);
	free(big), free(small), free(bea), free(sid), free(viz), free(now);
}
