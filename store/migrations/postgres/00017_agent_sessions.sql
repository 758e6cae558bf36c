-- +goose Up
-- Checkout sessions opened by outside AI agents (UCP, ACP, MCP). body is
-- the session as the agentcommerce package writes it (JSON); the columns
-- beside it are what lookups need. Each session has its own conversation
-- (channel agent:ucp|acp|mcp, chat = the session id) and, while it holds
-- stock, an ordinary pending order.
CREATE TABLE agent_sessions (
    id              TEXT    PRIMARY KEY,
    bot             TEXT    NOT NULL,
    protocol        TEXT    NOT NULL,
    conversation_id BIGINT  NOT NULL REFERENCES conversations (id),
    body            TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX agent_sessions_conversation ON agent_sessions (conversation_id);

-- The results of agents' requests by Idempotency-Key, kept at least 24 h:
-- the same key and body replays the stored response, another body is a
-- conflict. scope is who may use the key (a bot, protocol and API key).
CREATE TABLE agent_idempotency (
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    response     TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX agent_idempotency_created ON agent_idempotency (created_at);

-- +goose Down
DROP TABLE agent_idempotency;
DROP TABLE agent_sessions;
