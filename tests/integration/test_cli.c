/* Herald integration tests - the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

Test(cli, workspace_create_prints_keys_and_stores_only_hashes)
{
	cJSON *ws = workspace_new("Acme");
	const char *p[1];
	char *v;

	cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(ws, "id")));
	cr_assert_eq(strncmp(jstr(ws, "public_key"), "pk_", 3), 0);
	cr_assert_eq(strncmp(jstr(ws, "write_key"), "wk_", 3), 0);
	cr_assert_eq(strncmp(jstr(ws, "admin_token"), "at_", 3), 0);
	cr_assert_eq(strncmp(jstr(ws, "identity_secret"), "is_", 3), 0);
	cr_assert_gt(strlen(jstr(ws, "slug")), 0);
	p[0] = jstr(ws, "write_key");
	cr_assert_eq(sql_long("SELECT count(*) FROM workspaces WHERE "
	                      "write_key_hash = $1 OR admin_token_hash = $1",
	                      1, p),
	             0);
	p[0] = jstr(ws, "slug");
	v = sql_value("SELECT write_key_hash FROM workspaces WHERE slug = $1",
	              1, p);
	cr_assert_eq(strlen(v), 64);
	free(v);
	cJSON_Delete(ws);
}

Test(cli, second_migrate_changes_nothing)
{
	char cmd[512];
	long before =
	    sql_long("SELECT count(*) FROM herald_migrations", 0, NULL);

	snprintf(cmd, sizeof(cmd), "%s migrate 2>&1 | grep -q 'applied=0'",
	         herald_bin());
	cr_assert_eq(run(cmd), 0);
	cr_assert_eq(
	    sql_long("SELECT count(*) FROM herald_migrations", 0, NULL),
	    before);
}

Test(cli, user_add_hashes_the_password_with_argon2id)
{
	cJSON *ws = workspace_new("Users");
	char cmd[512];
	const char *p[1] = {"pm@example.com"};
	char *v;

	snprintf(cmd, sizeof(cmd),
	         "echo 'correct horse battery' | %s user add --workspace %s "
	         "--email pm@example.com --role editor >/dev/null",
	         herald_bin(), jstr(ws, "slug"));
	cr_assert_eq(run(cmd), 0);
	v = sql_value("SELECT password_hash FROM users WHERE email = $1 "
	              "ORDER BY id DESC LIMIT 1",
	              1, p);
	cr_assert_eq(strncmp(v, "$argon2id$", 10), 0, "%s", v);
	free(v);
	snprintf(cmd, sizeof(cmd),
	         "echo 'password1' | %s user add --workspace %s "
	         "--email x@example.com --role king 2>&1 | grep -q 'role'",
	         herald_bin(), jstr(ws, "slug"));
	cr_assert_eq(run(cmd), 0);
	cJSON_Delete(ws);
}

Test(cli, bad_configuration_stops_with_one_line_naming_the_variable)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
	         "HERALD_LISTEN=nonsense %s serve 2>&1 | grep -q "
	         "'HERALD_LISTEN: invalid value'",
	         herald_bin());
	cr_assert_eq(run(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	         "HERALD_LOG_LEVEL=loud %s migrate 2>&1 | grep -q "
	         "'HERALD_LOG_LEVEL'",
	         herald_bin());
	cr_assert_eq(run(cmd), 0);
}

Test(cli, readme_configuration_table_matches_the_code)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
	         "%s config > /tmp/herald-config-%d.md && "
	         "grep -qFf /tmp/herald-config-%d.md README.md && "
	         "while IFS= read -r line; do grep -qF \"$line\" README.md || "
	         "exit 1; done < /tmp/herald-config-%d.md",
	         herald_bin(), (int)getpid(), (int)getpid(), (int)getpid());
	cr_assert_eq(run(cmd), 0,
	             "README.md configuration table is stale: "
	             "paste the output of `herald config`");
}

/* A bad or taken slug used to print PostgreSQL's "Failing row contains"
 * detail, which holds the new workspace's identity secret. */
Test(cli, workspace_create_names_a_bad_or_taken_slug_and_prints_no_secret)
{
	cJSON *ws = workspace_new("Taken");
	char cmd[512];
	const char *p[1] = {"../etc"};

	snprintf(cmd, sizeof(cmd),
	         "%s workspace create --name X --slug ../etc 2>&1 |"
	         " grep -qx 'herald: --slug \"../etc\": use 1 to 63 of a-z,"
	         " 0-9 and .-., not starting with .-.'",
	         herald_bin());
	cr_assert_eq(run(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	         "%s workspace create --name X --slug %s 2>&1 |"
	         " grep -qx 'herald: --slug \"%s\" (or a key given) is"
	         " already in use'",
	         herald_bin(), jstr(ws, "slug"), jstr(ws, "slug"));
	cr_assert_eq(run(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	         "%s workspace create --name '' 2>&1 |"
	         " grep -qx 'herald: --name: must be 1 to 200 bytes of UTF-8"
	         " text'",
	         herald_bin());
	cr_assert_eq(run(cmd), 0);
	cr_assert_eq(
	    sql_long("SELECT count(*) FROM workspaces WHERE slug = $1", 1, p),
	    0);
	cJSON_Delete(ws);
}

/* Without HERALD_DATABASE_URL a command reaches the private cluster that
 * `make run` keeps under the checkout (here a home whose .pg/run holds
 * the test cluster's socket), not libpq's default socket. */
Test(cli, without_a_database_url_commands_use_the_private_cluster)
{
	const char *url = getenv("HERALD_DATABASE_URL"), *h, *tmp;
	char host[512], home[600], cmd[4096], out[4096];
	size_t n;
	FILE *f;
	int rc;

	cr_assert_not_null(url);
	h = strstr(url, "host=");
	cr_assert_not_null(h, "test database URL without host=: %s", url);
	n = strcspn(h + 5, " ");
	snprintf(host, sizeof(host), "%.*s", (int)n, h + 5);
	tmp = getenv("HERALD_TEST_TMP");
	snprintf(home, sizeof(home), "%s/home-%d", tmp ? tmp : "/tmp",
	         (int)getpid());
	snprintf(cmd, sizeof(cmd),
	         "mkdir -p %s/.pg/run && ln -sf %s/.s.PGSQL.5432 "
	         "%s/.pg/run/.s.PGSQL.5432 && ln -sfn %s/migrations "
	         "%s/migrations",
	         home, host, home, getenv("HERALD_HOME"), home);
	cr_assert_eq(run(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	         "env -u HERALD_DATABASE_URL -u PGHOST -u PGSERVICE "
	         "HERALD_HOME=%s %s migrate 2>&1",
	         home, herald_bin());
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	rc = pclose(f);
	/* Either it migrated database herald of that cluster, or it was
	 * refused there (no such database): both name no other socket. */
	if (rc != 0)
		cr_assert(strstr(out, home) != NULL &&
		              strstr(out, "migrations folder") == NULL,
		          "%s", out);
	else
		cr_assert_neq(access("/var/run/postgresql/.s.PGSQL.5432",
		                     F_OK),
		              0, "%s", out);
}
