-- +goose Up
-- The outbox asks, for each pending outbound message, whether an earlier
-- one of the same conversation is still pending; this index answers from
-- pending rows only, however long the conversation's history.
CREATE INDEX messages_out_pending ON messages (conversation_id, seq) WHERE dir = 'out' AND status = 'pending';

-- +goose Down
DROP INDEX messages_out_pending;
