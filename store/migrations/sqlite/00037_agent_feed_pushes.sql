-- +goose Up
-- ACP product feeds pushed to agents' Feed APIs, one row per bot and
-- feed, shared by the replicas so that one of them pushes each change:
-- digest is the sha-256 of the products last pushed (a replica that
-- would push the same digest again, before the feed's period is out,
-- does nothing), pushed_at when (unix ms); claimed_until is the lease of
-- the replica pushing now; failed_at and last_error say how the last
-- failed push went (a failing feed is retried once per retry period, by
-- one replica). No secret: the agent's token is not stored, and the
-- error is the Feed API's answer.
CREATE TABLE agent_feed_pushes (
    bot           TEXT    NOT NULL,
    feed_id       TEXT    NOT NULL,
    digest        TEXT    NOT NULL DEFAULT '',
    pushed_at     INTEGER NOT NULL DEFAULT 0,
    failed_at     INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    claimed_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bot, feed_id)
);

-- +goose Down
DROP TABLE agent_feed_pushes;
