/* Herald - alert delivery: what an alert says (content), how each kind of
 * destination renders it (Slack, email, webhook), how it travels
 * (transport) and the outbox that sends it once. */
#ifndef HERALD_NOTIFY_H
#define HERALD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "store/db.h"

#define NOTIFY_PAYLOAD_CAP (256u * 1024) /* any rendered message */
#define SLACK_HEADER_MAX   150           /* characters */
#define SLACK_SECTION_MAX  3000
#define SLACK_BLOCKS_MAX   50

/* ---- content.c: what an alert says ---------------------------------- */

/* Builds the alert content of one qualification as the documented
 * webhook payload (docs/ALERTS.md): person, account, rule, score and top
 * reasons, activity, opening line, lead URL.  Returns NULL with err set
 * when the database fails or the qualification is gone.  Caller owns the
 * result. */
cJSON *content_build(struct db_conn *c, const char *workspace_id,
                     const char *qualification_id, const char *event_id,
                     char *err, size_t errlen);

/* Builds the content of a test message for a destination. */
cJSON *content_test(const char *workspace_name, const char *event_id);

/* Writes the suggested opening line for a content object into out. */
bool content_opening_line(const cJSON *content, struct buf *out)
    __attribute__((warn_unused_result));

/* The verb for a release in activity.releases_read: "Read" when it has
 * read time, else "Opened". */
const char *content_read_verb(const cJSON *read);

/* Appends what follows a release's title in an activity line: " for 3
 * min 5 s (2 views)", " for 45 s (1 view)" or " (1 view), not read
 * yet". */
bool content_read_tail(const cJSON *read, struct buf *out)
    __attribute__((warn_unused_result));

/* ---- digest.c: one summary for many alerts -------------------------- */

/* Builds a digest payload (type "digest") from the contents of the
 * alerts it summarises; takes ownership of items (a JSON array). */
cJSON *digest_build(cJSON *items, const char *event_id, const char *mode);

/* ---- slack.c: Block Kit ---------------------------------------------- */

/* Appends text with &, < and > escaped for Slack, once. */
bool slack_escape(struct buf *out, const char *text)
    __attribute__((warn_unused_result));

/* Cuts the text in b (escaped, valid UTF-8) to at most max characters,
 * ending with an ellipsis when cut, never inside a character or an
 * entity. */
bool slack_cut(struct buf *b, size_t max) __attribute__((warn_unused_result));

/* Renders content (alert or digest) as a Slack message: Block Kit blocks
 * within Slack's limits and a plain-text fallback.  Returns malloc'd JSON
 * text or NULL when out of memory. */
char *slack_render(const cJSON *content);

/* ---- email.c: MIME ----------------------------------------------------- */

/* Appends a header value as RFC 2047 encoded words when it is not plain
 * printable ASCII; control characters become spaces, so a value can
 * never start a new header.  `start` is the length of the header name
 * already on the line. */
bool email_header_value(struct buf *out, const char *text, size_t start)
    __attribute__((warn_unused_result));

/* Appends text encoded as quoted-printable with CRLF line ends and no
 * line over 76 characters. */
bool email_qp(struct buf *out, const char *text)
    __attribute__((warn_unused_result));

/* Renders content as a multipart/alternative message (text and HTML) for
 * the given recipients (JSON array of addresses). */
char *email_render(const cJSON *content, const char *from,
                   const cJSON *recipients);

/* ---- webhook.c: signed JSON ------------------------------------------- */

/* The webhook body: the content as compact JSON (malloc'd). */
char *webhook_render(const cJSON *content);

/* Herald-Signature value "t=<ts>,v1=<hex HMAC-SHA256 of "ts.body">"
 * with key = the secret's bytes. */
bool webhook_sign(const char *secret, long long ts, const char *body,
                  size_t len, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/* ---- transport.c: libcurl for HTTP and SMTP --------------------------- */

enum send_outcome {
	SEND_DELIVERED, /* the receiver accepted it */
	SEND_RETRY,     /* 5xx, 408, timeout, connection trouble */
	SEND_THROTTLED, /* 429: wait retry_after seconds */
	SEND_REFUSED    /* permanent: 4xx, bad URL, SMTP 5xx */
};

struct send_result {
	enum send_outcome outcome;
	long status;      /* HTTP status or SMTP reply code, 0 if none */
	long retry_after; /* seconds, for SEND_THROTTLED */
	char error[256];  /* why, for last_error */
};

/* Initialises libcurl once; false when it cannot. */
bool transport_init(void) __attribute__((warn_unused_result));

/* POSTs body as application/json with extra "Name: value" headers
 * (NULL-terminated). */
void transport_post(const char *url, const char *body, size_t len,
                    const char *const *headers, struct send_result *res);

/* Sends a message over SMTP (config.smtp_url) to the recipients. */
void transport_smtp(const char *from, const cJSON *recipients, const char *msg,
                    size_t len, struct send_result *res);

/* ---- outbox.c: the delivery workers (a service) ------------------------ */

/* Starts the LISTEN thread (which also runs the customer-success checks)
 * and the delivery workers.  False when libcurl or a thread cannot
 * start. */
bool outbox_start(void);

/* Asks the threads to finish and waits for them (a send in progress
 * ends first, at most the transport timeout). */
void outbox_stop(void);

/* Wakes the workers (after queueing a delivery in this process). */
void outbox_wake(void);

/* ---- success.c: customer-success checks -------------------------------- */

/* Inserts cs-stalled and cs-disengaged qualifications for every
 * workspace; returns how many were inserted or -1 on a database error
 * (err set). */
int success_check(char *err, size_t errlen);

#endif
