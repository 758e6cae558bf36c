package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/conciergehq/concierge"
)

// CatalogFeed returns the last good copy of bot's url source, and false
// when there is none.
func (db *DB) CatalogFeed(ctx context.Context, bot concierge.BotID, source string) (concierge.CatalogFeedCopy, bool, error) {
	f := concierge.CatalogFeedCopy{Source: source}
	var at int64
	err := db.r.QueryRowContext(ctx, db.q(`SELECT body, etag, last_modified, fetched_at FROM catalog_feeds WHERE bot = ? AND source = ?`),
		string(bot), source).Scan(&f.Body, &f.ETag, &f.LastModified, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return concierge.CatalogFeedCopy{}, false, nil
	}
	if err != nil {
		return concierge.CatalogFeedCopy{}, false, fmt.Errorf("store: catalog feed: %w", err)
	}
	f.FetchedAt = fromMillis(at)
	return f, true, nil
}

// SaveCatalogFeed records f as the last good copy of bot's url source f.Source,
// unless the copy already there was fetched later (by another replica).
func (db *DB) SaveCatalogFeed(ctx context.Context, bot concierge.BotID, f concierge.CatalogFeedCopy) error {
	if f.Body == nil {
		f.Body = []byte{}
	}
	_, err := db.w.ExecContext(ctx, db.q(`INSERT INTO catalog_feeds (bot, source, body, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (bot, source) DO UPDATE SET body = excluded.body, etag = excluded.etag, last_modified = excluded.last_modified, fetched_at = excluded.fetched_at
		WHERE excluded.fetched_at >= catalog_feeds.fetched_at`),
		string(bot), f.Source, f.Body, f.ETag, f.LastModified, db.millis(f.FetchedAt))
	if err != nil {
		return fmt.Errorf("store: save catalog feed: %w", err)
	}
	return nil
}

// TouchCatalogFeed records that bot's url source was found unchanged (304)
// at fetchedAt, keeping its copy.
func (db *DB) TouchCatalogFeed(ctx context.Context, bot concierge.BotID, f concierge.CatalogFeedCopy) error {
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE catalog_feeds SET fetched_at = ? WHERE bot = ? AND source = ? AND etag = ? AND last_modified = ? AND fetched_at < ?`),
		db.millis(f.FetchedAt), string(bot), f.Source, f.ETag, f.LastModified, db.millis(f.FetchedAt))
	if err != nil {
		return fmt.Errorf("store: touch catalog feed: %w", err)
	}
	return nil
}
