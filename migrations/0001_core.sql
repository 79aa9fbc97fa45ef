-- Herald core schema: workspaces, admin users, people, accounts,
-- releases and events.  Every table of workspace data carries
-- workspace_id first in its primary key and unique constraints, so the
-- schema can be distributed by workspace.

CREATE TABLE workspaces (
    id                  bigserial PRIMARY KEY,
    slug                text NOT NULL UNIQUE
                        CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name                text NOT NULL,
    timezone            text NOT NULL DEFAULT 'UTC',
    public_key          text NOT NULL UNIQUE,
    write_key_hash      text NOT NULL UNIQUE,
    admin_token_hash    text NOT NULL UNIQUE,
    -- The identity secret signs JWTs, so Herald needs it in usable form.
    identity_secret     text NOT NULL,
    identity_secret_prev text,
    identity_secret_prev_until timestamptz,
    allowed_origins     text[] NOT NULL DEFAULT '{}',
    require_signed_identity boolean NOT NULL DEFAULT true,
    retention_months    int NOT NULL DEFAULT 13,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id              bigserial,
    email           text NOT NULL,
    role            text NOT NULL CHECK (role IN ('owner', 'editor', 'sales')),
    password_hash   text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX users_email ON users (workspace_id, lower(email));

-- Accounts (Segment groups).
CREATE TABLE accounts (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id              bigserial,
    external_id     text NOT NULL,
    name            text,
    traits          jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, external_id)
);

-- People: identified users (Segment userId, JWT sub).
CREATE TABLE persons (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id              bigserial,
    external_id     text NOT NULL,
    email           text,
    name            text,
    traits          jsonb NOT NULL DEFAULT '{}',
    account_id      bigint,
    signed_up_at    timestamptz,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, external_id),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts
);
CREATE INDEX persons_account ON persons (workspace_id, account_id);

-- Anonymous ids (widget visitors, Segment anonymousId) and the person
-- they merged into once identified (NULL until then).
CREATE TABLE anonymous_ids (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    anonymous_id    text NOT NULL,
    person_id       bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    merged_at       timestamptz,
    PRIMARY KEY (workspace_id, anonymous_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES persons ON DELETE CASCADE
);
CREATE INDEX anonymous_ids_person ON anonymous_ids (workspace_id, person_id);

CREATE TABLE releases (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    slug            text NOT NULL,
    title           text NOT NULL,
    body_md         text NOT NULL DEFAULT '',
    body_html       text NOT NULL DEFAULT '',
    labels          text[] NOT NULL DEFAULT '{}',
    features        text[] NOT NULL DEFAULT '{}',
    audience        jsonb NOT NULL DEFAULT '{}',   -- {} = public
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'scheduled', 'published')),
    publish_at      timestamptz,
    published_at    timestamptz,
    author          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, slug)
);
CREATE INDEX releases_published ON releases (workspace_id, published_at DESC)
    WHERE status = 'published';
CREATE INDEX releases_due ON releases (publish_at) WHERE status = 'scheduled';
CREATE INDEX releases_features ON releases USING gin (features);
