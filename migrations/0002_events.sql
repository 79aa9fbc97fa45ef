-- Events: every engagement event from the widget and every Segment
-- message.  Partitioned by month of occurred_at so retention drops whole
-- partitions.  A partitioned table's unique keys must hold the partition
-- key, so de-duplication by client id lives in event_keys.

CREATE TABLE events (
    workspace_id    bigint NOT NULL,
    id              bigserial,
    message_id      text NOT NULL,
    source          text NOT NULL,          -- 'widget' or 'api'
    type            text NOT NULL,          -- track, identify, group, page,
                                            -- or a widget event type
    name            text,                   -- event name (track, page)
    person_id       bigint,                 -- NULL while anonymous
    anonymous_id    text,
    user_id         text,
    release_id      uuid,
    props           jsonb NOT NULL DEFAULT '{}',
    context         jsonb,
    occurred_at     timestamptz NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, occurred_at, id)
) PARTITION BY RANGE (occurred_at);

CREATE INDEX events_person ON events (workspace_id, person_id, occurred_at);
CREATE INDEX events_anon ON events (workspace_id, anonymous_id)
    WHERE person_id IS NULL;

CREATE TABLE events_default PARTITION OF events DEFAULT;

CREATE TABLE event_keys (
    workspace_id    bigint NOT NULL,
    message_id      text NOT NULL,
    received_on     date NOT NULL DEFAULT current_date,
    PRIMARY KEY (workspace_id, message_id)
);

-- Creates the monthly partitions from `first` for `months` months.
CREATE FUNCTION herald_ensure_event_partitions(first date, months int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', first)::date;
    name text;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        name := format('events_%s', to_char(m, 'YYYY_MM'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                name, m, (m + interval '1 month')::date);
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
END $$;

SELECT herald_ensure_event_partitions((current_date - interval '13 months')::date, 16);
