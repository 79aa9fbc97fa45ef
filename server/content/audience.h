/* Herald - release audiences: who may see a release, as a small JSON
 * condition on verified person and account traits (docs/RELEASES.md).
 *
 *   {}                                       everyone (public)
 *   {"plan": ["pro", "enterprise"]}          shorthand: trait in list
 *   {"plan": "pro"}                          shorthand: trait equals
 *   {"trait": "person.role", "in": ["cto"]}  one condition
 *   {"trait": "account.employees", "gte": 50}
 *   {"all": [c, ...]}  {"any": [c, ...]}  {"not": c}
 *
 * A trait path "person.x" or "account.x" names one side; a bare "x" is
 * the person's trait x, else the account's.  Operators: eq, ne, in, nin,
 * gt, gte, lt, lte, exists.  Several keys in one object must all hold.
 * Strings compare without regard to ASCII case. */
#ifndef HERALD_AUDIENCE_H
#define HERALD_AUDIENCE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define AUDIENCE_MAX_DEPTH 8

/* True when the audience lets this visitor see the release.  An empty
 * (or NULL) audience is public.  Anonymous visitors pass NULL traits and
 * see public releases only.  A malformed audience matches nobody. */
bool release_audience_match(const cJSON *audience, const cJSON *person_traits,
                            const cJSON *account_traits);

/* True when the audience is public ({} or NULL). */
bool release_audience_is_public(const cJSON *audience);

/* Checks the format.  On a problem writes "audience.<path>: what" into
 * err and returns false. */
bool release_audience_check(const cJSON *audience, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
