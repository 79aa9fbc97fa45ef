/* Herald - numbered SQL migrations, applied in order, with checksums. */
#ifndef HERALD_MIGRATE_H
#define HERALD_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

/* Applies every pending migrations/NNNN_*.sql under dir, each in its own
 * transaction, under an advisory lock so that concurrent processes wait
 * for each other.  Refuses (false, err set) when an applied file changed.
 * *applied receives how many files were applied now. */
bool migrate_run(const char *dir, int *applied, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Number of migration files in dir (-1 on error); cached after the first
 * call, since the files do not change while the server runs. */
int migrate_count_files(const char *dir);

/* True when the database holds every migration file in dir. */
bool migrate_is_current(const char *dir);

#endif
