/* Herald - alert emails: multipart/alternative (text and HTML) with
 * quoted-printable bodies (CRLF, no line over 76 characters) and RFC 2047
 * encoded-word headers in which control characters can never start a
 * new header. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "content/escape.h"
#include "core/util.h"
#include "notify/notify.h"

#define BODY_CAP     (128u * 1024)
#define HEADER_BYTES 600 /* of text before encoding */
#define WORD_BYTES   39  /* bytes per encoded word: 52 base64 chars */
#define QP_LINE      75

/* ---- headers --------------------------------------------------------------
 */

static bool
needs_encoding(const char *s, size_t start)
{
	size_t n = strlen(s);

	if (start + n > 76 || strstr(s, "=?") != NULL)
		return true;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x7f ||
		    strchr("()<>@,;:\\\".[]", *p) != NULL)
			return true;
	return false;
}

static bool
encode_words(struct buf *out, const char *s, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(WORD_BYTES,
	                                   sodium_base64_VARIANT_ORIGINAL)];
	size_t off = 0;

	while (off < n) {
		size_t take = util_utf8_cut(s + off, n - off, WORD_BYTES);

		if (take == 0)
			take = 1;
		/* Split after a space where possible: some readers show the
		 * fold between words in a display name as a space. */
		for (size_t k = take; off + take < n && k > take / 2; k--)
			if (s[off + k - 1] == ' ') {
				take = k;
				break;
			}
		sodium_bin2base64(b64, sizeof(b64),
		                  (const unsigned char *)s + off, take,
		                  sodium_base64_VARIANT_ORIGINAL);
		if ((off > 0 && !buf_puts(out, "\r\n ")) ||
		    !buf_printf(out, "=?UTF-8?B?%s?=", b64))
			return false;
		off += take;
	}
	return true;
}

bool
email_header_value(struct buf *out, const char *text, size_t start)
{
	char clean[HEADER_BYTES + 1];
	size_t n = util_utf8_cut(text, strlen(text), HEADER_BYTES);

	memcpy(clean, text, n);
	clean[n] = '\0';
	/* CR, LF and every other control character become spaces. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
			clean[i] = ' ';
	if (!needs_encoding(clean, start))
		return buf_puts(out, clean);
	return encode_words(out, clean, n);
}

/* ---- quoted-printable ---------------------------------------------------- */

static bool
qp_line(struct buf *out, const char *s, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool last = i + 1 == n;
		char tok[4];
		size_t len;

		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !last)) {
			tok[0] = (char)c;
			len = 1;
		} else {
			snprintf(tok, sizeof(tok), "=%02X", c);
			len = 3;
		}
		if (col + len > QP_LINE) {
			if (!buf_puts(out, "=\r\n"))
				return false;
			col = 0;
		}
		if (!buf_append(out, tok, len))
			return false;
		col += len;
	}
	return buf_puts(out, "\r\n");
}

bool
email_qp(struct buf *out, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		size_t m = n > 0 && p[n - 1] == '\r' ? n - 1 : n;

		if (!qp_line(out, p, m))
			return false;
		p += n;
		if (*p == '\n')
			p++;
	}
	return true;
}

/* ---- bodies ----------------------------------------------------------------
 */

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Writes text as is (plain) or HTML-escaped. */
static bool
put(struct buf *b, bool html, const char *text)
{
	if (text == NULL)
		return true;
	return html ? escape_html(b, text) : buf_puts(b, text);
}

static bool
item(struct buf *b, bool html)
{
	return buf_puts(b, html ? "</li>\n<li>" : "\n  - ");
}

static bool
who_part(struct buf *b, bool html, const cJSON *c)
{
	const cJSON *p = cJSON_GetObjectItem(c, "person");
	const cJSON *a = cJSON_GetObjectItem(c, "account");
	bool ok = buf_puts(b, html ? "<p><b>Person:</b> " : "Person:   ") &&
	          put(b, html, str(p, "name") ? str(p, "name") : "unknown");

	if (ok && str(p, "email"))
		ok = buf_puts(b, html ? " &lt;" : " <") &&
		     put(b, html, str(p, "email")) &&
		     buf_puts(b, html ? "&gt;" : ">");
	if (ok && str(p, "role"))
		ok = buf_puts(b, ", ") && put(b, html, str(p, "role"));
	ok =
	    ok && buf_puts(b, html ? "<br>\n<b>Company:</b> " : "\nCompany:  ");
	if (!ok || !cJSON_IsObject(a))
		return ok && put(b, html, "none known");
	ok = put(b, html, str(a, "name") ? str(a, "name") : "unnamed");
	if (ok && cJSON_IsNumber(cJSON_GetObjectItem(a, "employees")))
		ok = buf_printf(b, ", %.0f employees", num(a, "employees"));
	if (ok && str(a, "industry"))
		ok = buf_puts(b, ", ") && put(b, html, str(a, "industry"));
	if (ok && str(a, "country"))
		ok = buf_puts(b, ", ") && put(b, html, str(a, "country"));
	if (ok && str(a, "plan"))
		ok = buf_puts(b, ", plan ") && put(b, html, str(a, "plan"));
	return ok;
}

static bool
score_part(struct buf *b, bool html, const cJSON *c)
{
	const cJSON *s = cJSON_GetObjectItem(c, "score"), *r;
	bool ok =
	    buf_printf(b,
	               "%sScore:%s    %.0f (fit %.0f, engagement %.0f), "
	               "rule ",
	               html ? "<br>\n<b>" : "\n", html ? "</b>" : "",
	               num(s, "total"), num(s, "fit"), num(s, "engagement")) &&
	    put(b, html, str(cJSON_GetObjectItem(c, "rule"), "name")) &&
	    buf_puts(b, html ? "<br>\n<b>Qualified:</b> " : "\nQualified: ") &&
	    put(b, html, str(c, "qualified_at")) &&
	    buf_puts(b,
	             html ? "</p>\n<p><b>Why</b></p>\n<ul><li>" : "\n\nWhy:");

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "reasons"))
	{
		const char *what = str(r, "text");

		ok =
		    ok && item(b, html) && put(b, html, what ? what : "signal");
		if (ok && cJSON_IsNumber(cJSON_GetObjectItem(r, "points")))
			ok = buf_printf(b, " %+.0f", num(r, "points"));
	}
	return ok && buf_puts(b, html ? "</li></ul>\n" : "\n");
}

static bool
activity_part(struct buf *b, bool html, const cJSON *c)
{
	const cJSON *act = cJSON_GetObjectItem(c, "activity"), *e;
	bool ok = buf_puts(b, html ? "<p><b>What they did</b> (last 30 days)"
	                             "</p>\n<ul><li>"
	                           : "\nWhat they did (last 30 days):");

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(act, "releases_read"))
	{
		ok = ok && item(b, html) &&
		     buf_printf(b, "%s \"", content_read_verb(e)) &&
		     put(b, html, str(e, "title")) && buf_puts(b, "\"") &&
		     content_read_tail(e, b) && buf_puts(b, " ") &&
		     put(b, html, str(e, "url"));
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(act, "links_clicked")) ok =
	    ok && item(b, html) && buf_puts(b, "Clicked ") &&
	    put(b, html, str(e, "url")) &&
	    buf_printf(b, " (%.0f times)", num(e, "count"));
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(act, "shares")) ok =
	    ok && item(b, html) && buf_puts(b, "Shared \"") &&
	    put(b, html, str(e, "release")) && buf_puts(b, "\" on ") &&
	    put(b, html, str(e, "channel"));
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(act, "features_tried"))
	{
		ok = ok && item(b, html) && buf_puts(b, "Tried ") &&
		     put(b, html, str(e, "feature")) &&
		     buf_printf(b, " (%.0f times)", num(e, "count"));
		if (ok && str(e, "release"))
			ok = buf_puts(b, " after \"") &&
			     put(b, html, str(e, "release")) &&
			     buf_puts(b, "\"");
	}
	return ok && buf_puts(b, html ? "</li></ul>\n" : "\n");
}

static bool
closing_part(struct buf *b, bool html, const cJSON *c)
{
	const cJSON *top = cJSON_GetObjectItem(c, "release");
	bool ok = buf_puts(b, html ? "<p><b>Suggested opener</b></p>\n"
	                             "<blockquote>"
	                           : "\nSuggested opener:\n  ") &&
	          put(b, html, str(c, "opening_line")) &&
	          buf_puts(b, html ? "</blockquote>\n<p><a href=\""
	                           : "\n\nOpen the lead: ") &&
	          put(b, html, str(c, "lead_url")) &&
	          buf_puts(b, html ? "\">Open the lead page</a></p>\n" : "\n");

	if (!ok || str(top, "summary") == NULL || !str(top, "summary")[0])
		return ok;
	return buf_puts(b, html ? "<p><b>About \"" : "\nAbout \"") &&
	       put(b, html, str(top, "title")) &&
	       buf_puts(b, html ? "\"</b></p>\n<pre>" : "\":\n") &&
	       put(b, html, str(top, "summary")) &&
	       buf_puts(b, html ? "</pre>\n" : "\n");
}

static bool
digest_part(struct buf *b, bool html, const cJSON *c)
{
	const cJSON *it;
	bool ok = buf_puts(b, html ? "<ul><li>" : "Qualified leads:");

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(c, "alerts"))
	{
		ok = ok && item(b, html) &&
		     put(b, html,
		         str(cJSON_GetObjectItem(it, "person"), "name")) &&
		     buf_puts(b, " (") &&
		     put(b, html,
		         str(cJSON_GetObjectItem(it, "account"), "name")) &&
		     buf_puts(b, "): ") &&
		     put(b, html,
		         str(cJSON_GetObjectItem(it, "rule"), "name")) &&
		     buf_printf(
		         b, ", score %.0f ",
		         num(cJSON_GetObjectItem(it, "score"), "total")) &&
		     put(b, html, str(it, "lead_url"));
	}
	return ok && buf_puts(b, html ? "</li></ul>\n" : "\n");
}

static bool
body(struct buf *b, bool html, const cJSON *c, const char *title)
{
	const char *type = str(c, "type");
	bool ok =
	    buf_puts(b, html ? "<!DOCTYPE html>\n<html><body>\n<h2>" : "") &&
	    put(b, html, title) && buf_puts(b, html ? "</h2>\n" : "\n\n");

	if (!ok)
		return false;
	if (type && strcmp(type, "test") == 0)
		ok = put(b, html, str(c, "text")) && buf_puts(b, "\n");
	else if (type && strcmp(type, "digest") == 0)
		ok = digest_part(b, html, c);
	else
		ok = who_part(b, html, c) && score_part(b, html, c) &&
		     activity_part(b, html, c) && closing_part(b, html, c);
	return ok && buf_puts(b, html ? "</body></html>\n" : "");
}

/* ---- the message --------------------------------------------------------- */

static bool
title_of(const cJSON *c, struct buf *t)
{
	const char *type = str(c, "type");
	const cJSON *p = cJSON_GetObjectItem(c, "person");
	const cJSON *a = cJSON_GetObjectItem(c, "account");

	if (type && strcmp(type, "test") == 0)
		return buf_puts(t, "Herald test message");
	if (type && strcmp(type, "digest") == 0) {
		int n = cJSON_GetArraySize(cJSON_GetObjectItem(c, "alerts"));

		return buf_printf(t, "Herald digest: %d lead%s qualified", n,
		                  n == 1 ? "" : "s");
	}
	return buf_puts(t, str(p, "name") ? str(p, "name") : "Someone") &&
	       (str(a, "name") == NULL ||
	        buf_printf(t, " (%s)", str(a, "name"))) &&
	       buf_printf(t, " qualified: %s",
	                  str(cJSON_GetObjectItem(c, "rule"), "name")
	                      ? str(cJSON_GetObjectItem(c, "rule"), "name")
	                      : "");
}

static bool
headers(struct buf *m, const cJSON *c, const char *from,
        const cJSON *recipients, const char *title)
{
	const char *ws = str(cJSON_GetObjectItem(c, "workspace"), "name");
	const char *id = str(c, "event_id");
	const cJSON *e;
	char display[300], date[64];
	time_t now = time(NULL);
	struct tm tm;
	bool ok;

	snprintf(display, sizeof(display), "Herald \xc2\xb7 %s", ws ? ws : "");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	ok = buf_puts(m, "From: ") && email_header_value(m, display, 6) &&
	     buf_printf(m, "\r\n <%s>\r\nTo: ", from);
	cJSON_ArrayForEach(e, recipients) ok =
	    ok &&
	    buf_printf(m, "%s<%s>", e == recipients->child ? "" : ",\r\n ",
	               e->valuestring);
	return ok && buf_puts(m, "\r\nSubject: ") &&
	       email_header_value(m, title, 9) &&
	       buf_printf(m,
	                  "\r\nDate: %s\r\nMessage-ID: <%s@herald>\r\n"
	                  "X-Herald-Event-Id: %s\r\nMIME-Version: 1.0\r\n"
	                  "Content-Type: multipart/alternative;"
	                  " boundary=\"=_herald_%s\"\r\n\r\n",
	                  date, id ? id : "", id ? id : "", id ? id : "");
}

static bool
part(struct buf *m, const char *id, const char *ctype, const char *text)
{
	return buf_printf(m,
	                  "--=_herald_%s\r\nContent-Type: %s; charset=UTF-8\r\n"
	                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	                  id, ctype) &&
	       email_qp(m, text);
}

char *
email_render(const cJSON *content, const char *from, const cJSON *recipients)
{
	const char *id = str(content, "event_id");
	struct buf m, t, plain, html;
	char *out = NULL;

	buf_init(&m, NOTIFY_PAYLOAD_CAP);
	buf_init(&t, 2000);
	buf_init(&plain, BODY_CAP);
	buf_init(&html, BODY_CAP);
	if (title_of(content, &t) &&
	    headers(&m, content, from, recipients, t.data) &&
	    body(&plain, false, content, t.data) &&
	    body(&html, true, content, t.data) &&
	    part(&m, id ? id : "", "text/plain", plain.data) &&
	    part(&m, id ? id : "", "text/html", html.data) &&
	    buf_printf(&m, "--=_herald_%s--\r\n", id ? id : ""))
		out = buf_steal(&m);
	buf_cleanup(&m);
	buf_cleanup(&t);
	buf_cleanup(&plain);
	buf_cleanup(&html);
	return out;
}
