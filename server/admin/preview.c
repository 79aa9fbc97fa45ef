/* Herald - POST /api/v1/preview {"body": markdown} -> {"html"}: the admin
 * editor's live preview, rendered by the same safe markdown renderer as
 * the public changelog page and the widget. */
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "content/markdown.h"
#include "core/log.h"

#define PREVIEW_BODY_CAP (512 * 1024)

static void
preview(struct http_req *req)
{
	struct caller who;
	const cJSON *md;
	cJSON *body, *out;
	char *html = NULL;

	if (!auth_admin(req, ROLE_SALES, &who))
		return;
	body = http_json_body(req);
	if (body == NULL)
		return;
	md = cJSON_GetObjectItemCaseSensitive(body, "body");
	if (!cJSON_IsString(md)) {
		http_error(req, 400, "body: must be a markdown string");
		goto out;
	}
	if (!markdown_render(md->valuestring, strlen(md->valuestring),
	                     &html)) {
		log_warn("req=%s preview: markdown rendering failed", req->id);
		http_error(req, 500, "markdown rendering failed");
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "html", html);
	http_json(req, 200, out);
out:
	free(html);
	cJSON_Delete(body);
}

const struct route preview_routes[] = {
    {"POST", "/api/v1/preview", preview, PREVIEW_BODY_CAP},
    {NULL, NULL, NULL, 0},
};
