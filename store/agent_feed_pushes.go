package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// ClaimFeedPush claims the next push of bot's ACP feed feedID, of the
// products whose digest is digest, for until, and reports whether this
// caller got it: only when the feed's last good push was of another
// digest or before staleBefore (its period is out), no push failed since
// retryBefore, and no other claim is live at now. One statement on one
// row, so of replicas racing for it exactly one wins on either database,
// as ClaimCatalogFeed.
func (db *DB) ClaimFeedPush(ctx context.Context, bot concierge.BotID, feedID, digest string, now, staleBefore, retryBefore, until time.Time) (bool, error) {
	var got int64
	err := db.w.QueryRowContext(ctx, db.q(`INSERT INTO agent_feed_pushes (bot, feed_id, claimed_until) VALUES (?, ?, ?)
		ON CONFLICT (bot, feed_id) DO UPDATE SET claimed_until = excluded.claimed_until
		WHERE (agent_feed_pushes.digest <> ? OR agent_feed_pushes.pushed_at < ?)
			AND agent_feed_pushes.failed_at < ? AND agent_feed_pushes.claimed_until <= ?
		RETURNING claimed_until`),
		string(bot), feedID, db.millis(until), digest, db.millis(staleBefore), db.millis(retryBefore), db.millis(now)).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: claim feed push: %w", err)
	}
	return true, nil
}

// PushedFeed records a good push of digest to bot's feed at at, and ends
// the claim.
func (db *DB) PushedFeed(ctx context.Context, bot concierge.BotID, feedID, digest string, at time.Time) error {
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE agent_feed_pushes SET digest = ?, pushed_at = ?, failed_at = 0, last_error = '', claimed_until = 0
		WHERE bot = ? AND feed_id = ?`), digest, db.millis(at), string(bot), feedID)
	if err != nil {
		return fmt.Errorf("store: pushed feed: %w", err)
	}
	return nil
}

// FailedFeedPush records a failed push to bot's feed at at, with its
// message (already free of secrets), keeping the last good digest, and
// ends the claim so that the retry may be any replica's.
func (db *DB) FailedFeedPush(ctx context.Context, bot concierge.BotID, feedID string, at time.Time, msg string) error {
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE agent_feed_pushes SET failed_at = ?, last_error = ?, claimed_until = 0
		WHERE bot = ? AND feed_id = ?`), db.millis(at), msg, string(bot), feedID)
	if err != nil {
		return fmt.Errorf("store: failed feed push: %w", err)
	}
	return nil
}

// FeedPushState is what is stored of one ACP feed's pushes.
type FeedPushState struct {
	Digest    string
	PushedAt  time.Time
	FailedAt  time.Time
	LastError string
}

// FeedPush returns what is stored of bot's feed feedID's pushes (the
// zero state when nothing is).
func (db *DB) FeedPush(ctx context.Context, bot concierge.BotID, feedID string) (FeedPushState, error) {
	var s FeedPushState
	var pushed, failed int64
	err := db.r.QueryRowContext(ctx, db.q(`SELECT digest, pushed_at, failed_at, last_error FROM agent_feed_pushes WHERE bot = ? AND feed_id = ?`),
		string(bot), feedID).Scan(&s.Digest, &pushed, &failed, &s.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return FeedPushState{}, nil
	}
	if err != nil {
		return FeedPushState{}, fmt.Errorf("store: feed push: %w", err)
	}
	s.PushedAt, s.FailedAt = fromMillis(pushed), fromMillis(failed)
	return s, nil
}
