/* Herald tests - scoring fixtures: people, accounts, releases and events
 * written straight to the database the way the event endpoints store
 * them (event, daily rollup, score queue and NOTIFY in one statement). */
#ifndef HERALD_SCOREFIX_H
#define HERALD_SCOREFIX_H

#include <stdbool.h>

#include <cjson/cJSON.h>

/* A new account in workspace ws with traits (JSON text).  Returns its
 * id (malloc'd). */
char *fx_account(const char *ws, const char *ext, const char *name,
                 const char *traits);

/* A new person; account may be NULL; signed_up is a timestamptz text or
 * NULL.  Returns the id (malloc'd). */
char *fx_person(const char *ws, const char *ext, const char *name,
                const char *traits, const char *account, const char *signed_up);

/* A published release with features (PostgreSQL array text such as
 * "{charts}").  Returns its id (malloc'd). */
char *fx_release(const char *ws, const char *slug, const char *title,
                 const char *features);

/* Stores n identical events of person at time at (timestamptz text),
 * with their rollup (key: the widget type, track name or "page"), and
 * queues the person for scoring.  kind is a widget event type or
 * "track" or "page"; name the track event name (NULL for widget
 * events); release may be NULL; props is JSON text. */
void fx_event(const char *ws, const char *person, const char *kind,
              const char *name, const char *release, const char *props,
              const char *at, int n);

/* A timestamp text: now() plus an SQL interval such as "-2 hours". */
char *fx_ago(const char *interval);

/* A timestamp text: days_back days before today in the workspace's time
 * zone at local time hms ("00:00:01"). */
char *fx_local(const char *ws, int days_back, const char *hms);

/* Queues a person for scoring without an event. */
void fx_queue(const char *ws, const char *person);

/* Waits until the workspace's queue is empty and every person listed
 * has a score; fails the test after 10 s. */
void fx_wait_scored(const char *ws);

/* Puts a scoring model through the database (version max+1). */
void fx_model(const char *ws, const char *model);

/* Number of qualifications of a subject for a rule (open and closed). */
long fx_quals(const char *ws, const char *type, const char *id,
              const char *rule);

/* Text of the workspace id of a workspace JSON. */
const char *fx_ws_id(const cJSON *ws, char *buf, int len);

#endif
