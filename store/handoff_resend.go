package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/conciergehq/concierge"
)

// FailedHook is a hand-off event its webhook gave up on.
type FailedHook struct {
	ID           int64
	Bot          concierge.BotID
	Conversation concierge.ConversationID
	From, To     concierge.ConversationState
	Reason       concierge.HandoffReason
	At           time.Time
	Attempts     int
	Error        string
}

// HandoffHook reads where one hand-off event stands with its webhook, and
// the conversation it belongs to; an error wrapping concierge.ErrNotFound
// when there is no such event.
func (db *DB) HandoffHook(ctx context.Context, id int64) (HookState, concierge.ConversationID, error) {
	var s HookState
	var conv concierge.ConversationID
	err := db.r.QueryRowContext(ctx, db.q(`SELECT id, hook_status, hook_attempts, hook_error, conversation_id FROM handoffs WHERE id = ?`), id).
		Scan(&s.ID, &s.Status, &s.Attempts, &s.Error, &conv)
	if errors.Is(err, sql.ErrNoRows) {
		return s, 0, fmt.Errorf("store: hand-off event %d: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return s, 0, fmt.Errorf("store: hand-off event %d: %w", id, err)
	}
	return s, conv, nil
}

// ResendHandoffHook puts a failed hand-off event back in the webhook's
// queue, due now with no attempt used, under the same id (the receivers'
// dedupe key), and leaves by's private note on its conversation saying
// so, in the same transaction. An event that is not failed is a conflict
// and changes nothing: a pending one will be sent anyway, a sent one was
// received, a skipped one has no webhook to go to.
func (db *DB) ResendHandoffHook(ctx context.Context, id int64, by string) error {
	const op = "store: resend hand-off event"
	return db.InTx(ctx, func(tx *Tx) error {
		var status, why string
		var attempts int
		var conv concierge.ConversationID
		err := tx.queryRow(ctx, `SELECT hook_status, hook_attempts, hook_error, conversation_id FROM handoffs WHERE id = ?`, id).
			Scan(&status, &attempts, &why, &conv)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s %d: %w", op, id, concierge.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("%s %d: %w", op, id, err)
		}
		if status != HookFailed {
			return concierge.Errorf(concierge.CodeConflict, op, "hand-off event %d is %s, not failed; only a failed event is resent", id, status)
		}
		now := tx.db.millis(tx.now)
		res, err := tx.exec(ctx, `UPDATE handoffs SET hook_status = 'pending', hook_attempts = 0, hook_next_at = ?, hook_error = '',
			hook_done_at = 0, hook_lease_until = 0, hook_lease_owner = '' WHERE id = ? AND hook_status = 'failed'`, now, id)
		if err != nil {
			return fmt.Errorf("%s %d: %w", op, id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return concierge.Errorf(concierge.CodeConflict, op, "hand-off event %d changed meanwhile; nothing was resent", id)
		}
		note := "Resent hand-off webhook event " + strconv.FormatInt(id, 10) + " (it had failed after " + strconv.Itoa(attempts) + " attempts"
		if why != "" {
			note += ": " + why
		}
		return tx.AddNote(ctx, concierge.Note{Conversation: conv, Author: by, Text: note + ")", At: tx.now})
	})
}

// FailedHandoffHooks lists the hand-off events their webhook gave up on,
// newest first, at most limit.
func (db *DB) FailedHandoffHooks(ctx context.Context, limit int) ([]FailedHook, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT h.id, c.bot, h.conversation_id, h.from_state, h.to_state, h.reason, h.at,
			h.hook_attempts, h.hook_error
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE h.hook_status = 'failed' ORDER BY h.id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("store: failed hand-off events: %w", err)
	}
	defer rows.Close()
	var out []FailedHook
	for rows.Next() {
		var f FailedHook
		var bot, from, to, reason string
		var at int64
		if err := rows.Scan(&f.ID, &bot, &f.Conversation, &from, &to, &reason, &at, &f.Attempts, &f.Error); err != nil {
			return nil, fmt.Errorf("store: failed hand-off events: %w", err)
		}
		f.Bot, f.From, f.To, f.At = concierge.BotID(bot), concierge.ConversationState(from), concierge.ConversationState(to), fromMillis(at)
		f.Reason = concierge.HandoffReason(reason)
		out = append(out, f)
	}
	return out, rows.Err()
}
