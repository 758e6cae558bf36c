-- +goose Up
-- A cart line may be a supplier's offer (a room, a seat) rather than a
-- catalog product: offer holds it as JSON (concierge.Offer: the supplier's
-- id, the title and the price it was put in the cart at, and the request
-- that found it, so checkout can ask the supplier again). '' for a
-- catalog product.
ALTER TABLE cart_lines ADD COLUMN offer TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cart_lines DROP COLUMN offer;
