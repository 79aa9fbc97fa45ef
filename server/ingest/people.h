/* Herald - people and accounts from Segment identify, group and alias. */
#ifndef HERALD_PEOPLE_H
#define HERALD_PEOPLE_H

#include <libpq-fe.h>

#include "ingest/ingest.h"

/* Queues, on a connection in pipeline mode, the statements that apply
 * message e of job to persons and accounts: identify updates traits and
 * merges the anonymous id, group upserts the account and ties the person
 * to it, alias merges previousId.  The person row already exists (the
 * writer upserts every userId first).  Returns the number of statements
 * queued (0 for other messages) or -1 when sending failed. */
int people_send(PGconn *pg, const struct ingest_job *job,
                const struct ingest_event *e);

#endif
