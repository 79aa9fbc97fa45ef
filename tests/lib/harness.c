/* Herald tests - harness: real server processes, HTTP through libcurl,
 * SQL through libpq. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <sodium.h>

#include "lib/harness.h"

const char *
herald_bin(void)
{
	const char *b = getenv("HERALD_BIN");

	return b && *b ? b : "bin/herald";
}

const char *
test_db_url(void)
{
	const char *u = getenv("HERALD_DATABASE_URL");

	if (u == NULL || *u == '\0')
		cr_assert_fail(
		    "HERALD_DATABASE_URL is not set; run via make test");
	return u;
}

static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		cr_assert_fail("no free port: %s", strerror(errno));
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

bool
srv_log_has(const struct srv *s, const char *text)
{
	char buf[1 << 16];
	FILE *f = fopen(s->log, "r");
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(buf, sizeof(buf), f) != NULL)
		found = strstr(buf, text) != NULL;
	fclose(f);
	return found;
}

void
srv_start(struct srv *s, const char *const *env)
{
	char listen[64];
	const char *tmp = getenv("HERALD_TEST_TMP");

	s->port = free_port();
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
	snprintf(s->log, sizeof(s->log), "%s/herald-%d-%d.log",
	         tmp ? tmp : "/tmp", (int)getpid(), s->port);
	s->pid = fork();
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		setenv("HERALD_LISTEN", listen, 1);
		setenv("HERALD_PUBLIC_URL", s->url, 1);
		for (int i = 0; env && env[i]; i++)
			putenv(strdup(env[i]));
		execl(herald_bin(), "herald", "serve", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1500; i++) {
		struct timespec ts = {0, 10 * 1000000L};
		int status;

		if (srv_log_has(s, "herald ready"))
			return;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid)
			cr_assert_fail("herald exited before ready; log %s",
			               s->log);
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("herald not ready within 15 s; log %s", s->log);
}

static void
stop_with(struct srv *s, int sig)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, sig);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
}

void
srv_stop(struct srv *s)
{
	stop_with(s, SIGTERM);
}

void
srv_kill(struct srv *s)
{
	stop_with(s, SIGKILL);
}

struct sink {
	char *data;
	size_t len;
};

static size_t
on_data(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t add = size * n;
	char *grown = realloc(s->data, s->len + add + 1);

	if (grown == NULL)
		return 0;
	s->data = grown;
	memcpy(s->data + s->len, p, add);
	s->len += add;
	s->data[s->len] = '\0';
	return add;
}

void
http_do(struct resp *r, const char *method, const char *url,
        const char *const *headers, const char *body, size_t len)
{
	struct sink b = {0}, h = {0};
	struct curl_slist *list = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	for (int i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	list = curl_slist_append(list, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		r->status = -1;
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	r->body = b.data ? b.data : strdup("");
	r->len = b.len;
	r->headers = h.data ? h.data : strdup("");
	r->json = cJSON_Parse(r->body);
}

void
resp_free(struct resp *r)
{
	free(r->body);
	free(r->headers);
	cJSON_Delete(r->json);
	memset(r, 0, sizeof(*r));
}

char *
resp_header(const struct resp *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = r->headers; p && *p;) {
		const char *eol = strstr(p, "\r\n");
		size_t linelen = eol ? (size_t)(eol - p) : strlen(p);

		if (linelen > n + 1 && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			return strndup(v, linelen - (size_t)(v - p));
		}
		if (eol == NULL)
			break;
		p = eol + 2;
	}
	return NULL;
}

void
api(struct resp *r, const struct srv *s, const char *method, const char *path,
    const char *token, const char *json)
{
	char url[2048], auth[256];
	const char *headers[3] = {"Content-Type: application/json", NULL, NULL};

	snprintf(url, sizeof(url), "%s%s", s->url, path);
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		headers[1] = auth;
	}
	http_do(r, method, url, headers, json, json ? strlen(json) : 0);
}

void
segment_post(struct resp *r, const struct srv *s, const char *key,
             const char *path, const char *json)
{
	segment_post_len(r, s, key, path, json, strlen(json));
}

void
segment_post_len(struct resp *r, const struct srv *s, const char *key,
                 const char *path, const char *body, size_t len)
{
	char user[256], b64[400], auth[480], url[256];
	const char *headers[3] = {auth, "Content-Type: application/json", NULL};

	snprintf(user, sizeof(user), "%s:", key);
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)user,
	                  strlen(user), sodium_base64_VARIANT_ORIGINAL);
	snprintf(auth, sizeof(auth), "Authorization: Basic %s", b64);
	snprintf(url, sizeof(url), "%s%s", s->url, path);
	http_do(r, "POST", url, headers, body, len);
}

static PGconn *
conn(void)
{
	static PGconn *c;

	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		if (c != NULL)
			PQfinish(c);
		c = PQconnectdb(test_db_url());
		if (PQstatus(c) != CONNECTION_OK)
			cr_assert_fail("test database: %s", PQerrorMessage(c));
	}
	return c;
}

PGresult *
sql(const char *query, int n, const char *const *params)
{
	PGresult *r =
	    PQexecParams(conn(), query, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		cr_assert_fail("SQL failed: %s\n%s", PQresultErrorMessage(r),
		               query);
	return r;
}

char *
sql_value(const char *query, int n, const char *const *params)
{
	PGresult *r = sql(query, n, params);
	char *v = strdup(PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");

	PQclear(r);
	return v;
}

long
sql_long(const char *query, int n, const char *const *params)
{
	char *v = sql_value(query, n, params);
	long x = strtol(v, NULL, 10);

	free(v);
	return x;
}

bool
sql_wait(const char *query, int n, const char *const *params, long want)
{
	for (int i = 0; i < 200; i++) {
		if (sql_long(query, n, params) == want)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

bool
wait_rollups(const cJSON *ws)
{
	char id[32];
	const char *p[1] = {id};

	snprintf(id, sizeof(id), "%.0f",
	         cJSON_GetObjectItem(ws, "id")->valuedouble);
	return sql_wait("SELECT count(*) FROM rollup_pending"
	                " WHERE $1::int8 = ANY(ws)",
	                1, p, 0);
}

cJSON *
workspace_new(const char *name)
{
	char cmd[512], line[4096];
	static int seq;
	FILE *p;
	cJSON *ws;

	snprintf(cmd, sizeof(cmd),
	         "%s workspace create --name '%s' --slug t%d-%d-%ld 2>&1",
	         herald_bin(), name, (int)getpid(), seq++, (long)time(NULL));
	p = popen(cmd, "r");
	if (p == NULL || fgets(line, sizeof(line), p) == NULL)
		cr_assert_fail("workspace create gave no output");
	pclose(p);
	ws = cJSON_Parse(line);
	if (ws == NULL)
		cr_assert_fail("workspace create: %s", line);
	return ws;
}

const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

int
run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
