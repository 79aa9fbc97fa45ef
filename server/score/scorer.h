/* Herald - the scoring service: claims queued people, re-scores them
 * and their accounts, and sweeps subjects whose state time may change. */
#ifndef HERALD_SCORE_SCORER_H
#define HERALD_SCORE_SCORER_H

#include <stdbool.h>

/* Starts the scorer thread (LISTEN herald_score on its own connection,
 * poll every second, sweep every HERALD_SCORE_SWEEP_SECONDS). */
bool scorer_start(void) __attribute__((warn_unused_result));

/* Asks the thread to finish its batch and waits for it. */
void scorer_stop(void);

#endif
