-- +goose Up
-- Named leases shared by the replicas: a replica that takes one
-- (owner, until lease_until in unix milliseconds) does a piece of work no
-- other replica may do at the same time, such as querying and closing one
-- WeChat Pay order; an expired lease may be taken over.
CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,
    owner       TEXT    NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE leases;
