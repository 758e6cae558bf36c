-- +goose Up
-- WeChat access tokens, one per Official Account (AppID), shared by the
-- replicas: fetching a new token invalidates the previous one, so one
-- replica at a time holds the refresh lease (lease_until) and fetches,
-- and the others read the token it stored. Times are unix milliseconds.
CREATE TABLE wechat_tokens (
    app_id      TEXT    PRIMARY KEY,
    token       TEXT    NOT NULL DEFAULT '',
    expires_at  BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE wechat_tokens;
