-- +goose Up
-- Replicas announce themselves with a heartbeat (unix milliseconds). The
-- leases a replica takes carry its id: the turn, hand-off hook, media and
-- named leases in their owner tokens ("REPLICA.RANDOM"), the outbox lease
-- in send_lease_owner. When a replica's heartbeat goes stale another one
-- releases its leases at once instead of waiting for them to run out (see
-- store/replicas.go).
CREATE TABLE replicas (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL DEFAULT '',
    pid          INTEGER NOT NULL DEFAULT 0,
    started_at   BIGINT  NOT NULL,
    heartbeat_at BIGINT  NOT NULL
);

-- The outbox lease's holder: FinishOutbox records outcomes only for the
-- conversations it still holds, so a sender whose lease was taken over
-- cannot overwrite the new holder's results.
ALTER TABLE conversations ADD COLUMN send_lease_owner TEXT NOT NULL DEFAULT '';

-- New work wakes every replica's workers at once (LISTEN in
-- store/work_notify.go) rather than on their next poll: a committed insert
-- of pending inbound messages sends NOTIFY concierge_turns, of pending
-- outbound ones NOTIFY concierge_outbox. One statement-level trigger per
-- insert statement; PostgreSQL folds a transaction's identical
-- notifications into one and delivers it at commit. The payload is the
-- schema, as for NOTIFY inbox (00015).
-- +goose StatementBegin
CREATE FUNCTION work_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM work_new_rows WHERE dir = 'in' AND status = 'pending') THEN
        PERFORM pg_notify('concierge_turns', current_schema());
    END IF;
    IF EXISTS (SELECT 1 FROM work_new_rows WHERE dir = 'out' AND status = 'pending') THEN
        PERFORM pg_notify('concierge_outbox', current_schema());
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER messages_work_notify AFTER INSERT ON messages
    REFERENCING NEW TABLE AS work_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_notify();

-- +goose Down
DROP TRIGGER messages_work_notify ON messages;
DROP FUNCTION work_notify();
ALTER TABLE conversations DROP COLUMN send_lease_owner;
DROP TABLE replicas;
