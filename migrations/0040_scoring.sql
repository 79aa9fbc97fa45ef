-- Scoring: saved model versions and the current scores of people and
-- accounts (read by the leads list).  See docs/SCORING.md.

CREATE TABLE scoring_models (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    version         int NOT NULL CHECK (version > 0),
    model           jsonb NOT NULL,
    author          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, version)
);

-- recheck_at: when time alone may change this subject's rule states
-- (the next midnight in the workspace time zone, or the end of a
-- cooldown); the sweep queues subjects whose time has come.
CREATE TABLE person_scores (
    workspace_id    bigint NOT NULL,
    person_id       bigint NOT NULL,
    score           double precision NOT NULL DEFAULT 0,
    fit             double precision NOT NULL DEFAULT 0,
    engagement      double precision NOT NULL DEFAULT 0,
    reasons         jsonb NOT NULL DEFAULT '[]',
    model_version   int NOT NULL DEFAULT 0,
    recheck_at      timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, person_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES persons ON DELETE CASCADE
);
CREATE INDEX person_scores_recheck ON person_scores (recheck_at)
    WHERE recheck_at IS NOT NULL;
CREATE INDEX person_scores_score ON person_scores (workspace_id, score DESC);

CREATE TABLE account_scores (
    workspace_id    bigint NOT NULL,
    account_id      bigint NOT NULL,
    score           double precision NOT NULL DEFAULT 0,
    fit             double precision NOT NULL DEFAULT 0,
    engagement      double precision NOT NULL DEFAULT 0,
    reasons         jsonb NOT NULL DEFAULT '[]',
    model_version   int NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, account_id),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts ON DELETE CASCADE
);
CREATE INDEX account_scores_score ON account_scores (workspace_id, score DESC);

-- The last qualification of a subject and rule (cooldowns), and the
-- open ones of a workspace (leads list).
CREATE INDEX qualifications_subject ON qualifications
    (workspace_id, subject_type, subject_id, rule_id, qualified_at DESC);
CREATE INDEX qualifications_open_ws ON qualifications
    (workspace_id, qualified_at DESC) WHERE left_at IS NULL;
