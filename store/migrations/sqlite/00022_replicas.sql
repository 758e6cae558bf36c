-- +goose Up
-- Replicas announce themselves with a heartbeat (unix milliseconds). The
-- leases a replica takes carry its id: the turn, hand-off hook, media and
-- named leases in their owner tokens ("REPLICA.RANDOM"), the outbox lease
-- in send_lease_owner. When a replica's heartbeat goes stale another one
-- releases its leases at once instead of waiting for them to run out (see
-- store/replicas.go). SQLite is served by one process, which releases every
-- lease on start anyway; the table is the same so both dialects share
-- their code.
CREATE TABLE replicas (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL DEFAULT '',
    pid          INTEGER NOT NULL DEFAULT 0,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
);

-- The outbox lease's holder: FinishOutbox records outcomes only for the
-- conversations it still holds, so a sender whose lease was taken over
-- cannot overwrite the new holder's results.
ALTER TABLE conversations ADD COLUMN send_lease_owner TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE conversations DROP COLUMN send_lease_owner;
DROP TABLE replicas;
