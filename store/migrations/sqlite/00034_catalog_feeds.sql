-- +goose Up
-- The last good copy of each url catalog source, by bot and source (the
-- feed's URL without its query and credentials, which may hold a key): a
-- server that starts while the feed is down serves these products instead
-- of none, and every replica shares the copy. body is the feed as fetched
-- and decompressed, then gzip-compressed by package livecatalog (the store
-- does not read it); a feed over the fetch size cap is never stored.
-- etag and last_modified are the validators of that read; fetched_at
-- (unix milliseconds) is when it was last fetched or found unchanged, and
-- a write never replaces a copy fetched later.
CREATE TABLE catalog_feeds (
    bot           TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    body          BLOB    NOT NULL,
    etag          TEXT    NOT NULL DEFAULT '',
    last_modified TEXT    NOT NULL DEFAULT '',
    fetched_at    INTEGER  NOT NULL,
    PRIMARY KEY (bot, source)
);

-- +goose Down
DROP TABLE catalog_feeds;
