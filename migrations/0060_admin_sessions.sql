-- Admin web app: sign-in sessions and failed sign-in attempts.
-- The session token lives only in the browser's cookie; Herald keeps its
-- SHA-256.  The CSRF token is derived from the session token, so nothing
-- more needs storing.
CREATE TABLE admin_sessions (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    token_hash      text NOT NULL,
    user_id         bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    peer            text,
    PRIMARY KEY (workspace_id, token_hash),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users ON DELETE CASCADE
);
-- Lookups come with the token alone (the cookie names no workspace).
CREATE UNIQUE INDEX admin_sessions_token ON admin_sessions (token_hash);
CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);

-- Failed sign-ins per e-mail address and client address, for the rate
-- limit.  Not workspace data: an address may belong to several
-- workspaces, and the attempt is counted before any is chosen.  Rows
-- older than an hour are pruned on each sign-in.
CREATE TABLE admin_login_failures (
    key_hash        text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_login_failures_key ON admin_login_failures (key_hash, at);
