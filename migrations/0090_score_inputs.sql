-- The fingerprint of what a person's score was computed from (traits,
-- the rollups of the events the model reads, active days): the scorer
-- skips a queued person whose fingerprint has not changed on the same
-- local day and model version.  See docs/SCORING.md.
ALTER TABLE person_scores ADD COLUMN inputs text;
