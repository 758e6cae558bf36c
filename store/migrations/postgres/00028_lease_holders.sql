-- +goose Up
-- The WeChat access-token refresh lease carries its holder, as every
-- other lease does since 00022 ("REPLICA.RANDOM"): when the holder's
-- heartbeat stops, Reap releases it with the replica's other leases, and
-- another replica refreshes the token at once instead of when the lease
-- runs out.
ALTER TABLE wechat_tokens ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE wechat_tokens DROP COLUMN lease_owner;
