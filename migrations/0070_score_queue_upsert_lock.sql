-- Cheaper score-queue locking on the write path.
--
-- 0041 made every score_queue insert lock an existing row until the
-- writer commits, through a plpgsql BEFORE INSERT row trigger (one
-- function call and one SELECT ... FOR UPDATE per queued person).  The
-- same lock now comes from the insert itself: every writer queues with
--
--   ON CONFLICT (workspace_id, person_id)
--   DO UPDATE SET queued_at = score_queue.queued_at WHERE false
--
-- ON CONFLICT DO UPDATE locks the conflicting row (FOR UPDATE strength)
-- before it tests the WHERE clause, and keeps the lock when the clause
-- is false, so nothing is written: the scorer's claim (FOR UPDATE SKIP
-- LOCKED) passes over the row until the writer commits, and a writer
-- arriving while the scorer holds the row waits, then inserts it again.
-- queued_at is kept, so a busy person keeps its place in the queue.
-- Only the scorer's sweep still uses DO NOTHING: it has no change of its
-- own to wait for.

DROP TRIGGER score_queue_lock ON score_queue;
DROP FUNCTION herald_score_queue_lock();

-- As in 0030, with the locking queue insert.
CREATE OR REPLACE FUNCTION herald_ingest_merge(ws bigint, anon text,
                                               pid bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM herald_widget_merge(ws, anon, pid);
    INSERT INTO score_queue (workspace_id, person_id) VALUES (ws, pid)
    ON CONFLICT (workspace_id, person_id)
    DO UPDATE SET queued_at = score_queue.queued_at WHERE false;
END $$;

-- As in 0020, with the locking queue insert (named by its constraint:
-- person_id is also an output column of this function).
CREATE OR REPLACE FUNCTION herald_widget_identify(ws bigint, ext text, p_email text,
    p_name text, p_traits jsonb, acct_ext text, acct_name text,
    acct_traits jsonb, anon text)
RETURNS TABLE (person_id bigint, person_traits jsonb, account_traits jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    pid bigint := herald_person(ws, ext);
    aid bigint;
    changed boolean := false;
    n int;
BEGIN
    IF acct_ext IS NOT NULL THEN
        INSERT INTO accounts (workspace_id, external_id, name, traits)
        VALUES (ws, acct_ext, acct_name, coalesce(acct_traits, '{}'))
        ON CONFLICT (workspace_id, external_id) DO UPDATE
            SET name = coalesce(EXCLUDED.name, accounts.name),
                traits = accounts.traits || EXCLUDED.traits,
                updated_at = now()
            WHERE accounts.name IS DISTINCT FROM
                      coalesce(EXCLUDED.name, accounts.name)
               OR accounts.traits IS DISTINCT FROM
                      accounts.traits || EXCLUDED.traits;
        GET DIAGNOSTICS n = ROW_COUNT;
        changed := n > 0;
        SELECT id INTO aid FROM accounts
         WHERE workspace_id = ws AND external_id = acct_ext;
    END IF;

    UPDATE persons p
       SET email = coalesce(p_email, p.email),
           name = coalesce(p_name, p.name),
           traits = p.traits || coalesce(p_traits, '{}'),
           account_id = coalesce(aid, p.account_id),
           last_seen_at = now()
     WHERE p.workspace_id = ws AND p.id = pid
       AND (p.email IS DISTINCT FROM coalesce(p_email, p.email)
            OR p.name IS DISTINCT FROM coalesce(p_name, p.name)
            OR p.traits IS DISTINCT FROM p.traits || coalesce(p_traits, '{}')
            OR p.account_id IS DISTINCT FROM coalesce(aid, p.account_id));
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed OR n > 0;

    IF anon IS NOT NULL AND herald_widget_merge(ws, anon, pid) THEN
        changed := true;
    END IF;
    IF changed THEN
        INSERT INTO score_queue (workspace_id, person_id)
        VALUES (ws, pid) ON CONFLICT ON CONSTRAINT score_queue_pkey
        DO UPDATE SET queued_at = score_queue.queued_at WHERE false;
        NOTIFY herald_score;
    END IF;

    RETURN QUERY
    SELECT p.id, p.traits, coalesce(a.traits, '{}'::jsonb)
      FROM persons p
      LEFT JOIN accounts a
        ON a.workspace_id = p.workspace_id AND a.id = p.account_id
     WHERE p.workspace_id = ws AND p.id = pid;
END $$;
