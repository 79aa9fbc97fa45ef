/* Herald integration tests - serving /widget.js (ETag, 304, gzip,
 * versioned URL) and the /demo page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

TestSuite(widget_assets, .timeout = 60);

static void
fake_home(char *dir, size_t len, bool with_script)
{
	const char *tmp = getenv("HERALD_TEST_TMP");
	char path[512];
	FILE *f;

	snprintf(dir, len, "%s/home-%d-%d", tmp ? tmp : "/tmp", (int)getpid(),
	         with_script);
	snprintf(path, sizeof(path), "mkdir -p %s/widget/dist", dir);
	cr_assert_eq(run(path), 0);
	if (!with_script)
		return;
	snprintf(path, sizeof(path), "%s/widget/dist/widget.js", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 200; i++)
		fprintf(f, "console.log('herald widget line %d');\n", i);
	fclose(f);
}

static char *
header(struct resp *r, const char *name)
{
	char *v = resp_header(r, name);

	cr_assert_not_null(v, "no %s header", name);
	return v;
}

Test(widget_assets, widget_js_has_etag_304_gzip_and_a_versioned_url)
{
	struct srv s;
	struct resp r;
	char dir[400], env[512], url[256], inm[128], *etag, *v;
	const char *envp[2] = {env, NULL};
	const char *gz[] = {"Accept-Encoding: gzip, deflate", NULL};

	fake_home(dir, sizeof(dir), true);
	snprintf(env, sizeof(env), "HERALD_HOME=%s", dir);
	srv_start(&s, envp);
	snprintf(url, sizeof(url), "%s/widget.js", s.url);
	http_do(&r, "GET", url, NULL, NULL, 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "herald widget line 199") != NULL);
	v = header(&r, "Content-Type");
	cr_assert(strncmp(v, "application/javascript", 22) == 0);
	free(v);
	v = header(&r, "Cache-Control");
	cr_assert_str_eq(v, "public, max-age=300");
	free(v);
	etag = header(&r, "ETag");
	resp_free(&r);

	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	const char *cond[] = {inm, NULL};
	http_do(&r, "GET", url, cond, NULL, 0);
	cr_assert_eq(r.status, 304);
	resp_free(&r);

	http_do(&r, "GET", url, gz, NULL, 0);
	cr_assert_eq(r.status, 200);
	v = header(&r, "Content-Encoding");
	cr_assert_str_eq(v, "gzip");
	free(v);
	cr_assert((unsigned char)r.body[0] == 0x1f &&
	          (unsigned char)r.body[1] == 0x8b);
	cr_assert_lt(r.len, 2000);
	resp_free(&r);

	/* the versioned URL: the ETag's hash, cached for a year */
	snprintf(url, sizeof(url), "%s/widget.%.16s.js", s.url, etag + 1);
	http_do(&r, "GET", url, NULL, NULL, 0);
	cr_assert_eq(r.status, 200, "%s", url);
	v = header(&r, "Cache-Control");
	cr_assert_str_eq(v, "public, max-age=31536000, immutable");
	free(v);
	resp_free(&r);
	snprintf(url, sizeof(url), "%s/widget.0000000000000000.js", s.url);
	http_do(&r, "GET", url, NULL, NULL, 0);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	free(etag);
	srv_stop(&s);
}

Test(widget_assets, missing_build_is_a_json_404_saying_to_run_make)
{
	struct srv s;
	struct resp r;
	char dir[400], env[512];
	const char *envp[2] = {env, NULL};

	fake_home(dir, sizeof(dir), false);
	snprintf(env, sizeof(env), "HERALD_HOME=%s", dir);
	srv_start(&s, envp);
	api(&r, &s, "GET", "/widget.js", NULL, NULL);
	cr_assert_eq(r.status, 404);
	cr_assert(strstr(jstr(r.json, "error"), "run make") != NULL);
	resp_free(&r);
	srv_stop(&s);
}

Test(widget_assets, demo_page_embeds_the_widget_for_a_signed_demo_user)
{
	struct srv s;
	struct resp r;

	cr_assert_eq(run("scripts/seed-demo.sh >/dev/null"), 0);
	srv_start(&s, NULL);
	api(&r, &s, "GET", "/demo", NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "data-key=\"pk_demo") != NULL);
	cr_assert(strstr(r.body, "herald('identify', { token: 'eyJ") != NULL);
	resp_free(&r);
	srv_stop(&s);
}
