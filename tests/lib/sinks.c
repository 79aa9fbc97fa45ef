/* Herald tests - starting and reading the recording receivers. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "lib/harness.h"
#include "lib/sinks.h"

static const char *
home(void)
{
	const char *h = getenv("HERALD_HOME");

	return h ? h : ".";
}

static void
child(const struct sink *s, const char *tool, int out)
{
	char script[512];

	snprintf(script, sizeof(script), "%s/tests/tools/%s.py", home(), tool);
	dup2(out, STDOUT_FILENO);
	execl("/usr/bin/python3", "python3", script, "--record", s->record,
	      (char *)NULL);
	_exit(127);
}

static void
read_ready(struct sink *s, int fd)
{
	char line[256] = "";
	size_t n = 0;
	struct pollfd p = {fd, POLLIN, 0};

	while (n + 1 < sizeof(line) && strchr(line, '\n') == NULL) {
		ssize_t got;

		if (poll(&p, 1, 10000) <= 0)
			cr_assert_fail("sink did not print its ready line");
		got = read(fd, line + n, sizeof(line) - 1 - n);
		if (got <= 0)
			cr_assert_fail("sink exited: %s", line);
		n += (size_t)got;
		line[n] = '\0';
	}
	const char *port = strstr(line, "port=");
	cr_assert_not_null(port, "ready line: %s", line);
	s->port = (int)strtol(port + 5, NULL, 10);
}

void
sink_start(struct sink *s, const char *tool)
{
	const char *tmp = getenv("HERALD_TEST_TMP");
	static int seq;
	int fds[2];

	memset(s, 0, sizeof(*s));
	snprintf(s->record, sizeof(s->record), "%s/%s-%d-%d.jsonl",
	         tmp ? tmp : "/tmp", tool, (int)getpid(), seq++);
	unlink(s->record);
	cr_assert_eq(pipe(fds), 0);
	s->pid = fork();
	if (s->pid == 0) {
		close(fds[0]);
		child(s, tool, fds[1]);
	}
	close(fds[1]);
	read_ready(s, fds[0]);
	close(fds[0]);
	snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%d",
	         strcmp(tool, "smtp_sink") == 0 ? "smtp" : "http", s->port);
}

void
sink_stop(struct sink *s)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	*len = 0;
	if (f == NULL)
		return calloc(1, 1);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	*len = fread(data, 1, (size_t)n, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

cJSON *
sink_records(const struct sink *s)
{
	size_t len;
	char *data = slurp(s->record, &len), *line, *next;
	cJSON *arr = cJSON_CreateArray();

	for (line = data; line != NULL && *line != '\0'; line = next) {
		cJSON *o;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		o = cJSON_Parse(line);

		if (o != NULL)
			cJSON_AddItemToArray(arr, o);
	}
	free(data);
	return arr;
}

int
sink_count(const struct sink *s, const char *path, int ok_only)
{
	cJSON *arr = sink_records(s), *e;
	int n = 0;

	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *p = cJSON_GetObjectItem(e, "path");
		const cJSON *st = cJSON_GetObjectItem(e, "status");

		if (path &&
		    (!cJSON_IsString(p) || strcmp(p->valuestring, path)))
			continue;
		if (ok_only && cJSON_IsNumber(st) &&
		    (st->valueint < 200 || st->valueint > 299))
			continue;
		n++;
	}
	cJSON_Delete(arr);
	return n;
}

int
sink_wait(const struct sink *s, const char *path, int n, int timeout_ms)
{
	int got = 0;

	for (int waited = 0; waited <= timeout_ms; waited += 50) {
		struct timespec ts = {0, 50 * 1000000L};

		got = sink_count(s, path, 1);
		if (got >= n)
			break;
		nanosleep(&ts, NULL);
	}
	return got;
}

void
sink_control(const struct sink *s, const char *json)
{
	char url[128];
	struct resp r;

	snprintf(url, sizeof(url), "%s/_control", s->url);
	http_do(&r, "POST", url, NULL, json, strlen(json));
	cr_assert_eq(r.status, 200);
	resp_free(&r);
}

char *
sink_body(const cJSON *record, size_t *len)
{
	const char *b64 =
	    cJSON_GetStringValue(cJSON_GetObjectItem(record, "body_b64"));
	size_t cap = b64 ? strlen(b64) : 0;
	char *out = malloc(cap + 1);

	*len = 0;
	if (b64 &&
	    sodium_base642bin((unsigned char *)out, cap, b64, cap, NULL, len,
	                      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		*len = 0;
	out[*len] = '\0';
	return out;
}

const char *
sink_header(const cJSON *record, const char *name)
{
	const char *v = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(record, "headers"), name));

	return v ? v : "";
}

cJSON *
sink_mail(const struct sink *s, int index)
{
	char cmd[700], buf[4096];
	FILE *p;
	size_t len = 0, cap = 1 << 16;
	char *out = malloc(cap);
	cJSON *o;

	snprintf(cmd, sizeof(cmd),
	         "/usr/bin/python3 %s/tests/tools/"
	         "mail_parts.py '%s' %d",
	         home(), s->record, index);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(buf, sizeof(buf), p) != NULL) {
		size_t n = strlen(buf);

		if (len + n + 1 > cap)
			out = realloc(out, cap *= 2);
		memcpy(out + len, buf, n);
		len += n;
	}
	out[len] = '\0';
	pclose(p);
	o = cJSON_Parse(out);
	cr_assert_not_null(o, "mail_parts.py: %s", out);
	free(out);
	return o;
}

char *
sink_wire(const struct sink *s, size_t *len)
{
	char path[300];

	snprintf(path, sizeof(path), "%s.wire", s->record);
	return slurp(path, len);
}
