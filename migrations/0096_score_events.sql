-- The event names each workspace's scoring model reads, so that writers
-- queue a person for rescoring only when one of their new events can
-- change a score or a rule.  Kept by a trigger on scoring_models: each
-- saved version replaces the set.  A workspace with no saved model has no
-- rows, and then every event queues its person (the default model is
-- broad).  '*' means every event counts (a rule on active days); the
-- empty name marks that a model is saved, even one that reads no event.

CREATE TABLE score_events (
    workspace_id    bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    event           text NOT NULL,
    PRIMARY KEY (workspace_id, event)
);

CREATE FUNCTION herald_score_events_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM score_events WHERE workspace_id = NEW.workspace_id;
    INSERT INTO score_events (workspace_id, event)
    SELECT DISTINCT NEW.workspace_id, e #>> '{}'
      FROM (SELECT jsonb_path_query(NEW.model,
                       'lax $.engagement.signals[*].event') AS e
            UNION ALL
            SELECT jsonb_path_query(NEW.model, 'lax $.**.count.event')
            UNION ALL
            SELECT jsonb_path_query(NEW.model, 'lax $.conversion.event')
            UNION ALL
            SELECT '""'::jsonb
            UNION ALL
            SELECT '"*"'::jsonb
             WHERE jsonb_path_exists(NEW.model, 'lax $.**.active_days')) x
     WHERE jsonb_typeof(e) = 'string'
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;

CREATE TRIGGER scoring_models_events AFTER INSERT ON scoring_models
    FOR EACH ROW EXECUTE FUNCTION herald_score_events_refresh();

-- Models saved before this migration.
INSERT INTO score_events (workspace_id, event)
SELECT DISTINCT m.workspace_id, e #>> '{}'
  FROM scoring_models m
  JOIN (SELECT workspace_id, max(version) AS version
          FROM scoring_models GROUP BY 1) latest USING (workspace_id, version)
 CROSS JOIN LATERAL (
       SELECT jsonb_path_query(m.model, 'lax $.engagement.signals[*].event')
       UNION ALL SELECT jsonb_path_query(m.model, 'lax $.**.count.event')
       UNION ALL SELECT jsonb_path_query(m.model, 'lax $.conversion.event')
       UNION ALL SELECT '""'::jsonb
       UNION ALL SELECT '"*"'::jsonb
        WHERE jsonb_path_exists(m.model, 'lax $.**.active_days')) x(e)
 WHERE jsonb_typeof(e) = 'string'
ON CONFLICT DO NOTHING;
