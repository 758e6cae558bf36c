-- +goose Up
-- The seller's assistant (issue 16). A person of the inbox links one chat
-- identity with a one-time code; only the code's SHA-256 is kept, it
-- expires after ten minutes and is used once.
CREATE TABLE seller_codes (
    hash       TEXT    PRIMARY KEY,
    person_id  INTEGER NOT NULL,
    channel    TEXT    NOT NULL,
    account    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX seller_codes_person ON seller_codes (person_id);

-- Failed attempts to link a chat (a wrong, used or expired code), one
-- row per failure and key ("chat:BOT:CHANNEL:CHAT" or "bot:BOT:CHANNEL"),
-- counted by every replica alike; rows past the window are pruned.
CREATE TABLE seller_link_attempts (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX seller_link_attempts_key ON seller_link_attempts (key, at);

-- One linked chat per person; a chat is linked to at most one person.
-- conversation_id is the conversation the code was sent from, where
-- answers and pushes go.
CREATE TABLE seller_links (
    person_id       INTEGER PRIMARY KEY,
    bot             TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    chat            TEXT    NOT NULL,
    conversation_id INTEGER NOT NULL,
    linked_at       INTEGER NOT NULL,
    UNIQUE (bot, channel, chat)
);

-- Pushes a person switched off (kinds, comma-separated); kept apart from
-- the link so that relinking keeps them.
CREATE TABLE seller_settings (
    person_id  INTEGER PRIMARY KEY,
    pushes_off TEXT    NOT NULL DEFAULT ''
);

-- Changes asked from a chat, shown with before → after and buttons, then
-- confirmed once and applied after the turn by the inbox's own code.
-- state: proposed → confirmed → applied | failed, or cancelled / expired.
CREATE TABLE seller_changes (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL,
    bot             TEXT    NOT NULL,
    conversation_id INTEGER NOT NULL,
    locale          TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    before_value    TEXT    NOT NULL,
    after_value     TEXT    NOT NULL,
    args            TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    result          TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    confirmed_at    INTEGER NOT NULL DEFAULT 0,
    claimed_until   INTEGER NOT NULL DEFAULT 0,
    done_at         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX seller_changes_state ON seller_changes (state, claimed_until);

-- The audit log of changes made outside the decision forms: who, what,
-- before and after, and through what ("telegram", "whatsapp" …).
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    person       TEXT    NOT NULL,
    bot          TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    target       TEXT    NOT NULL,
    before_value TEXT    NOT NULL,
    after_value  TEXT    NOT NULL,
    via          TEXT    NOT NULL,
    detail       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

-- How far the pusher has read each source ("handoff", "proposal",
-- "payment_failure"), and which products it already reported at zero.
CREATE TABLE seller_push_marks (
    kind TEXT    PRIMARY KEY,
    mark INTEGER NOT NULL
);
CREATE TABLE seller_zero_stock (
    bot TEXT NOT NULL,
    sku TEXT NOT NULL,
    PRIMARY KEY (bot, sku)
);

-- +goose Down
DROP TABLE seller_zero_stock;
DROP TABLE seller_push_marks;
DROP TABLE audit_log;
DROP TABLE seller_changes;
DROP TABLE seller_settings;
DROP TABLE seller_links;
DROP TABLE seller_link_attempts;
DROP TABLE seller_codes;
