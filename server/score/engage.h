/* Herald - engagement: a decayed, capped, weighted sum of daily signals
 * with a breakdown naming releases and features. */
#ifndef HERALD_SCORE_ENGAGE_H
#define HERALD_SCORE_ENGAGE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* One day of one event for one subject.  A total row (total set) gives
 * the day's count and value (ms for release_read); breakdown rows (total
 * clear) split that day between releases and features, for reasons. */
struct engage_row {
	int day; /* days since 2000-01-01 in the workspace time zone */
	const char *event;
	const char *release; /* title, or NULL */
	const char *feature; /* feature key, or NULL */
	bool total;
	double count;
	double value;
};

/* points x 0.5^(age_days / half_life). */
double engage_decay(double points, int age_days, double half_life);

/* Undecayed points of one signal for one day's count and value. */
double engage_day_points(const cJSON *signal, double count, double value);

/* Engagement of rows under model's engagement section on day today,
 * rounded to 0.1.  Appends one reason per signal and release or feature
 * to reasons (may be NULL). */
double engage_compute(const cJSON *model, const struct engage_row *rows,
                      size_t n, int today, cJSON *reasons);

#endif
