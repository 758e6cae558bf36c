package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// ClaimFeedCreation claims the creation of bot's ACP feed in loc on the
// Feed API whose base URL's digest is api, for until. It returns the
// feed's id when one was created already (by any replica, before any
// restart), or claimed true when this caller is to create it now: only
// when no id is stored, no other claim is live at now and no creation
// failed since retryBefore. Neither means another replica is creating it
// (or a failure is being waited out). One statement on one row, so of
// replicas racing for it exactly one wins on either database, as
// ClaimFeedPush.
func (db *DB) ClaimFeedCreation(ctx context.Context, bot concierge.BotID, loc concierge.Locale, api string, now, retryBefore, until time.Time) (feedID string, claimed bool, err error) {
	var got string
	err = db.w.QueryRowContext(ctx, db.q(`INSERT INTO agent_feeds (bot, locale, api, claimed_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (bot, locale, api) DO UPDATE SET claimed_until = excluded.claimed_until
		WHERE agent_feeds.feed_id = '' AND agent_feeds.claimed_until <= ? AND agent_feeds.failed_at < ?
		RETURNING feed_id`),
		string(bot), string(loc), api, db.millis(until), db.millis(now), db.millis(retryBefore)).Scan(&got)
	switch {
	case err == nil:
		return "", true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", false, fmt.Errorf("store: claim feed creation: %w", err)
	}
	st, err := db.CreatedFeedState(ctx, bot, loc, api)
	if err != nil {
		return "", false, err
	}
	return st.FeedID, false, nil
}

// CreatedFeed records feedID, which the agent returned at at, as the id
// of bot's feed in loc on api, and ends the claim. It returns the id
// stored: feedID, or the one another replica stored first (only after
// this one's claim ran out), which every replica then uses.
func (db *DB) CreatedFeed(ctx context.Context, bot concierge.BotID, loc concierge.Locale, api, feedID string, at time.Time) (string, error) {
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE agent_feeds SET feed_id = ?, created_at = ?, claimed_until = 0, failed_at = 0, last_error = ''
		WHERE bot = ? AND locale = ? AND api = ? AND feed_id = ''`), feedID, db.millis(at), string(bot), string(loc), api)
	if err != nil {
		return "", fmt.Errorf("store: created feed: %w", err)
	}
	st, err := db.CreatedFeedState(ctx, bot, loc, api)
	if err != nil {
		return "", err
	}
	if st.FeedID == "" {
		return "", fmt.Errorf("store: created feed: no row for bot %s, locale %s", bot, loc)
	}
	return st.FeedID, nil
}

// FailedFeedCreation records a failed creation of bot's feed in loc on
// api at at, with its message (already free of secrets), and ends the
// claim so that the retry may be any replica's.
func (db *DB) FailedFeedCreation(ctx context.Context, bot concierge.BotID, loc concierge.Locale, api string, at time.Time, msg string) error {
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE agent_feeds SET failed_at = ?, last_error = ?, claimed_until = 0
		WHERE bot = ? AND locale = ? AND api = ? AND feed_id = ''`), db.millis(at), msg, string(bot), string(loc), api)
	if err != nil {
		return fmt.Errorf("store: failed feed creation: %w", err)
	}
	return nil
}

// CreatedFeedState is what is stored of one ACP feed Concierge creates.
type CreatedFeedState struct {
	FeedID    string
	CreatedAt time.Time
	FailedAt  time.Time
	LastError string
}

// CreatedFeedState returns what is stored of the creation of bot's feed
// in loc on api (the zero state when nothing is).
func (db *DB) CreatedFeedState(ctx context.Context, bot concierge.BotID, loc concierge.Locale, api string) (CreatedFeedState, error) {
	var s CreatedFeedState
	var created, failed int64
	err := db.w.QueryRowContext(ctx, db.q(`SELECT feed_id, created_at, failed_at, last_error FROM agent_feeds WHERE bot = ? AND locale = ? AND api = ?`),
		string(bot), string(loc), api).Scan(&s.FeedID, &created, &failed, &s.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return CreatedFeedState{}, nil
	}
	if err != nil {
		return CreatedFeedState{}, fmt.Errorf("store: created feed: %w", err)
	}
	s.CreatedAt, s.FailedAt = fromMillis(created), fromMillis(failed)
	return s, nil
}
