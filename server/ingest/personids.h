/* Herald - the ingest writers' cache of person ids.
 *
 * Most events come from people Herald already knows, and looking each
 * one up by (workspace, userId) was two index probes per event in the
 * database.  The writers keep the ids they learned here instead, tagged
 * with the database's person epoch (migration 0100): any statement that
 * deletes persons or changes their keys moves the epoch, an events
 * statement with ids of an older epoch then fails, and the writer
 * forgets them all and writes its group again.  The table is bounded;
 * when it fills up it starts again empty.
 *
 * Not thread-safe by itself: callers hold personids_lock(). */
#ifndef HERALD_INGEST_PERSONIDS_H
#define HERALD_INGEST_PERSONIDS_H

#include <stdbool.h>
#include <stdint.h>

void personids_lock(void);
void personids_unlock(void);

/* The id of userId uid in workspace ws, or 0 when not known. */
int64_t personids_get(int64_t ws, const char *uid);

/* Remembers uid's id; false when out of memory (nothing is kept). */
bool personids_put(int64_t ws, const char *uid, int64_t id);

/* The epoch the ids were learned under (-1 before the first). */
int64_t personids_epoch(void);

/* Forgets every id: they now belong to epoch. */
void personids_reset(int64_t epoch);

/* Ids held now, for tests and logs. */
long personids_count(void);

void personids_free(void);

#endif
