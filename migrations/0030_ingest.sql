-- Segment-compatible ingest: helpers for merging anonymous visitors,
-- retention, and the indexes the write path needs.  The events table
-- (0002) keeps its columns; nothing here changes them.

-- Lets retention find old event_keys without a full scan.
CREATE INDEX IF NOT EXISTS event_keys_received
    ON event_keys (received_on);

-- Merges an anonymous id into a person for Segment identify and alias:
-- herald_widget_merge (0020) adds the rollups of the visitor's events not
-- yet counted, gives the events to the person and moves the widget's
-- read state; then the person is queued for scoring.  Idempotent.
CREATE FUNCTION herald_ingest_merge(ws bigint, anon text, pid bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM herald_widget_merge(ws, anon, pid);
    INSERT INTO score_queue (workspace_id, person_id) VALUES (ws, pid)
    ON CONFLICT DO NOTHING;
END $$;

-- Creates the coming monthly partitions and applies each workspace's
-- retention (workspaces.retention_months): whole partitions older than
-- the longest retention are dropped, rows of workspaces with a shorter
-- one are deleted, and old de-duplication keys go too.  Returns the
-- number of partitions dropped.  Safe to run from several processes: a
-- second caller returns at once.
CREATE FUNCTION herald_ingest_maintain() RETURNS int
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
    RETURN dropped;
END $$;
