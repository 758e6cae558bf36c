-- +goose Up
-- An approved refund proposal is executed through the order's payment
-- provider: refund_ref is the provider's refund id once it is
-- done, refund_error the last failure while it is not (a retry uses the
-- same idempotency key).
ALTER TABLE proposals ADD COLUMN refund_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN refund_error TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE proposals DROP COLUMN refund_error;
ALTER TABLE proposals DROP COLUMN refund_ref;
