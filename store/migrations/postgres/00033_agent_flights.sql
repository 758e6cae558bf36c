-- +goose Up
-- Agents' requests in flight, by Idempotency-Key, shared by the replicas
-- (ACP answers a key still being handled with 409 idempotency_in_flight):
-- a row is written and committed before the request's work starts, and
-- deleted when it ends. owner is the holder's lease token
-- ("REPLICA.RANDOM"), renewed while the work runs and released with a
-- dead replica's other leases; a row whose lease_until (unix
-- milliseconds) has passed is taken over, so a crashed holder does not
-- block its key for longer than its lease. No buyer data: scope, key and
-- the hash of the request only. The result itself is agent_idempotency's.
CREATE TABLE agent_flights (
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    lease_until  BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

-- +goose Down
DROP TABLE agent_flights;
