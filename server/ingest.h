/*
 * ingest.h - the server side of the sync protocol, without the network.
 *
 * ingest_handle() takes one request as received and returns the reply to
 * send; polsd only moves bytes. Every reply is signed by the server. A
 * batch is applied in the same sqlite transaction that records its id and
 * hash as applied, so it counts exactly once however often it arrives.
 */
#ifndef POLS_INGEST_H
#define POLS_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

struct ingest; /* opaque: the server and its outstanding challenges */

struct ingest *ingest_new(struct server *s);
/* Another handle for a worker with its own server (database connection)
 * sharing share's challenges; thread-safe between such handles. */
struct ingest *ingest_new_shared(struct server *s, struct ingest *share);
void ingest_free(struct ingest *g); /* accepts NULL */

/* Handle one request; *reply is malloc'd (free). Returns 0, or -1 only when
 * no reply could be made (out of memory). */
int ingest_handle(struct ingest *g, const uint8_t *req, size_t len,
    uint8_t **reply, size_t *rlen);

/* Apply one sealed batch for terminal name serving teams. Returns 0 when
 * applied now, 1 when it was applied before with the same hash, -1 when
 * refused (reason in err). Exposed for tests and benchmarks. */
int ingest_batch(struct server *s, const char *name, const char *teams,
    const char *id, const uint8_t *sealed, size_t len, char *err,
    size_t errlen);

#endif
