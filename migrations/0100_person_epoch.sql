-- The person epoch: a counter that moves whenever persons rows are
-- deleted, truncated or change their workspace, id or external id.
-- The ingest writers cache (workspace, userId) -> person id and skip
-- the persons statement for the people they know.  Each events
-- statement checks, in its own snapshot, that the epoch is still the
-- one its cached ids were learned under; if not, the transaction fails
-- with SQLSTATE HE001 and the writer forgets every id and writes the
-- group again, looking everyone up (and creating the erased).  So an
-- erasure, a workspace deletion or an operator's DELETE, from any
-- process, never leaves later events on an id that is gone.  The
-- counter is one row; statements that touch persons this way are rare.
CREATE TABLE person_epoch (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    n         bigint NOT NULL DEFAULT 0
);
INSERT INTO person_epoch DEFAULT VALUES;

CREATE FUNCTION herald_person_epoch_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE person_epoch SET n = n + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER persons_epoch_delete AFTER DELETE OR TRUNCATE ON persons
    FOR EACH STATEMENT EXECUTE FUNCTION herald_person_epoch_move();
CREATE TRIGGER persons_epoch_keys
    AFTER UPDATE OF id, workspace_id, external_id ON persons
    FOR EACH STATEMENT EXECUTE FUNCTION herald_person_epoch_move();

-- expected is the epoch of the cached ids a statement uses (-1: none).
CREATE FUNCTION herald_person_epoch_check(expected bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF expected >= 0 AND expected <> (SELECT n FROM person_epoch) THEN
        RAISE EXCEPTION 'person ids changed since the writer cached them'
            USING ERRCODE = 'HE001';
    END IF;
    RETURN true;
END $$;
