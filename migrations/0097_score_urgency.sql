-- Which of a model's events can change a rule's state ("urgent") and
-- which only move the engagement score.  When the scorer cannot keep up,
-- people queued for an urgent event are scored first, so that an alert
-- never waits behind a backlog of score refreshes: writers queue a
-- person for an event that is only a signal 30 seconds in the future of
-- the queue order (the scorer still takes them at once when nothing is
-- ahead), and an urgent event moves a queued person back to now.
--
-- Urgent: an event a rule counts (count.event), every event when a rule
-- counts active days ('*'), the conversion event, and every signal event
-- when a rule reads the engagement or total score.

ALTER TABLE score_events ADD COLUMN urgent boolean NOT NULL DEFAULT true;

CREATE OR REPLACE FUNCTION herald_score_events_list(model jsonb)
RETURNS TABLE (event text, urgent boolean)
LANGUAGE sql IMMUTABLE AS $$
    WITH e(name, urgent) AS (
        SELECT s #>> '{}',
               jsonb_path_exists(model, 'lax $.rules[*].when.**.engagement')
               OR jsonb_path_exists(model, 'lax $.rules[*].when.**.score')
          FROM jsonb_path_query(model, 'lax $.engagement.signals[*].event') s
         WHERE jsonb_typeof(s) = 'string'
        UNION ALL
        SELECT c #>> '{}', true
          FROM jsonb_path_query(model, 'lax $.**.count.event') c
         WHERE jsonb_typeof(c) = 'string'
        UNION ALL
        SELECT c #>> '{}', true
          FROM jsonb_path_query(model, 'lax $.conversion.event') c
         WHERE jsonb_typeof(c) = 'string'
        UNION ALL
        SELECT '*', true WHERE jsonb_path_exists(model, 'lax $.**.active_days')
        UNION ALL
        SELECT '', false)
    SELECT name, bool_or(urgent) FROM e GROUP BY name
$$;

CREATE OR REPLACE FUNCTION herald_score_events_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM score_events WHERE workspace_id = NEW.workspace_id;
    INSERT INTO score_events (workspace_id, event, urgent)
    SELECT NEW.workspace_id, l.event, l.urgent
      FROM herald_score_events_list(NEW.model) l;
    RETURN NEW;
END $$;

-- Models saved before this migration.
DELETE FROM score_events;
INSERT INTO score_events (workspace_id, event, urgent)
SELECT m.workspace_id, l.event, l.urgent
  FROM scoring_models m
  JOIN (SELECT workspace_id, max(version) AS version
          FROM scoring_models GROUP BY 1) latest USING (workspace_id, version)
 CROSS JOIN LATERAL herald_score_events_list(m.model) l;

-- The claim takes the earliest queue times first.
CREATE INDEX score_queue_order ON score_queue (queued_at);
