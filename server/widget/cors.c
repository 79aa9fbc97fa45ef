/* Herald - CORS for the widget endpoints.  Each workspace lists the
 * origins its widget may be embedded in; an empty list allows any origin
 * (a fresh workspace works at once; restrict it in the admin settings).
 * Only listed origins get a grant, echoed back exactly with Vary: Origin,
 * and their requests are refused with 403 so a page on another origin
 * cannot write events even with "simple" requests (sendBeacon). */
#include <string.h>

#include "widget/widget.h"

static bool
origin_listed(const cJSON *origins, const char *origin)
{
	const cJSON *o;
	size_t n;

	if (cJSON_GetArraySize(origins) == 0)
		return true;
	cJSON_ArrayForEach(o, origins)
	{
		if (!cJSON_IsString(o))
			continue;
		if (strcmp(o->valuestring, "*") == 0)
			return true;
		n = strlen(o->valuestring);
		while (n > 0 && o->valuestring[n - 1] == '/')
			n--; /* "https://app.example.com/" lists the origin */
		if (n == strlen(origin) &&
		    strncasecmp(o->valuestring, origin, n) == 0)
			return true;
	}
	return false;
}

bool
cors_allow(struct http_req *req, const struct widget_ws *ws)
{
	const char *origin = http_header(req, "Origin");

	http_add_header(req, "Vary", "Origin");
	if (origin == NULL)
		return true;
	if (!origin_listed(ws->origins, origin))
		return false;
	http_add_header(req, "Access-Control-Allow-Origin", origin);
	return true;
}

void
cors_preflight(struct http_req *req)
{
	struct widget_ws ws;
	int st = widget_ws_load(http_param(req, 0), &ws);

	req->workspace_id = ws.id;
	if (st == 503) {
		widget_unavailable(req);
		goto out;
	}
	if (st != 200) {
		http_error(req, 404, "public key: no such workspace");
		goto out;
	}
	if (http_header(req, "Origin") == NULL || !cors_allow(req, &ws)) {
		http_error(req, 403, "origin: not allowed for this widget");
		goto out;
	}
	http_add_header(req, "Access-Control-Allow-Methods",
	                "GET, POST, OPTIONS");
	http_add_header(req, "Access-Control-Allow-Headers",
	                "content-type, authorization");
	http_add_header(req, "Access-Control-Max-Age", "86400");
	http_reply(req, 204, NULL, "", 0);
out:
	widget_ws_cleanup(&ws);
}
