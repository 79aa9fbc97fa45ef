/* Herald unit tests - buffers, tokens, UTF-8, configuration. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/util.h"
#include "http/http.h"

Test(buf, append_past_the_cap_fails_and_keeps_the_content)
{
	struct buf b;

	buf_init(&b, 8);
	cr_assert(buf_puts(&b, "abcd"));
	cr_assert_not(buf_puts(&b, "efghi"));
	cr_assert_str_eq(b.data, "abcd");
	cr_assert(buf_printf(&b, "%d", 1234));
	cr_assert_str_eq(b.data, "abcd1234");
	cr_assert_not(buf_puts(&b, "x"));
	buf_cleanup(&b);
	buf_cleanup(&b);
}

Test(util, tokens_are_random_hex_with_their_prefix)
{
	char a[64], b[64];

	cr_assert(util_init());
	cr_assert(util_token("wk_", 24, a, sizeof(a)));
	cr_assert(util_token("wk_", 24, b, sizeof(b)));
	cr_assert_eq(strlen(a), 3 + 48);
	cr_assert_neq(strcmp(a, b), 0);
	cr_assert_not(util_token("wk_", 24, a, 10));
}

Test(util, token_hash_is_sha256_hex)
{
	char h[HASH_HEX_LEN + 1];

	cr_assert(util_init());
	util_hash_token("abc", h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
	                    "b00361a396177a9cb410ff61f20015ad");
}

Test(util, utf8_validation_refuses_bad_bytes_and_nul)
{
	const char *ok = "Größe 日本語 🚀";

	cr_assert(util_utf8_valid(ok, strlen(ok)));
	cr_assert_not(util_utf8_valid("\xff", 1));
	cr_assert_not(util_utf8_valid("a\0b", 3));
	cr_assert_not(util_utf8_valid("\xc0\xaf", 2));     /* overlong */
	cr_assert_not(util_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
}

Test(util, utf8_cut_never_splits_a_character)
{
	const char *s = "aé日"; /* 1 + 2 + 3 bytes */

	cr_assert_eq(util_utf8_cut(s, 6, 6), 6);
	cr_assert_eq(util_utf8_cut(s, 6, 5), 3);
	cr_assert_eq(util_utf8_cut(s, 6, 2), 1);
}

Test(util, parse_i64_wants_the_whole_string)
{
	int64_t v;

	cr_assert(util_parse_i64("42", &v));
	cr_assert_eq(v, 42);
	cr_assert_not(util_parse_i64("42x", &v));
	cr_assert_not(util_parse_i64("", &v));
	cr_assert_not(util_parse_i64("99999999999999999999", &v));
}

Test(util, passwords_hash_with_argon2id_and_verify)
{
	char h[256];

	cr_assert(util_init());
	cr_assert(util_password_hash("s3cret-pass", h, sizeof(h)));
	cr_assert_eq(strncmp(h, "$argon2id$", 10), 0);
	cr_assert(util_password_check(h, "s3cret-pass"));
	cr_assert_not(util_password_check(h, "wrong"));
}

Test(config, defaults_match_the_contract)
{
	char err[256];

	unsetenv("HERALD_LISTEN");
	unsetenv("HERALD_PUBLIC_URL");
	cr_assert(config_load(err, sizeof(err)), "%s", err);
	cr_assert_str_eq(config.listen_host, "127.0.0.1");
	cr_assert_eq(config.listen_port, 8080);
	cr_assert_str_eq(config.public_url, "http://127.0.0.1:8080");
	cr_assert_str_eq(config.smtp_from, "herald@localhost");
}

Test(config, a_bad_value_names_the_variable)
{
	char err[256];

	setenv("HERALD_PUBLIC_URL", "ftp://x", 1);
	cr_assert_not(config_load(err, sizeof(err)));
	cr_assert(strstr(err, "HERALD_PUBLIC_URL") != NULL, "%s", err);
	unsetenv("HERALD_PUBLIC_URL");
	setenv("HERALD_SMTP_URL", "http://mail", 1);
	cr_assert_not(config_load(err, sizeof(err)));
	cr_assert(strstr(err, "HERALD_SMTP_URL") != NULL, "%s", err);
	unsetenv("HERALD_SMTP_URL");
}

Test(http, routes_capture_segments)
{
	char params[HTTP_MAX_PARAMS][256];
	int n;
	bool method_ok;

	cr_assert_geq(
	    http_route_match("GET", "/healthz", params, &n, &method_ok), 0);
	cr_assert_lt(
	    http_route_match("POST", "/healthz", params, &n, &method_ok), 0);
	cr_assert(method_ok);
	cr_assert_lt(
	    http_route_match("GET", "/healthzz", params, &n, &method_ok), 0);
	cr_assert_not(method_ok);
}

Test(util, integers_are_written_in_decimal)
{
	char out[UTIL_I64_TEXT + 1];
	const struct {
		int64_t v;
		const char *text;
	} cases[] = {{0, "0"},
	             {-7, "-7"},
	             {9007199254740991LL, "9007199254740991"},
	             {INT64_MAX, "9223372036854775807"},
	             {INT64_MIN, "-9223372036854775808"}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = util_i64_text(cases[i].v, out);

		out[n] = '\0';
		cr_assert_str_eq(out, cases[i].text);
	}
}
