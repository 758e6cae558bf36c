-- +goose Up
-- Order events owed to agents' webhooks (ACP order_create/order_update),
-- a durable queue: a row is written in the transaction that changes what
-- it reports (the checkout's payment, or the watch that sees an agent's
-- order change state), leased by one sender at a time, retried with
-- backoff and marked sent once the receiver answers 2xx. order_state is
-- the state the event reports; (session_id, order_state) is unique, so a
-- state is reported once whoever notices it.
CREATE TABLE agent_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    bot         TEXT    NOT NULL,
    protocol    TEXT    NOT NULL,
    session_id  TEXT    NOT NULL,
    order_id    TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    order_state TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER  NOT NULL,
    lease_until INTEGER  NOT NULL DEFAULT 0,
    lease_owner TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER  NOT NULL,
    done_at     INTEGER  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX agent_events_state ON agent_events (session_id, order_state);
CREATE INDEX agent_events_due ON agent_events (status, next_at);

-- +goose Down
DROP TABLE agent_events;
