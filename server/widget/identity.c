/* Herald - who a widget visitor is.  A signed identity token names the
 * person; its verified claims (email, name, traits, account) update the
 * person and account; the visitor's anonymous id is merged into the
 * person.  Unsigned identities ({user_id}) are accepted only by
 * workspaces that set require_signed_identity to false. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "store/db.h"
#include "widget/jwt.h"
#include "widget/widget.h"

/* Text of claims to store, all optional (NULL). */
struct claims_text {
	const char *email;
	const char *name;
	char *traits;
	char id_buf[64];
	const char *acct_id;
	const char *acct_name;
	char *acct_traits;
};

static void
claims_text_cleanup(struct claims_text *t)
{
	free(t->traits);
	free(t->acct_traits);
}

static const char *
opt_string(const cJSON *o, const char *key, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > 1000) {
		*bad = true;
		return NULL;
	}
	return v->valuestring;
}

static char *
opt_object(const cJSON *o, const char *key, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsObject(v)) {
		*bad = true;
		return NULL;
	}
	return cJSON_PrintUnformatted(v);
}

/* The account claim: an object {id, name, traits} or a bare id. */
static bool
account_claim(const cJSON *claims, struct claims_text *t)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(claims, "account");
	const cJSON *id = a;
	bool bad = false;

	if (a == NULL || cJSON_IsNull(a))
		return true;
	if (cJSON_IsObject(a)) {
		id = cJSON_GetObjectItemCaseSensitive(a, "id");
		t->acct_name = opt_string(a, "name", &bad);
		t->acct_traits = opt_object(a, "traits", &bad);
	}
	if (cJSON_IsString(id) && id->valuestring[0] != '\0' &&
	    strlen(id->valuestring) < sizeof(t->id_buf))
		snprintf(t->id_buf, sizeof(t->id_buf), "%s", id->valuestring);
	else if (cJSON_IsNumber(id) &&
	         id->valuedouble == (double)(long long)id->valuedouble)
		snprintf(t->id_buf, sizeof(t->id_buf), "%lld",
		         (long long)id->valuedouble);
	else
		return false;
	t->acct_id = t->id_buf;
	return !bad;
}

static bool
claims_parse(const cJSON *claims, struct claims_text *t)
{
	bool bad = false;

	memset(t, 0, sizeof(*t));
	t->email = opt_string(claims, "email", &bad);
	t->name = opt_string(claims, "name", &bad);
	t->traits = opt_object(claims, "traits", &bad);
	return account_claim(claims, t) && !bad;
}

static cJSON *
parse_traits(const char *text)
{
	cJSON *o = cJSON_Parse(text);

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = cJSON_CreateObject();
	}
	return o;
}

/* Stores the claims and merges anon; fills who from the result. */
static int
store_person(const struct widget_ws *ws, const char *sub,
             const struct claims_text *t, const char *anon,
             struct widget_who *who)
{
	char wsid[24], err[512];
	PGresult *r = NULL;
	enum db_status st;

	snprintf(wsid, sizeof(wsid), "%lld", (long long)ws->id);
	const char *params[9] = {
	    wsid,       sub,          t->email,       t->name, t->traits,
	    t->acct_id, t->acct_name, t->acct_traits, anon};
	st = db_exec(&r,
	             "SELECT * FROM herald_widget_identify($1, $2, $3,"
	             " $4, $5::jsonb, $6, $7, $8::jsonb, $9)",
	             9, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("component=widget ws=%lld identify failed: %s",
		         (long long)ws->id, err);
		return st == DB_BAD_INPUT ? 400 : 503;
	}
	if (PQntuples(r) != 1 ||
	    !util_parse_i64(PQgetvalue(r, 0, 0), &who->person_id)) {
		PQclear(r);
		return 503;
	}
	who->person_traits = parse_traits(PQgetvalue(r, 0, 1));
	who->account_traits = parse_traits(PQgetvalue(r, 0, 2));
	PQclear(r);
	snprintf(who->external_id, sizeof(who->external_id), "%s", sub);
	snprintf(who->identity, sizeof(who->identity), "p:%lld",
	         (long long)who->person_id);
	return 200;
}

/* For a robot: the person the claims name, if stored, with the claims'
 * traits over the stored ones; nothing is written.  A person not stored
 * yet stays anonymous, with the claims' traits for the audience. */
static int
peek_person(const struct widget_ws *ws, const char *sub,
            const struct claims_text *t, struct widget_who *who)
{
	char wsid[24], err[512];
	const char *params[5] = {wsid, sub, t->traits, t->acct_id,
	                         t->acct_traits};
	PGresult *r = NULL;
	enum db_status st;

	snprintf(wsid, sizeof(wsid), "%lld", (long long)ws->id);
	st = db_exec(&r,
	             "SELECT p.id, coalesce(p.traits, '{}') ||"
	             "  coalesce($3::jsonb, '{}'),"
	             " coalesce(a.traits, '{}') || coalesce($5::jsonb, '{}')"
	             " FROM (SELECT 1) one"
	             " LEFT JOIN persons p ON p.workspace_id = $1"
	             "  AND p.external_id = $2"
	             " LEFT JOIN accounts a ON a.workspace_id = $1"
	             "  AND a.id = coalesce((SELECT id FROM accounts"
	             "  WHERE workspace_id = $1 AND external_id = $4),"
	             "  p.account_id)",
	             5, params, err, sizeof(err));
	if (st != DB_OK) {
		log_warn("component=widget ws=%lld robot identify failed: %s",
		         (long long)ws->id, err);
		return st == DB_BAD_INPUT ? 400 : 503;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 503;
	}
	who->person_traits = parse_traits(PQgetvalue(r, 0, 1));
	who->account_traits = parse_traits(PQgetvalue(r, 0, 2));
	if (!PQgetisnull(r, 0, 0) &&
	    util_parse_i64(PQgetvalue(r, 0, 0), &who->person_id)) {
		snprintf(who->external_id, sizeof(who->external_id), "%s", sub);
		snprintf(who->identity, sizeof(who->identity), "p:%lld",
		         (long long)who->person_id);
	}
	PQclear(r);
	return 200;
}

static int
verify(const struct widget_ws *ws, const char *token, cJSON **claims, char *msg,
       size_t msglen)
{
	const char *secrets[2] = {ws->secret, ws->secret_prev};
	enum jwt_status st =
	    jwt_verify(token, secrets, 2, (int64_t)time(NULL), claims);

	if (st == JWT_OK)
		return 200;
	snprintf(msg, msglen, "token: %s", jwt_status_text(st));
	return 401;
}

static int
unsigned_claims(const struct widget_ws *ws, const char *user_id, cJSON **claims,
                char *msg, size_t msglen)
{
	if (ws->require_signed) {
		snprintf(msg, msglen,
		         "user_id: this workspace accepts only signed "
		         "identity tokens");
		return 401;
	}
	if (user_id[0] == '\0' || strlen(user_id) > 255) {
		snprintf(msg, msglen, "user_id: must be 1 to 255 characters");
		return 400;
	}
	*claims = cJSON_CreateObject();
	cJSON_AddStringToObject(*claims, "sub", user_id);
	return 200;
}

int
widget_identify(const struct widget_ws *ws, const char *token,
                const char *user_id, const char *anon, bool robot,
                struct widget_who *who, char *msg, size_t msglen)
{
	struct claims_text t = {0};
	cJSON *claims = NULL;
	const char *sub;
	int result = 200;

	memset(who, 0, sizeof(*who));
	if (widget_anon_valid(anon))
		snprintf(who->anon, sizeof(who->anon), "%s", anon);
	else if (!util_token("a_", 16, who->anon, sizeof(who->anon)))
		abort();
	snprintf(who->identity, sizeof(who->identity), "a:%s", who->anon);
	if (token != NULL && token[0] != '\0')
		result = verify(ws, token, &claims, msg, msglen);
	else if (user_id != NULL)
		result = unsigned_claims(ws, user_id, &claims, msg, msglen);
	if (result != 200 || claims == NULL)
		goto out;
	if (!claims_parse(claims, &t)) {
		snprintf(msg, msglen,
		         "token: email and name must be strings, traits an "
		         "object, account an object with an id or an id");
		result = 400;
		goto out;
	}
	sub = cJSON_GetObjectItemCaseSensitive(claims, "sub")->valuestring;
	result = robot ? peek_person(ws, sub, &t, who)
	               : store_person(ws, sub, &t, who->anon, who);
	if (result == 400)
		snprintf(msg, msglen,
		         "token: claims hold text the database "
		         "refuses");
out:
	claims_text_cleanup(&t);
	cJSON_Delete(claims);
	return result;
}

void
widget_who_cleanup(struct widget_who *who)
{
	cJSON_Delete(who->person_traits);
	cJSON_Delete(who->account_traits);
	who->person_traits = NULL;
	who->account_traits = NULL;
}
