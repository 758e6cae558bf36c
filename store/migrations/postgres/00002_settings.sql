-- +goose Up
-- Settings holds values the server makes itself and every replica must
-- share, such as a generated sandbox signing secret.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
