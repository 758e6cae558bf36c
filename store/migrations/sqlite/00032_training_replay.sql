-- +goose Up
-- Offline, the simulated customer of a training session reacts to the
-- trainee (docs/training.md): a line of the case may be said before the
-- ones recorded ahead of it (the order number, when the trainee asks for
-- it), and lines may be passed (a question the trainee already answered,
-- what came before the closing lines once the trainee decided). The
-- indexes of the lines at or after next_line that were said or passed
-- so, comma-separated; next_line alone says no more which lines are left.
ALTER TABLE training_sessions ADD COLUMN done_lines TEXT NOT NULL DEFAULT '';
-- A customer's message of a session may be a voice note or another file
-- of the real case (its kind; the file itself is not copied): the page
-- shows a voice note's transcript as one.
ALTER TABLE training_messages ADD COLUMN media TEXT NOT NULL DEFAULT '';
-- A person who sees several bots picks, from their linked chat, the shop
-- their commands apply to (docs/seller.md); '' before any choice.
ALTER TABLE seller_links ADD COLUMN shop TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE seller_links DROP COLUMN shop;
ALTER TABLE training_messages DROP COLUMN media;
ALTER TABLE training_sessions DROP COLUMN done_lines;
