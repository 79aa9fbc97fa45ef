/* Herald - signed webhooks: the alert content as JSON, signed with
 * HMAC-SHA256 over "timestamp.body" so receivers can check who sent it
 * and when (docs/ALERTS.md shows how). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "notify/notify.h"

char *
webhook_render(const cJSON *content)
{
	return cJSON_PrintUnformatted(content);
}

bool
webhook_sign(const char *secret, long long ts, const char *body, size_t len,
             char *out, size_t outlen)
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
	char stamp[24];
	int n;

	n = snprintf(stamp, sizeof(stamp), "%lld.", ts);
	if (crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	                                strlen(secret)) != 0 ||
	    crypto_auth_hmacsha256_update(&st, (const unsigned char *)stamp,
	                                  (unsigned long long)n) != 0 ||
	    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
	                                  len) != 0 ||
	    crypto_auth_hmacsha256_final(&st, mac) != 0)
		return false;
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
	n = snprintf(out, outlen, "t=%lld,v1=%s", ts, hex);
	return n > 0 && (size_t)n < outlen;
}
