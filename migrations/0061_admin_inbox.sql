-- The built-in inbox: alerts posted to Herald's own inbox URL (used as a
-- Slack or webhook destination) are kept here and shown in the admin app,
-- so a demo or a trial works without Slack.  Only the newest 500 per
-- workspace are kept.
CREATE TABLE inbox_messages (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id              bigserial,
    kind            text NOT NULL CHECK (kind IN ('slack', 'webhook')),
    payload         jsonb NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);
