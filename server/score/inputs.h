/* Herald - what a workspace's model reads, so that the scorer can tell
 * a person whose new events change nothing from one to rescore. */
#ifndef HERALD_SCORE_INPUTS_H
#define HERALD_SCORE_INPUTS_H

#include <stdbool.h>
#include <stdint.h>

#include "score/subject.h"
#include "store/db.h"

/* One claimed person: fp is the fingerprint of their inputs, unchanged
 * true when it equals the one stored with their current score. */
struct inputs_person {
	int64_t id;
	bool unchanged;
	char fp[40];
};

/* Fills fp and unchanged for the n people of m's workspace, in one
 * statement.  A person is unchanged when their score was computed with
 * this model version on the same local day, from the same traits (and
 * account's), the same rollups of the events the model reads (and the
 * same active days when a rule counts them), and no cooldown of theirs
 * or their account's may have ended since.  Missing people are
 * changed.  Errors leave their text in c->error. */
enum db_status inputs_check(struct db_conn *c, const struct subject_model *m,
                            struct inputs_person *people, int n)
    __attribute__((warn_unused_result));

/* Records the fingerprints of the people of m's workspace just scored
 * (those not unchanged), in one statement. */
enum db_status inputs_save(struct db_conn *c, const struct subject_model *m,
                           const struct inputs_person *people, int n)
    __attribute__((warn_unused_result));

#endif
