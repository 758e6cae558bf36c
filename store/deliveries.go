package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// Delivery statuses a platform reports after accepting a message, in the
// order they happen. A status never moves backwards: platforms may report
// read before delivered. "failed" is final.
var deliveryRank = map[string]int{"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "played": 3, "failed": 4}

// RecordSent remembers that the platform accepted outbound message id as
// the platform messages platformIDs (one per call the message took), so
// that their statuses can be applied to it later.
func (db *DB) RecordSent(ctx context.Context, bot concierge.BotID, ch concierge.Channel, id int64, platformIDs []string) error {
	if len(platformIDs) == 0 {
		return nil
	}
	return db.InTx(ctx, func(tx *Tx) error {
		for _, p := range platformIDs {
			if _, err := tx.exec(ctx, `INSERT INTO deliveries (bot, channel, platform_id, message_id, status, updated_at)
				VALUES (?, ?, ?, ?, 'accepted', ?) ON CONFLICT (bot, channel, platform_id) DO NOTHING`,
				string(bot), string(ch), p, id, tx.db.millis(tx.now)); err != nil {
				return fmt.Errorf("store: record sent: %w", err)
			}
		}
		return nil
	})
}

// StatusResult is what ApplyStatus did with one status report.
type StatusResult string

// The results of a status report.
const (
	StatusApplied StatusResult = "applied"
	StatusStale   StatusResult = "stale"   // older than what is known (or a repeat); nothing changed
	StatusUnknown StatusResult = "unknown" // no message of ours has that id; nothing changed
)

// ApplyStatus records a delivery status (an EventStatus: Ref is the
// platform message id, Value the status, Text the platform's error) for
// the outbound message it reports on. A failed status also marks that
// message failed with the platform's error, where the outbox's records and
// the inbox show it.
func (db *DB) ApplyStatus(ctx context.Context, ev concierge.Event) (StatusResult, error) {
	rank, ok := deliveryRank[ev.Value]
	if !ok || ev.Ref == "" {
		return "", concierge.Errorf(concierge.CodeInvalid, "store: apply status", "unknown delivery status %q", ev.Value)
	}
	var res StatusResult
	err := db.InTx(ctx, func(tx *Tx) error {
		var msg int64
		var cur string
		err := tx.queryRow(ctx, `SELECT message_id, status FROM deliveries WHERE bot = ? AND channel = ? AND platform_id = ?`,
			string(ev.Bot), string(ev.Channel), ev.Ref).Scan(&msg, &cur)
		if errors.Is(err, sql.ErrNoRows) {
			res = StatusUnknown
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: apply status: %w", err)
		}
		if deliveryRank[cur] >= rank {
			res = StatusStale
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE deliveries SET status = ?, error = ?, updated_at = ? WHERE bot = ? AND channel = ? AND platform_id = ?`,
			ev.Value, trim(ev.Text), tx.db.millis(tx.now), string(ev.Bot), string(ev.Channel), ev.Ref); err != nil {
			return fmt.Errorf("store: apply status: %w", err)
		}
		if ev.Value == "failed" {
			if _, err := tx.exec(ctx, `UPDATE messages SET status = 'failed', last_error = ? WHERE id = ?`,
				trim("the platform reported the message failed: "+ev.Text), msg); err != nil {
				return fmt.Errorf("store: apply status: %w", err)
			}
		}
		res = StatusApplied
		return nil
	})
	return res, err
}

// DeliveryState is what is known of one platform message.
type DeliveryState struct {
	Message       int64  // the outbound message's id
	Status        string // accepted, sent, delivered, read or failed
	Error         string
	MessageStatus string // the outbound message's own status (sent, failed …)
	MessageError  string
}

// Delivery returns what is known of a platform message, or ErrNotFound.
func (db *DB) Delivery(ctx context.Context, bot concierge.BotID, ch concierge.Channel, platformID string) (DeliveryState, error) {
	var d DeliveryState
	err := db.r.QueryRowContext(ctx, db.q(`SELECT d.message_id, d.status, d.error, m.status, m.last_error
		FROM deliveries d JOIN messages m ON m.id = d.message_id
		WHERE d.bot = ? AND d.channel = ? AND d.platform_id = ?`), string(bot), string(ch), platformID).
		Scan(&d.Message, &d.Status, &d.Error, &d.MessageStatus, &d.MessageError)
	if errors.Is(err, sql.ErrNoRows) {
		return d, concierge.ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("store: delivery: %w", err)
	}
	return d, nil
}

// LastInbound returns when the customer of conv last wrote (the time their
// latest inbound message was stored), or the zero time if never.
func (db *DB) LastInbound(ctx context.Context, conv concierge.ConversationID) (time.Time, error) {
	var ms sql.NullInt64
	err := db.r.QueryRowContext(ctx, db.q(`SELECT max(created_at) FROM messages WHERE conversation_id = ? AND dir = 'in'`), conv).Scan(&ms)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last inbound: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, nil
	}
	return fromMillis(ms.Int64), nil
}
