/* Herald - GET /demo: a host page like a customer's app, rendered by the
 * server, embedding the widget for the signed demo user "alex" of the
 * workspace with slug "demo" (made by scripts/seed-demo.sh).  The token
 * is signed here with the workspace's identity secret, as a customer's
 * backend would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "store/db.h"
#include "widget/assets.h"
#include "widget/jwt.h"
#include "widget/widget.h"

static const char page_head[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<title>Acme Analytics - Herald widget demo</title>\n"
    "<link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\">\n"
    "<style>body{font-family:system-ui,sans-serif;margin:0;"
    "background:#f5f6f8;color:#1d2330}"
    "header{display:flex;align-items:center;justify-content:space-between;"
    "padding:12px 24px;background:#fff;border-bottom:1px solid #e3e6eb}"
    "main{max-width:760px;margin:32px auto;padding:0 24px}"
    ".card{background:#fff;border:1px solid #e3e6eb;border-radius:8px;"
    "padding:20px;margin-bottom:16px}</style>\n</head><body>\n"
    "<header><strong>Acme Analytics</strong>"
    "<span>Signed in as Alex Morgan (Acme Inc)</span>"
    "</header>\n<main>\n"
    "<div class=\"card\"><h1>Dashboard</h1><p>This page stands in for a "
    "customer's app. The bell shows what is new; open it to read the "
    "releases of the <code>demo</code> workspace as the signed user "
    "<b>alex</b>.</p></div>\n"
    "<div class=\"card\"><h2>Revenue this week</h2>"
    "<p>$48,210 &middot; up 12%</p></div>\n</main>\n";

static cJSON *
demo_claims(void)
{
	cJSON *c = cJSON_CreateObject();
	cJSON *traits = cJSON_AddObjectToObject(c, "traits");
	cJSON *acct = cJSON_AddObjectToObject(c, "account");
	cJSON *at = NULL;
	double now = (double)time(NULL);

	cJSON_AddStringToObject(c, "sub", "alex");
	cJSON_AddStringToObject(c, "email", "alex@acme.example");
	cJSON_AddStringToObject(c, "name", "Alex Morgan");
	cJSON_AddNumberToObject(c, "iat", now);
	cJSON_AddNumberToObject(c, "exp", now + 3600);
	cJSON_AddStringToObject(traits, "role", "cto");
	cJSON_AddStringToObject(traits, "plan", "trial");
	cJSON_AddStringToObject(acct, "id", "acme");
	cJSON_AddStringToObject(acct, "name", "Acme Inc");
	at = cJSON_AddObjectToObject(acct, "traits");
	cJSON_AddNumberToObject(at, "employees", 120);
	cJSON_AddStringToObject(at, "industry", "software");
	cJSON_AddStringToObject(at, "country", "US");
	cJSON_AddStringToObject(at, "plan", "trial");
	return c;
}

/* True when s holds only characters safe inside an HTML attribute and a
 * JavaScript string (keys and JWTs do). */
static bool
plain(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789-_.") == strlen(s);
}

static bool
render(struct buf *out, const char *pk, const char *token)
{
	return buf_puts(out, page_head) &&
	       buf_printf(out,
	                  "<script async src=\"%s\" data-key=\"%s\">"
	                  "</script>\n<script>\n"
	                  "  window.herald = window.herald || function () {\n"
	                  "    (herald.q = herald.q || []).push(arguments); "
	                  "};\n"
	                  "  herald('identify', { token: '%s' });\n"
	                  "</script>\n</body></html>\n",
	                  assets_widget_path(), pk, token);
}

void
widget_demo(struct http_req *req)
{
	PGresult *r = NULL;
	char err[512];
	char *token = NULL;
	cJSON *claims = NULL;
	struct buf out;

	buf_init(&out, 64 * 1024);
	if (db_exec(&r,
	            "SELECT public_key, identity_secret FROM workspaces"
	            " WHERE slug = 'demo'",
	            0, NULL, err, sizeof(err)) != DB_OK) {
		log_warn("req=%s demo lookup failed: %s", req->id, err);
		widget_unavailable(req);
		goto out;
	}
	if (PQntuples(r) != 1) {
		http_error(req, 404,
		           "no demo workspace: run "
		           "scripts/seed-demo.sh (make run does)");
		goto out;
	}
	claims = demo_claims();
	token = jwt_sign(claims, PQgetvalue(r, 0, 1));
	if (token == NULL || !plain(token) || !plain(PQgetvalue(r, 0, 0)) ||
	    !render(&out, PQgetvalue(r, 0, 0), token)) {
		http_error(req, 500, "cannot render the demo page");
		goto out;
	}
	http_add_header(req, "Cache-Control", "no-store");
	size_t len = out.len;
	http_reply_take(req, 200, "text/html; charset=utf-8", buf_steal(&out),
	                len);
out:
	buf_cleanup(&out);
	free(token);
	cJSON_Delete(claims);
	PQclear(r);
}
