/* Herald integration tests - the server core: operations endpoints,
 * errors, body limits, database recovery, idle connections. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

SERVER_SUITE(core, 60);

Test(core, healthz_and_readyz_answer_200_when_migrated)
{
	struct resp r;

	api(&r, &s, "GET", "/healthz", NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(jstr(r.json, "status"), "ok");
	resp_free(&r);
	api(&r, &s, "GET", "/readyz", NULL, NULL);
	cr_assert_eq(r.status, 200, "readyz: %s", r.body);
	resp_free(&r);
}

Test(core, every_response_carries_a_request_id)
{
	struct resp r;
	char *id;

	api(&r, &s, "GET", "/healthz", NULL, NULL);
	id = resp_header(&r, "X-Request-Id");
	cr_assert_not_null(id);
	cr_assert_eq(strlen(id), 16);
	free(id);
	resp_free(&r);
}

Test(core, unknown_path_is_a_json_404_and_wrong_method_a_405)
{
	struct resp r;
	char *allow;

	api(&r, &s, "GET", "/no/such/thing", NULL, NULL);
	cr_assert_eq(r.status, 404);
	cr_assert(strstr(jstr(r.json, "error"), "/no/such/thing") != NULL);
	resp_free(&r);
	api(&r, &s, "DELETE", "/healthz", NULL, NULL);
	cr_assert_eq(r.status, 405);
	cr_assert(strstr(jstr(r.json, "error"), "DELETE") != NULL);
	allow = resp_header(&r, "Allow");
	cr_assert_str_eq(allow ? allow : "(none)", "GET");
	free(allow);
	resp_free(&r);
	api(&r, &s, "DELETE", "/api/v1/releases", NULL, NULL);
	cr_assert_eq(r.status, 405);
	allow = resp_header(&r, "Allow");
	cr_assert_str_eq(allow ? allow : "(none)", "GET, POST");
	free(allow);
	resp_free(&r);
}

Test(core, metrics_count_requests_by_route_and_status)
{
	struct resp r;

	static const char line[] = "herald_http_requests_total{method=\"GET\","
	                           "route=\"/healthz\",status=\"200\"} 1";

	api(&r, &s, "GET", "/healthz", NULL, NULL);
	resp_free(&r);
	/* A request is counted when it completes, which may be a moment
	 * after its client has read the answer. */
	for (int i = 0;; i++) {
		api(&r, &s, "GET", "/metrics", NULL, NULL);
		cr_assert_eq(r.status, 200);
		if (strstr(r.body, line) != NULL || i == 50)
			break;
		resp_free(&r);
		usleep(20 * 1000);
	}
	cr_assert(strstr(r.body, line) != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "herald_db_pool_size ") != NULL);
	cr_assert(strstr(r.body, "herald_build_info{version=") != NULL);
	resp_free(&r);
}

Test(core, metrics_pass_promtool)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
	         ""
	         "curl -fsS %s/metrics | promtool check metrics",
	         s.url);
	cr_assert_eq(run(cmd), 0);
}

Test(core, admin_api_without_token_is_401)
{
	struct resp r;

	api(&r, &s, "GET", "/api/v1/workspace", NULL, NULL);
	cr_assert_eq(r.status, 401);
	cr_assert(strstr(jstr(r.json, "error"), "Bearer") != NULL);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/workspace", "at_wrong", NULL);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
}

Test(core, admin_token_reads_and_updates_its_workspace)
{
	cJSON *ws = workspace_new("Core Ws");
	struct resp r;

	api(&r, &s, "GET", "/api/v1/workspace", jstr(ws, "admin_token"), NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(jstr(r.json, "public_key"), jstr(ws, "public_key"));
	cr_assert_null(cJSON_GetObjectItem(r.json, "identity_secret"));
	resp_free(&r);
	api(&r, &s, "PATCH", "/api/v1/workspace", jstr(ws, "admin_token"),
	    "{\"timezone\":\"Europe/Berlin\","
	    "\"allowed_origins\":[\"https://app.example.com\"]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "timezone"), "Europe/Berlin");
	resp_free(&r);
	api(&r, &s, "PATCH", "/api/v1/workspace", jstr(ws, "admin_token"),
	    "{\"timezone\":\"Mars/Olympus\"}");
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(jstr(r.json, "error"), "timezone") != NULL);
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(core, malformed_json_is_a_400_naming_the_problem)
{
	cJSON *ws = workspace_new("Json Ws");
	struct resp r;

	api(&r, &s, "PATCH", "/api/v1/workspace", jstr(ws, "admin_token"),
	    "{\"name\": ");
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(jstr(r.json, "error"), "not valid JSON") != NULL);
	resp_free(&r);
	cJSON_Delete(ws);
}

Test(core, body_over_the_limit_is_413)
{
	cJSON *ws = workspace_new("Big Ws");
	size_t n = (1u << 20) + 100;
	char *big = malloc(n + 1);
	struct resp r;

	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	api(&r, &s, "PATCH", "/api/v1/workspace", jstr(ws, "admin_token"), big);
	cr_assert_eq(r.status, 413);
	cr_assert(strstr(jstr(r.json, "error"), "limit") != NULL);
	resp_free(&r);
	free(big);
	cJSON_Delete(ws);
}

Test(core, slow_and_chunked_bodies_are_read_whole)
{
	cJSON *ws = workspace_new("Chunk Ws");
	char cmd[1024];
	char *v;

	/* 5 KB of JSON at 1 KB/s, then the same with chunked encoding. */
	snprintf(
	    cmd, sizeof(cmd),
	    "python3 -c 'print(\"{\\\"name\\\":\\\"slow\\\"\" + \" \"*5000"
	    " + \"}\")'"
	    " > /tmp/slow-%d.json && "
	    "curl -fsS -o /dev/null --limit-rate 1k -X PATCH "
	    "-H 'Authorization: Bearer %s' --data-binary @/tmp/slow-%d.json "
	    "%s/api/v1/workspace && "
	    "curl -fsS -o /dev/null -X PATCH -H 'Transfer-Encoding: chunked' "
	    "-H 'Authorization: Bearer %s' -d '{\"name\":\"chunked\"}' "
	    "%s/api/v1/workspace",
	    (int)getpid(), jstr(ws, "admin_token"), (int)getpid(), s.url,
	    jstr(ws, "admin_token"), s.url);
	cr_assert_eq(run(cmd), 0);
	const char *p[1] = {jstr(ws, "slug")};
	v = sql_value("SELECT name FROM workspaces WHERE slug = $1", 1, p);
	cr_assert_str_eq(v, "chunked");
	free(v);
	cJSON_Delete(ws);
}

static int
hold_connection(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[512];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	if (write(fd, req, sizeof(req) - 1) < 0 ||
	    read(fd, buf, sizeof(buf)) <= 0) {
		close(fd);
		return -1;
	}
	return fd;
}

Test(core, two_hundred_idle_keepalive_connections_do_not_lock_out)
{
	int fds[200];
	struct resp r;

	for (int i = 0; i < 200; i++) {
		fds[i] = hold_connection(s.port);
		cr_assert_geq(fds[i], 0, "connection %d failed", i);
	}
	char url[128];
	snprintf(url, sizeof(url), "%s/healthz", s.url);
	http_do(&r, "GET", url, NULL, NULL, 0);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	for (int i = 0; i < 200; i++)
		close(fds[i]);
}

Test(core, requests_recover_after_backends_are_terminated)
{
	struct srv t;
	struct resp r;
	const char *env[] = {"PGAPPNAME=herald-terminate-test", NULL};
	long killed;

	srv_start(&t, env);
	api(&r, &t, "GET", "/readyz", NULL, NULL);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	killed = sql_long("SELECT count(pg_terminate_backend(pid)) FROM "
	                  "pg_stat_activity WHERE application_name = "
	                  "'herald-terminate-test'",
	                  0, NULL);
	cr_assert_geq(killed, 1);
	/* The first request after the kill must already succeed. */
	api(&r, &t, "GET", "/readyz", NULL, NULL);
	cr_assert_eq(r.status, 200, "after terminate: %s", r.body);
	resp_free(&r);
	srv_stop(&t);
}

Test(core, sigterm_stops_the_server_cleanly)
{
	struct srv t;

	srv_start(&t, NULL);
	srv_stop(&t);
	cr_assert(srv_log_has(&t, "component=serve stopped"));
}

Test(core, workspace_patch_refuses_a_field_it_cannot_change)
{
	cJSON *ws = workspace_new("Patch Ws");
	struct resp r;

	api(&r, &s, "PATCH", "/api/v1/workspace", jstr(ws, "admin_token"),
	    "{\"nmae\":\"Typo\"}");
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "error"),
	                 "nmae: cannot be changed; send name, timezone,"
	                 " allowed_origins or require_signed_identity");
	resp_free(&r);
	api(&r, &s, "PATCH", "/api/v1/workspace", jstr(ws, "admin_token"),
	    "{\"name\":\"New\",\"retention_months\":-1}");
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strncmp(jstr(r.json, "error"), "retention_months:", 17) == 0);
	resp_free(&r);
	api(&r, &s, "GET", "/api/v1/workspace", jstr(ws, "admin_token"), NULL);
	cr_assert_str_eq(jstr(r.json, "name"), "Patch Ws");
	cr_assert_eq(cJSON_GetObjectItem(r.json, "retention_months")->valueint,
	             13);
	resp_free(&r);
	cJSON_Delete(ws);
}
