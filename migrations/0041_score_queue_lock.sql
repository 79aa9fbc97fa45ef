-- A change stored while the scorer is about to claim the person's queue
-- row must not be lost.  Writers insert into score_queue with ON CONFLICT
-- DO NOTHING: when the row already exists, that takes no lock, so the
-- scorer could claim the row and read the rollups before the writer
-- commits, and the writer's change would wait for the next event.  This
-- trigger makes every queue insert lock the existing row until the
-- writer commits: the scorer's claim (FOR UPDATE SKIP LOCKED) passes over
-- it until then, and a writer arriving while the scorer holds the row
-- waits for the scorer to commit, then queues the person again.
CREATE FUNCTION herald_score_queue_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM score_queue
     WHERE workspace_id = NEW.workspace_id AND person_id = NEW.person_id
       FOR UPDATE;
    RETURN NEW;
END $$;

CREATE TRIGGER score_queue_lock BEFORE INSERT ON score_queue
    FOR EACH ROW EXECUTE FUNCTION herald_score_queue_lock();
