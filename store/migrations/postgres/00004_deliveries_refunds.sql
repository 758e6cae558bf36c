-- +goose Up
-- Deliveries maps a platform's id of a sent message (a WhatsApp wamid) to
-- the outbound message it carried, and keeps what the platform last said
-- of it: sent, delivered, read or failed. A status never moves backwards
-- (the platform may report read before delivered).
CREATE TABLE deliveries (
    bot         TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    platform_id TEXT    NOT NULL,
    message_id  BIGINT  NOT NULL REFERENCES messages (id),
    status      TEXT    NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (bot, channel, platform_id)
);
CREATE INDEX deliveries_message ON deliveries (message_id);

-- Refunds: money given back on an order through its provider.
-- (provider, provider_ref) is unique, so a refund reported by the API's
-- answer and again by a webhook is recorded once.
CREATE TABLE refunds (
    provider     TEXT    NOT NULL,
    provider_ref TEXT    NOT NULL,
    order_id     TEXT    NOT NULL REFERENCES orders (id),
    amount_minor BIGINT  NOT NULL,
    currency     TEXT    NOT NULL,
    reason       TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL,
    at           BIGINT  NOT NULL,
    PRIMARY KEY (provider, provider_ref)
);
CREATE INDEX refunds_order ON refunds (order_id, at);

-- WhatsApp's 24-hour window asks when a customer last wrote.
CREATE INDEX messages_in_time ON messages (conversation_id, created_at) WHERE dir = 'in';

-- +goose Down
DROP INDEX messages_in_time;
DROP TABLE refunds;
DROP TABLE deliveries;
