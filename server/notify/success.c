/* Herald - customer-success alerts on the alert machinery: a trial user
 * who stalls after signing up, and a key user of an engaged account who
 * stops engaging.  Each check inserts qualifications (rule ids
 * "cs-stalled" and "cs-disengaged"), only in workspaces with a
 * destination to tell; the unique open row makes the checks safe to run
 * in every process at once. */
#include <stdio.h>
#include <stdlib.h>

#include "notify/notify.h"

#define SETTINGS_CTE                                                           \
	"WITH s AS (SELECT w.id AS ws, w.timezone AS tz,"                      \
	" (now() AT TIME ZONE w.timezone)::date AS today,"                     \
	" coalesce(x.stalled_after_days, 3) AS stalled,"                       \
	" coalesce(x.disengaged_after_days, 7) AS quiet,"                      \
	" coalesce(x.success_notify, '{success}') AS notify"                   \
	" FROM workspaces w LEFT JOIN alert_settings x"                        \
	" ON x.workspace_id = w.id WHERE EXISTS (SELECT 1 FROM"                \
	" destinations d WHERE d.workspace_id = w.id AND (d.name = ANY"        \
	" (coalesce(x.success_notify, '{success}')) OR d.tags &&"              \
	" coalesce(x.success_notify, '{success}') OR d.id::text = ANY"         \
	" (coalesce(x.success_notify, '{success}'))))) "

#define INSERT_QUALIFICATION                                                   \
	"INSERT INTO qualifications (workspace_id, subject_type, subject_id,"  \
	" rule_id, rule_name, model_version, score, fit, engagement,"          \
	" reasons, notify) "

#define ON_OPEN_ROW                                                            \
	" ON CONFLICT (workspace_id, subject_type, subject_id, rule_id)"       \
	" WHERE left_at IS NULL DO NOTHING"

/* Signed up `stalled` days ago (within a week after that), on a trial
 * plan, and never qualified for any rule. */
static const char stalled_sql[] = SETTINGS_CTE INSERT_QUALIFICATION
    "SELECT p.workspace_id, 'person', p.id, 'cs-stalled', 'Trial stalled',"
    " 0, 0, 0, 0, jsonb_build_array(jsonb_build_object('kind', 'cs',"
    " 'detail', format('signed up %s days ago, no qualifying activity',"
    " s.stalled))), s.notify"
    " FROM persons p JOIN s ON s.ws = p.workspace_id"
    " LEFT JOIN accounts a ON a.workspace_id = p.workspace_id"
    " AND a.id = p.account_id"
    " WHERE p.signed_up_at <= now() - make_interval(days => s.stalled)"
    " AND p.signed_up_at > now() - make_interval(days => s.stalled + 7)"
    " AND lower(coalesce(p.traits->>'plan', a.traits->>'plan', ''))"
    "  LIKE 'trial%'"
    " AND NOT EXISTS (SELECT 1 FROM qualifications q"
    "  WHERE q.workspace_id = p.workspace_id AND q.subject_type = 'person'"
    "  AND q.subject_id = p.id"
    "  AND (q.rule_id = 'cs-stalled' OR q.rule_id NOT LIKE "
    "'cs-%'))" ON_OPEN_ROW;

/* Active on 3+ days in the 30 before going quiet, one of the 3 most
 * active people of an account, and silent for `quiet` days. */
static const char disengaged_sql[] = SETTINGS_CTE
    ", act AS (SELECT pd.workspace_id, pd.person_id,"
    " p.account_id, s.notify, s.quiet, count(DISTINCT pd.day) AS days,"
    " max(pd.day) AS last_day, s.today"
    " FROM person_daily pd JOIN s ON s.ws = pd.workspace_id"
    " JOIN persons p ON p.workspace_id = pd.workspace_id"
    " AND p.id = pd.person_id AND p.account_id IS NOT NULL"
    " WHERE pd.day > s.today - (s.quiet + 30)"
    " GROUP BY 1, 2, 3, 4, 5, 8),"
    " ranked AS (SELECT *, rank() OVER (PARTITION BY workspace_id,"
    " account_id ORDER BY days DESC) AS rk FROM act) " INSERT_QUALIFICATION
    "SELECT workspace_id, 'person', person_id, 'cs-disengaged',"
    " 'Key user disengaged', 0, 0, 0, 0,"
    " jsonb_build_array(jsonb_build_object('kind', 'cs', 'detail',"
    " format('no activity for %s days after %s active days',"
    " today - last_day, days))), notify"
    " FROM ranked WHERE rk <= 3 AND days >= 3"
    " AND last_day <= today - quiet" ON_OPEN_ROW;

/* A disengaged user who came back leaves the state, so a later silence
 * alerts again. */
static const char returned_sql[] =
    "UPDATE qualifications q SET left_at = now()"
    " WHERE q.rule_id = 'cs-disengaged' AND q.left_at IS NULL"
    " AND EXISTS (SELECT 1 FROM person_daily pd"
    "  WHERE pd.workspace_id = q.workspace_id"
    "  AND pd.person_id = q.subject_id"
    "  AND pd.day > q.qualified_at::date)";

static int
run(const char *sql, char *err, size_t errlen)
{
	PGresult *r = NULL;
	int n;

	if (db_exec(&r, sql, 0, NULL, err, errlen) != DB_OK)
		return -1;
	n = (int)strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return n;
}

int
success_check(char *err, size_t errlen)
{
	int a, b;

	if (run(returned_sql, err, errlen) < 0)
		return -1;
	if ((a = run(stalled_sql, err, errlen)) < 0 ||
	    (b = run(disengaged_sql, err, errlen)) < 0)
		return -1;
	return a + b;
}
