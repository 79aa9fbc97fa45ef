/* Herald integration tests - the connection pool's prepared statements
 * (db_prepared), on the test database: run by name once prepared, and
 * back to unnamed statements where a server connection does not know
 * them, as behind pgbouncer in transaction mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"
#include "store/db.h"

static struct db_conn *c;

static void
open_pool(void)
{
	char err[256];

	cr_assert(db_open(test_db_url(), 1));
	c = db_acquire(5000, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
}

static void
close_pool(void)
{
	db_release(c);
	db_close();
}

TestSuite(db, .init = open_pool, .fini = close_pool, .timeout = 30);

static const char twice_sql[] = "SELECT $1::int * 2";

/* Runs twice_sql for v with db_prepared; the result, or -1 on error. */
static long
twice(long v)
{
	char arg[24];
	const char *p[1] = {arg};
	PGresult *r = NULL;
	long out = -1;

	snprintf(arg, sizeof(arg), "%ld", v);
	if (db_prepared(c, &r, twice_sql, 1, p) == DB_OK)
		out = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return out;
}

/* How many statements this session has prepared under Herald's names. */
static long
prepared_here(void)
{
	PGresult *r = NULL;
	long n = -1;

	if (db_query(c, &r,
	             "SELECT count(*) FROM pg_prepared_statements"
	             " WHERE name LIKE 'herald\\_%'",
	             0, NULL) == DB_OK)
		n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

static void
exec_ok(const char *sql)
{
	cr_assert_eq(db_query(c, NULL, sql, 0, NULL), DB_OK, "%s: %s", sql,
	             c->error);
}

Test(db, a_statement_is_prepared_once_and_run_by_name)
{
	cr_assert_eq(twice(21), 42);
	cr_assert_eq(twice(5), 10);
	cr_assert_eq(prepared_here(), 1);
	cr_assert_eq(c->nprepared, 1);
	cr_assert(!c->unnamed_only);
}

Test(db, an_unknown_statement_outside_a_transaction_runs_unnamed)
{
	cr_assert_eq(twice(1), 2);
	/* What a pooler does: the next statement lands on a server
	 * connection that never saw the PREPARE. */
	exec_ok("DEALLOCATE ALL");
	cr_assert_eq(twice(4), 8);
	cr_assert(c->unnamed_only);
	cr_assert_eq(twice(6), 12);
	cr_assert_eq(prepared_here(), 0);
}

Test(db, an_unknown_statement_in_a_transaction_fails_once)
{
	cr_assert_eq(twice(1), 2);
	exec_ok("DEALLOCATE ALL");
	exec_ok("BEGIN");
	cr_assert_eq(twice(2), -1);
	cr_assert_str_eq(c->sqlstate, "26000");
	exec_ok("ROLLBACK");
	/* The caller's retry runs unnamed, inside a transaction too. */
	exec_ok("BEGIN");
	cr_assert_eq(twice(3), 6);
	exec_ok("COMMIT");
	cr_assert(c->unnamed_only);
}

Test(db, a_name_the_server_connection_already_has_runs_unnamed)
{
	char sql[128], name[DB_NAME_LEN];

	/* Another client of the pooler prepared it on this server
	 * connection: the PREPARE fails with 42P05 and nothing ran. */
	db_statement_name(twice_sql, name);
	snprintf(sql, sizeof(sql), "PREPARE %s AS SELECT 0", name);
	exec_ok(sql);
	cr_assert_eq(twice(7), 14);
	cr_assert(c->unnamed_only);
	cr_assert_eq(twice(8), 16);
}
