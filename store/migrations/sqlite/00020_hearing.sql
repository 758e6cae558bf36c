-- +goose Up
-- A customer's voice note without words waits in status 'hearing' until
-- the media fetcher has transcribed it (or given up); the turn runners
-- skip every later event of its conversation meanwhile, asking this index
-- "is an earlier voice note of this conversation still being heard?".
CREATE INDEX messages_hearing ON messages (conversation_id, seq) WHERE status = 'hearing';

-- +goose Down
DROP INDEX messages_hearing;
