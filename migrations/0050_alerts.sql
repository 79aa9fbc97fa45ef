-- Alert delivery: destinations (Slack, email, signed webhooks), alerts
-- (one per qualification or digest) and deliveries (one per alert and
-- destination), a durable outbox worked by `herald serve` processes.

-- Where alerts go.  url holds the Slack or webhook URL and secret the
-- webhook signing key: both are needed in usable form to send, so, like
-- the workspace identity secret, they are stored as given and never
-- returned in full by the API.
CREATE TABLE destinations (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id              bigserial,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind            text NOT NULL CHECK (kind IN ('slack', 'email', 'webhook')),
    url             text,
    recipients      text[] NOT NULL DEFAULT '{}',
    secret          text,
    tags            text[] NOT NULL DEFAULT '{}',
    mode            text NOT NULL DEFAULT 'immediate'
                    CHECK (mode IN ('immediate', 'hourly', 'daily')),
    state           text NOT NULL DEFAULT 'active'
                    CHECK (state IN ('active', 'failing')),
    last_error      text,
    failing_since   timestamptz,
    -- Sending is paced per destination across every process: nothing is
    -- sent before next_send_at (one message a second, one at a time) nor
    -- before paused_until (Retry-After of a 429).
    next_send_at    timestamptz NOT NULL DEFAULT '-infinity',
    paused_until    timestamptz NOT NULL DEFAULT '-infinity',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, name)
);
CREATE INDEX destinations_tags ON destinations USING gin (tags);

-- One alert per qualification (or test message).
CREATE TABLE alerts (
    workspace_id     bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id               bigserial,
    kind             text NOT NULL DEFAULT 'qualification'
                     CHECK (kind IN ('qualification', 'test')),
    qualification_id bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, qualification_id)
);

-- queued: waiting for its first attempt; sending: claimed by a worker
-- until claimed_until (a lease: when it expires after a crash, another
-- worker claims it again); delivered: the receiver accepted it; failed:
-- an attempt failed and another is due at next_attempt_at; dead: given
-- up (attempts exhausted or the receiver refused it for good).
CREATE TYPE delivery_state AS ENUM
    ('queued', 'sending', 'delivered', 'failed', 'dead');

CREATE TABLE deliveries (
    workspace_id    bigint NOT NULL,
    id              bigserial,
    alert_id        bigint NOT NULL,
    destination_id  bigint NOT NULL,
    -- Sent in the payload so a receiver can drop a repeat.
    event_id        uuid NOT NULL DEFAULT gen_random_uuid(),
    state           delivery_state NOT NULL DEFAULT 'queued',
    attempts        int NOT NULL DEFAULT 0,
    throttled       int NOT NULL DEFAULT 0,  -- attempts answered 429
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    claim_token     uuid,                    -- who holds the lease
    -- Digests: the delivery whose message carried this one.
    batch_id        bigint,
    body            text,                    -- rendered once, resent as is
    last_status     int,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, alert_id, destination_id),
    FOREIGN KEY (workspace_id, alert_id) REFERENCES alerts ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, destination_id) REFERENCES destinations
        ON DELETE CASCADE
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at)
    WHERE state IN ('queued', 'failed');
CREATE INDEX deliveries_leased ON deliveries (claimed_until)
    WHERE state = 'sending';
CREATE INDEX deliveries_destination
    ON deliveries (workspace_id, destination_id, state);

-- Customer-success checks, per workspace.
CREATE TABLE alert_settings (
    workspace_id          bigint PRIMARY KEY
                          REFERENCES workspaces ON DELETE CASCADE,
    stalled_after_days    int NOT NULL DEFAULT 3
                          CHECK (stalled_after_days BETWEEN 1 AND 365),
    disengaged_after_days int NOT NULL DEFAULT 7
                          CHECK (disengaged_after_days BETWEEN 1 AND 365),
    success_notify        text[] NOT NULL DEFAULT '{success}',
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- When a delivery to a destination in this mode may first be sent:
-- immediately, or at the end of the current hour or day (in the
-- workspace time zone) for digests.
CREATE FUNCTION herald_digest_due(mode text, tz text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE mode
        WHEN 'hourly' THEN date_trunc('hour', now()) + interval '1 hour'
        WHEN 'daily' THEN
            (date_trunc('day', now() AT TIME ZONE tz) + interval '1 day')
                AT TIME ZONE tz
        ELSE now()
    END
$$;

-- Fan-out in the scorer's transaction: the qualification and its
-- deliveries commit together, so an alert is never lost between them.
-- A rule's notify list names destinations by name, id or tag.
CREATE FUNCTION herald_alert_fan_out() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    aid bigint;
BEGIN
    INSERT INTO alerts (workspace_id, qualification_id)
    VALUES (NEW.workspace_id, NEW.id) RETURNING id INTO aid;
    INSERT INTO deliveries (workspace_id, alert_id, destination_id,
                            next_attempt_at)
    SELECT NEW.workspace_id, aid, d.id, herald_digest_due(d.mode, w.timezone)
      FROM destinations d JOIN workspaces w ON w.id = d.workspace_id
     WHERE d.workspace_id = NEW.workspace_id
       AND (d.name = ANY (NEW.notify) OR d.tags && NEW.notify
            OR d.id::text = ANY (NEW.notify));
    PERFORM pg_notify('herald_alerts', NEW.workspace_id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER qualifications_fan_out AFTER INSERT ON qualifications
    FOR EACH ROW EXECUTE FUNCTION herald_alert_fan_out();
