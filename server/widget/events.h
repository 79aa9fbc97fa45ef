/* Herald - widget events: one validated event of a batch. */
#ifndef HERALD_WIDGET_EVENTS_H
#define HERALD_WIDGET_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define EVENTS_MAX       200    /* events in one batch */
#define READ_MS_MAX      60000  /* one release_read report */
#define READ_BUDGET_MS   120000 /* reading creditable ahead of wall time */
#define EVENT_MAX_AGE_MS (7LL * 24 * 3600 * 1000)
#define URL_MAX          2048

enum ev_type {
	EV_OPENED,
	EV_VIEWED,
	EV_READ,
	EV_LINK,
	EV_SHARED,
	EV_REACTION,
	EV_CTA,
	EV_MARKED,
	EV_NTYPES
};

struct ev {
	int index;
	enum ev_type type;
	char id[72];         /* client id, "" when none */
	char release_id[40]; /* "" when none */
	int64_t ms;          /* release_read */
	bool on;             /* reaction */
	char emoji[40];      /* reaction */
	char feature[104];   /* feature_cta */
	char occurred_at[40];
	cJSON *props;
};

/* The name of a type, as stored in events.type. */
const char *ev_type_name(enum ev_type t);

/* True when name is a widget event type: only such events carry a
 * release_id. */
bool ev_type_known(const char *name);

/* Checks every key and string value under obj (except the member named
 * skip, when not NULL) for NUL characters, bad escapes and invalid UTF-8
 * left as markers by http_json_body_unchecked.  On failure returns false
 * with "<key>: <what is wrong>" in err. */
bool ev_text_ok(const cJSON *obj, const char *skip, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Validates item (events[index] of a batch) into ev.  now_ms is the
 * server time and skew_ms what to add to client times (server time minus
 * the batch's sent_at).  On failure returns false with the reason,
 * naming the field first, in err; ev->props is then NULL. */
bool ev_parse(const cJSON *item, int index, int64_t now_ms, int64_t skew_ms,
              struct ev *ev, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Parses an ISO 8601 UTC time (2026-11-30T10:00:00Z, optional fraction,
 * Z or +hh:mm offset) into milliseconds since the epoch. */
bool ev_parse_time(const char *s, int64_t *ms)
    __attribute__((warn_unused_result));

void ev_cleanup(struct ev *ev);

#endif
