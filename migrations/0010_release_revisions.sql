-- Release history: every insert or update of a release keeps a copy of
-- its editable fields as a numbered revision.  A trigger writes it, so
-- edits through the API, the scheduler and the importer are all kept.
-- Row locks on the release serialise the numbering.

CREATE TABLE release_revisions (
    workspace_id    bigint NOT NULL,
    release_id      uuid NOT NULL,
    revision        int NOT NULL,
    title           text NOT NULL,
    slug            text NOT NULL,
    body_md         text NOT NULL,
    labels          text[] NOT NULL,
    features        text[] NOT NULL,
    audience        jsonb NOT NULL,
    status          text NOT NULL,
    publish_at      timestamptz,
    published_at    timestamptz,
    author          text,
    edited_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, release_id, revision),
    FOREIGN KEY (workspace_id, release_id) REFERENCES releases
        ON DELETE CASCADE
);

CREATE FUNCTION herald_release_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND
       (NEW.title, NEW.slug, NEW.body_md, NEW.labels, NEW.features,
        NEW.audience, NEW.status, NEW.publish_at, NEW.published_at)
       IS NOT DISTINCT FROM
       (OLD.title, OLD.slug, OLD.body_md, OLD.labels, OLD.features,
        OLD.audience, OLD.status, OLD.publish_at, OLD.published_at) THEN
        RETURN NEW;
    END IF;
    INSERT INTO release_revisions (workspace_id, release_id, revision,
        title, slug, body_md, labels, features, audience, status,
        publish_at, published_at, author)
    SELECT NEW.workspace_id, NEW.id,
        COALESCE(max(revision), 0) + 1, NEW.title, NEW.slug, NEW.body_md,
        NEW.labels, NEW.features, NEW.audience, NEW.status,
        NEW.publish_at, NEW.published_at, NEW.author
    FROM release_revisions
    WHERE workspace_id = NEW.workspace_id AND release_id = NEW.id;
    RETURN NEW;
END $$;

CREATE TRIGGER releases_revision
    AFTER INSERT OR UPDATE ON releases
    FOR EACH ROW EXECUTE FUNCTION herald_release_revision();
