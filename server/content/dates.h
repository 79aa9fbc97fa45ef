/* Herald - dates without the C library's locale: ISO 8601 parsing and
 * English RFC 3339, RFC 822 and human formats computed from the epoch. */
#ifndef HERALD_DATES_H
#define HERALD_DATES_H

#include <stdbool.h>
#include <stdint.h>

#define DATES_LEN 40 /* room for every format below */

/* Parses an ISO 8601 date-time: YYYY-MM-DDTHH:MM[:SS[.frac]] followed by
 * Z or +HH:MM / -HH:MM (or +HHMM); 't' or one space may replace 'T'.  A
 * bare date YYYY-MM-DD is midnight UTC.  Fields are range-checked (day
 * within its month).  On success stores seconds since the epoch in *out
 * (fractions dropped). */
bool dates_parse_iso8601(const char *text, int64_t *out)
    __attribute__((warn_unused_result));

/* "2024-05-01T12:00:00Z" */
void dates_rfc3339(int64_t epoch, char out[DATES_LEN]);

/* "Wed, 01 May 2024 12:00:00 +0000" (RFC 822 as RSS 2.0 wants it) */
void dates_rfc822(int64_t epoch, char out[DATES_LEN]);

/* "1 May 2024" */
void dates_human(int64_t epoch, char out[DATES_LEN]);

/* "2024-05-01" */
void dates_ymd(int64_t epoch, char out[DATES_LEN]);

#endif
