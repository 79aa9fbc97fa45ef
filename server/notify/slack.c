/* Herald - Slack messages: Block Kit built with cJSON, every piece of
 * text escaped once (&, <, >) so nothing can ping a channel or forge a
 * link, and cut to Slack's limits on a character boundary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "notify/notify.h"

#define TEXT_CAP     (64u * 1024)
#define FALLBACK_MAX 3000
#define ELLIPSIS     "\xe2\x80\xa6"

bool
slack_escape(struct buf *out, const char *text)
{
	bool ok = true;

	for (const char *p = text; ok && *p != '\0'; p++) {
		switch (*p) {
		case '&':
			ok = buf_puts(out, "&amp;");
			break;
		case '<':
			ok = buf_puts(out, "&lt;");
			break;
		case '>':
			ok = buf_puts(out, "&gt;");
			break;
		default:
			ok = buf_append(out, p, 1);
		}
	}
	return ok;
}

/* Byte offset of character number `chars` in s, or the length. */
static size_t
char_offset(const char *s, size_t len, size_t chars)
{
	size_t i = 0;

	while (i < len && chars > 0) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars--;
	}
	return i;
}

static size_t
char_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

bool
slack_cut(struct buf *b, size_t max)
{
	size_t at;

	if (b->data == NULL || char_count(b->data, b->len) <= max)
		return true;
	at = char_offset(b->data, b->len, max - 1);
	/* Never leave half an entity such as "&am". */
	for (size_t back = 1; back <= 5 && back <= at; back++) {
		char ch = b->data[at - back];

		if (ch == ';')
			break;
		if (ch == '&') {
			at -= back;
			break;
		}
	}
	b->len = at;
	b->data[at] = '\0';
	return buf_puts(b, ELLIPSIS);
}

/* ---- small builders -------------------------------------------------- */

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

/* Appends escaped text, or `none` when text is NULL. */
static bool
put(struct buf *b, const char *text, const char *none)
{
	return slack_escape(b, text ? text : none);
}

static void
add_text_block(cJSON *blocks, const char *type, const char *text_type,
               struct buf *b, size_t max)
{
	cJSON *blk, *t;

	if (cJSON_GetArraySize(blocks) >= SLACK_BLOCKS_MAX || b->len == 0 ||
	    !slack_cut(b, max))
		return;
	blk = cJSON_CreateObject();
	cJSON_AddStringToObject(blk, "type", type);
	t = cJSON_AddObjectToObject(blk, "text");
	cJSON_AddStringToObject(t, "type", text_type);
	cJSON_AddStringToObject(t, "text", b->data);
	if (strcmp(text_type, "plain_text") == 0)
		cJSON_AddBoolToObject(t, "emoji", true);
	cJSON_AddItemToArray(blocks, blk);
}

static void
add_section(cJSON *blocks, struct buf *b)
{
	add_text_block(blocks, "section", "mrkdwn", b, SLACK_SECTION_MAX);
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static void
add_context(cJSON *blocks, struct buf *b)
{
	cJSON *blk, *els, *t;

	if (cJSON_GetArraySize(blocks) >= SLACK_BLOCKS_MAX ||
	    !slack_cut(b, SLACK_SECTION_MAX))
		return;
	blk = cJSON_CreateObject();
	cJSON_AddStringToObject(blk, "type", "context");
	els = cJSON_AddArrayToObject(blk, "elements");
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "type", "mrkdwn");
	cJSON_AddStringToObject(t, "text", b->data);
	cJSON_AddItemToArray(els, t);
	cJSON_AddItemToArray(blocks, blk);
	b->len = 0;
	b->data[0] = '\0';
}

static void
add_button(cJSON *blocks, const char *label, const char *url)
{
	cJSON *blk, *els, *btn, *t;

	if (url == NULL || strlen(url) > 3000 ||
	    cJSON_GetArraySize(blocks) >= SLACK_BLOCKS_MAX)
		return;
	blk = cJSON_CreateObject();
	cJSON_AddStringToObject(blk, "type", "actions");
	els = cJSON_AddArrayToObject(blk, "elements");
	btn = cJSON_CreateObject();
	cJSON_AddStringToObject(btn, "type", "button");
	t = cJSON_AddObjectToObject(btn, "text");
	cJSON_AddStringToObject(t, "type", "plain_text");
	cJSON_AddStringToObject(t, "text", label);
	cJSON_AddStringToObject(btn, "url", url);
	cJSON_AddStringToObject(btn, "style", "primary");
	cJSON_AddItemToArray(els, btn);
	cJSON_AddItemToArray(blocks, blk);
}

/* ---- the alert's sections ------------------------------------------------ */

static bool
who_text(struct buf *b, const cJSON *c)
{
	const cJSON *p = cJSON_GetObjectItem(c, "person");
	const cJSON *a = cJSON_GetObjectItem(c, "account");
	bool ok = buf_puts(b, "*") &&
	          put(b, str(p, "name"), "Unknown person") && buf_puts(b, "*");

	if (ok && str(p, "role"))
		ok = buf_puts(b, " \xc2\xb7 ") && put(b, str(p, "role"), "");
	if (ok && str(p, "email"))
		ok = buf_puts(b, " \xc2\xb7 ") && put(b, str(p, "email"), "");
	if (!ok || !cJSON_IsObject(a))
		return ok;
	ok = buf_puts(b, "\n*") && put(b, str(a, "name"), "Unnamed company") &&
	     buf_puts(b, "*");
	if (ok && cJSON_IsNumber(cJSON_GetObjectItem(a, "employees")))
		ok = buf_printf(b, " \xc2\xb7 %.0f employees",
		                num(a, "employees"));
	else if (ok && str(a, "employees"))
		ok = buf_puts(b, " \xc2\xb7 ") &&
		     put(b, str(a, "employees"), "") &&
		     buf_puts(b, " employees");
	if (ok && str(a, "industry"))
		ok =
		    buf_puts(b, " \xc2\xb7 ") && put(b, str(a, "industry"), "");
	if (ok && str(a, "country"))
		ok = buf_puts(b, " \xc2\xb7 ") && put(b, str(a, "country"), "");
	if (ok && str(a, "plan"))
		ok = buf_puts(b, " \xc2\xb7 plan ") &&
		     put(b, str(a, "plan"), "");
	return ok;
}

static bool
reason_line(struct buf *b, const cJSON *r)
{
	bool ok =
	    buf_puts(b, "\n\xe2\x80\xa2 ") && put(b, str(r, "text"), "signal");

	if (ok && cJSON_IsNumber(cJSON_GetObjectItem(r, "points")))
		ok = buf_printf(b, " %+.0f", num(r, "points"));
	return ok;
}

static bool
score_text(struct buf *b, const cJSON *c)
{
	const cJSON *s = cJSON_GetObjectItem(c, "score");
	const cJSON *r;
	bool ok =
	    buf_printf(b,
	               "*Score %.0f* (fit %.0f, engagement %.0f) "
	               "\xc2\xb7 rule *",
	               num(s, "total"), num(s, "fit"), num(s, "engagement")) &&
	    put(b, str(cJSON_GetObjectItem(c, "rule"), "name"), "") &&
	    buf_puts(b, "*");

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "reasons"))
	{
		if (ok)
			ok = reason_line(b, r);
	}
	return ok;
}

static bool
reads_lines(struct buf *b, const cJSON *act)
{
	const cJSON *e;
	bool ok = true;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(act, "releases_read"))
	{
		ok = ok &&
		     buf_printf(b, "\n\xe2\x80\xa2 %s \xe2\x80\x9c",
		                content_read_verb(e)) &&
		     put(b, str(e, "title"), "") &&
		     buf_puts(b, "\xe2\x80\x9d") && content_read_tail(e, b);
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(act, "links_clicked"))
	{
		ok = ok && buf_puts(b, "\n\xe2\x80\xa2 Clicked ") &&
		     put(b, str(e, "url"), "") &&
		     buf_printf(b, " \xc3\x97%.0f", num(e, "count"));
	}
	return ok;
}

static bool
shares_lines(struct buf *b, const cJSON *act)
{
	const cJSON *e;
	bool ok = true;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(act, "shares"))
	{
		ok = ok && buf_puts(b, "\n\xe2\x80\xa2 Shared \xe2\x80\x9c") &&
		     put(b, str(e, "release"), "an update") &&
		     buf_puts(b, "\xe2\x80\x9d on ") &&
		     put(b, str(e, "channel"), "a link") &&
		     buf_printf(b, " \xc3\x97%.0f", num(e, "count"));
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(act, "features_tried"))
	{
		ok = ok && buf_puts(b, "\n\xe2\x80\xa2 Tried *") &&
		     put(b, str(e, "feature"), "") &&
		     buf_printf(b, "* \xc3\x97%.0f", num(e, "count"));
		if (ok && str(e, "release"))
			ok = buf_puts(b, " after \xe2\x80\x9c") &&
			     put(b, str(e, "release"), "") &&
			     buf_puts(b, "\xe2\x80\x9d");
	}
	return ok;
}

static bool
activity_text(struct buf *b, const cJSON *c)
{
	const cJSON *act = cJSON_GetObjectItem(c, "activity");
	size_t before;

	if (!buf_puts(b, "*What they did* (last 30 days)"))
		return false;
	before = b->len;
	if (!reads_lines(b, act) || !shares_lines(b, act))
		return false;
	return b->len > before || buf_puts(b, "\nNo tracked activity yet.");
}

static bool
summary_text(struct buf *b, const cJSON *c)
{
	const cJSON *top = cJSON_GetObjectItem(c, "release");
	const char *summary = str(top, "summary");

	if (summary == NULL || summary[0] == '\0')
		return true;
	return buf_puts(b, "*About \xe2\x80\x9c") &&
	       put(b, str(top, "title"), "") &&
	       buf_puts(b, "\xe2\x80\x9d*\n") && put(b, summary, "");
}

static bool
fallback_text(struct buf *b, const cJSON *c)
{
	const cJSON *p = cJSON_GetObjectItem(c, "person");
	const cJSON *a = cJSON_GetObjectItem(c, "account");
	bool ok = put(b, str(p, "name"), "Someone");

	if (ok && str(a, "name"))
		ok = buf_puts(b, " (") && put(b, str(a, "name"), "") &&
		     buf_puts(b, ")");
	ok = ok && buf_puts(b, " qualified: ") &&
	     put(b, str(cJSON_GetObjectItem(c, "rule"), "name"), "") &&
	     buf_printf(b, ", score %.0f",
	                num(cJSON_GetObjectItem(c, "score"), "total"));
	if (ok && str(c, "lead_url"))
		ok = buf_puts(b, " ") && put(b, str(c, "lead_url"), "");
	return ok;
}

static bool
alert_blocks(cJSON *blocks, struct buf *b, const cJSON *c)
{
	const cJSON *p = cJSON_GetObjectItem(c, "person");

	if (!put(b, str(p, "name") ? str(p, "name") : str(p, "email"),
	         "Someone") ||
	    !buf_puts(b, " qualified: ") ||
	    !put(b, str(cJSON_GetObjectItem(c, "rule"), "name"), ""))
		return false;
	add_text_block(blocks, "header", "plain_text", b, SLACK_HEADER_MAX);
	b->len = 0;
	if (!who_text(b, c))
		return false;
	add_section(blocks, b);
	if (!score_text(b, c))
		return false;
	add_section(blocks, b);
	if (!activity_text(b, c))
		return false;
	add_section(blocks, b);
	if (!summary_text(b, c))
		return false;
	add_section(blocks, b);
	if (!buf_puts(b, "*Suggested opener*\n>") ||
	    !put(b, str(c, "opening_line"), ""))
		return false;
	add_section(blocks, b);
	if (!buf_puts(b, "Qualified ") || !put(b, str(c, "qualified_at"), "") ||
	    !buf_puts(b, " \xc2\xb7 event ") || !put(b, str(c, "event_id"), ""))
		return false;
	add_context(blocks, b);
	add_button(blocks, "Open lead page", str(c, "lead_url"));
	return fallback_text(b, c);
}

/* ---- digests and tests ----------------------------------------------------
 */

static bool
digest_line(struct buf *line, const cJSON *it)
{
	const cJSON *p = cJSON_GetObjectItem(it, "person");
	const cJSON *a = cJSON_GetObjectItem(it, "account");
	bool ok = buf_puts(line, "\xe2\x80\xa2 *") &&
	          put(line, str(p, "name"), "Someone") && buf_puts(line, "*");

	if (ok && str(a, "name"))
		ok = buf_puts(line, " (") && put(line, str(a, "name"), "") &&
		     buf_puts(line, ")");
	ok = ok && buf_puts(line, " \xe2\x80\x94 ") &&
	     put(line, str(cJSON_GetObjectItem(it, "rule"), "name"), "") &&
	     buf_printf(line, ", score %.0f",
	                num(cJSON_GetObjectItem(it, "score"), "total"));
	if (ok && str(it, "lead_url"))
		ok = buf_puts(line, " \xc2\xb7 ") &&
		     put(line, str(it, "lead_url"), "");
	return ok && slack_cut(line, 500) && buf_puts(line, "\n");
}

static bool
digest_blocks(cJSON *blocks, struct buf *b, const cJSON *c)
{
	const cJSON *items = cJSON_GetObjectItem(c, "alerts"), *it;
	int n = cJSON_GetArraySize(items), shown = 0;
	struct buf line;
	bool ok;

	ok = buf_printf(b, "Herald digest: %d lead%s qualified", n,
	                n == 1 ? "" : "s");
	add_text_block(blocks, "header", "plain_text", b, SLACK_HEADER_MAX);
	b->len = 0;
	buf_init(&line, 4096);
	cJSON_ArrayForEach(it, items)
	{
		line.len = 0;
		if (!ok || !digest_line(&line, it))
			break;
		if (b->len + line.len > SLACK_SECTION_MAX)
			add_section(blocks, b);
		if (cJSON_GetArraySize(blocks) >= SLACK_BLOCKS_MAX - 2)
			break;
		ok = buf_append(b, line.data, line.len);
		shown++;
	}
	buf_cleanup(&line);
	add_section(blocks, b);
	if (ok && shown < n && buf_printf(b, ELLIPSIS "and %d more", n - shown))
		add_context(blocks, b);
	return ok && buf_printf(b, "Herald digest: %d lead%s qualified", n,
	                        n == 1 ? "" : "s");
}

static bool
test_blocks(cJSON *blocks, struct buf *b, const cJSON *c)
{
	if (!put(b, str(c, "text"), ""))
		return false;
	add_section(blocks, b);
	return put(b, str(c, "text"), "");
}

char *
slack_render(const cJSON *content)
{
	const char *type = str(content, "type");
	cJSON *msg = cJSON_CreateObject();
	cJSON *blocks = cJSON_CreateArray();
	char *out = NULL;
	struct buf b;
	bool ok;

	buf_init(&b, TEXT_CAP);
	if (type && strcmp(type, "digest") == 0)
		ok = digest_blocks(blocks, &b, content);
	else if (type && strcmp(type, "test") == 0)
		ok = test_blocks(blocks, &b, content);
	else
		ok = alert_blocks(blocks, &b, content);
	/* Fallback text for notifications and old clients. */
	if (ok && slack_cut(&b, FALLBACK_MAX)) {
		cJSON_AddStringToObject(msg, "text", b.data ? b.data : "");
		cJSON_AddItemToObject(msg, "blocks", blocks);
		blocks = NULL;
		cJSON_AddBoolToObject(msg, "unfurl_links", false);
		out = cJSON_PrintUnformatted(msg);
	}
	cJSON_Delete(blocks);
	cJSON_Delete(msg);
	buf_cleanup(&b);
	return out;
}
