-- +goose Up
-- Media (photos, voice notes, documents) customers sent, downloaded so
-- that people in the inbox can see them. A row is written by ingest, in
-- the transaction of its inbound message (an EventMedia whose value is
-- "KIND:REF"), so a file exists to fetch exactly when its message was
-- acknowledged. status moves from 'pending' to 'fetched', 'failed'
-- (attempts used up, or the channel cannot fetch), 'too_large' or 'gone';
-- lease_until/owner keep two replicas off one file at a time.
CREATE TABLE media (
    message_id      INTEGER PRIMARY KEY REFERENCES messages (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    bot             TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    ref             TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    content_type    TEXT    NOT NULL DEFAULT '',
    name            TEXT    NOT NULL DEFAULT '',
    size            INTEGER NOT NULL DEFAULT 0,
    data            BLOB,
    created_at      INTEGER NOT NULL,
    fetched_at      INTEGER NOT NULL DEFAULT 0
);
-- The fetch loop's scan reads only what is still to fetch.
CREATE INDEX media_pending ON media (next_attempt_at, message_id) WHERE status = 'pending';
-- Erasure and export find a conversation's files.
CREATE INDEX media_conversation ON media (conversation_id);

-- +goose Down
DROP TABLE media;
