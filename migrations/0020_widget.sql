-- Widget state kept on the server so every device of a person agrees:
-- which releases each visitor has read, when they last marked all read,
-- their reactions, and the read-time budget that keeps reported reading
-- within wall-clock time.
--
-- An "identity" is 'p:<persons.id>' for an identified person or
-- 'a:<anonymous id>' for an anonymous visitor.  When an anonymous visitor
-- identifies, the rows of 'a:…' move to 'p:…'.

-- A release is read by an identity once it was viewed (or its reading
-- reported).  last_view_at de-duplicates views that arrive close
-- together (two views within 2 s count once); budget_ms and budget_at
-- hold the reading time still creditable (a token bucket refilled by
-- wall-clock time, capped at two minutes).
CREATE TABLE release_reads (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    identity        text NOT NULL,
    release_id      uuid NOT NULL,
    read_at         timestamptz NOT NULL DEFAULT now(),
    last_view_at    timestamptz,
    budget_ms       bigint NOT NULL DEFAULT 120000,
    budget_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, identity, release_id),
    FOREIGN KEY (workspace_id, release_id) REFERENCES releases
        ON DELETE CASCADE
);

-- "Mark all read": every release published at or before marked_at is read.
CREATE TABLE release_read_marks (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    identity        text NOT NULL,
    marked_at       timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, identity)
);

-- Reactions: one row per identity, release and emoji.  Adding is INSERT
-- ... ON CONFLICT DO NOTHING and removing is DELETE, so concurrent
-- toggles settle on the right state.
CREATE TABLE release_reactions (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    release_id      uuid NOT NULL,
    identity        text NOT NULL,
    emoji           text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, release_id, identity, emoji),
    FOREIGN KEY (workspace_id, release_id) REFERENCES releases
        ON DELETE CASCADE
);

-- Ties an anonymous visitor to a person: adds the rollups of the
-- visitor's stored events (they had no person yet), gives the events to
-- the person (herald_merge_anonymous) and moves the widget state.  Does
-- nothing when the anonymous id already belongs to a person.  Returns
-- true when it merged.
CREATE FUNCTION herald_widget_merge(ws bigint, anon text, pid bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    a text := 'a:' || anon;
    p text := 'p:' || pid;
    owner bigint;
BEGIN
    INSERT INTO anonymous_ids (workspace_id, anonymous_id)
    VALUES (ws, anon) ON CONFLICT DO NOTHING;
    SELECT person_id INTO owner FROM anonymous_ids
     WHERE workspace_id = ws AND anonymous_id = anon FOR UPDATE;
    IF owner IS NOT NULL THEN
        RETURN false;
    END IF;

    INSERT INTO person_daily (workspace_id, person_id, day, event, count,
                              value)
    SELECT ws, pid, (e.occurred_at AT TIME ZONE w.timezone)::date, k.key,
           count(*),
           coalesce(sum(CASE WHEN e.source = 'widget'
                              AND e.type = 'release_read'
                             THEN (e.props->>'ms')::float8 END), 0)
      FROM events e
      JOIN workspaces w ON w.id = e.workspace_id
      CROSS JOIN LATERAL (SELECT CASE
              WHEN e.source = 'widget' THEN e.type
              WHEN e.type = 'track' THEN e.name
              WHEN e.type = 'page' THEN 'page' END AS key) k
     WHERE e.workspace_id = ws AND e.anonymous_id = anon
       AND e.person_id IS NULL AND k.key IS NOT NULL
     GROUP BY 3, 4 ORDER BY 3, 4
    ON CONFLICT (workspace_id, person_id, day, event) DO UPDATE
        SET count = person_daily.count + EXCLUDED.count,
            value = person_daily.value + EXCLUDED.value;
    PERFORM herald_merge_anonymous(ws, anon, pid);

    INSERT INTO release_reads (workspace_id, identity, release_id, read_at,
                               last_view_at, budget_ms, budget_at)
    SELECT workspace_id, p, release_id, read_at, last_view_at, budget_ms,
           budget_at
      FROM release_reads WHERE workspace_id = ws AND identity = a
    ON CONFLICT DO NOTHING;
    DELETE FROM release_reads WHERE workspace_id = ws AND identity = a;

    INSERT INTO release_read_marks (workspace_id, identity, marked_at)
    SELECT workspace_id, p, marked_at
      FROM release_read_marks WHERE workspace_id = ws AND identity = a
    ON CONFLICT (workspace_id, identity) DO UPDATE
        SET marked_at = greatest(release_read_marks.marked_at,
                                 EXCLUDED.marked_at);
    DELETE FROM release_read_marks WHERE workspace_id = ws AND identity = a;

    INSERT INTO release_reactions (workspace_id, release_id, identity, emoji,
                                   created_at)
    SELECT workspace_id, release_id, p, emoji, created_at
      FROM release_reactions WHERE workspace_id = ws AND identity = a
    ON CONFLICT DO NOTHING;
    DELETE FROM release_reactions WHERE workspace_id = ws AND identity = a;
    RETURN true;
END $$;

-- Applies the verified claims of an identity token: finds or creates the
-- person (and account), updates email, name and traits, merges the
-- anonymous id (may be NULL) and queues the person for scoring when
-- anything changed.  Returns the person and the traits the audience of
-- releases is matched against.
CREATE FUNCTION herald_widget_identify(ws bigint, ext text, p_email text,
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
        VALUES (ws, pid) ON CONFLICT DO NOTHING;
        NOTIFY herald_score;
    END IF;

    RETURN QUERY
    SELECT p.id, p.traits, coalesce(a.traits, '{}'::jsonb)
      FROM persons p
      LEFT JOIN accounts a
        ON a.workspace_id = p.workspace_id AND a.id = p.account_id
     WHERE p.workspace_id = ws AND p.id = pid;
END $$;
