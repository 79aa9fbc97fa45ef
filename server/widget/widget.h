/* Herald - the widget's server side: shared pieces of the endpoints
 * (workspace by public key, CORS, visitor identity, audiences). */
#ifndef HERALD_WIDGET_H
#define HERALD_WIDGET_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "content/audience.h"
#include "http/http.h"

/* The workspace behind a public key, as the widget endpoints need it. */
struct widget_ws {
	int64_t id;
	char slug[64];
	char timezone[64];
	char secret[256];
	char secret_prev[256]; /* "" unless still within its grace period */
	bool require_signed;
	cJSON *origins; /* array of allowed origin strings */
};

/* Who is calling.  identity is "p:<person id>" or "a:<anonymous id>". */
struct widget_who {
	int64_t person_id; /* 0 while anonymous */
	char anon[72];
	char external_id[256];
	char identity[96];
	cJSON *person_traits;  /* NULL while anonymous */
	cJSON *account_traits; /* NULL while anonymous */
};

/* Loads the workspace of public key pk into ws.  Returns 200, 404 when
 * the key is unknown, 503 when the database is unavailable.  Call
 * widget_ws_cleanup afterwards whatever the result. */
int widget_ws_load(const char *pk, struct widget_ws *ws)
    __attribute__((warn_unused_result));
void widget_ws_cleanup(struct widget_ws *ws);

/* Checks the request's Origin against the workspace's allowed origins
 * (an empty list allows every origin).  Adds the CORS grant headers when
 * allowed and returns true; returns false, adding nothing, for an origin
 * that is not allowed.  A request without Origin is allowed with no
 * grant. */
bool cors_allow(struct http_req *req, const struct widget_ws *ws)
    __attribute__((warn_unused_result));

/* Answers an OPTIONS preflight for a widget endpoint. */
void cors_preflight(struct http_req *req);

/* Resolves the visitor: a signed token (HS256 with the workspace's
 * identity secret, or the previous one during its grace period), else an
 * unsigned user_id when the workspace allows it, else the anonymous id
 * anon (a fresh one when anon is NULL or malformed).  For a person the
 * verified claims update person and account, and anon is merged into the
 * person.  For a robot (robots.h) nothing is written: the token is
 * checked the same way, but the person is only looked up (a person not
 * stored yet stays anonymous) and the claims' traits decide the
 * audience.  Returns 200, 400 or 401 with the reason in msg, or 503.
 * Call widget_who_cleanup afterwards whatever the result. */
int widget_identify(const struct widget_ws *ws, const char *token,
                    const char *user_id, const char *anon, bool robot,
                    struct widget_who *who, char *msg, size_t msglen)
    __attribute__((warn_unused_result));
void widget_who_cleanup(struct widget_who *who);

/* True when anon looks like an anonymous id: "a_" then 6 to 64 letters,
 * digits, '-' or '_'. */
bool widget_anon_valid(const char *anon);

/* The bearer token of the request, or NULL. */
const char *widget_bearer(const struct http_req *req);

/* Replies 503 with Retry-After for an unavailable database. */
void widget_unavailable(struct http_req *req);

/* Audiences: release_audience_match() in content/audience.h. */

/* The most a POST of events may carry; more gets 413. */
#define WIDGET_EVENTS_BODY_CAP (256u * 1024u)

/* Handlers of the endpoints (events.c, assets.c, demo.c). */
void widget_events_post(struct http_req *req);
void widget_asset(struct http_req *req);
void widget_demo(struct http_req *req);

#endif
