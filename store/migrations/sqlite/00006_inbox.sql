-- +goose Up
-- The human inbox. People who sign in, with a bcrypt hash of
-- their password, their role, the bots granted to them (comma-separated,
-- '*' for all) and how many conversations they may own at once.
CREATE TABLE inbox_users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    bots          TEXT    NOT NULL,
    capacity      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Sessions: the cookie carries a random token; only its SHA-256 is kept,
-- so a leaked table signs nobody in. csrf is the per-session form token.
CREATE TABLE inbox_sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES inbox_users (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Assignments: who owns a conversation while it is in a person's hands.
-- The primary key is what makes two simultaneous claims have one winner.
CREATE TABLE inbox_assignments (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id),
    user_id         INTEGER NOT NULL REFERENCES inbox_users (id) ON DELETE CASCADE,
    queued_at       INTEGER NOT NULL,
    claimed_at      INTEGER NOT NULL
);
CREATE INDEX inbox_assignments_user ON inbox_assignments (user_id);

-- Claims keeps how long people waited for a person, for the expected
-- wait told to the next customers.
CREATE TABLE inbox_claims (
    id              INTEGER PRIMARY KEY,
    bot             TEXT    NOT NULL,
    conversation_id INTEGER NOT NULL,
    waited_ms       INTEGER NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX inbox_claims_bot ON inbox_claims (bot, id);

-- Packets: what the brain wrote for people at each hand-off (JSON of
-- concierge.HandoffPacket); the latest is the conversation's.
CREATE TABLE handoff_packets (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    reason          TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX handoff_packets_conversation ON handoff_packets (conversation_id, id);

-- Proposals: decisions the AI may only propose (refunds). status moves
-- from 'proposed' to 'approved' or 'refused' once, by a person; the row is
-- the audit record (the proposal and the decision side by side).
CREATE TABLE proposals (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    bot             TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    order_id        TEXT    NOT NULL DEFAULT '',
    amount_minor    INTEGER NOT NULL,
    currency        TEXT    NOT NULL,
    suggest         TEXT    NOT NULL,
    why             TEXT    NOT NULL,
    evidence        TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    decided_by      TEXT    NOT NULL DEFAULT '',
    decided_at      INTEGER NOT NULL DEFAULT 0,
    note            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX proposals_conversation ON proposals (conversation_id, id);

-- Private notes people leave on a conversation.
CREATE TABLE inbox_notes (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    author          TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX inbox_notes_conversation ON inbox_notes (conversation_id, id);

-- The queue lists conversations in people's hands.
CREATE INDEX conversations_state ON conversations (state, bot);

-- +goose Down
DROP INDEX conversations_state;
DROP TABLE inbox_notes;
DROP TABLE proposals;
DROP TABLE handoff_packets;
DROP TABLE inbox_claims;
DROP TABLE inbox_assignments;
DROP TABLE inbox_sessions;
DROP TABLE inbox_users;
