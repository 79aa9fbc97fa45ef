/* Herald integration tests - the scoring service: two processes share
 * the queue and record each transition once, the sweep ends states by
 * time alone, hysteresis and cooldowns keep alerts from flapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/harness.h"
#include "lib/scorefix.h"

/* Servers of the running test; .fini stops them even after a failed
 * assertion, so that none outlives its test. */
static struct srv a, b;

static void
down(void)
{
	srv_stop(&a);
	srv_stop(&b);
}

TestSuite(scorer, .fini = down, .timeout = 120);

static const char *const fast[] = {"HERALD_SCORE_SWEEP_SECONDS=1", NULL};

static void
new_ws(cJSON **ws, char *id, int len, const char *model)
{
	*ws = workspace_new("Scorer");
	fx_ws_id(*ws, id, len);
	fx_model(id, model);
}

Test(scorer, two_processes_record_one_qualification_per_transition)
{
	static const char model[] =
	    "{\"fit\": {\"criteria\": []}, \"engagement\": {\"half_life_days\":"
	    " 14, \"signals\": [{\"event\": \"x\", \"points\": 1}]},"
	    " \"rules\": [{\"id\": \"p\", \"when\": {\"count\": {\"event\":"
	    " \"x\", \"gte\": 1}}}, {\"id\": \"a\", \"subject\": \"account\","
	    " \"when\": {\"engagement\": {\"gte\": 30}}}]}";
	cJSON *ws;
	char w[24], *people[40];
	const char *p[1] = {w};

	new_ws(&ws, w, sizeof(w), model);
	srv_start(&a, fast);
	srv_start(&b, fast);
	char *acct = fx_account(w, "shared", "Shared", NULL);
	char *t = fx_ago("-1 minute");
	for (int i = 0; i < 40; i++) {
		char ext[16];

		snprintf(ext, sizeof(ext), "p%d", i);
		people[i] = fx_person(w, ext, ext, NULL, acct, NULL);
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 40; i++)
			fx_event(w, people[i], "track", "x", NULL, NULL, t, 1);
		fx_wait_scored(w);
	}
	cr_assert_eq(sql_long("SELECT count(*) FROM qualifications"
	                      " WHERE workspace_id = $1 AND rule_id = 'p'",
	                      1, p),
	             40);
	cr_assert_eq(sql_long("SELECT count(DISTINCT subject_id)"
	                      " FROM qualifications WHERE workspace_id = $1"
	                      " AND rule_id = 'p'",
	                      1, p),
	             40);
	cr_assert_eq(sql_long("SELECT count(*) FROM qualifications"
	                      " WHERE workspace_id = $1 AND rule_id = 'a'",
	                      1, p),
	             1);
	srv_stop(&a);
	srv_stop(&b);
	cJSON_Delete(ws);
}

Test(scorer, the_sweep_ends_a_state_by_time_alone)
{
	static const char model[] =
	    "{\"fit\": {\"criteria\": []}, \"engagement\": {\"half_life_days\":"
	    " 14, \"signals\": []}, \"rules\": [{\"id\": \"recent\", \"when\":"
	    " {\"active_days\": {\"within_days\": 2, \"gte\": 1}}}]}";
	cJSON *ws;
	char w[24];

	new_ws(&ws, w, sizeof(w), model);
	PQclear(sql("UPDATE workspaces SET timezone = 'Asia/Tokyo'"
	            " WHERE id = $1",
	            1, (const char *[]){w}));
	srv_start(&a, fast);
	char *pid = fx_person(w, "p", "P", NULL, NULL, NULL);
	char *y = fx_local(w, 1, "12:00:00");
	const char *p[2] = {w, pid};

	fx_event(w, pid, "track", "x", NULL, NULL, y, 1);
	fx_wait_scored(w);
	cr_assert_eq(fx_quals(w, "person", pid, "recent"), 1);
	/* The next look is due at the next local midnight. */
	cr_assert_eq(sql_long("SELECT count(*) FROM person_scores s"
	                      " JOIN workspaces w ON w.id = s.workspace_id"
	                      " WHERE s.workspace_id = $1 AND person_id = $2"
	                      " AND recheck_at = ((now() AT TIME ZONE"
	                      " w.timezone)::date + 1)::timestamp"
	                      " AT TIME ZONE w.timezone",
	                      2, p),
	             1);
	/* A day passes: the activity is now two days old, and midnight
	 * has come.  No event, no queue entry: the sweep alone acts. */
	PQclear(sql("UPDATE person_daily SET day = day - 1"
	            " WHERE workspace_id = $1 AND person_id = $2",
	            2, p));
	PQclear(sql("UPDATE person_scores SET recheck_at = now()"
	            " WHERE workspace_id = $1 AND person_id = $2",
	            2, p));
	for (int i = 0; i < 100; i++) {
		if (sql_long("SELECT count(*) FROM qualifications"
		             " WHERE workspace_id = $1 AND subject_id = $2"
		             " AND left_at IS NOT NULL",
		             2, p) == 1)
			break;
		usleep(50000);
	}
	cr_assert_eq(sql_long("SELECT count(*) FROM qualifications"
	                      " WHERE workspace_id = $1 AND subject_id = $2"
	                      " AND left_at IS NOT NULL",
	                      2, p),
	             1);
	srv_stop(&a);
	cJSON_Delete(ws);
}

/* Sets the person's points for today to n and waits for the score. */
static void
points(const char *w, const char *pid, int n)
{
	char count[16];
	const char *p[3] = {w, pid, count};

	snprintf(count, sizeof(count), "%d", n);
	PQclear(sql("INSERT INTO person_daily (workspace_id, person_id, day,"
	            " event, count) SELECT $1, $2, (now() AT TIME ZONE"
	            " timezone)::date, 'x', $3 FROM workspaces WHERE id = $1"
	            " ON CONFLICT (workspace_id, person_id, day, event)"
	            " DO UPDATE SET count = EXCLUDED.count",
	            3, p));
	fx_queue(w, pid);
	fx_wait_scored(w);
}

Test(scorer, a_hovering_score_does_not_flap_and_cooldown_holds_reentry)
{
	static const char model[] =
	    "{\"fit\": {\"criteria\": []}, \"engagement\": {\"half_life_days\":"
	    " 14, \"signals\": [{\"event\": \"x\", \"points\": 1}]},"
	    " \"rules\": [{\"id\": \"free\", \"when\": {\"score\":"
	    " {\"gte\": 50}}}, {\"id\": \"cool\", \"cooldown_days\": 30,"
	    " \"when\": {\"score\": {\"gte\": 50}}}]}";
	cJSON *ws;
	char w[24];

	new_ws(&ws, w, sizeof(w), model);
	srv_start(&a, fast);
	char *pid = fx_person(w, "p", "P", NULL, NULL, NULL);
	const char *p[2] = {w, pid};

	points(w, pid, 50);
	cr_assert_eq(fx_quals(w, "person", pid, "free"), 1);
	/* 49, 51, 46, 50: within 10 % under the threshold, it stays. */
	points(w, pid, 49);
	points(w, pid, 51);
	points(w, pid, 46);
	points(w, pid, 50);
	cr_assert_eq(fx_quals(w, "person", pid, "free"), 1);
	cr_assert_eq(sql_long("SELECT count(*) FROM qualifications"
	                      " WHERE workspace_id = $1 AND subject_id = $2"
	                      " AND left_at IS NULL",
	                      2, p),
	             2);
	/* Falling below 45 leaves; coming back fires the rule without a
	 * cooldown again, and not the one with a 30-day cooldown. */
	points(w, pid, 44);
	cr_assert_eq(sql_long("SELECT count(*) FROM qualifications"
	                      " WHERE workspace_id = $1 AND subject_id = $2"
	                      " AND left_at IS NULL",
	                      2, p),
	             0);
	points(w, pid, 50);
	cr_assert_eq(fx_quals(w, "person", pid, "free"), 2);
	cr_assert_eq(fx_quals(w, "person", pid, "cool"), 1);
	/* Once the cooldown has passed, the state still held fires. */
	PQclear(sql("UPDATE qualifications SET qualified_at = qualified_at"
	            " - interval '31 days', left_at = left_at"
	            " - interval '31 days' WHERE workspace_id = $1"
	            " AND rule_id = 'cool'",
	            1, p));
	fx_queue(w, pid);
	fx_wait_scored(w);
	cr_assert_eq(fx_quals(w, "person", pid, "cool"), 2);
	srv_stop(&a);
	cJSON_Delete(ws);
}

Test(scorer, a_change_committed_after_its_person_was_queued_is_scored)
{
	static const char model[] =
	    "{\"fit\": {\"criteria\": []}, \"engagement\": {\"half_life_days\":"
	    " 14, \"signals\": []}, \"rules\": [{\"id\": \"two\", \"when\":"
	    " {\"count\": {\"event\": \"x\", \"gte\": 2}}}]}";
	cJSON *ws;
	char w[24];

	new_ws(&ws, w, sizeof(w), model);
	srv_start(&a, fast);
	char *pid = fx_person(w, "p", "P", NULL, NULL, NULL);
	char *t = fx_ago("-1 minute");

	for (int round = 0; round < 5; round++) {
		/* The first event queues the person; the second is stored
		 * in a transaction that stays open while the scorer polls. */
		fx_event(w, pid, "track", "x", NULL, NULL, t, 1);
		PQclear(sql("BEGIN", 0, NULL));
		fx_event(w, pid, "track", "x", NULL, NULL, t, 1);
		usleep(1300000);
		PQclear(sql("COMMIT", 0, NULL));
		fx_wait_scored(w);
		cr_assert_eq(fx_quals(w, "person", pid, "two"), 1,
		             "round %d: the second event was never scored",
		             round);
		PQclear(
		    sql("DELETE FROM qualifications WHERE workspace_id = $1", 1,
		        (const char *[]){w}));
		PQclear(sql("DELETE FROM person_daily WHERE workspace_id = $1",
		            1, (const char *[]){w}));
		fx_queue(w, pid);
		fx_wait_scored(w);
	}
	free(pid), free(t);
	cJSON_Delete(ws);
}
