/* Herald tests - C-30 checks shared by the release tests. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/c30.h"

const char c30_title[] = "</title><script>alert(1)</script>";
const char c30_body[] =
    "Safe: [ok](https://example.com/ok) and [mail](mailto:a@example.com)\n"
    "\n"
    "[docs](javascript:alert(document.domain))\n"
    "\n"
    "<img src=x onerror=alert(1)>\n"
    "\n"
    "[x](JaVaScRiPt&#58;alert(1))\n"
    "\n"
    "![a](data:text/html;base64,PHNjcmlwdD4=)\n";

static const char *
find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* An attribute "on...=" inside a tag. */
static bool
has_handler(const char *html)
{
	bool in_tag = false;

	for (const char *p = html; *p != '\0'; p++) {
		if (*p == '<')
			in_tag = true;
		else if (*p == '>')
			in_tag = false;
		else if (in_tag && isspace((unsigned char)p[0]) &&
		         strncasecmp(p + 1, "on", 2) == 0) {
			const char *q = p + 3;

			while (isalpha((unsigned char)*q))
				q++;
			if (*q == '=')
				return true;
		}
	}
	return false;
}

const char *
c30_unsafe(const char *html)
{
	if (find_ci(html, "<script"))
		return "a script element";
	if (find_ci(html, "javascript:") || find_ci(html, "javascript&#"))
		return "a javascript: URL";
	if (find_ci(html, "vbscript:"))
		return "a vbscript: URL";
	if (find_ci(html, "data:"))
		return "a data: URL";
	if (find_ci(html, "<img"))
		return "an image";
	if (find_ci(html, "<iframe") || find_ci(html, "<object"))
		return "an embedded object";
	if (has_handler(html))
		return "an event handler attribute";
	return NULL;
}

static size_t
put_codepoint(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

char *
xml_unescape(const char *text)
{
	static const char *const names[][2] = {{"&amp;", "&"},
	                                       {"&lt;", "<"},
	                                       {"&gt;", ">"},
	                                       {"&quot;", "\""},
	                                       {"&apos;", "'"}};
	char *out = malloc(strlen(text) + 1), *o = out;

	while (*text != '\0') {
		size_t k = 0;

		for (size_t i = 0; i < 5 && k == 0; i++)
			if (strncmp(text, names[i][0], strlen(names[i][0])) ==
			    0) {
				*o++ = names[i][1][0];
				k = strlen(names[i][0]);
			}
		if (k == 0 && text[0] == '&' && text[1] == '#') {
			char *end;
			bool hex = text[2] == 'x' || text[2] == 'X';
			unsigned long cp =
			    strtoul(text + (hex ? 3 : 2), &end, hex ? 16 : 10);

			if (*end == ';' && cp < 0x10000) {
				o += put_codepoint(o, cp);
				k = (size_t)(end - text) + 1;
			}
		}
		if (k == 0) {
			*o++ = *text;
			k = 1;
		}
		text += k;
	}
	*o = '\0';
	return out;
}

char *
xml_element(const char **from, const char *open, const char *close)
{
	const char *start = strstr(*from, open), *gt, *end;
	char closing[64];

	if (start == NULL)
		return NULL;
	gt = strchr(start, '>');
	if (gt == NULL)
		return NULL;
	snprintf(closing, sizeof(closing), "</%s>", close);
	end = strstr(gt, closing);
	if (end == NULL)
		return NULL;
	*from = end + strlen(closing);
	return strndup(gt + 1, (size_t)(end - gt - 1));
}
