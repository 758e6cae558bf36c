-- +goose Up
-- ACP feeds Concierge created on an agent's Feed API (POST /feeds), one
-- row per bot, language and Feed API, shared by the replicas so that the
-- feed is created once and its id kept across restarts: api is the
-- sha-256 of the Feed API's base URL (not the URL, which may carry a
-- credential); feed_id is the id the agent returned ('' until then);
-- claimed_until is the lease of the replica creating it now; failed_at
-- and last_error say how the last failed creation went (retried once per
-- retry period, by one replica). No secret: the agent's token is not
-- stored, and the error is the Feed API's answer.
CREATE TABLE agent_feeds (
    bot           TEXT    NOT NULL,
    locale        TEXT    NOT NULL,
    api           TEXT    NOT NULL,
    feed_id       TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL DEFAULT 0,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    failed_at     BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (bot, locale, api)
);

-- +goose Down
DROP TABLE agent_feeds;
