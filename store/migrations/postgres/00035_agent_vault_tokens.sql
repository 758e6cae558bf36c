-- +goose Up
-- Vault tokens (vt_…) the sandbox payment handler issues through ACP's
-- delegate_payment in test mode, the shop acting as its own test PSP. A
-- token pays one checkout session once, up to max_minor in currency,
-- before expires_at (unix milliseconds). No card data: the card the
-- agent sent is validated and dropped, never stored; used_order is the
-- order the token paid, set once.
CREATE TABLE agent_vault_tokens (
    id          TEXT    PRIMARY KEY,
    bot         TEXT    NOT NULL,
    session_id  TEXT    NOT NULL,
    max_minor   BIGINT NOT NULL,
    currency    TEXT    NOT NULL,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    used_order  TEXT    NOT NULL DEFAULT '',
    used_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX agent_vault_tokens_expiry ON agent_vault_tokens (expires_at);

-- +goose Down
DROP TABLE agent_vault_tokens;
