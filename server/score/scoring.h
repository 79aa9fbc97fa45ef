/* Herald - the scoring model API (GET, PUT /api/v1/scoring, versions)
 * and the loading of a workspace's current model. */
#ifndef HERALD_SCORE_SCORING_H
#define HERALD_SCORE_SCORING_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "store/db.h"

/* Loads the current model of a workspace on c into *model (the caller
 * owns it) and its version into *version: the default model, version
 * 0, when none was saved. */
enum db_status scoring_current(struct db_conn *c, int64_t workspace_id,
                               int *version, cJSON **model)
    __attribute__((warn_unused_result));

#endif
