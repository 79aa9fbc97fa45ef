/* Herald tests - alert fixtures: receivers, destinations, seed data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "lib/alerts_fixture.h"

void
fx_server(struct alerts_fx *fx)
{
	char smtp[128];
	const char *env[4] = {smtp, "HERALD_SMTP_FROM=herald@alerts.test",
	                      "HERALD_LOG_LEVEL=info", NULL};

	snprintf(smtp, sizeof(smtp), "HERALD_SMTP_URL=%s", fx->smtp.url);
	srv_start(&fx->srv, env);
}

static void
admin_sql(const char *base, const char *stmt)
{
	PGconn *c = PQconnectdb(base);
	PGresult *r = PQexec(c, stmt);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		cr_assert_fail("%s: %s", stmt, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* Every Herald process works every workspace's outbox, and email goes
 * through the process's own SMTP server, so each alert test gets its own
 * database: only its own server delivers its alerts. */
static void
own_database(struct alerts_fx *fx)
{
	const char *base = getenv("HERALD_DATABASE_URL");
	char stmt[200], url[700], cmd[600];

	if (base == NULL || strstr(base, "://") != NULL)
		return; /* a URI: share the test database */
	snprintf(fx->base_url, sizeof(fx->base_url), "%s", base);
	snprintf(fx->db, sizeof(fx->db), "herald_alerts_%d_%ld", (int)getpid(),
	         (long)time(NULL));
	snprintf(stmt, sizeof(stmt), "CREATE DATABASE %s", fx->db);
	admin_sql(base, stmt);
	snprintf(url, sizeof(url), "%s dbname=%s", base, fx->db);
	setenv("HERALD_DATABASE_URL", url, 1);
	snprintf(cmd, sizeof(cmd), "%s migrate >/dev/null 2>&1", herald_bin());
	cr_assert_eq(run(cmd), 0, "migrate %s", fx->db);
}

void
fx_start(struct alerts_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	own_database(fx);
	snprintf(fx->account_name, sizeof(fx->account_name), "Acme Inc");
	sink_start(&fx->hook, "receiver");
	sink_start(&fx->smtp, "smtp_sink");
	fx_server(fx);
}

void
fx_stop(struct alerts_fx *fx)
{
	srv_stop(&fx->srv);
	sink_stop(&fx->hook);
	sink_stop(&fx->smtp);
	cJSON_Delete(fx->ws);
	fx->ws = NULL;
	if (fx->db[0] != '\0') {
		char stmt[200];

		snprintf(stmt, sizeof(stmt),
		         "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx->db);
		admin_sql(fx->base_url, stmt);
		setenv("HERALD_DATABASE_URL", fx->base_url, 1);
		fx->db[0] = '\0';
	}
}

void
fx_workspace(struct alerts_fx *fx, const char *name)
{
	fx->ws = workspace_new(name);
	fx->ws_id = (long)cJSON_GetObjectItem(fx->ws, "id")->valuedouble;
	fx->token = jstr(fx->ws, "admin_token");
}

void
fx_rename_workspace(struct alerts_fx *fx, const char *name)
{
	char id[24];
	const char *p[2] = {id, name};

	snprintf(id, sizeof(id), "%ld", fx->ws_id);
	PQclear(sql("UPDATE workspaces SET name = $2 WHERE id = $1", 2, p));
}

long
fx_destination(struct alerts_fx *fx, const char *json_fmt)
{
	char body[1024];
	struct resp r;
	long id;

	const char *at = strstr(json_fmt, "%s");

	/* json_fmt may hold one "%s" for the receiver URL. */
	if (at == NULL)
		snprintf(body, sizeof(body), "%s", json_fmt);
	else
		snprintf(body, sizeof(body), "%.*s%s%s", (int)(at - json_fmt),
		         json_fmt, fx->hook.url, at + 2);
	api(&r, &fx->srv, "POST", "/api/v1/destinations", fx->token, body);
	cr_assert_eq(r.status, 201, "create destination: %s", r.body);
	id = (long)cJSON_GetObjectItem(r.json, "id")->valuedouble;
	resp_free(&r);
	return id;
}

void
fx_destinations(struct alerts_fx *fx, const char *tag)
{
	char fmt[512];

	snprintf(fmt, sizeof(fmt),
	         "{\"name\":\"Slack\",\"kind\":\"slack\",\"url\":\"%%s/slack\","
	         "\"tags\":[\"%s\"]}",
	         tag);
	fx_destination(fx, fmt);
	snprintf(fmt, sizeof(fmt),
	         "{\"name\":\"Email\",\"kind\":\"email\",\"recipients\":"
	         "[\"sales@acme.test\"],\"tags\":[\"%s\"]}",
	         tag);
	fx_destination(fx, fmt);
	snprintf(fmt, sizeof(fmt),
	         "{\"name\":\"Hook\",\"kind\":\"webhook\",\"url\":\"%%s/hook\","
	         "\"secret\":\"%s\",\"tags\":[\"%s\"]}",
	         FX_SECRET, tag);
	fx_destination(fx, fmt);
}

void
fx_seed_account_name(struct alerts_fx *fx, const char *name)
{
	snprintf(fx->account_name, sizeof(fx->account_name), "%s", name);
}

static const char seed_people[] =
    "WITH a AS (INSERT INTO accounts (workspace_id, external_id, name,"
    " traits) VALUES ($1, 'acme', $2, '{\"employees\": 250, \"industry\":"
    " \"software\", \"country\": \"US\", \"plan\": \"trial\"}')"
    " RETURNING id)"
    " INSERT INTO persons (workspace_id, external_id, email, name, traits,"
    " account_id, signed_up_at) SELECT $1, 'u-alex', 'alex@acme.test',"
    " 'Alex Doe', '{\"role\": \"CTO\"}', a.id, now() - interval '10 days'"
    " FROM a RETURNING id, account_id";

static const char seed_release[] =
    "INSERT INTO releases (workspace_id, slug, title, body_md, features,"
    " status, published_at) VALUES ($1, 'charts', $2, $3, '{charts}',"
    " 'published', now() - interval '5 days') RETURNING id";

static const char seed_events[] =
    "INSERT INTO events (workspace_id, message_id, source, type, name,"
    " person_id, release_id, props, occurred_at)"
    " SELECT $1, gen_random_uuid()::text, e.source, e.type, e.type, $2,"
    " CASE WHEN e.source = 'widget' THEN $3::uuid END, e.props::jsonb,"
    " now() - e.ago::interval FROM (VALUES"
    " ('widget', 'release_viewed', '{}', '2 days'),"
    " ('widget', 'release_viewed', '{}', '2 days'),"
    " ('widget', 'release_viewed', '{}', '1 day'),"
    " ('widget', 'release_read', '{\"ms\": 120000}', '2 days'),"
    " ('widget', 'release_read', '{\"ms\": 60000}', '1 day'),"
    " ('widget', 'link_clicked',"
    "  '{\"url\": \"https://docs.example.com/charts\"}', '1 day'),"
    " ('widget', 'release_shared', '{\"channel\": \"twitter\"}', '1 day'),"
    " ('api', 'track', '{\"feature\": \"charts\"}', '20 hours'),"
    " ('api', 'track', '{\"feature\": \"charts\"}', '10 hours')"
    " ) AS e(source, type, props, ago)";

void
fx_seed(struct alerts_fx *fx, struct seed *sd, const char *title,
        const char *body)
{
	char ws[24], person[24];
	PGresult *r;

	snprintf(ws, sizeof(ws), "%ld", fx->ws_id);
	const char *p1[2] = {ws, fx->account_name};
	r = sql(seed_people, 2, p1);
	sd->person = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	sd->account = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	const char *p2[3] = {ws, title, body};
	char *rel = sql_value(seed_release, 3, p2);
	snprintf(person, sizeof(person), "%ld", sd->person);
	const char *p3[3] = {ws, person, rel};
	PQclear(sql(seed_events, 3, p3));
	/* Track events are named after the Segment event. */
	PQclear(sql("UPDATE events SET name = 'feature_used' WHERE"
	            " workspace_id = $1 AND type = 'track'",
	            1, p1));
	free(rel);
}

long
fx_qualify(struct alerts_fx *fx, long person, const char *rule_id,
           const char *rule_name, const char *notify)
{
	char ws[24], pid[24];
	const char *p[5] = {ws, pid, rule_id, rule_name, notify};

	snprintf(ws, sizeof(ws), "%ld", fx->ws_id);
	snprintf(pid, sizeof(pid), "%ld", person);
	return sql_long(
	    "INSERT INTO qualifications (workspace_id, subject_type,"
	    " subject_id, rule_id, rule_name, model_version, score, fit,"
	    " engagement, reasons, notify) VALUES ($1, 'person', $2, $3, $4,"
	    " 1, 87.5, 60, 27.5, '[{\"kind\": \"signal\", \"event\":"
	    " \"release_read\", \"detail\": \"Charts are here\", \"count\":"
	    " 2, \"minutes\": 3, \"points\": 3},"
	    " {\"kind\": \"fit\", \"trait\": \"person.role\", \"op\":"
	    " \"in\", \"value\": \"CTO\", \"points\": 30},"
	    " {\"kind\": \"signal\", \"event\": \"release_shared\","
	    " \"count\": 1, \"points\": 10}]',"
	    " $5::text[]) RETURNING id",
	    5, p);
}

static int
mail_count(const struct alerts_fx *fx)
{
	cJSON *arr = sink_records(&fx->smtp);
	int n = cJSON_GetArraySize(arr);

	cJSON_Delete(arr);
	return n;
}

int
fx_mail_wait(struct alerts_fx *fx, int n, int ms)
{
	int got = 0;

	for (int waited = 0; waited <= ms; waited += 50) {
		struct timespec ts = {0, 50 * 1000000L};

		if ((got = mail_count(fx)) >= n)
			break;
		nanosleep(&ts, NULL);
	}
	return got;
}

cJSON *
fx_record(const struct sink *s, const char *path, int index)
{
	cJSON *arr = sink_records(s), *e, *found = NULL;

	cJSON_ArrayForEach(e, arr)
	{
		if (strcmp(jstr(e, "path"), path) == 0 && index-- == 0) {
			found = cJSON_Duplicate(e, true);
			break;
		}
	}
	cJSON_Delete(arr);
	cr_assert_not_null(found, "no request %s", path);
	return found;
}

static void
collect_text(const cJSON *node, char **acc)
{
	const cJSON *c;

	if (cJSON_IsString(node)) {
		size_t n = strlen(*acc), m = strlen(node->valuestring);

		*acc = realloc(*acc, n + m + 2);
		memcpy(*acc + n, node->valuestring, m);
		(*acc)[n + m] = '\n';
		(*acc)[n + m + 1] = '\0';
		return;
	}
	cJSON_ArrayForEach(c, node)
	{
		if (c->string == NULL || strcmp(c->string, "text") == 0 ||
		    cJSON_IsArray(c) || cJSON_IsObject(c))
			collect_text(c, acc);
	}
}

char *
fx_slack_text(const cJSON *record)
{
	size_t len;
	char *body = sink_body(record, &len);
	cJSON *msg = cJSON_Parse(body);
	char *acc = calloc(1, 1);

	cr_assert_not_null(msg, "Slack body is not JSON: %s", body);
	collect_text(msg, &acc);
	cJSON_Delete(msg);
	free(body);
	return acc;
}

char *
fx_slack_button(const cJSON *record)
{
	size_t len;
	char *body = sink_body(record, &len);
	cJSON *msg = cJSON_Parse(body), *b;
	char *url = NULL;

	cJSON_ArrayForEach(b, cJSON_GetObjectItem(msg, "blocks"))
	{
		cJSON *el =
		    cJSON_GetArrayItem(cJSON_GetObjectItem(b, "elements"), 0);

		if (strcmp(jstr(b, "type"), "actions") == 0 && el != NULL) {
			url = strdup(jstr(el, "url"));
			break;
		}
	}
	cJSON_Delete(msg);
	free(body);
	cr_assert_not_null(url, "no button");
	return url;
}

cJSON *
fx_alerts(struct alerts_fx *fx)
{
	struct resp r;
	cJSON *arr;

	api(&r, &fx->srv, "GET", "/api/v1/alerts", fx->token, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	arr = cJSON_DetachItemFromObject(r.json, "alerts");
	resp_free(&r);
	return arr;
}

bool
webhook_expected(const char *secret, long long ts, const char *body, size_t len,
                 char *out, size_t outlen)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * sizeof(mac) + 1];
	size_t n = (size_t)snprintf(NULL, 0, "%lld.", ts) + len;
	unsigned char *msg = malloc(n + 1);
	int k = snprintf((char *)msg, n + 1, "%lld.", ts);

	memcpy(msg + k, body, len);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	                            strlen(secret));
	crypto_auth_hmacsha256_update(&st, msg, n);
	crypto_auth_hmacsha256_final(&st, mac);
	free(msg);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	return (size_t)snprintf(out, outlen, "t=%lld,v1=%s", ts, hex) < outlen;
}
