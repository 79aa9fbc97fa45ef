/* Herald - HTML/XML escaping, used by the changelog pages and the feeds. */
#include <stdlib.h>
#include <string.h>

#include "content/escape.h"

static const char *
entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

/* True for bytes XML 1.0 forbids in text: C0 controls but tab, LF, CR. */
static bool
forbidden_control(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* True when s (n bytes left) starts with U+FFFE or U+FFFF. */
static bool
forbidden_nonchar(const unsigned char *s, size_t n)
{
	return n >= 3 && s[0] == 0xEF && s[1] == 0xBF &&
	       (s[2] == 0xBE || s[2] == 0xBF);
}

bool
escape_html_n(struct buf *out, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t run = 0, i = 0;

	if (text == NULL)
		return true;
	while (i < n) {
		const char *e = entity(s[i]);
		size_t skip = forbidden_control(s[i])           ? 1
		              : forbidden_nonchar(s + i, n - i) ? 3
		                                                : 0;

		if (e == NULL && skip == 0) {
			i++;
			continue;
		}
		if (!buf_append(out, text + run, i - run))
			return false;
		if (e != NULL && !buf_puts(out, e))
			return false;
		i += e != NULL ? 1 : skip;
		run = i;
	}
	return buf_append(out, text + run, n - run);
}

bool
escape_html(struct buf *out, const char *text)
{
	return escape_html_n(out, text, text ? strlen(text) : 0);
}

char *
escape_html_dup(const char *text)
{
	struct buf b;

	buf_init(&b, (text ? strlen(text) : 0) * 6 + 1);
	if (!escape_html(&b, text) || !buf_append(&b, "", 0)) {
		buf_cleanup(&b);
		return NULL;
	}
	return buf_steal(&b);
}
