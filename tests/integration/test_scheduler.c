/* Herald integration tests - the release scheduler: on time, exactly
 * once, across a restart and with several servers running. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

/* Servers of the running test, stopped even when an assertion fails. */
static struct srv servers[3];

static void
stop_all(void)
{
	for (int i = 0; i < 3; i++)
		srv_stop(&servers[i]);
}

TestSuite(scheduler, .fini = stop_all, .timeout = 60);

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
iso(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static cJSON *
schedule(const struct srv *s, const cJSON *ws, const char *title, time_t at)
{
	char when[32], body[256];
	struct resp r;
	cJSON *out;

	iso(at, when, sizeof(when));
	snprintf(body, sizeof(body),
	         "{\"title\":\"%s\",\"status\":\"scheduled\","
	         "\"publish_at\":\"%s\"}",
	         title, when);
	api(&r, s, "POST", "/api/v1/releases", jstr(ws, "admin_token"), body);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "status"), "scheduled");
	cr_assert_str_eq(jstr(r.json, "publish_at"), when);
	out = r.json;
	r.json = NULL;
	resp_free(&r);
	return out;
}

/* Counts the notifications naming text that arrive within ms. */
static int
notifications(PGconn *conn, const char *text, long ms)
{
	double until = wall() + ms / 1000.0;
	int n = 0;

	while (wall() < until) {
		struct timeval tv = {0, 50000};
		PGnotify *note;
		fd_set fds;
		int fd = PQsocket(conn);

		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		select(fd + 1, &fds, NULL, NULL, &tv);
		PQconsumeInput(conn);
		while ((note = PQnotifies(conn)) != NULL) {
			n += strstr(note->extra, text) != NULL;
			PQfreemem(note);
		}
	}
	return n;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
fetch(struct resp *r, const struct srv *s, const cJSON *ws, const char *sfx)
{
	char path[256];

	snprintf(path, sizeof(path), "/c/%s%s", jstr(ws, "slug"), sfx);
	api(r, s, "GET", path, NULL, NULL);
}

Test(scheduler, release_due_in_3s_appears_once_across_a_restart)
{
	struct srv *a = &servers[0], *b = &servers[1], *c = &servers[2];
	cJSON *ws = workspace_new("Scheduled");
	PGconn *conn = PQconnectdb(test_db_url());
	time_t due = time(NULL) + 3;
	cJSON *rel;
	double seen = 0;
	struct resp r;
	const char *p[1];

	PQclear(PQexec(conn, "LISTEN herald_release_published"));
	srv_start(a, NULL);
	rel = schedule(a, ws, "Launch at three", due);
	srv_stop(a);
	cr_assert_lt(wall(), (double)due, "server A outlived the due time");
	srv_start(b, NULL);
	srv_start(c, NULL);
	while (seen == 0 && wall() < due + 8) {
		fetch(&r, b, ws, "");
		if (strstr(r.body, "Launch at three") != NULL)
			seen = wall();
		resp_free(&r);
		if (seen == 0)
			sleep_ms(100);
	}
	cr_assert_gt(seen, 0, "the release never appeared");
	cr_assert_geq(seen, (double)due, "appeared before its time");
	cr_assert_leq(seen, (double)due + 5, "appeared %.1f s late",
	              seen - due);
	cr_assert_eq(notifications(conn, jstr(rel, "id"), 2500), 1);
	fetch(&r, c, ws, "/feed.atom");
	cr_assert_eq(count(r.body, "Launch at three"), 1);
	resp_free(&r);
	fetch(&r, b, ws, "/rss.xml");
	cr_assert_eq(count(r.body, "Launch at three"), 1);
	resp_free(&r);
	fetch(&r, c, ws, "");
	cr_assert_eq(count(r.body, "<h2 id=\"r-launch-at-three\">"), 1);
	resp_free(&r);
	p[0] = jstr(rel, "id");
	cr_assert_eq(sql_long("SELECT count(*) FROM releases WHERE id = "
	                      "$1::uuid AND status = 'published' AND "
	                      "published_at = publish_at",
	                      1, p),
	             1);
	cr_assert_eq(sql_long("SELECT count(*) FROM release_revisions WHERE "
	                      "release_id = $1::uuid AND "
	                      "status = 'published'",
	                      1, p),
	             1);
	PQfinish(conn);
	cJSON_Delete(rel);
	cJSON_Delete(ws);
}

Test(scheduler, three_servers_publish_each_due_release_exactly_once)
{
	cJSON *ws = workspace_new("Racing");
	PGconn *conn = PQconnectdb(test_db_url());
	char title[32], idtext[48], wsid[24];
	const char *p[1] = {wsid};
	time_t due = time(NULL) + 2;

	snprintf(wsid, sizeof(wsid), "%.0f",
	         cJSON_GetObjectItem(ws, "id")->valuedouble);
	snprintf(idtext, sizeof(idtext), "\"workspace_id\" : %s,", wsid);
	PQclear(PQexec(conn, "LISTEN herald_release_published"));
	for (int i = 0; i < 3; i++)
		srv_start(&servers[i], NULL);
	for (int i = 0; i < 10; i++) {
		snprintf(title, sizeof(title), "Batch %d", i);
		cJSON_Delete(schedule(&servers[i % 3], ws, title, due));
	}
	cr_assert_eq(
	    notifications(conn, idtext, (long)(due - time(NULL)) * 1000 + 3000),
	    10);
	cr_assert_eq(sql_long("SELECT count(*) FROM release_revisions v JOIN "
	                      "releases r ON r.id = v.release_id WHERE "
	                      "r.workspace_id = $1::bigint AND "
	                      "v.status = 'published'",
	                      1, p),
	             10);
	PQfinish(conn);
	cJSON_Delete(ws);
}
