-- Daily rollups and the score queue, merged shortly after the events.
--
-- Until now every ingest transaction upserted person_daily and locked
-- score_queue rows for each person of its events: with a few thousand
-- active people, each person's rows were rewritten (or locked, which
-- also writes the row) once per group of a few milliseconds, dozens of
-- times a second.  Now the ingest transaction stores, next to its
-- events, one row here listing the events it inserted (workspace,
-- person, type, rollup key, time); a merger in every `herald serve`
-- claims pending rows (FOR UPDATE SKIP LOCKED, so several processes
-- share the work), adds them up per person, day and key, and in the
-- same transaction deletes them, upserts person_daily and queues the
-- people for scoring.  Nothing is lost: a pending row is deleted only
-- by the transaction that applies it, and one that fails is applied by
-- the next merge.  Events of people erased meanwhile are skipped (the
-- merge joins persons).
CREATE TABLE rollup_pending (
    id          bigserial PRIMARY KEY,
    ws          bigint[] NOT NULL,
    pid         bigint[] NOT NULL,
    typ         text[] NOT NULL,
    key         text[] NOT NULL,
    occ         timestamptz[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
