/* Herald - scoring one person and their account from the database:
 * rollups and per-person indexed queries in, scores and rule
 * transitions out. */
#ifndef HERALD_SCORE_SUBJECT_H
#define HERALD_SCORE_SUBJECT_H

#include <stdint.h>

#include "store/db.h"

/* Re-evaluates the person and then their account on c, inside the
 * caller's transaction: updates person_scores and account_scores,
 * inserts a qualifications row for each rule entered (then NOTIFY
 * herald_alerts) and closes those left.  A person that no longer
 * exists is DB_OK.  Errors leave their text in c->error. */
enum db_status subject_score_person(struct db_conn *c, int64_t workspace_id,
                                    int64_t person_id)
    __attribute__((warn_unused_result));

#endif
