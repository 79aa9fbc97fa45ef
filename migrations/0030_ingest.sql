-- Segment-compatible ingest: helpers for merging anonymous visitors,
-- retention, and the indexes the write path needs.  The events table
-- (0002) keeps its columns; nothing here changes them.

-- Lets retention find old event_keys without a full scan.
CREATE INDEX IF NOT EXISTS event_keys_received
    ON event_keys (received_on);

-- Merges an anonymous id into a person (herald_merge_anonymous) and
-- first adds the daily rollups of that visitor's events not yet counted,
-- so the person's history includes what they did before identifying.
-- Idempotent: events already tied to a person are not counted again.
CREATE FUNCTION herald_ingest_merge(ws bigint, anon text, pid bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_daily AS d (workspace_id, person_id, day, event,
                                   count, value)
    SELECT ws, pid, (e.occurred_at AT TIME ZONE w.timezone)::date,
           CASE WHEN e.type = 'track' THEN e.name
                WHEN e.type IN ('page', 'screen') THEN e.type
                ELSE e.type END,
           count(*),
           coalesce(sum(CASE WHEN e.type = 'release_read'
                             THEN (e.props->>'ms')::double precision
                             ELSE 0 END), 0)
      FROM events e JOIN workspaces w ON w.id = e.workspace_id
     WHERE e.workspace_id = ws AND e.anonymous_id = anon
       AND e.person_id IS NULL
       AND e.type NOT IN ('identify', 'group', 'alias')
     GROUP BY 3, 4
     ORDER BY 3, 4
    ON CONFLICT (workspace_id, person_id, day, event) DO UPDATE
        SET count = d.count + EXCLUDED.count,
            value = d.value + EXCLUDED.value;
    PERFORM herald_merge_anonymous(ws, anon, pid);
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
