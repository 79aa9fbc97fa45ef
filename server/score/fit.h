/* Herald - ICP fit: points of the matching criteria, capped to 0..100. */
#ifndef HERALD_SCORE_FIT_H
#define HERALD_SCORE_FIT_H

#include <cjson/cJSON.h>

/* Fit of facts {"person": {...}, "account": {...}} under model's
 * fit.criteria, from 0 to 100.  Appends one reason per matching
 * criterion to reasons (may be NULL). */
double fit_compute(const cJSON *model, const cJSON *facts, cJSON *reasons);

/* Fit of an account: its traits with the best of its people (people is
 * an array of person trait objects, may be empty).  Reasons of the best
 * combination are appended to reasons. */
double fit_account(const cJSON *model, const cJSON *account,
                   const cJSON *people, cJSON *reasons);

#endif
