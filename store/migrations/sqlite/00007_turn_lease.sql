-- +goose Up
-- Turns of LLM bots are planned outside any transaction: a
-- worker leases the conversation while its model thinks, so no other
-- worker (of any replica) plans a turn of it at the same time, and
-- applies the plan in a short transaction that checks the lease is
-- still its own.
ALTER TABLE conversations ADD COLUMN turn_lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN turn_lease_owner TEXT NOT NULL DEFAULT '';

-- What the LLM brain keeps of a conversation: a summary of the transcript
-- up to seq summary_through, and the tokens spent on it.
CREATE TABLE brain_notes (
    conversation_id INTEGER NOT NULL PRIMARY KEY REFERENCES conversations (id),
    summary         TEXT    NOT NULL DEFAULT '',
    summary_through INTEGER NOT NULL DEFAULT 0,
    tokens_in       INTEGER NOT NULL DEFAULT 0,
    tokens_out      INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL
);

-- +goose Down
DROP TABLE brain_notes;
ALTER TABLE conversations DROP COLUMN turn_lease_owner;
ALTER TABLE conversations DROP COLUMN turn_lease_until;
