/* Herald tests - local receivers that record the exact bytes Herald sends:
 * an HTTP receiver standing in for Slack and webhooks, and an SMTP server
 * (python3 scripts in tests/tools, started here and waited for by their ready
 * line). */
#ifndef HERALD_SINKS_H
#define HERALD_SINKS_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct sink {
	pid_t pid;
	int port;
	char url[64];     /* http://127.0.0.1:port or smtp://127.0.0.1:port */
	char record[256]; /* JSON lines, one per request or message */
};

/* Starts tests/tools/<tool>.py ("receiver" or "smtp_sink") and waits for
 * its ready line; aborts the test when it does not come within 10 s. */
void sink_start(struct sink *s, const char *tool);

/* Stops the sink (SIGTERM, wait). */
void sink_stop(struct sink *s);

/* Every recorded request or message as a JSON array (caller frees). */
cJSON *sink_records(const struct sink *s);

/* Number of records, optionally only those for path with a 2xx answer. */
int sink_count(const struct sink *s, const char *path, int ok_only);

/* Waits up to timeout_ms until sink_count(s, path, 1) >= n; returns the
 * count seen. */
int sink_wait(const struct sink *s, const char *path, int n, int timeout_ms);

/* Tells the HTTP receiver how to answer (see receiver.py). */
void sink_control(const struct sink *s, const char *json);

/* The decoded body of a record ("body_b64"), NUL-terminated; *len gets
 * its length.  Caller frees. */
char *sink_body(const cJSON *record, size_t *len);

/* A header of a record (lower-case name) or "". */
const char *sink_header(const cJSON *record, const char *name);

/* Decodes message index of an SMTP record with tests/tools/mail_parts.py
 * (JSON: subject, from_display, text, html, header_lines, ...). */
cJSON *sink_mail(const struct sink *s, int index);

/* Everything the SMTP clients sent (RECORD.wire); *len gets its length. */
char *sink_wire(const struct sink *s, size_t *len);

#endif
