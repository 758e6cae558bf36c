-- +goose Up
-- Failed payment attempts (a declined card, a bank debit that bounced), one
-- row per provider reference so that a repeated report is recorded once.
-- Checkout counts an order's rows to hand the conversation to people.
CREATE TABLE payment_failures (
    provider     TEXT    NOT NULL,
    provider_ref TEXT    NOT NULL,
    order_id     TEXT    NOT NULL REFERENCES orders (id),
    code         TEXT    NOT NULL DEFAULT '',
    reason       TEXT    NOT NULL DEFAULT '',
    at           BIGINT NOT NULL,
    PRIMARY KEY (provider, provider_ref)
);
CREATE INDEX payment_failures_order ON payment_failures (order_id);

-- +goose Down
DROP TABLE payment_failures;
