/* Herald - people and accounts: the statements identify, group and alias
 * add to the writer's transaction.  They run after the person upsert and
 * before the events statement, in message order, so an anonymous event
 * in the same group already finds its merged person. */
#include <stdio.h>
#include <stdlib.h>

#include "ingest/people.h"

/* Queues the person, locking an existing queue row until COMMIT so the
 * scorer cannot claim it before this change is visible (0070). */
#define LOCK_QUEUED                                                            \
	" ON CONFLICT (workspace_id, person_id) DO UPDATE"                     \
	" SET queued_at = score_queue.queued_at WHERE false"

static const char SQL_IDENTIFY[] =
    "WITH p AS (UPDATE persons SET email = coalesce($3, email),"
    "  name = coalesce($4, name), traits = traits || $5::jsonb,"
    "  signed_up_at = coalesce($6::timestamptz, signed_up_at),"
    "  last_seen_at = now()"
    "  WHERE workspace_id = $1 AND external_id = $2"
    "  RETURNING workspace_id, id)"
    " INSERT INTO score_queue (workspace_id, person_id)"
    " SELECT workspace_id, id FROM p" LOCK_QUEUED;

static const char SQL_MERGE[] =
    "SELECT herald_ingest_merge($1, $2, id) FROM persons"
    " WHERE workspace_id = $1 AND external_id = $3";

static const char SQL_GROUP[] =
    "WITH a AS (INSERT INTO accounts AS a (workspace_id, external_id,"
    "  name, traits) VALUES ($1, $2, $3, $4::jsonb)"
    "  ON CONFLICT (workspace_id, external_id) DO UPDATE"
    "  SET name = coalesce(EXCLUDED.name, a.name),"
    "  traits = a.traits || EXCLUDED.traits, updated_at = now()"
    "  RETURNING id),"
    " p AS (UPDATE persons SET account_id = (SELECT id FROM a)"
    "  WHERE workspace_id = $1 AND external_id = $5"
    "  RETURNING workspace_id, id)"
    " INSERT INTO score_queue (workspace_id, person_id)"
    " SELECT workspace_id, id FROM p" LOCK_QUEUED;

static int
send(PGconn *pg, const char *sql, int n, const char *const *v)
{
	return PQsendQueryParams(pg, sql, n, NULL, v, NULL, NULL, 0) == 1 ? 1
	                                                                  : -1;
}

static int
merge(PGconn *pg, const char *ws, const char *anon, const char *uid)
{
	const char *v[3] = {ws, anon, uid};

	if (anon == NULL || uid == NULL)
		return 0;
	return send(pg, SQL_MERGE, 3, v);
}

static int
identify(PGconn *pg, const struct ingest_job *job, const struct ingest_event *e,
         const char *ws)
{
	const char *uid = ingest_str(job, e->uid);
	const char *v[6] = {ws,
	                    uid,
	                    ingest_str(job, e->email),
	                    ingest_str(job, e->pname),
	                    ingest_str(job, e->props),
	                    ingest_str(job, e->signed_up)};
	int m;

	if (uid == NULL)
		return 0;
	if (send(pg, SQL_IDENTIFY, 6, v) < 0)
		return -1;
	m = merge(pg, ws, ingest_str(job, e->anon), uid);
	return m < 0 ? -1 : 1 + m;
}

static int
group(PGconn *pg, const struct ingest_job *job, const struct ingest_event *e,
      const char *ws)
{
	const char *v[5] = {ws, ingest_str(job, e->group_id),
	                    ingest_str(job, e->pname),
	                    ingest_str(job, e->props), ingest_str(job, e->uid)};

	return send(pg, SQL_GROUP, 5, v);
}

int
people_send(PGconn *pg, const struct ingest_job *job,
            const struct ingest_event *e)
{
	char ws[24];

	if (e->kind != KIND_IDENTIFY && e->kind != KIND_GROUP &&
	    e->kind != KIND_ALIAS)
		return 0;
	snprintf(ws, sizeof(ws), "%lld", (long long)e->ws);
	switch (e->kind) {
	case KIND_IDENTIFY:
		return identify(pg, job, e, ws);
	case KIND_GROUP:
		return group(pg, job, e, ws);
	case KIND_ALIAS:
		return merge(pg, ws, ingest_str(job, e->prev),
		             ingest_str(job, e->uid));
	default:
		abort();
	}
}
