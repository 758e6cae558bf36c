-- +goose Up
-- The W3C traceparent of the span that wrote a message, '' when tracing
-- is off: for an inbound message the ingest span, which the turn that
-- handles it links to; for an outbound one the turn's span (or the
-- webhook's, for a payment confirmation), which its send links to. The
-- trace context crosses the store this way because a turn runs later, in
-- another goroutine or replica, than the webhook that stored its event.
ALTER TABLE messages ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN traceparent;
