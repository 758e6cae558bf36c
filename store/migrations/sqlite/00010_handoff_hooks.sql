-- +goose Up
-- Hand-off webhooks: every row of handoffs is an event to send
-- to the bot's hand-off webhook. The delivery bookkeeping sits on the row
-- itself, so an event exists exactly when its transition committed (same
-- insert, same transaction) and none is missed, whatever order concurrent
-- transactions commit in. hook_status moves from 'pending' to 'sent',
-- 'failed' (attempts used up) or 'skipped' (the bot has no webhook);
-- hook_lease_until/owner keep two senders off one event at a time.
ALTER TABLE handoffs ADD COLUMN hook_status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE handoffs ADD COLUMN hook_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoffs ADD COLUMN hook_next_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoffs ADD COLUMN hook_lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoffs ADD COLUMN hook_lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN hook_error TEXT NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN hook_done_at INTEGER NOT NULL DEFAULT 0;
-- Transitions from before this migration are history, not news.
UPDATE handoffs SET hook_status = 'skipped';
-- The sender's scan reads only what is still to send.
CREATE INDEX handoffs_hook_pending ON handoffs (conversation_id, id) WHERE hook_status = 'pending';

-- +goose Down
DROP INDEX handoffs_hook_pending;
ALTER TABLE handoffs DROP COLUMN hook_done_at;
ALTER TABLE handoffs DROP COLUMN hook_error;
ALTER TABLE handoffs DROP COLUMN hook_lease_owner;
ALTER TABLE handoffs DROP COLUMN hook_lease_until;
ALTER TABLE handoffs DROP COLUMN hook_next_at;
ALTER TABLE handoffs DROP COLUMN hook_attempts;
ALTER TABLE handoffs DROP COLUMN hook_status;
