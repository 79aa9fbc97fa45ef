/* Herald tests - a workspace with Slack, email and webhook destinations
 * pointing at local receivers, seed data for "Alex", qualifications. */
#ifndef HERALD_ALERTS_FIXTURE_H
#define HERALD_ALERTS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "lib/harness.h"
#include "lib/sinks.h"

#define FX_SECRET "whsec_test_0123456789abcdef"

struct alerts_fx {
	struct srv srv;
	struct sink hook; /* HTTP receiver: /slack, /hook, ... */
	struct sink smtp;
	cJSON *ws;
	long ws_id;
	const char *token;
	char account_name[128];
	char db[64];        /* this test's own database */
	char base_url[512]; /* the shared test database */
};

struct seed {
	long person;
	long account;
};

/* Starts both receivers and a server sending email to the SMTP one. */
void fx_start(struct alerts_fx *fx);
void fx_stop(struct alerts_fx *fx);

/* Starts (again) only the server, with the same receivers. */
void fx_server(struct alerts_fx *fx);

void fx_workspace(struct alerts_fx *fx, const char *name);
void fx_rename_workspace(struct alerts_fx *fx, const char *name);

/* Slack (/slack), email (sales@acme.test) and webhook (/hook, FX_SECRET)
 * destinations, all tagged tag. */
void fx_destinations(struct alerts_fx *fx, const char *tag);

/* Creates a destination from JSON in which %s stands for the receiver
 * URL; returns its id. */
long fx_destination(struct alerts_fx *fx, const char *json_fmt);

/* The account name used by the next fx_seed (default "Acme Inc"). */
void fx_seed_account_name(struct alerts_fx *fx, const char *name);

/* Account, Alex (CTO), a release with title and body that introduced
 * feature charts, and his activity: 3 views, 3 minutes read, a link, a
 * share on twitter, charts used twice. */
void fx_seed(struct alerts_fx *fx, struct seed *sd, const char *title,
             const char *body);

/* Inserts a qualification (as the scorer does); returns its id. */
long fx_qualify(struct alerts_fx *fx, long person, const char *rule_id,
                const char *rule_name, const char *notify);

/* Messages the SMTP server accepted, waiting up to ms for n. */
int fx_mail_wait(struct alerts_fx *fx, int n, int ms);

/* Record number index of the requests to path (caller frees). */
cJSON *fx_record(const struct sink *s, const char *path, int index);

/* Every text of a Slack message (fallback, blocks) joined by newlines. */
char *fx_slack_text(const cJSON *record);

/* URL of the first button of a Slack message. */
char *fx_slack_button(const cJSON *record);

/* GET /api/v1/alerts: the "alerts" array (caller frees). */
cJSON *fx_alerts(struct alerts_fx *fx);

/* Herald-Signature a receiver expects, computed here independently. */
bool webhook_expected(const char *secret, long long ts, const char *body,
                      size_t len, char *out, size_t outlen);

#endif
