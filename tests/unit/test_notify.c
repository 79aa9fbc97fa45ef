/* Herald unit tests - alert rendering pieces: Slack escaping and cuts,
 * email header encoding and quoted-printable, webhook signatures. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/buf.h"
#include "core/util.h"
#include "notify/notify.h"

Test(slack, escaping_is_done_once_for_the_three_characters)
{
	struct buf b;

	buf_init(&b, 1024);
	cr_assert(slack_escape(&b, "Q&A <beta> for <!channel> & x > 2"));
	cr_assert_str_eq(b.data, "Q&amp;A &lt;beta&gt; for &lt;!channel&gt; "
	                         "&amp; x &gt; 2");
	buf_cleanup(&b);
}

Test(slack, cut_ends_with_an_ellipsis_on_a_character_boundary)
{
	struct buf b;

	buf_init(&b, 1024);
	cr_assert(buf_puts(&b, "ab\xf0\x9f\x9a\x80"
	                       "cdef"));
	cr_assert(slack_cut(&b, 4));
	cr_assert_str_eq(b.data, "ab\xf0\x9f\x9a\x80\xe2\x80\xa6");
	b.len = 0;
	cr_assert(buf_puts(&b, "ab\xf0\x9f\x9a\x80"));
	cr_assert(slack_cut(&b, 3));
	cr_assert_str_eq(b.data, "ab\xf0\x9f\x9a\x80");
	buf_cleanup(&b);
}

Test(slack, cut_never_leaves_half_an_entity)
{
	struct buf b;

	buf_init(&b, 1024);
	cr_assert(buf_puts(&b, "abc&amp;def"));
	cr_assert(slack_cut(&b, 6));
	cr_assert_str_eq(b.data, "abc\xe2\x80\xa6");
	buf_cleanup(&b);
}

Test(email, plain_ascii_header_stays_readable)
{
	struct buf b;

	buf_init(&b, 1024);
	cr_assert(email_header_value(&b, "Alex qualified", 9));
	cr_assert_str_eq(b.data, "Alex qualified");
	buf_cleanup(&b);
}

Test(email, header_with_crlf_becomes_one_encoded_line_group)
{
	struct buf b;

	buf_init(&b, 4096);
	cr_assert(email_header_value(
	    &b, "v2.1\r\nBcc: x@example.invalid\r\n\r\nfake body", 9));
	cr_assert(strncmp(b.data, "=?UTF-8?B?", 10) == 0, "%s", b.data);
	/* Lines may only continue with a fold (CRLF + space). */
	for (char *p = strstr(b.data, "\r\n"); p; p = strstr(p + 2, "\r\n"))
		cr_assert_eq(p[2], ' ');
	cr_assert_null(strstr(b.data, "\n\n"));
	buf_cleanup(&b);
}

Test(email, encoded_words_split_on_utf8_boundaries_and_stay_short)
{
	struct buf b;
	char *line, *save;

	buf_init(&b, 4096);
	cr_assert(email_header_value(&b,
	                             "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
	                             "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
	                             "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
	                             "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
	                             "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	                             9));
	save = b.data;
	while ((line = strsep(&save, "\n")) != NULL)
		cr_assert_leq(strlen(line), 76, "%s", line);
	buf_cleanup(&b);
}

Test(email, quoted_printable_uses_crlf_and_short_lines)
{
	struct buf b;
	char long_line[300];

	memset(long_line, 'a', 299);
	long_line[299] = '\0';
	buf_init(&b, 8192);
	cr_assert(email_qp(&b, "Hello\n.\nworld = 1 \n"));
	cr_assert_str_eq(b.data, "Hello\r\n.\r\nworld =3D 1=20\r\n");
	b.len = 0;
	cr_assert(email_qp(&b, long_line));
	for (char *p = b.data, *e; (e = strstr(p, "\r\n")); p = e + 2)
		cr_assert_leq(e - p, 76);
	buf_cleanup(&b);
}

Test(webhook, signature_is_hmac_sha256_of_timestamp_dot_body)
{
	char sig[160];

	cr_assert(util_init());
	/* HMAC-SHA256(key "secret", "1700000000.{}") */
	cr_assert(
	    webhook_sign("secret", 1700000000LL, "{}", 2, sig, sizeof(sig)));
	cr_assert(strncmp(sig, "t=1700000000,v1=", 16) == 0);
	cr_assert_eq(strlen(sig), 16 + 64);
	cr_assert_str_eq(sig + 16, "b8569b78799ff9e3cbff0fc2d63a33a2"
	                           "b57f3282abd07c37ae5e8e7d79a5f163");
}
