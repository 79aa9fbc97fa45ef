/* Herald integration tests - admin sign-in: session cookies and their
 * flags, CSRF tokens, roles, the failed sign-in limit, sign-out, and the
 * admin app's files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

SERVER_SUITE(admin_sessions, 90);

/* An address unique to the workspace, so reruns on one database do not
 * meet earlier users or their failed attempts. */
static const char *
addr(const cJSON *ws, const char *local)
{
	static char buf[8][128];
	static int next;
	char *out = buf[next++ % 8];

	snprintf(out, 128, "%s@%s.test", local, jstr(ws, "slug"));
	return out;
}

static void
user_add(const cJSON *ws, const char *email, const char *role,
         const char *password)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
	         "printf '%%s' '%s' | %s user add --workspace %s"
	         " --email %s --role %s >/dev/null",
	         password, herald_bin(), jstr(ws, "slug"), email, role);
	cr_assert_eq(run(cmd), 0, "user add %s", email);
}

static void
login(struct resp *r, const struct srv *srv, const char *email,
      const char *password)
{
	char url[128], body[256];
	const char *h[] = {"Content-Type: application/json", NULL};

	snprintf(url, sizeof(url), "%s/api/v1/session", srv->url);
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}",
	         email, password);
	http_do(r, "POST", url, h, body, strlen(body));
}

/* The value of the session cookie set by r (malloc'd), or NULL. */
static char *
cookie_of(const struct resp *r)
{
	char *line = resp_header(r, "Set-Cookie");
	char *v, *end;

	if (line == NULL || strncmp(line, "herald_session=", 15) != 0) {
		free(line);
		return NULL;
	}
	v = strdup(line + 15);
	end = strchr(v, ';');
	if (end != NULL)
		*end = '\0';
	free(line);
	return v;
}

/* A request with the session cookie and, when csrf is not NULL, the
 * X-CSRF-Token header. */
static void
with_session(struct resp *r, const char *method, const char *path,
             const char *cookie, const char *csrf, const char *json)
{
	char url[256], ch[160], xh[128];
	const char *h[4] = {"Content-Type: application/json", ch, NULL, NULL};

	snprintf(url, sizeof(url), "%s%s", s.url, path);
	snprintf(ch, sizeof(ch), "Cookie: herald_session=%s", cookie);
	if (csrf != NULL) {
		snprintf(xh, sizeof(xh), "X-CSRF-Token: %s", csrf);
		h[2] = xh;
	}
	http_do(r, method, url, h, json, json ? strlen(json) : 0);
}

struct signed_in {
	char *cookie;
	char *csrf;
};

static struct signed_in
sign_in(const char *email, const char *password)
{
	struct signed_in si;
	struct resp r;

	login(&r, &s, email, password);
	cr_assert_eq(r.status, 200, "sign-in %s: %s", email, r.body);
	si.cookie = cookie_of(&r);
	cr_assert_not_null(si.cookie);
	si.csrf = strdup(jstr(r.json, "csrf_token"));
	cr_assert_eq(strlen(si.csrf), 64);
	resp_free(&r);
	return si;
}

Test(admin_sessions, sign_in_sets_an_httponly_lax_cookie_stored_hashed)
{
	cJSON *ws = workspace_new("Sess Cookie");
	struct resp r;
	char *set, *cookie;
	const cJSON *user;

	user_add(ws, addr(ws, "pm"), "owner", "correct horse");
	login(&r, &s, addr(ws, "PM"), "correct horse");
	cr_assert_eq(r.status, 200, "%s", r.body);
	user = cJSON_GetObjectItem(r.json, "user");
	cr_assert_str_eq(jstr(user, "email"), addr(ws, "pm"));
	cr_assert_str_eq(jstr(user, "role"), "owner");
	set = resp_header(&r, "Set-Cookie");
	cr_assert_not_null(set);
	cr_assert(strstr(set, "; HttpOnly") != NULL, "%s", set);
	cr_assert(strstr(set, "; SameSite=Lax") != NULL, "%s", set);
	cr_assert(strstr(set, "; Path=/") != NULL, "%s", set);
	cr_assert(strstr(set, "; Max-Age=43200") != NULL, "%s", set);
	cr_assert(strstr(set, "Secure") == NULL, "http: %s", set);
	cookie = cookie_of(&r);
	cr_assert_eq(strlen(cookie), 67);

	const char *p[1] = {cookie};
	cr_assert_eq(sql_long("SELECT count(*) FROM admin_sessions WHERE"
	                      " token_hash = encode(sha256($1::bytea), 'hex')"
	                      " AND expires_at > now() + interval '11 hours'",
	                      1, p),
	             1);
	cr_assert_eq(sql_long("SELECT count(*) FROM admin_sessions"
	                      " WHERE token_hash = $1",
	                      1, p),
	             0, "the token is not stored in clear");
	free(set);
	free(cookie);
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(admin_sessions, cookie_is_secure_when_the_public_url_is_https)
{
	const char *env[] = {"HERALD_PUBLIC_URL=https://herald.example.com",
	                     NULL};
	cJSON *ws = workspace_new("Sess Secure");
	struct srv tls;
	struct resp r;
	char *set;

	user_add(ws, addr(ws, "pm"), "owner", "correct horse");
	srv_start(&tls, env);
	login(&r, &tls, addr(ws, "pm"), "correct horse");
	cr_assert_eq(r.status, 200, "%s", r.body);
	set = resp_header(&r, "Set-Cookie");
	cr_assert(strstr(set, "; Secure") != NULL, "%s", set);
	cr_assert(strstr(set, "; HttpOnly") != NULL, "%s", set);
	free(set);
	resp_free(&r);
	srv_stop(&tls);
	cJSON_Delete(ws);
}

Test(admin_sessions, sixth_failed_sign_in_in_a_minute_is_429)
{
	cJSON *ws = workspace_new("Sess Limit");
	struct resp r;
	char *ra;

	user_add(ws, addr(ws, "pm"), "owner", "correct horse");
	user_add(ws, addr(ws, "other"), "sales", "correct horse");
	for (int i = 0; i < 5; i++) {
		login(&r, &s, addr(ws, "pm"), "wrong horse");
		cr_assert_eq(r.status, 401, "attempt %d: %s", i + 1, r.body);
		cr_assert_str_eq(jstr(r.json, "error"),
		                 "email or password is wrong");
		resp_free(&r);
	}
	/* Even the right password waits now. */
	login(&r, &s, addr(ws, "pm"), "correct horse");
	cr_assert_eq(r.status, 429, "%s", r.body);
	ra = resp_header(&r, "Retry-After");
	cr_assert_str_eq(ra, "60");
	cr_assert_null(resp_header(&r, "Set-Cookie"));
	free(ra);
	resp_free(&r);
	/* Another address from the same client is not held up. */
	login(&r, &s, addr(ws, "other"), "correct horse");
	cr_assert_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	/* Unknown addresses are answered like wrong passwords. */
	login(&r, &s, addr(ws, "nobody"), "correct horse");
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(admin_sessions, change_without_the_csrf_token_is_403)
{
	cJSON *ws = workspace_new("Sess Csrf");
	struct signed_in si;
	struct resp r;

	user_add(ws, addr(ws, "pm"), "owner", "correct horse");
	si = sign_in(addr(ws, "pm"), "correct horse");
	with_session(&r, "GET", "/api/v1/workspace", si.cookie, NULL, NULL);
	cr_assert_eq(r.status, 200, "reads need no token: %s", r.body);
	cr_assert_str_eq(jstr(r.json, "slug"), jstr(ws, "slug"));
	resp_free(&r);
	with_session(&r, "PATCH", "/api/v1/workspace", si.cookie, NULL,
	             "{\"name\":\"Hijacked\"}");
	cr_assert_eq(r.status, 403, "%s", r.body);
	cr_assert(strstr(jstr(r.json, "error"), "X-CSRF-Token") != NULL);
	resp_free(&r);
	with_session(&r, "PATCH", "/api/v1/workspace", si.cookie,
	             "0000000000000000000000000000000000000000000000000000"
	             "000000000000",
	             "{\"name\":\"Hijacked\"}");
	cr_assert_eq(r.status, 403, "%s", r.body);
	resp_free(&r);
	const char *p[1] = {jstr(ws, "slug")};
	cr_assert_eq(sql_long("SELECT count(*) FROM workspaces"
	                      " WHERE slug = $1 AND name = 'Hijacked'",
	                      1, p),
	             0);
	with_session(&r, "PATCH", "/api/v1/workspace", si.cookie, si.csrf,
	             "{\"name\":\"Renamed\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "name"), "Renamed");
	resp_free(&r);
	free(si.cookie);
	free(si.csrf);
	cJSON_Delete(ws);
}

Test(admin_sessions, roles_limit_what_session_users_may_change)
{
	cJSON *ws = workspace_new("Sess Roles");
	const char *roles[] = {"sales", "editor", "owner"};
	const long want[] = {403, 403, 200};

	for (int i = 0; i < 3; i++) {
		char email[64];
		struct signed_in si;
		struct resp r;

		snprintf(email, sizeof(email), "%s", addr(ws, roles[i]));
		user_add(ws, email, roles[i], "correct horse");
		si = sign_in(email, "correct horse");
		with_session(&r, "GET", "/api/v1/session", si.cookie, NULL,
		             NULL);
		cr_assert_eq(r.status, 200);
		cr_assert_str_eq(
		    jstr(cJSON_GetObjectItem(r.json, "user"), "role"),
		    roles[i]);
		cr_assert_str_eq(jstr(r.json, "csrf_token"), si.csrf);
		resp_free(&r);
		with_session(&r, "PATCH", "/api/v1/workspace", si.cookie,
		             si.csrf, "{\"timezone\":\"Europe/Paris\"}");
		cr_assert_eq(r.status, want[i], "%s: %s", roles[i], r.body);
		resp_free(&r);
		free(si.cookie);
		free(si.csrf);
	}
	cJSON_Delete(ws);
}

Test(admin_sessions, sign_out_and_expiry_end_the_session)
{
	cJSON *ws = workspace_new("Sess Out");
	struct signed_in a, b;
	struct resp r;
	char *set;

	user_add(ws, addr(ws, "pm"), "owner", "correct horse");
	a = sign_in(addr(ws, "pm"), "correct horse");
	b = sign_in(addr(ws, "pm"), "correct horse");
	with_session(&r, "DELETE", "/api/v1/session", a.cookie, NULL, NULL);
	cr_assert_eq(r.status, 403, "sign-out needs the token too");
	resp_free(&r);
	with_session(&r, "DELETE", "/api/v1/session", a.cookie, a.csrf, NULL);
	cr_assert_eq(r.status, 204, "%s", r.body);
	set = resp_header(&r, "Set-Cookie");
	cr_assert(strstr(set, "Max-Age=0") != NULL, "%s", set);
	free(set);
	resp_free(&r);
	with_session(&r, "GET", "/api/v1/session", a.cookie, NULL, NULL);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/session", NULL, NULL);
	cr_assert_eq(r.status, 200, "no cookie: nobody, not an error");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(r.json, "user")));
	resp_free(&r);

	with_session(&r, "GET", "/api/v1/session", b.cookie, NULL, NULL);
	cr_assert_eq(r.status, 200, "the other session stays");
	resp_free(&r);
	const char *p[1] = {b.cookie};
	sql("UPDATE admin_sessions SET expires_at = now() - interval '1 s'"
	    " WHERE token_hash = encode(sha256($1::bytea), 'hex')",
	    1, p);
	with_session(&r, "GET", "/api/v1/workspace", b.cookie, NULL, NULL);
	cr_assert_eq(r.status, 401, "expired: %s", r.body);
	resp_free(&r);
	free(a.cookie);
	free(a.csrf);
	free(b.cookie);
	free(b.csrf);
	cJSON_Delete(ws);
}

Test(admin_sessions, sign_in_accepts_json_only)
{
	char url[128];
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded",
	                   NULL};
	struct resp r;

	snprintf(url, sizeof(url), "%s/api/v1/session", s.url);
	http_do(&r, "POST", url, h, "email=a&password=b", 18);
	cr_assert_eq(r.status, 415, "%s", r.body);
	resp_free(&r);
	login(&r, &s, "", "x");
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(jstr(r.json, "error"), "email") != NULL);
	resp_free(&r);
}

Test(admin_sessions, malformed_cookie_is_401_not_500)
{
	struct resp r;

	with_session(&r, "GET", "/api/v1/workspace", "hs_'; DROP TABLE x",
	             NULL, NULL);
	cr_assert_eq(r.status, 401, "%s", r.body);
	resp_free(&r);
	with_session(&r, "GET", "/api/v1/workspace",
	             "hs_00000000000000000000000000000000000000000000000000"
	             "00000000000000",
	             NULL, NULL);
	cr_assert_eq(r.status, 401, "%s", r.body);
	resp_free(&r);
}

/* ---- the app's files --------------------------------------------------- */

static char *
asset_in(const char *html, const char *ext)
{
	const char *p = html;

	while ((p = strstr(p, "/admin/assets/")) != NULL) {
		size_t n = strcspn(p, "\"' >");
		char *name = strndup(p, n);

		if (n > strlen(ext) && strcmp(name + n - strlen(ext), ext) == 0)
			return name;
		free(name);
		p += n;
	}
	return NULL;
}

Test(admin_sessions, deep_links_get_the_app_with_a_strict_csp)
{
	struct resp a, b;
	char url[256];
	char *csp, *type, *cache;

	snprintf(url, sizeof(url), "%s/admin", s.url);
	http_do(&a, "GET", url, NULL, NULL, 0);
	cr_assert_eq(a.status, 200, "%s", a.body);
	type = resp_header(&a, "Content-Type");
	cr_assert_str_eq(type, "text/html; charset=utf-8");
	csp = resp_header(&a, "Content-Security-Policy");
	cr_assert(strstr(csp, "script-src 'self';") != NULL, "%s", csp);
	cr_assert(strstr(csp, "unsafe-inline") == NULL, "%s", csp);
	cr_assert(strstr(a.body, "<script>") == NULL, "no inline script");
	cr_assert(strstr(a.body, "https://") == NULL, "no CDN");
	cache = resp_header(&a, "Cache-Control");
	cr_assert_str_eq(cache, "no-cache");
	snprintf(url, sizeof(url), "%s/admin/leads/42", s.url);
	http_do(&b, "GET", url, NULL, NULL, 0);
	cr_assert_eq(b.status, 200);
	cr_assert_str_eq(b.body, a.body);
	free(type);
	free(csp);
	free(cache);
	resp_free(&a);
	resp_free(&b);
}

Test(admin_sessions, assets_are_cached_and_revalidated_by_etag)
{
	struct resp r, again;
	char url[512], inm[128];
	char *js, *etag, *cache, *type;
	const char *h[] = {inm, NULL};

	snprintf(url, sizeof(url), "%s/admin", s.url);
	http_do(&r, "GET", url, NULL, NULL, 0);
	js = asset_in(r.body, ".js");
	cr_assert_not_null(js, "%s", r.body);
	resp_free(&r);
	snprintf(url, sizeof(url), "%s%s", s.url, js);
	http_do(&r, "GET", url, NULL, NULL, 0);
	cr_assert_eq(r.status, 200);
	cr_assert_gt(r.len, 100);
	type = resp_header(&r, "Content-Type");
	cr_assert_str_eq(type, "text/javascript; charset=utf-8");
	cache = resp_header(&r, "Cache-Control");
	cr_assert(strstr(cache, "immutable") != NULL, "%s", cache);
	etag = resp_header(&r, "ETag");
	cr_assert_not_null(etag);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	http_do(&again, "GET", url, h, NULL, 0);
	cr_assert_eq(again.status, 304);
	cr_assert_eq(again.len, 0);
	resp_free(&again);
	snprintf(url, sizeof(url), "%s/admin/assets/..%%2f..%%2fMakefile",
	         s.url);
	http_do(&again, "GET", url, NULL, NULL, 0);
	cr_assert_eq(again.status, 404);
	resp_free(&again);
	snprintf(url, sizeof(url), "%s/admin/assets/nothing-here.js", s.url);
	http_do(&again, "GET", url, NULL, NULL, 0);
	cr_assert_eq(again.status, 404);
	resp_free(&again);
	free(js);
	free(etag);
	free(cache);
	free(type);
	resp_free(&r);
}

/* ---- inbox and keys ---------------------------------------------------- */

Test(admin_sessions, inbox_keeps_what_a_slack_destination_posts)
{
	cJSON *ws = workspace_new("Sess Inbox");
	const char *at = jstr(ws, "admin_token");
	const char *h[] = {"Content-Type: application/json", NULL};
	const char *msg = "{\"text\":\"Alex qualified\",\"blocks\":[{\"type\":"
	                  "\"header\",\"text\":{\"type\":\"plain_text\","
	                  "\"text\":\"Alex <b> & co\"}}]}";
	char url[512], bad[600];
	struct resp r;
	const cJSON *first;

	api(&r, &s, "GET", "/api/v1/inbox/info", at, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	snprintf(url, sizeof(url), "%s", jstr(r.json, "url"));
	resp_free(&r);
	cr_assert(strstr(url, "/hooks/inbox/") != NULL, "%s", url);
	snprintf(bad, sizeof(bad), "%.*s%c", (int)strlen(url) - 1, url,
	         url[strlen(url) - 1] == '0' ? '1' : '0');
	http_do(&r, "POST", bad, h, msg, strlen(msg));
	cr_assert_eq(r.status, 404, "a wrong token is refused");
	resp_free(&r);
	http_do(&r, "POST", url, h, msg, strlen(msg));
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(r.body, "ok");
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/inbox", at, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(cJSON_GetArraySize(r.json), 1);
	first = cJSON_GetArrayItem(r.json, 0);
	cr_assert_str_eq(jstr(first, "kind"), "slack");
	cr_assert_str_eq(jstr(cJSON_GetObjectItem(first, "payload"), "text"),
	                 "Alex qualified");
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(admin_sessions, rotating_the_admin_token_retires_the_old_one)
{
	cJSON *ws = workspace_new("Sess Rotate");
	const char *old = jstr(ws, "admin_token");
	char fresh[128];
	struct resp r;

	api(&r, &s, "POST", "/api/v1/workspace/admin-token/rotate", old, "{}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	snprintf(fresh, sizeof(fresh), "%s", jstr(r.json, "admin_token"));
	cr_assert_eq(strncmp(fresh, "at_", 3), 0, "%s", fresh);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/workspace", old, NULL);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/workspace", fresh, NULL);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/workspace/write-key/rotate", fresh, "{}");
	cr_assert_eq(r.status, 200);
	const char *p[1] = {jstr(r.json, "write_key")};
	cr_assert_eq(sql_long("SELECT count(*) FROM workspaces WHERE"
	                      " write_key_hash = encode(sha256($1::bytea),"
	                      " 'hex')",
	                      1, p),
	             1);
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(admin_sessions, read_time_distribution_groups_readers_by_total_time)
{
	cJSON *ws = workspace_new("Sess Readtime");
	const char *at = jstr(ws, "admin_token");
	char path[128];
	char *rid;
	struct resp r;
	const cJSON *b;
	char wsid[24];

	snprintf(wsid, sizeof(wsid), "%.0f",
	         cJSON_GetObjectItem(ws, "id")->valuedouble);
	const char *p[1] = {wsid};
	rid = sql_value("INSERT INTO releases (workspace_id, slug, title,"
	                " status, published_at) VALUES ($1::bigint, 'rt',"
	                " 'Read time', 'published', now()) RETURNING id",
	                1, p);
	const char *q[2] = {wsid, rid};
	/* a: 5 s; b: 20 s + 25 s = 45 s; c: 4 min; bad ms ignored. */
	sql("INSERT INTO events (workspace_id, message_id, source, type,"
	    " anonymous_id, release_id, props, occurred_at) SELECT"
	    " $1::bigint, gen_random_uuid()::text, 'widget', 'release_read',"
	    " who, $2::uuid, jsonb_build_object('ms', ms), now()"
	    " FROM (VALUES ('a', 5000), ('b', 20000), ('b', 25000),"
	    " ('c', 240000)) v(who, ms)"
	    " UNION ALL SELECT $1::bigint, 'bad', 'widget', 'release_read',"
	    " 'd', $2::uuid, '{\"ms\":\"NaN\"}', now()",
	    2, q);
	snprintf(path, sizeof(path), "/api/v1/releases/%s/read-time", rid);
	api(&r, &s, "GET", path, at, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	b = cJSON_GetObjectItem(r.json, "buckets");
	cr_assert_eq(cJSON_GetArraySize(b), 6);
	long want[6] = {1, 0, 1, 0, 1, 0};
	for (int i = 0; i < 6; i++)
		cr_assert_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(b, i),
		                                 "readers")
		                 ->valueint,
		             want[i], "bucket %d: %s", i, r.body);
	resp_free(&r);
	api(&r, &s, "GET",
	    "/api/v1/releases/00000000-0000-0000-0000-000000000000/read-time",
	    at, NULL);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	free(rid);
	cJSON_Delete(ws);
}

Test(admin_sessions, preview_renders_markdown_like_the_public_page)
{
	cJSON *ws = workspace_new("Sess Preview");
	const char *at = jstr(ws, "admin_token");
	struct resp r;
	const char *html;

	api(&r, &s, "POST", "/api/v1/preview", at,
	    "{\"body\":\"## New\\n\\n**Charts** [docs](https://docs.example"
	    ".com) [x](javascript:alert(1)) <img src=x onerror=alert(1)>\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	html = jstr(r.json, "html");
	cr_assert(strstr(html, "<h2>New</h2>") != NULL, "%s", html);
	cr_assert(strstr(html, "<strong>Charts</strong>") != NULL, "%s", html);
	cr_assert(strstr(html, "href=\"https://docs.example.com\"") != NULL,
	          "%s", html);
	cr_assert(strstr(html, "javascript:") == NULL, "%s", html);
	cr_assert(strstr(html, "onerror") == NULL, "%s", html);
	resp_free(&r);
	api(&r, &s, "POST", "/api/v1/preview", at, "{\"body\":3}");
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(jstr(r.json, "error"), "body") != NULL);
	resp_free(&r);
	cJSON_Delete(ws);
}
