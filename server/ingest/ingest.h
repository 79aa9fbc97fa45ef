/* Herald - Segment-compatible ingest: parsed messages, the job a request
 * hands to the writer, and the functions joining the modules. */
#ifndef HERALD_INGEST_H
#define HERALD_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "http/http.h"

#define INGEST_MSG_MAX     (32 * 1024)  /* Segment: 32 KB per message */
#define INGEST_BATCH_MAX   (500 * 1024) /* Segment: 500 KB per batch */
#define INGEST_DEPTH_MAX   64           /* body nesting refused above */
#define INGEST_PROPS_DEPTH 6    /* stored properties keep this many levels */
#define INGEST_STR_MAX     1024 /* longer property strings are cut */
#define INGEST_ID_MAX      255  /* ids and event names */
#define INGEST_NONE        UINT32_MAX /* offset of an absent string */

enum ingest_kind {
	KIND_TRACK,
	KIND_IDENTIFY,
	KIND_GROUP,
	KIND_PAGE,
	KIND_SCREEN,
	KIND_ALIAS
};

/* One accepted message.  Strings are offsets into the job's text. */
struct ingest_event {
	int64_t ws;
	int64_t occurred_ms;
	enum ingest_kind kind;
	uint32_t mid, name, anon, uid, props, ctx;
	uint32_t email, pname, signed_up, group_id, prev; /* people ops */
};

/* What one request hands to the writer: its accepted messages and the
 * refusals to report.  Owned by the writer once submitted. */
struct ingest_job {
	struct http_req *req;
	struct ingest_job *next;
	struct ingest_event *ev;
	int nev, cap;
	int64_t received_ms;
	struct buf text;
	cJSON *rejected; /* array of {index, messageId, error}, or NULL */
};

/* ---- segment.c: parse and validate ----------------------------------- */

/* Rewrites the escapes PostgreSQL or cJSON would refuse (\u0000, bad
 * escapes, lone surrogates) into byte markers that the per-message check
 * reports, so one bad string refuses one message, not the request.
 * Returns false when the text nests deeper than INGEST_DEPTH_MAX. */
bool segment_prescan(char *text, size_t len)
    __attribute__((warn_unused_result));

/* Validates one message of kind `kind` (or of its own "type" when kind
 * is negative) and appends it to job.  batch_sent_ms is the batch's
 * sentAt (or -1).  Returns true when accepted; otherwise writes the
 * reason into why. */
bool segment_add(struct ingest_job *job, cJSON *msg, int kind, int64_t ws,
                 int64_t batch_sent_ms, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/* Parses an ISO-8601 date-time into ms since the epoch. */
bool segment_parse_time(const char *text, int64_t *out_ms)
    __attribute__((warn_unused_result));

/* Formats ms since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void segment_format_time(int64_t ms, char out[64]);

/* The string at offset off of job's text, or NULL for INGEST_NONE. */
const char *ingest_str(const struct ingest_job *job, uint32_t off);

/* Frees a job and everything it holds.  Accepts NULL. */
void ingest_job_free(struct ingest_job *job);

/* ---- writer.c: group commit ------------------------------------------ */

/* Reserves room for n events in the bounded queue.  False when the
 * queue is full (answer 503 + Retry-After) or the writer is stopping. */
bool writer_reserve(int n) __attribute__((warn_unused_result));

/* Queues a job whose room was reserved; the writer replies to job->req
 * after the commit and frees the job (it takes ownership). */
void writer_submit(struct ingest_job *job);

/* The share of the last second the writers spent writing, 0 to 1: near
 * 1 the database is what limits ingest, and background work that
 * competes for it (the scorer) should give way. */
double writer_load(void);

/* Service entry points (services.c). */
bool writer_start(void);
void writer_stop(void);

/* ---- rollup.c: daily rollups and score queue after the commit ------- */

/* Tells the merger that a writer committed a pending row. */
void rollup_signal(void);

bool rollup_start(void);
void rollup_stop(void);

/* ---- limits.c: request rates ----------------------------------------- */

/* Takes one token from the buckets of this workspace (write key) and
 * client address.  Returns 0 when allowed, else the seconds to wait. */
int limits_take(int64_t ws, const char *peer);

/* ---- maintain.c ------------------------------------------------------ */

bool maintain_start(void);
void maintain_stop(void);

#endif
