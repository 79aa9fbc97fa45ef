/* Herald - migrations.  Files are migrations/NNNN_name.sql; each is run
 * as one transaction and recorded with its SHA-256 in herald_migrations. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "store/db.h"
#include "store/migrate.h"

#define MAX_FILES    256
#define MIGRATE_LOCK "7245310"

struct mfile {
	int version;
	char name[200];
};

static int
cmp_file(const void *a, const void *b)
{
	return ((const struct mfile *)a)->version -
	       ((const struct mfile *)b)->version;
}

static int
list_files(const char *dir, struct mfile *files, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t len = strlen(e->d_name);
		int64_t v;
		char num[5];

		if (len < 9 || len >= sizeof(files[0].name) ||
		    strcmp(e->d_name + len - 4, ".sql") != 0 ||
		    e->d_name[4] != '_')
			continue;
		memcpy(num, e->d_name, 4);
		num[4] = '\0';
		if (!util_parse_i64(num, &v))
			continue;
		files[n].version = (int)v;
		memcpy(files[n].name, e->d_name, len + 1);
		n++;
	}
	closedir(d);
	qsort(files, (size_t)n, sizeof(files[0]), cmp_file);
	return n;
}

static bool
read_file(const char *dir, const char *name, struct buf *out)
{
	char path[1024];
	char chunk[8192];
	FILE *f;
	size_t n;
	bool ok = true;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (!buf_append(out, chunk, n)) {
			ok = false;
			break;
		}
	fclose(f);
	return ok && out->data != NULL;
}

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS herald_migrations ("
    " version int PRIMARY KEY, name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static bool
apply_one(struct db_conn *c, const struct mfile *f, const char *sql,
          const char *sum, char *err, size_t errlen)
{
	char version[16];
	const char *params[3] = {version, f->name, sum};

	snprintf(version, sizeof(version), "%d", f->version);
	if (db_script(c, "BEGIN") != DB_OK || db_script(c, sql) != DB_OK ||
	    db_query(c, NULL,
	             "INSERT INTO herald_migrations (version, name, checksum)"
	             " VALUES ($1, $2, $3)",
	             3, params) != DB_OK ||
	    db_script(c, "COMMIT") != DB_OK) {
		snprintf(err, errlen, "migration %s failed: %s", f->name,
		         c->error);
		return false;
	}
	return true;
}

/* Checks one file against the record; applies it when not yet there. */
static bool
step(struct db_conn *c, const char *dir, const struct mfile *f, int *applied,
     char *err, size_t errlen)
{
	struct buf sql;
	char sum[HASH_HEX_LEN + 1];
	char version[16];
	const char *params[1] = {version};
	PGresult *r = NULL;
	bool result = false;

	buf_init(&sql, 16 << 20);
	if (!read_file(dir, f->name, &sql)) {
		snprintf(err, errlen, "cannot read %s/%s", dir, f->name);
		goto out;
	}
	util_hash_token(sql.data, sum);
	snprintf(version, sizeof(version), "%d", f->version);
	if (db_query(c, &r,
	             "SELECT checksum, name FROM herald_migrations"
	             " WHERE version = $1",
	             1, params) != DB_OK) {
		snprintf(err, errlen, "%s", c->error);
		goto out;
	}
	if (PQntuples(r) == 1) {
		result = strcmp(PQgetvalue(r, 0, 0), sum) == 0;
		if (!result)
			snprintf(err, errlen,
			         "migration %s was changed after it was "
			         "applied; restore it and add a new file",
			         f->name);
		goto out;
	}
	result = apply_one(c, f, sql.data, sum, err, errlen);
	if (result)
		(*applied)++;
out:
	PQclear(r);
	buf_cleanup(&sql);
	return result;
}

bool
migrate_run(const char *dir, int *applied, char *err, size_t errlen)
{
	struct mfile files[MAX_FILES];
	struct db_conn *c;
	int n = list_files(dir, files, MAX_FILES);
	bool result = true;

	*applied = 0;
	if (n < 0) {
		snprintf(err, errlen, "cannot open migrations folder %s", dir);
		return false;
	}
	c = db_acquire(10000, err, errlen);
	if (c == NULL)
		return false;
	if (db_script(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")") !=
	        DB_OK ||
	    db_script(c, create_table) != DB_OK) {
		snprintf(err, errlen, "%s", c->error);
		db_release(c);
		return false;
	}
	for (int i = 0; i < n && result; i++)
		result = step(c, dir, &files[i], applied, err, errlen);
	if (db_script(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")") !=
	    DB_OK)
		result = false;
	db_release(c);
	return result;
}

int
migrate_count_files(const char *dir)
{
	static int cached = -1;
	struct mfile files[MAX_FILES];

	if (cached < 0)
		cached = list_files(dir, files, MAX_FILES);
	return cached;
}

bool
migrate_is_current(const char *dir)
{
	char err[256];
	PGresult *r = NULL;
	int want = migrate_count_files(dir);
	bool result;

	if (want < 0 || db_exec(&r, "SELECT count(*) FROM herald_migrations", 0,
	                        NULL, err, sizeof(err)) != DB_OK)
		return false;
	result = strtol(PQgetvalue(r, 0, 0), NULL, 10) >= want;
	PQclear(r);
	return result;
}
