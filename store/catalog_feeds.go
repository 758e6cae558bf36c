package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// CatalogFeed returns the last good copy of bot's url source, and false
// when there is none (a row holding only a claim or a failure is none).
func (db *DB) CatalogFeed(ctx context.Context, bot concierge.BotID, source string) (concierge.CatalogFeedCopy, bool, error) {
	f := concierge.CatalogFeedCopy{Source: source}
	var at, checked int64
	err := db.r.QueryRowContext(ctx, db.q(`SELECT body, etag, last_modified, fetched_at, version, checked_at, last_error
		FROM catalog_feeds WHERE bot = ? AND source = ? AND version > 0`),
		string(bot), source).Scan(&f.Body, &f.ETag, &f.LastModified, &at, &f.Version, &checked, &f.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return concierge.CatalogFeedCopy{}, false, nil
	}
	if err != nil {
		return concierge.CatalogFeedCopy{}, false, fmt.Errorf("store: catalog feed: %w", err)
	}
	f.FetchedAt, f.CheckedAt = fromMillis(at), fromMillis(checked)
	return f, true, nil
}

// CatalogFeedStates returns what is stored of each url source of bot,
// without the bodies: a replica reads it on every poll to see a newer
// copy or a failure another replica recorded, and reads a body only when
// its version is new.
func (db *DB) CatalogFeedStates(ctx context.Context, bot concierge.BotID) ([]concierge.CatalogFeedCopy, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT source, etag, last_modified, fetched_at, version, checked_at, last_error
		FROM catalog_feeds WHERE bot = ? ORDER BY source`), string(bot))
	if err != nil {
		return nil, fmt.Errorf("store: catalog feed states: %w", err)
	}
	defer rows.Close()
	var out []concierge.CatalogFeedCopy
	for rows.Next() {
		var f concierge.CatalogFeedCopy
		var at, checked int64
		if err := rows.Scan(&f.Source, &f.ETag, &f.LastModified, &at, &f.Version, &checked, &f.LastError); err != nil {
			return nil, fmt.Errorf("store: catalog feed states: %w", err)
		}
		f.FetchedAt, f.CheckedAt = fromMillis(at), fromMillis(checked)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: catalog feed states: %w", err)
	}
	return out, nil
}

// SaveCatalogFeed records f as the last good copy of bot's url source
// f.Source, unless the copy already there was fetched later (by another
// replica), and ends the claim on it. It returns the copy's new version,
// or 0 when the later copy was kept.
func (db *DB) SaveCatalogFeed(ctx context.Context, bot concierge.BotID, f concierge.CatalogFeedCopy) (int64, error) {
	if f.Body == nil {
		f.Body = []byte{}
	}
	at := db.millis(f.FetchedAt)
	var version int64
	err := db.w.QueryRowContext(ctx, db.q(`INSERT INTO catalog_feeds (bot, source, body, etag, last_modified, fetched_at, version, checked_at, last_error, claimed_until)
		VALUES (?, ?, ?, ?, ?, ?, 1, ?, '', 0)
		ON CONFLICT (bot, source) DO UPDATE SET body = excluded.body, etag = excluded.etag, last_modified = excluded.last_modified,
			fetched_at = excluded.fetched_at, version = catalog_feeds.version + 1, checked_at = excluded.checked_at, last_error = '', claimed_until = 0
		WHERE excluded.fetched_at >= catalog_feeds.fetched_at
		RETURNING version`),
		string(bot), f.Source, f.Body, f.ETag, f.LastModified, at, at).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: save catalog feed: %w", err)
	}
	return version, nil
}

// TouchCatalogFeed records that bot's url source was found unchanged (304)
// at fetchedAt, keeping its copy, and ends the claim on it.
func (db *DB) TouchCatalogFeed(ctx context.Context, bot concierge.BotID, f concierge.CatalogFeedCopy) error {
	at := db.millis(f.FetchedAt)
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE catalog_feeds SET fetched_at = ?, checked_at = ?, last_error = '', claimed_until = 0
		WHERE bot = ? AND source = ? AND etag = ? AND last_modified = ? AND fetched_at < ? AND version > 0`),
		at, at, string(bot), f.Source, f.ETag, f.LastModified, at)
	if err != nil {
		return fmt.Errorf("store: touch catalog feed: %w", err)
	}
	return nil
}

// ClaimCatalogFeed claims the next fetch of bot's url source for until,
// and reports whether this caller got it: only when the stored copy was
// fetched before staleBefore (or there is none), no attempt was made
// since retryBefore (a failing feed is retried once per retry period, by
// one replica), and no other claim is live at now. One statement on one
// row, so of replicas racing for it exactly one wins on either database
// (PostgreSQL re-checks the WHERE on the row the winner wrote). A source
// never stored gets a row without a copy (version 0) to hold the claim.
func (db *DB) ClaimCatalogFeed(ctx context.Context, bot concierge.BotID, source string, now, staleBefore, retryBefore, until time.Time) (bool, error) {
	var got int64
	err := db.w.QueryRowContext(ctx, db.q(`INSERT INTO catalog_feeds (bot, source, body, fetched_at, claimed_until) VALUES (?, ?, ?, 0, ?)
		ON CONFLICT (bot, source) DO UPDATE SET claimed_until = excluded.claimed_until
		WHERE catalog_feeds.fetched_at < ? AND catalog_feeds.checked_at < ? AND catalog_feeds.claimed_until <= ?
		RETURNING claimed_until`),
		string(bot), source, []byte{}, db.millis(until), db.millis(staleBefore), db.millis(retryBefore), db.millis(now)).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: claim catalog feed: %w", err)
	}
	return true, nil
}

// FailCatalogFeed records a failed fetch of bot's url source at at, with
// its message (already free of the URL's secrets), keeping the copy, and
// ends the claim so that the next retry may be any replica's.
func (db *DB) FailCatalogFeed(ctx context.Context, bot concierge.BotID, source string, at time.Time, msg string) error {
	ms := db.millis(at)
	_, err := db.w.ExecContext(ctx, db.q(`INSERT INTO catalog_feeds (bot, source, body, fetched_at, checked_at, last_error) VALUES (?, ?, ?, 0, ?, ?)
		ON CONFLICT (bot, source) DO UPDATE SET checked_at = excluded.checked_at, last_error = excluded.last_error, claimed_until = 0
		WHERE catalog_feeds.checked_at <= excluded.checked_at`),
		string(bot), source, []byte{}, ms, msg)
	if err != nil {
		return fmt.Errorf("store: fail catalog feed: %w", err)
	}
	return nil
}
