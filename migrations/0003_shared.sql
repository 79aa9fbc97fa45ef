-- Tables shared between parts of Herald: per-person daily rollups (kept
-- by whoever stores events, read by the scorer and the stats), the queue
-- of people whose score must be recomputed, and qualifications (written
-- by the scorer, turned into alert deliveries by the notifier).

-- One row per person, day (in the workspace's time zone) and event key:
-- the widget event type, or the track event name, or 'page'.  count is
-- the number of events, value the sum of a numeric measure (read time in
-- milliseconds for release_read).
CREATE TABLE person_daily (
    workspace_id    bigint NOT NULL,
    person_id       bigint NOT NULL,
    day             date NOT NULL,
    event           text NOT NULL,
    count           bigint NOT NULL DEFAULT 0,
    value           double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, person_id, day, event),
    FOREIGN KEY (workspace_id, person_id) REFERENCES persons ON DELETE CASCADE
);

-- People whose events or traits changed since the scorer last looked.
-- Inserted in the same transaction as the change (ON CONFLICT DO NOTHING),
-- followed by NOTIFY herald_score; the scorer claims rows with
-- DELETE ... RETURNING, so several processes never score one person twice
-- for the same change.
CREATE TABLE score_queue (
    workspace_id    bigint NOT NULL,
    person_id       bigint NOT NULL,
    queued_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, person_id)
);

-- A subject entering a rule's state.  One row per transition; the unique
-- index on open rows makes a second insert for the same open state fail,
-- whichever process tries.
CREATE TABLE qualifications (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id              bigserial,
    subject_type    text NOT NULL CHECK (subject_type IN ('person', 'account')),
    subject_id      bigint NOT NULL,
    rule_id         text NOT NULL,
    rule_name       text,
    model_version   int NOT NULL,
    score           double precision NOT NULL,
    fit             double precision NOT NULL,
    engagement      double precision NOT NULL,
    reasons         jsonb NOT NULL DEFAULT '[]',
    notify          text[] NOT NULL DEFAULT '{}',
    qualified_at    timestamptz NOT NULL DEFAULT now(),
    left_at         timestamptz,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX qualifications_open
    ON qualifications (workspace_id, subject_type, subject_id, rule_id)
    WHERE left_at IS NULL;

-- Finds or creates the person with this external id; returns its id.
CREATE FUNCTION herald_person(ws bigint, ext text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    pid bigint;
BEGIN
    SELECT id INTO pid FROM persons WHERE workspace_id = ws AND external_id = ext;
    IF pid IS NULL THEN
        INSERT INTO persons (workspace_id, external_id) VALUES (ws, ext)
        ON CONFLICT (workspace_id, external_id) DO UPDATE SET last_seen_at = now()
        RETURNING id INTO pid;
    END IF;
    RETURN pid;
END $$;

-- Ties an anonymous id to a person and gives the person the anonymous
-- events already stored.  Idempotent.
CREATE FUNCTION herald_merge_anonymous(ws bigint, anon text, pid bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO anonymous_ids (workspace_id, anonymous_id, person_id, merged_at)
    VALUES (ws, anon, pid, now())
    ON CONFLICT (workspace_id, anonymous_id) DO UPDATE
        SET person_id = EXCLUDED.person_id, merged_at = now()
        WHERE anonymous_ids.person_id IS NULL;
    UPDATE events SET person_id = pid
     WHERE workspace_id = ws AND anonymous_id = anon AND person_id IS NULL;
END $$;
