-- +goose Up
-- Replicas on one database share each url source's fetch: version counts
-- the good reads stored (0: no copy yet, the row only holds a claim or a
-- failure), so a replica sees a newer copy by comparing it with its own;
-- claimed_until (unix ms) is the lease of the replica fetching the feed
-- now, taken only when the copy is older than the source's interval, so
-- the supplier gets one fetch per interval; checked_at and last_error say
-- how the last attempt of any replica went, for every replica's /readyz.
ALTER TABLE catalog_feeds ADD COLUMN version       BIGINT NOT NULL DEFAULT 0;
ALTER TABLE catalog_feeds ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE catalog_feeds ADD COLUMN checked_at    BIGINT NOT NULL DEFAULT 0;
ALTER TABLE catalog_feeds ADD COLUMN last_error    TEXT NOT NULL DEFAULT '';
-- Every copy stored before is a good read.
UPDATE catalog_feeds SET version = 1, checked_at = fetched_at;

-- +goose Down
DELETE FROM catalog_feeds WHERE version = 0;
ALTER TABLE catalog_feeds DROP COLUMN last_error;
ALTER TABLE catalog_feeds DROP COLUMN checked_at;
ALTER TABLE catalog_feeds DROP COLUMN claimed_until;
ALTER TABLE catalog_feeds DROP COLUMN version;
