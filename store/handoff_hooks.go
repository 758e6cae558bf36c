package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// HandoffHook is one row of handoffs leased for sending to the bot's
// hand-off webhook. The row is written in the transaction of
// the state change it records, so a hook exists exactly when the change
// committed.
type HandoffHook struct {
	ID       int64  // the handoffs row: stable, the receivers' dedupe key
	Token    string // the lease's owner; Finish needs it
	Attempts int    // sends tried before this one

	Bot          concierge.BotID
	Conversation concierge.ConversationID
	Channel      concierge.Channel
	Locale       concierge.Locale
	From, To     concierge.ConversationState
	Reason       concierge.HandoffReason
	Note         string // free text beside the reason (concierge.Handoff.Note)
	By           string // "bot", "checkout", "system" or "agent:NAME"
	At           time.Time
	// Packet is the hand-off packet written with a change to waiting (same
	// conversation, same transaction time), or nil.
	Packet *concierge.HandoffPacket
}

// Hook statuses, in handoffs.hook_status.
const (
	HookPending = "pending"
	HookSent    = "sent"
	HookFailed  = "failed"  // attempts used up; kept with the last error
	HookSkipped = "skipped" // nothing to send: no webhook, or not an event
)

// HookResult is what became of one send of a leased hook.
type HookResult struct {
	Status string // HookSent, HookFailed, HookSkipped or HookPending (retry)
	// Next is when to try again, for HookPending.
	Next time.Time
	// Counted is false for a retry whose send never got an answer because
	// this process was stopping; it uses no attempt.
	Counted bool
	Error   string
}

// ClaimHandoffHooks leases, for lease, up to limit pending hooks of bots
// that are due and not leased, and returns them oldest first. A hook is
// not returned while an older hook of its conversation is still pending,
// so a receiver gets one conversation's events in order. On PostgreSQL
// the candidates are row-locked with SKIP LOCKED and the update re-checks
// the lease, so two senders never hold the same hook.
func (db *DB) ClaimHandoffHooks(ctx context.Context, bots []concierge.BotID, limit int, lease time.Duration) ([]HandoffHook, error) {
	if len(bots) == 0 || limit <= 0 {
		return nil, nil
	}
	var out []HandoffHook
	var at time.Time
	err := db.InTx(ctx, func(tx *Tx) error {
		out = nil
		at = tx.now
		now := db.millis(tx.now)
		token := db.leaseToken()
		args := []any{now + lease.Milliseconds(), token, now, now, now}
		for _, b := range bots {
			args = append(args, string(b))
		}
		args = append(args, limit)
		lock := ""
		if db.dialect == Postgres {
			lock = " FOR UPDATE OF h SKIP LOCKED"
		}
		rows, err := tx.query(ctx, `UPDATE handoffs SET hook_lease_until = ?, hook_lease_owner = ?
			WHERE hook_status = 'pending' AND hook_lease_until < ? AND id IN (
				SELECT h.id FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
				WHERE h.hook_status = 'pending' AND h.hook_next_at <= ? AND h.hook_lease_until < ?
				  AND c.bot IN (`+placeholders(len(bots))+`)
				  AND NOT EXISTS (SELECT 1 FROM handoffs p WHERE p.conversation_id = h.conversation_id
					AND p.hook_status = 'pending' AND p.id < h.id)
				ORDER BY h.id LIMIT ?`+lock+`)
			RETURNING id`, args...)
		if err != nil {
			return fmt.Errorf("store: claim handoff hooks: %w", err)
		}
		ids, err := scanIDs(rows)
		if err != nil {
			return fmt.Errorf("store: claim handoff hooks: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		out, err = tx.handoffHooks(ctx, ids, token)
		return err
	})
	if err == nil {
		for i := range out {
			db.hold(out[i].held(), at, lease)
		}
	}
	return out, err
}

func (h *HandoffHook) held() heldKey { return heldKey{kind: leaseHook, id: h.ID, owner: h.Token} }

// handoffHooks reads the leased hooks ids, with their conversation and
// the packet written with each.
func (tx *Tx) handoffHooks(ctx context.Context, ids []int64, token string) ([]HandoffHook, error) {
	rows, err := tx.query(ctx, `SELECT h.id, h.hook_attempts, c.bot, h.conversation_id, c.channel, c.locale,
			h.from_state, h.to_state, h.reason, h.note, h.by_whom, h.at,
			COALESCE((SELECT p.body FROM handoff_packets p WHERE h.to_state = 'waiting' AND p.conversation_id = h.conversation_id
				AND p.at = h.at ORDER BY p.id DESC LIMIT 1), '')
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE `+tx.db.inIDs("h.id")+` AND h.hook_lease_owner = ?
		ORDER BY h.id`, tx.db.idList(ids), token)
	if err != nil {
		return nil, fmt.Errorf("store: claim handoff hooks: %w", err)
	}
	defer rows.Close()
	var out []HandoffHook
	for rows.Next() {
		h := HandoffHook{Token: token}
		var bot, channel, locale, from, to, reason, packet string
		var at int64
		if err := rows.Scan(&h.ID, &h.Attempts, &bot, &h.Conversation, &channel, &locale, &from, &to, &reason, &h.Note, &h.By, &at, &packet); err != nil {
			return nil, fmt.Errorf("store: claim handoff hooks: %w", err)
		}
		h.Reason = concierge.HandoffReason(reason)
		h.Bot, h.Channel, h.Locale = concierge.BotID(bot), concierge.Channel(channel), concierge.Locale(locale)
		h.From, h.To, h.At = concierge.ConversationState(from), concierge.ConversationState(to), fromMillis(at)
		if packet != "" {
			h.Packet = new(concierge.HandoffPacket)
			if err := json.Unmarshal([]byte(packet), h.Packet); err != nil {
				return nil, fmt.Errorf("store: claim handoff hooks: packet of hook %d: %w", h.ID, err)
			}
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// FinishHandoffHook records what became of a send of h and releases its
// lease. It reports false, and changes nothing, when the lease is no
// longer h's (it ran out and another sender took the hook).
func (db *DB) FinishHandoffHook(ctx context.Context, h *HandoffHook, r HookResult) (bool, error) {
	db.drop(h.held())
	var res interface{ RowsAffected() (int64, error) }
	err := db.InTx(ctx, func(tx *Tx) error {
		now := db.millis(tx.now)
		var err error
		switch r.Status {
		case HookSent, HookFailed, HookSkipped:
			counted := 1
			if r.Status == HookSkipped {
				counted = 0
			}
			res, err = tx.exec(ctx, `UPDATE handoffs SET hook_status = ?, hook_attempts = hook_attempts + ?, hook_done_at = ?,
				hook_error = ?, hook_lease_until = 0, hook_lease_owner = '' WHERE id = ? AND hook_lease_owner = ?`,
				r.Status, counted, now, trim(r.Error), h.ID, h.Token)
		case HookPending:
			counted := 0
			if r.Counted {
				counted = 1
			}
			res, err = tx.exec(ctx, `UPDATE handoffs SET hook_attempts = hook_attempts + ?, hook_next_at = ?,
				hook_error = ?, hook_lease_until = 0, hook_lease_owner = '' WHERE id = ? AND hook_lease_owner = ?`,
				counted, db.millis(r.Next), trim(r.Error), h.ID, h.Token)
		default:
			err = fmt.Errorf("unknown status %q", r.Status)
		}
		if err != nil {
			return fmt.Errorf("store: finish handoff hook %d: %w", h.ID, err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: finish handoff hook %d: %w", h.ID, err)
	}
	return n == 1, nil
}

// SkipHandoffHooks marks skipped the pending hooks of every bot not in
// bots: those bots have no webhook, and their hand-offs are not sent
// later when one is added. It returns how many it marked.
func (db *DB) SkipHandoffHooks(ctx context.Context, bots []concierge.BotID) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		args := []any{db.millis(tx.now)}
		q := `UPDATE handoffs SET hook_status = 'skipped', hook_done_at = ?, hook_error = 'no webhook for this bot'
			WHERE hook_status = 'pending'`
		if len(bots) > 0 {
			q += ` AND conversation_id IN (SELECT id FROM conversations WHERE bot NOT IN (` + placeholders(len(bots)) + `))`
			for _, b := range bots {
				args = append(args, string(b))
			}
		}
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: skip handoff hooks: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// HookState is where a hand-off's webhook delivery stands.
type HookState struct {
	ID       int64
	Status   string
	Attempts int
	Error    string
}

// HandoffHookStates lists the webhook delivery of conv's hand-offs,
// oldest first.
func (db *DB) HandoffHookStates(ctx context.Context, conv concierge.ConversationID) ([]HookState, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT id, hook_status, hook_attempts, hook_error FROM handoffs WHERE conversation_id = ? ORDER BY id`), conv)
	if err != nil {
		return nil, fmt.Errorf("store: handoff hook states: %w", err)
	}
	defer rows.Close()
	var out []HookState
	for rows.Next() {
		var s HookState
		if err := rows.Scan(&s.ID, &s.Status, &s.Attempts, &s.Error); err != nil {
			return nil, fmt.Errorf("store: handoff hook states: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PendingHandoffHooks counts hand-off events not yet sent, failed or
// skipped.
func (db *DB) PendingHandoffHooks(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM handoffs WHERE hook_status = 'pending'`).Scan(&n)
	return n, err
}
