/* Herald - rule conditions evaluated on a subject's scores, traits and
 * daily rollups. */
#ifndef HERALD_SCORE_RULES_H
#define HERALD_SCORE_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "score/engage.h"

/* Counts events of a `count` atom that has `where`, over days from..to
 * (inclusive, workspace time zone).  Returns false when it cannot. */
typedef bool (*rules_count_fn)(void *arg, const cJSON *atom, int from, int to,
                               double *out);

struct rules_input {
	double fit;
	double engagement;
	double score;
	const cJSON *facts; /* {"person":{..},"account":{..},"people":[..]} */
	const struct engage_row *rows; /* daily totals are read */
	size_t nrows;
	int today; /* days since 2000-01-01, workspace time zone */
	bool has_signup;
	int signup_day; /* same scale */
	rules_count_fn count_where;
	void *arg;
};

enum rules_result { RULES_FALSE = 0, RULES_TRUE = 1, RULES_ERROR = -1 };

/* Share of a score threshold a subject already in a rule's state may
 * fall to before it leaves the state (hysteresis). */
#define RULES_HOLD 0.9

/* Evaluates a validated condition.  holding is set when the subject is
 * in the rule's state now: fit, engagement and score thresholds then
 * loosen by RULES_HOLD so that a hovering score does not flap. */
enum rules_result rules_eval(const cJSON *when, const struct rules_input *in,
                             bool holding) __attribute__((warn_unused_result));

/* The days (inclusive) a count or active_days atom looks at.  Returns
 * false when the window is empty (since signup with no signup date, or
 * a signup window in the future). */
bool rules_window(const cJSON *atom, const struct rules_input *in, int *from,
                  int *to) __attribute__((warn_unused_result));

/* The widest day window of any rule in model, back from today: the
 * caller loads rollups at least that far back.  since-signup windows
 * are reported through *needs_signup. */
int rules_horizon(const cJSON *model, bool *needs_signup);

#endif
