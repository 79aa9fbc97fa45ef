/* Herald - JSON text checks before parsing (see jsontext.h). */
#include <string.h>

#include "core/jsontext.h"
#include "core/util.h"

/* Markers written by jsontext_prescan: both are invalid UTF-8. */
static const char MARK_NUL[2] = {(char)0xc0, (char)0x80};
static const char MARK_ESC[2] = {(char)0xc1, (char)0xbf};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of the 4 hex digits at s, or -1. */
static long
hex4(const char *s, size_t left)
{
	long v = 0;

	if (left < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static void
mark(char *s, size_t n, const char m[2])
{
	for (size_t i = 0; i < n; i++)
		s[i] = m[i % 2];
}

/* Handles the escape starting at s[0] == '\\'; returns bytes consumed. */
static size_t
escape(char *s, size_t left)
{
	long v, lo;

	if (left < 2)
		return 1;
	if (strchr("\"\\/bfnrt", s[1]) != NULL && s[1] != '\0')
		return 2;
	if (s[1] != 'u') {
		mark(s, 2, MARK_ESC);
		return 2;
	}
	v = hex4(s + 2, left - 2);
	if (v < 0) {
		mark(s, 2, MARK_ESC);
		return 2;
	}
	if (v == 0) {
		mark(s, 6, MARK_NUL);
		return 6;
	}
	if (v >= 0xdc00 && v <= 0xdfff) {
		mark(s, 6, MARK_ESC);
		return 6;
	}
	if (v < 0xd800 || v > 0xdbff)
		return 6;
	lo = left >= 12 && s[6] == '\\' && s[7] == 'u' ? hex4(s + 8, left - 8)
	                                               : -1;
	if (lo >= 0xdc00 && lo <= 0xdfff)
		return 12;
	mark(s, 6, MARK_ESC);
	return 6;
}

bool
jsontext_prescan(char *text, size_t len, int max_depth)
{
	bool in_str = false;
	int depth = 0;
	size_t i = 0;

	while (i < len) {
		char c = text[i];

		if (in_str) {
			if (c == '\\') {
				i += escape(text + i, len - i);
				continue;
			}
			if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
		i++;
	}
	return true;
}

const char *
jsontext_fault(const char *s, size_t n)
{
	if (util_utf8_valid(s, n))
		return NULL;
	if (memmem(s, n, MARK_NUL, 2) != NULL)
		return "contains a NUL character (\\u0000)";
	if (memmem(s, n, MARK_ESC, 2) != NULL)
		return "contains an invalid escape or a lone surrogate";
	return "is not valid UTF-8";
}
