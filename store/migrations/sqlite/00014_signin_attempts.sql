-- +goose Up
-- Failed inbox sign-ins, one row per failure and key ("ip:ADDRESS" or
-- "name:NAME"), so that every replica counts the same failures. Rows older
-- than the window are deleted as new ones are written.
CREATE TABLE signin_attempts (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX signin_attempts_key ON signin_attempts (key, at);
CREATE INDEX signin_attempts_at ON signin_attempts (at);

-- +goose Down
DROP TABLE signin_attempts;
