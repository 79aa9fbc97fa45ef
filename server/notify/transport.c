/* Herald - how alerts travel: HTTP POST and SMTP through libcurl, each
 * answer sorted into delivered, retry later, throttled or refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/config.h"
#include "core/version.h"
#include "notify/notify.h"

#define CONNECT_TIMEOUT_MS 5000L
#define TOTAL_TIMEOUT_MS   10000L /* under the outbox lease */
#define RETRY_AFTER_MAX    3600L

bool
transport_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/* Retry-After: delay-seconds or an HTTP date. */
static size_t
on_header(char *data, size_t size, size_t n, void *user)
{
	struct send_result *res = user;
	size_t len = size * n;
	char value[128];
	long v;

	if (len < 13 || strncasecmp(data, "retry-after:", 12) != 0)
		return len;
	snprintf(value, sizeof(value), "%.*s", (int)(len - 12), data + 12);
	value[strcspn(value, "\r\n")] = '\0';
	char *p = value + strspn(value, " \t"), *end = NULL;
	v = strtol(p, &end, 10);
	if (end != p && (*end == '\0' || *end == ' ')) {
		res->retry_after = v;
	} else {
		time_t at = curl_getdate(p, NULL);

		if (at > 0)
			res->retry_after = (long)(at - time(NULL));
	}
	return len;
}

static size_t
discard(char *data, size_t size, size_t n, void *user)
{
	(void)data;
	(void)user;
	return size * n;
}

static void
classify_http(CURLcode rc, long status, const char *curl_err,
              struct send_result *res)
{
	res->status = status;
	if (rc != CURLE_OK) {
		res->outcome = rc == CURLE_URL_MALFORMAT ||
		                       rc == CURLE_UNSUPPORTED_PROTOCOL
		                   ? SEND_REFUSED
		                   : SEND_RETRY;
		snprintf(res->error, sizeof(res->error), "%s",
		         curl_err[0] ? curl_err : curl_easy_strerror(rc));
		return;
	}
	if (status >= 200 && status < 300) {
		res->outcome = SEND_DELIVERED;
		res->error[0] = '\0';
		return;
	}
	snprintf(res->error, sizeof(res->error), "HTTP %ld", status);
	if (status == 429) {
		res->outcome = SEND_THROTTLED;
		if (res->retry_after < 1)
			res->retry_after = 1;
		if (res->retry_after > RETRY_AFTER_MAX)
			res->retry_after = RETRY_AFTER_MAX;
	} else if (status >= 500 || status == 408) {
		res->outcome = SEND_RETRY;
	} else {
		res->outcome = SEND_REFUSED;
	}
}

void
transport_post(const char *url, const char *body, size_t len,
               const char *const *headers, struct send_result *res)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *list = NULL;
	CURL *h = curl_easy_init();
	CURLcode rc;
	long status = 0;

	memset(res, 0, sizeof(*res));
	if (h == NULL) {
		res->outcome = SEND_RETRY;
		snprintf(res->error, sizeof(res->error), "out of memory");
		return;
	}
	list = curl_slist_append(list, "Content-Type: application/json");
	list = curl_slist_append(list, "User-Agent: Herald/" HERALD_VERSION);
	list = curl_slist_append(list, "Expect:");
	for (int i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, res);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	classify_http(rc, status, curl_err, res);
	curl_slist_free_all(list);
	curl_easy_cleanup(h);
}

struct upload {
	const char *data;
	size_t len;
	size_t off;
};

static size_t
on_read(char *dst, size_t size, size_t n, void *user)
{
	struct upload *u = user;
	size_t room = size * n, left = u->len - u->off;
	size_t take = left < room ? left : room;

	memcpy(dst, u->data + u->off, take);
	u->off += take;
	return take;
}

/* libcurl dot-stuffs lines starting with "." in SMTP uploads (and adds
 * the final "."), so the message is handed over as is, CRLF-terminated.
 * The reply code sorts the outcome: 5xx refuses, anything else retries. */
void
transport_smtp(const char *from, const cJSON *recipients, const char *msg,
               size_t len, struct send_result *res)
{
	char curl_err[CURL_ERROR_SIZE] = "", mail_from[300];
	struct upload up = {msg, len, 0};
	struct curl_slist *rcpt = NULL;
	const cJSON *e;
	CURL *h;
	CURLcode rc;
	long code = 0;

	memset(res, 0, sizeof(*res));
	if (config.smtp_url == NULL || (h = curl_easy_init()) == NULL) {
		res->outcome = SEND_RETRY;
		snprintf(res->error, sizeof(res->error),
		         "email is not configured (HERALD_SMTP_URL)");
		return;
	}
	snprintf(mail_from, sizeof(mail_from), "<%s>", from);
	cJSON_ArrayForEach(e, recipients)
	{
		char to[300];

		snprintf(to, sizeof(to), "<%s>", e->valuestring);
		rcpt = curl_slist_append(rcpt, to);
	}
	curl_easy_setopt(h, CURLOPT_URL, config.smtp_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	res->status = code;
	if (rc == CURLE_OK) {
		res->outcome = SEND_DELIVERED;
	} else {
		res->outcome =
		    code >= 500 && code < 600 ? SEND_REFUSED : SEND_RETRY;
		snprintf(res->error, sizeof(res->error), "SMTP %ld: %.200s",
		         code, curl_err[0] ? curl_err : curl_easy_strerror(rc));
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
}
