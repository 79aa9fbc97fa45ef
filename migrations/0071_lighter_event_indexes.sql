-- Less index work per stored event.
--
-- events: the primary key (workspace_id, occurred_at, id) cost one btree
-- entry per event and no query needs it: reads go through
-- events_person (workspace_id, person_id, occurred_at), which also
-- serves workspace-only filters, and ids come from the sequence, never
-- from a client.  Retention's per-workspace DELETE by occurred_at uses a
-- BRIN index instead: rows arrive in nearly occurred_at order, so a
-- summary per 32 pages finds old rows at almost no cost per insert.
ALTER TABLE events DROP CONSTRAINT events_pkey;
CREATE INDEX events_occurred_brin ON events USING brin (occurred_at)
    WITH (pages_per_range = 32);

-- event_keys (received_on) served only retention; received_on is the day
-- the key was stored, so it follows insertion order and BRIN fits.
DROP INDEX IF EXISTS event_keys_received;
CREATE INDEX event_keys_received_brin ON event_keys USING brin (received_on)
    WITH (pages_per_range = 32);

-- person_daily rows are updated in place many times a day (count and
-- value, neither indexed): free room on each page lets those updates
-- stay HOT, with no new index entry and less to vacuum.
ALTER TABLE person_daily SET (fillfactor = 70);
