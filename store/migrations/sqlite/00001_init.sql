-- +goose Up
-- Conversations: one per (bot, channel, chat). next_seq numbers the
-- transcript so that inbound and outbound messages share one order.
CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    bot           TEXT    NOT NULL,
    channel       TEXT    NOT NULL,
    chat          TEXT    NOT NULL,
    customer      TEXT    NOT NULL DEFAULT '',
    locale        TEXT    NOT NULL DEFAULT '',
    state         TEXT    NOT NULL DEFAULT 'bot',
    memory        TEXT    NOT NULL DEFAULT '{}',
    undeliverable INTEGER NOT NULL DEFAULT 0,
    next_seq      INTEGER NOT NULL DEFAULT 0,
    -- send_lease_until lets one sender (of one replica) own a conversation's
    -- outbox for a while, which keeps its messages in order.
    send_lease_until INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (bot, channel, chat)
);

-- Messages is the transcript, the transactional inbox (dir = 'in') and the
-- outbox (dir = 'out') in one table. dedupe_key is the platform's id of an
-- inbound happening; NULL for outbound rows.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    seq             INTEGER NOT NULL,
    dir             TEXT    NOT NULL,
    bot             TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    dedupe_key      TEXT,
    kind            TEXT    NOT NULL,
    author          TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    done_at         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (bot, channel, dedupe_key),
    UNIQUE (conversation_id, seq)
);
CREATE INDEX messages_pending ON messages (dir, status, id) WHERE status = 'pending';

CREATE TABLE cart_lines (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    sku             TEXT    NOT NULL,
    quantity        INTEGER NOT NULL,
    added_at        INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, sku)
);

-- Stock is seeded from the bot file the first time a SKU is seen; orders
-- reserve from it and cancellations and expiries give back.
CREATE TABLE stock (
    bot      TEXT    NOT NULL,
    sku      TEXT    NOT NULL,
    quantity INTEGER NOT NULL,
    PRIMARY KEY (bot, sku)
);

CREATE TABLE orders (
    id              TEXT    PRIMARY KEY,
    bot             TEXT    NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    state           TEXT    NOT NULL,
    lines           TEXT    NOT NULL,
    total_minor     INTEGER NOT NULL,
    currency        TEXT    NOT NULL,
    provider        TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    paid_at         INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX orders_conversation ON orders (conversation_id, created_at);
CREATE INDEX orders_expiry ON orders (state, expires_at);

-- Payments: (provider, provider_ref) is unique, which is what makes a
-- repeated notification change nothing.
CREATE TABLE payments (
    provider     TEXT    NOT NULL,
    provider_ref TEXT    NOT NULL,
    order_id     TEXT    NOT NULL REFERENCES orders (id),
    amount_minor INTEGER NOT NULL,
    currency     TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (provider, provider_ref)
);

CREATE TABLE handoffs (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    from_state      TEXT    NOT NULL,
    to_state        TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    by_whom         TEXT    NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX handoffs_conversation ON handoffs (conversation_id, id);

-- +goose Down
DROP TABLE handoffs;
DROP TABLE payments;
DROP TABLE orders;
DROP TABLE stock;
DROP TABLE cart_lines;
DROP TABLE messages;
DROP TABLE conversations;
