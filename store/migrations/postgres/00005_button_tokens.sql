-- +goose Up
-- Button tokens: a channel whose buttons carry little data (Telegram's
-- callback_data holds 64 bytes) sends a short token and keeps the button's
-- value here. A token is derived from (bot, value), so a value is stored
-- once however often its button is shown.
CREATE TABLE button_tokens (
    bot        TEXT    NOT NULL,
    token      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (bot, token)
);

-- +goose Down
DROP TABLE button_tokens;
