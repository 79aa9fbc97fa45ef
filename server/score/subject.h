/* Herald - scoring one person and their account from the database:
 * rollups and per-person indexed queries in, scores and rule
 * transitions out. */
#ifndef HERALD_SCORE_SUBJECT_H
#define HERALD_SCORE_SUBJECT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "store/db.h"

/* The model a workspace scores with: version 0 is the default model. */
struct subject_model {
	int64_t workspace_id;
	int version;
	const cJSON *model;
};

/* Re-evaluates the person on c, inside the caller's transaction:
 * updates person_scores, inserts a qualifications row for each rule
 * entered (then NOTIFY herald_alerts) and closes those left.  Sets
 * *account_id to the person's account (0 when none): the caller scores
 * it with subject_score_account once the batch's people are scored.  A
 * person that no longer exists is DB_OK.  Errors leave their text in
 * c->error. */
enum db_status subject_score_person(struct db_conn *c,
                                    const struct subject_model *m,
                                    int64_t person_id, int64_t *account_id)
    __attribute__((warn_unused_result));

/* Re-evaluates the account from its people's current scores, like
 * subject_score_person, after taking a transaction-scoped advisory lock
 * on it: callers scoring several accounts in one transaction take them
 * in ascending id order.  A missing account is DB_OK. */
enum db_status subject_score_account(struct db_conn *c,
                                     const struct subject_model *m,
                                     int64_t account_id)
    __attribute__((warn_unused_result));

#endif
