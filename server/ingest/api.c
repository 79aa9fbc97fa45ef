/* Herald - the Segment HTTP Tracking API: POST /v1/track, identify,
 * group, page, screen, alias and batch.  Authenticates the write key
 * (HTTP Basic, key as user name), applies the rate limits, parses and
 * validates on the request thread, then hands the accepted messages to
 * the writer and suspends the connection until they are committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/auth.h"
#include "core/jsonarena.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "ingest/ingest.h"

/* The write key from "Authorization: Basic base64(key:)" into key. */
static bool
basic_user(struct http_req *req, char *key, size_t keylen)
{
	const char *h = http_header(req, "Authorization");
	size_t n = 0;
	char *colon;

	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return false;
	h += 6;
	while (*h == ' ')
		h++;
	if (sodium_base642bin((unsigned char *)key, keylen - 1, h, strlen(h),
	                      " ", &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	key[n] = '\0';
	colon = strchr(key, ':');
	if (colon != NULL)
		*colon = '\0';
	return key[0] != '\0' && strlen(key) == strcspn(key, "\r\n");
}

static bool
authenticate(struct http_req *req, int64_t *ws)
{
	char key[256];

	if (!basic_user(req, key, sizeof(key))) {
		http_add_header(req, "WWW-Authenticate",
		                "Basic realm=\"herald\"");
		http_error(req, 401,
		           "Authorization: send the write key as "
		           "the HTTP Basic user name");
		return false;
	}
	*ws = auth_write_key(key);
	sodium_memzero(key, sizeof(key));
	if (*ws < 0) {
		http_add_header(req, "Retry-After", "1");
		http_error(req, 503, "database unavailable, retry later");
		return false;
	}
	if (*ws == 0) {
		http_add_header(req, "WWW-Authenticate",
		                "Basic realm=\"herald\"");
		http_error(req, 401, "Authorization: unknown write key");
		return false;
	}
	req->workspace_id = *ws;
	return true;
}

static bool
rate_ok(struct http_req *req, int64_t ws)
{
	int wait = limits_take(ws, req->peer);
	char secs[16];

	if (wait == 0)
		return true;
	snprintf(secs, sizeof(secs), "%d", wait);
	http_add_header(req, "Retry-After", secs);
	http_error(req, 429,
	           "too many requests for this write key or "
	           "address; retry in %d s",
	           wait);
	return false;
}

/* Parses the body into the request's arena, refusing what is not a
 * JSON object.  The tree goes with the arena, never cJSON_Delete. */
static cJSON *
parse_body(struct http_req *req, struct json_arena *arena)
{
	const char *at = NULL;
	cJSON *root;

	if (req->body.len == 0) {
		http_error(req, 400, "body: empty; send a JSON object");
		return NULL;
	}
	if (!segment_prescan(req->body.data, req->body.len)) {
		http_error(req, 400, "body: nests deeper than %d levels",
		           INGEST_DEPTH_MAX);
		return NULL;
	}
	json_arena_enter(arena);
	root = cJSON_ParseWithLengthOpts(req->body.data, req->body.len, &at, 0);
	json_arena_leave();
	if (root == NULL) {
		long off = at ? (long)(at - req->body.data) : 0;

		if (off < 0 || (size_t)off > req->body.len)
			off = 0;
		http_error(req, 400, "body: not valid JSON (near byte %ld)",
		           off);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		http_error(req, 400, "body: must be a JSON object");
		return NULL;
	}
	return root;
}

static void
reject(struct ingest_job *job, int index, const cJSON *msg, const char *why)
{
	const cJSON *mid = cJSON_GetObjectItemCaseSensitive(msg, "messageId");
	cJSON *r = cJSON_CreateObject();

	if (job->rejected == NULL)
		job->rejected = cJSON_CreateArray();
	cJSON_AddNumberToObject(r, "index", index);
	if (cJSON_IsString(mid) &&
	    util_utf8_valid(mid->valuestring, strlen(mid->valuestring)))
		cJSON_AddStringToObject(r, "messageId", mid->valuestring);
	cJSON_AddStringToObject(r, "error", why);
	cJSON_AddItemToArray(job->rejected, r);
}

static int64_t
sent_at(const cJSON *root)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "sentAt");
	int64_t ms;

	if (cJSON_IsString(s) && segment_parse_time(s->valuestring, &ms))
		return ms;
	return -1;
}

/* segment_add with the message's tree in the request's arena: what it
 * changes there (cut strings, dropped values) is allocated there too.
 * The rejections and replies, which outlive it, are built outside. */
static bool
add_in(struct json_arena *arena, struct ingest_job *job, cJSON *msg,
       int kind, int64_t ws, int64_t sent, char *why, size_t whylen)
{
	bool ok;

	json_arena_enter(arena);
	ok = segment_add(job, msg, kind, ws, sent, why, whylen);
	json_arena_leave();
	return ok;
}

/* Adds every message of the request to job; false after a reply. */
static bool
collect(struct http_req *req, struct ingest_job *job, cJSON *root, int kind,
        int64_t ws, struct json_arena *arena)
{
	char why[400];
	cJSON *batch, *m;
	int64_t sent;
	int i = 0;

	if (kind >= 0) {
		if (!add_in(arena, job, root, kind, ws, -1, why, sizeof(why)))
			reject(job, 0, root, why);
		return true;
	}
	batch = cJSON_GetObjectItemCaseSensitive(root, "batch");
	if (!cJSON_IsArray(batch) || cJSON_GetArraySize(batch) == 0) {
		http_error(req, 400,
		           "batch: must be a non-empty array of "
		           "messages");
		return false;
	}
	sent = sent_at(root);
	cJSON_ArrayForEach(m, batch)
	{
		if (!add_in(arena, job, m, -1, ws, sent, why, sizeof(why)))
			reject(job, i, m, why);
		i++;
	}
	return true;
}

static void
refuse_all(struct http_req *req, struct ingest_job *job)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddBoolToObject(root, "success", false);
	cJSON_AddStringToObject(root, "error", "every message was rejected");
	cJSON_AddNumberToObject(root, "accepted", 0);
	cJSON_AddItemToObject(root, "rejected", job->rejected);
	job->rejected = NULL;
	http_json(req, 400, root);
}

static void
handle(struct http_req *req, int kind)
{
	struct ingest_job *job = NULL;
	struct json_arena arena = JSON_ARENA_INIT;
	cJSON *root = NULL;
	int64_t ws;

	if (!authenticate(req, &ws) || !rate_ok(req, ws) ||
	    (root = parse_body(req, &arena)) == NULL)
		goto out;
	job = calloc(1, sizeof(*job));
	if (job == NULL)
		abort();
	job->req = req;
	job->received_ms = util_wall_ms();
	buf_init(&job->text, (size_t)4 * INGEST_BATCH_MAX);
	if (!collect(req, job, root, kind, ws, &arena))
		goto out;
	if (job->nev == 0) {
		refuse_all(req, job);
		goto out;
	}
	if (!writer_reserve(job->nev)) {
		http_add_header(req, "Retry-After", "1");
		http_error(req, 503, "ingest queue full, retry later");
		goto out;
	}
	http_suspend(req);
	writer_submit(job);
	job = NULL;
out:
	json_arena_free(&arena); /* root and all its tree */
	ingest_job_free(job);
}

static void
batch(struct http_req *req)
{
	handle(req, -1);
}

static void
track(struct http_req *req)
{
	handle(req, KIND_TRACK);
}

static void
identify(struct http_req *req)
{
	handle(req, KIND_IDENTIFY);
}

static void
group(struct http_req *req)
{
	handle(req, KIND_GROUP);
}

static void
page(struct http_req *req)
{
	handle(req, KIND_PAGE);
}

static void
screen(struct http_req *req)
{
	handle(req, KIND_SCREEN);
}

static void
alias(struct http_req *req)
{
	handle(req, KIND_ALIAS);
}

const struct route ingest_routes[] = {
    {"POST", "/v1/batch", batch, INGEST_BATCH_MAX},
    {"POST", "/v1/import", batch, INGEST_BATCH_MAX},
    {"POST", "/v1/track", track, INGEST_MSG_MAX},
    {"POST", "/v1/identify", identify, INGEST_MSG_MAX},
    {"POST", "/v1/group", group, INGEST_MSG_MAX},
    {"POST", "/v1/page", page, INGEST_MSG_MAX},
    {"POST", "/v1/screen", screen, INGEST_MSG_MAX},
    {"POST", "/v1/alias", alias, INGEST_MSG_MAX},
    {NULL, NULL, NULL, 0},
};
