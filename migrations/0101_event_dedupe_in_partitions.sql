-- Segment messages are de-duplicated by the events table itself.
--
-- Until now every stored Segment message also wrote an event_keys row
-- (a second heap tuple, its index entry and WAL, and a join between the
-- two inserts), because a partitioned table cannot hold a unique key
-- that leaves out the partition key.  Each monthly partition can: a
-- unique index on (workspace_id, message_id) per partition, and the
-- ingest writer's INSERT ... ON CONFLICT DO NOTHING on the parent uses
-- the index of the partition each row goes to.  A message sent again
-- lands in the same partition (its occurred_at is the same, or moves by
-- the milliseconds of the clock-skew correction), so it is refused.
-- One sent again across a month boundary, with no timestamp of its own
-- or seconds apart from the first, can be stored twice (docs/INGEST.md).
--
-- An erasure deletes the events, and with them their keys, so the
-- message ids of erased Segment events are kept in erased_keys and the
-- writer refuses them: a client retrying an old batch cannot bring an
-- erased person's events back.  Widget events keep claiming their
-- client ids in event_keys ("w:" + id), which erasure never touches.

CREATE TABLE erased_keys (
    workspace_id    bigint NOT NULL,
    message_id      text NOT NULL,
    received_on     date NOT NULL DEFAULT current_date,
    PRIMARY KEY (workspace_id, message_id)
);

-- Segment message ids already erased: their keys stayed in event_keys,
-- with no event left.
INSERT INTO erased_keys (workspace_id, message_id, received_on)
SELECT k.workspace_id, k.message_id, k.received_on
  FROM event_keys k
 WHERE k.message_id NOT LIKE 'w:%'
   AND NOT EXISTS (SELECT 1 FROM events e
                    WHERE e.workspace_id = k.workspace_id
                      AND e.message_id = k.message_id);

-- The unique index of one partition, named after it.
CREATE FUNCTION herald_event_partition_key(part text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I'
                   ' (workspace_id, message_id)', part || '_mid', part);
END $$;

SELECT herald_event_partition_key(c.relname)
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'events'::regclass;

CREATE OR REPLACE FUNCTION herald_ensure_event_partitions(first date, months int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', first)::date;
    name text;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        name := format('events_%s', to_char(m, 'YYYY_MM'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                name, m, (m + interval '1 month')::date);
            PERFORM herald_event_partition_key(name);
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
END $$;

-- Segment keys in event_keys serve nothing now: the events they stand
-- for hold them, the erased ones are copied above.
DELETE FROM event_keys WHERE message_id NOT LIKE 'w:%';

-- Retention also forgets old erased keys.
CREATE OR REPLACE FUNCTION herald_ingest_maintain() RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    keep_months int;
    horizon date;
    part record;
    dropped int := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7300030) THEN
        RETURN 0;
    END IF;
    PERFORM herald_ensure_event_partitions(current_date, 4);
    SELECT coalesce(max(retention_months), 13) INTO keep_months
      FROM workspaces;
    horizon := date_trunc('month',
                          current_date - make_interval(months => keep_months))::date;
    FOR part IN
        SELECT c.relname
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'events'::regclass
           AND c.relname ~ '^events_[0-9]{4}_[0-9]{2}$'
    LOOP
        IF (to_date(substr(part.relname, 8), 'YYYY_MM')
            + interval '1 month')::date <= horizon THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    DELETE FROM events e USING workspaces w
     WHERE e.workspace_id = w.id
       AND e.occurred_at < now() - make_interval(months => w.retention_months);
    DELETE FROM event_keys k USING workspaces w
     WHERE k.workspace_id = w.id
       AND k.received_on < current_date
                           - make_interval(months => w.retention_months);
    DELETE FROM erased_keys k USING workspaces w
     WHERE k.workspace_id = w.id
       AND k.received_on < current_date
                           - make_interval(months => w.retention_months);
    RETURN dropped;
END $$;
