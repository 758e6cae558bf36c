-- +goose Up
-- A supervisor may approve a refund proposal with another amount than the
-- AI proposed: decided_minor is the amount approved, in the
-- proposal's currency, kept next to amount_minor so the audit log shows
-- both. 0 for a refusal and for decisions taken before this column.
ALTER TABLE proposals ADD COLUMN decided_minor BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE proposals DROP COLUMN decided_minor;
