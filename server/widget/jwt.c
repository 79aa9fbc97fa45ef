/* Herald - HS256 JSON Web Tokens with libsodium's HMAC-SHA256.  Only
 * HS256 is accepted: the header's alg must say exactly that, so "none"
 * or an asymmetric alg can never switch verification off. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "widget/jwt.h"

#define PART_MAX JWT_MAX_LEN

/* Decodes one base64url part (no padding) into a malloc'd NUL-terminated
 * buffer; *outlen gets its length.  NULL when not base64url. */
static unsigned char *
b64_decode(const char *s, size_t n, size_t *outlen)
{
	size_t cap = n * 3 / 4 + 2;
	unsigned char *out = malloc(cap + 1);
	const char *end = NULL;

	if (out == NULL)
		return NULL;
	if (sodium_base642bin(out, cap, s, n, NULL, outlen, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + n) {
		free(out);
		return NULL;
	}
	out[*outlen] = '\0';
	return out;
}

static cJSON *
json_part(const char *s, size_t n)
{
	size_t len = 0;
	unsigned char *raw = b64_decode(s, n, &len);
	cJSON *o;

	if (raw == NULL)
		return NULL;
	o = cJSON_ParseWithLength((const char *)raw, len);
	free(raw);
	if (o != NULL && !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static void
hmac(const char *secret, const char *data, size_t n,
     unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	                            strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, n);
	crypto_auth_hmacsha256_final(&st, mac);
}

static bool
signature_ok(const char *token, size_t signed_len, const char *sig,
             size_t siglen, const char *const *secrets, int nsecrets)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t len = 0;
	unsigned char *given = b64_decode(sig, siglen, &len);
	bool ok = false;

	if (given == NULL)
		return false;
	for (int i = 0; i < nsecrets; i++) {
		if (secrets[i] == NULL || secrets[i][0] == '\0')
			continue;
		hmac(secrets[i], token, signed_len, mac);
		if (len == sizeof(mac) &&
		    sodium_memcmp(mac, given, sizeof(mac)) == 0)
			ok = true;
	}
	free(given);
	return ok;
}

/* A time claim: absent is fine, present must be a finite number. */
static bool
time_claim(const cJSON *claims, const char *name, double *out, bool *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, name);

	*present = v != NULL;
	if (v == NULL)
		return true;
	if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble ||
	    v->valuedouble > 1e15 || v->valuedouble < -1e15)
		return false;
	*out = v->valuedouble;
	return true;
}

static enum jwt_status
check_claims(const cJSON *claims, int64_t now)
{
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(claims, "sub");
	double exp = 0, nbf = 0, iat = 0;
	bool has_exp, has_nbf, has_iat;

	if (!time_claim(claims, "exp", &exp, &has_exp) ||
	    !time_claim(claims, "nbf", &nbf, &has_nbf) ||
	    !time_claim(claims, "iat", &iat, &has_iat))
		return JWT_BAD_CLAIMS;
	if (!cJSON_IsString(sub) || sub->valuestring[0] == '\0' ||
	    strlen(sub->valuestring) > 255)
		return JWT_BAD_CLAIMS;
	if (has_exp && exp + JWT_SKEW < (double)now)
		return JWT_EXPIRED;
	if ((has_nbf && nbf - JWT_SKEW > (double)now) ||
	    (has_iat && iat - JWT_SKEW > (double)now))
		return JWT_NOT_YET;
	return JWT_OK;
}

static bool
header_alg_ok(const cJSON *header)
{
	const cJSON *alg = cJSON_GetObjectItemCaseSensitive(header, "alg");

	return cJSON_IsString(alg) && strcmp(alg->valuestring, "HS256") == 0;
}

enum jwt_status
jwt_verify(const char *token, const char *const *secrets, int nsecrets,
           int64_t now, cJSON **claims)
{
	const char *dot1, *dot2;
	cJSON *header = NULL, *payload = NULL;
	enum jwt_status result = JWT_MALFORMED;
	size_t n = token ? strnlen(token, PART_MAX + 1) : 0;

	*claims = NULL;
	if (n == 0 || n > PART_MAX)
		goto out;
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		goto out;
	header = json_part(token, (size_t)(dot1 - token));
	payload = json_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (header == NULL || payload == NULL)
		goto out;
	result = JWT_BAD_ALG;
	if (!header_alg_ok(header))
		goto out;
	result = JWT_BAD_SIGNATURE;
	if (!signature_ok(token, (size_t)(dot2 - token), dot2 + 1,
	                  strlen(dot2 + 1), secrets, nsecrets))
		goto out;
	result = check_claims(payload, now);
	if (result == JWT_OK) {
		*claims = payload;
		payload = NULL;
	}
out:
	cJSON_Delete(header);
	cJSON_Delete(payload);
	return result;
}

const char *
jwt_status_text(enum jwt_status st)
{
	switch (st) {
	case JWT_OK:
		return "valid";
	case JWT_MALFORMED:
		return "not a well-formed JWT";
	case JWT_BAD_ALG:
		return "alg must be HS256";
	case JWT_BAD_SIGNATURE:
		return "signature does not match the identity secret";
	case JWT_EXPIRED:
		return "expired (exp is in the past)";
	case JWT_NOT_YET:
		return "not valid yet (nbf or iat is in the future)";
	case JWT_BAD_CLAIMS:
		return "claims invalid: sub must be a string, exp/nbf/iat "
		       "numbers";
	default:
		abort();
	}
}

static char *
b64_encode(const void *data, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(
	    n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);

	if (out != NULL)
		sodium_bin2base64(out, cap, data, n,
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

char *
jwt_sign(const cJSON *claims, const char *secret)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char *payload = cJSON_PrintUnformatted(claims);
	char *h = b64_encode(header, strlen(header));
	char *p = payload ? b64_encode(payload, strlen(payload)) : NULL;
	char *sig = NULL, *result = NULL;
	size_t hn, pn, sn;

	if (h == NULL || p == NULL)
		goto out;
	hn = strlen(h);
	pn = strlen(p);
	result = malloc(hn + pn + 2 + 64);
	if (result == NULL)
		goto out;
	memcpy(result, h, hn);
	result[hn] = '.';
	memcpy(result + hn + 1, p, pn + 1);
	hmac(secret, result, hn + 1 + pn, mac);
	sig = b64_encode(mac, sizeof(mac));
	if (sig == NULL || (sn = strlen(sig)) >= 64) {
		free(result);
		result = NULL;
		goto out;
	}
	result[hn + 1 + pn] = '.';
	memcpy(result + hn + pn + 2, sig, sn + 1);
out:
	free(payload);
	free(h);
	free(p);
	free(sig);
	return result;
}
