/* Herald - the scoring model: validation with JSON paths, the default
 * model, and the comparison words shared by fit criteria and rules. */
#ifndef HERALD_SCORE_MODEL_H
#define HERALD_SCORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Checks a whole model.  On the first problem writes "path: what is
 * wrong" (for example "rules[2].when.count.gte: must be a number") into
 * err and returns false. */
bool model_validate(const cJSON *model, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The model used by a workspace that never saved one.  The caller owns
 * the result. */
cJSON *model_default(void);

/* Finds the one comparison word (eq, gt, gte, lt, lte, in, between) of
 * an atom such as {"event": "x", "gte": 3}.  Returns its item or NULL. */
const cJSON *model_comparison(const cJSON *atom);

/* Compares actual with the comparison item cmp (its string is the word,
 * its value the expected value).  Strings compare without regard to
 * case; numeric strings compare as numbers.  NULL actual is false. */
bool model_compare(const cJSON *cmp, const cJSON *actual);

/* Same for a number. */
bool model_compare_number(const cJSON *cmp, double actual);

/* Finds a trait "person.role" or "account.employees" in facts
 * {"person": {...}, "account": {...}}.  NULL when absent. */
const cJSON *model_trait(const cJSON *facts, const char *trait);

/* The lowest score that satisfies the numeric atoms of any rule of the
 * model (see docs/SCORING.md, near-qualified leads); 0 when no rule
 * has one. */
double model_lowest_threshold(const cJSON *model);

/* A number field of obj, or def when absent or not a number. */
double model_number(const cJSON *obj, const char *key, double def);

/* A string field of obj, or NULL. */
const char *model_string(const cJSON *obj, const char *key);

#endif
