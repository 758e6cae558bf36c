-- +goose Up
-- Products changed through the catalog API (POST/DELETE
-- /api/catalog/{bot}/products), by bot and SKU: they outlive restarts and
-- every replica applies them over the bot file's catalog. patch is the
-- change as package livecatalog writes it (JSON: the fields given, later
-- changes of one SKU merged into it); deleted withdraws the product.
-- version is the bot's catalog_versions.version when the row last
-- changed, so that a replica reads only what changed since it last looked.
CREATE TABLE catalog_overrides (
    bot        TEXT    NOT NULL,
    sku        TEXT    NOT NULL,
    patch      TEXT    NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (bot, sku)
);
CREATE INDEX catalog_overrides_version ON catalog_overrides (bot, version);

-- One counter per bot, raised by every change: the row lock it takes
-- orders concurrent changes, so versions become visible in order.
CREATE TABLE catalog_versions (
    bot     TEXT    PRIMARY KEY,
    version INTEGER NOT NULL
);

-- +goose Down
DROP TABLE catalog_versions;
DROP TABLE catalog_overrides;
