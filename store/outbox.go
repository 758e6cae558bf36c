package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// ClaimOutbox leases up to limit conversations that have outbound messages
// due and are not leased already, and returns their pending messages in
// order. A conversation whose first pending message waits for a retry is not returned, so a later
// message never overtakes an earlier one. The lease is released by
// ReleaseOutbox, or expires after lease if the sender dies.
func (db *DB) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([][]concierge.Outbound, error) {
	var b [][]concierge.Outbound
	var at time.Time
	err := db.InTx(ctx, func(tx *Tx) error {
		b = nil
		at = tx.now
		now := tx.db.millis(tx.now)
		// The candidates are picked once, in a materialized CTE, and on
		// PostgreSQL row-locked with SKIP LOCKED: a claim never waits for
		// a conversation another transaction holds (a replica's turn
		// batch, or its FinishOutbox releasing it), so claims of two
		// replicas and their finishes cannot deadlock.
		lock := ""
		if db.dialect == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.query(ctx, `WITH picked AS MATERIALIZED (
				SELECT c.id FROM conversations c WHERE c.send_lease_until < ? AND c.id IN (
					SELECT m.conversation_id FROM messages m JOIN conversations lc ON lc.id = m.conversation_id
					WHERE m.dir = 'out' AND m.status = 'pending' AND m.next_attempt_at <= ?
					AND lc.send_lease_until < ?
					AND NOT EXISTS (SELECT 1 FROM messages p WHERE p.conversation_id = m.conversation_id
						AND p.dir = 'out' AND p.status = 'pending' AND p.seq < m.seq)
					ORDER BY m.id LIMIT ?)`+lock+`)
			UPDATE conversations SET send_lease_until = ?, send_lease_owner = ?
			WHERE send_lease_until < ? AND id IN (SELECT id FROM picked)
			RETURNING id`, now, now, now, limit, now+lease.Milliseconds(), db.replica, now)
		if err != nil {
			return fmt.Errorf("store: claim outbox: %w", err)
		}
		ids, err := scanIDs(rows)
		if err != nil {
			return fmt.Errorf("store: claim outbox: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		rows, err = tx.query(ctx, `SELECT m.id, m.conversation_id, m.seq, m.bot, m.channel, c.chat, c.locale, m.body, m.attempts, m.next_attempt_at, m.author, m.traceparent
			FROM `+db.joinIDs("messages m", "m.conversation_id")+` JOIN conversations c ON c.id = m.conversation_id
			WHERE m.dir = 'out' AND m.status = 'pending'
			ORDER BY m.conversation_id, m.seq`, db.idList(ids))
		if err != nil {
			return fmt.Errorf("store: claim outbox: %w", err)
		}
		defer rows.Close()
		var cur []concierge.Outbound
		skip := concierge.ConversationID(-1)
		for rows.Next() {
			var (
				o                       concierge.Outbound
				bot, channel, chat, loc string
				body                    string
				nextAttempt             int64
			)
			if err := rows.Scan(&o.ID, &o.Conversation, &o.Seq, &bot, &channel, &chat, &loc, &body, &o.Attempts, &nextAttempt, &o.Author, &o.TraceParent); err != nil {
				return fmt.Errorf("store: claim outbox: %w", err)
			}
			if o.Conversation == skip {
				continue
			}
			if len(cur) > 0 && cur[0].Conversation != o.Conversation {
				b = append(b, cur)
				cur = nil
			}
			if len(cur) == 0 && nextAttempt > now {
				// Its head is backing off; the whole conversation waits.
				skip = o.Conversation
				continue
			}
			o.Bot, o.Channel, o.Chat, o.Locale = concierge.BotID(bot), concierge.Channel(channel), concierge.ChatID(chat), concierge.Locale(loc)
			if err := json.Unmarshal([]byte(body), &o.Message); err != nil {
				return fmt.Errorf("store: claim outbox: message %d: %w", o.ID, err)
			}
			cur = append(cur, o)
		}
		if len(cur) > 0 {
			b = append(b, cur)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: claim outbox: %w", err)
		}
		rows.Close()
		// A conversation picked from the statement's snapshot may have
		// had its messages sent (and its lease released) by a finish that
		// committed before this claim locked it; PostgreSQL then leases it
		// all the same, and this second read finds nothing to send, or a
		// head backing off. Such a lease is given back here, or it would
		// hold the conversation's next messages for the whole lease.
		got := map[concierge.ConversationID]bool{}
		for _, msgs := range b {
			got[msgs[0].Conversation] = true
		}
		var idle []int64
		for _, id := range ids {
			if !got[concierge.ConversationID(id)] {
				idle = append(idle, id)
			}
		}
		if len(idle) > 0 {
			if _, err := tx.exec(ctx, `UPDATE conversations SET send_lease_until = 0, send_lease_owner = ''
				WHERE `+db.inIDs("id")+` AND send_lease_owner = ?`, db.idList(idle), db.replica); err != nil {
				return fmt.Errorf("store: claim outbox: %w", err)
			}
		}
		return nil
	})
	if err == nil {
		for _, msgs := range b {
			db.hold(db.sendHeld(msgs[0].Conversation), at, lease)
		}
	}
	return b, err
}

// sendHeld names the outbox lease of conv, whose owner is the replica.
func (db *DB) sendHeld(conv concierge.ConversationID) heldKey {
	return heldKey{kind: leaseSend, id: int64(conv), owner: db.replica}
}

// FinishOutbox records send results and releases the conversations' leases,
// in one transaction (one fsync for a whole batch of sends). Only the
// conversations this replica still holds are recorded: a lease another
// replica took over (this one was declared dead, see Reap) is the new
// holder's, and its results here are dropped with an error wrapping
// ErrLeaseLost, after the others were committed.
func (db *DB) FinishOutbox(ctx context.Context, results []concierge.Delivery, convs []concierge.ConversationID) error {
	for _, c := range convs {
		db.drop(db.sendHeld(c))
	}
	lost := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		lost = 0
		now := tx.db.millis(tx.now)
		held := map[concierge.ConversationID]bool{}
		if len(convs) > 0 {
			ids := make([]int64, len(convs))
			for i, c := range convs {
				ids[i] = int64(c)
			}
			rows, err := tx.query(ctx, `UPDATE conversations SET send_lease_until = 0, send_lease_owner = ''
				WHERE `+db.inIDs("id")+` AND send_lease_owner = ? RETURNING id`, db.idList(ids), db.replica)
			if err != nil {
				return fmt.Errorf("store: finish outbox: %w", err)
			}
			kept, err := collect(rows, func(r interface{ Scan(...any) error }) (concierge.ConversationID, error) {
				var id concierge.ConversationID
				return id, r.Scan(&id)
			})
			if err != nil {
				return fmt.Errorf("store: finish outbox: %w", err)
			}
			for _, id := range kept {
				held[id] = true
			}
		}
		// The common case, sent, is one statement for the whole batch.
		var sent []int64
		for _, r := range results {
			if !held[r.Conversation] {
				lost++
				continue
			}
			var err error
			switch r.Status {
			case concierge.DeliverySent:
				sent = append(sent, r.ID)
			case concierge.DeliveryRetry:
				counted := 1
				if r.Interrupted {
					counted = 0 // the platform never answered; no attempt used
				}
				_, err = tx.exec(ctx, `UPDATE messages SET attempts = attempts + ?, next_attempt_at = ?, last_error = ? WHERE id = ?`,
					counted, tx.db.millis(r.NextAttempt), trim(r.Error), r.ID)
			case concierge.Undeliverable:
				_, err = tx.exec(ctx, `UPDATE messages SET status = 'undeliverable', attempts = attempts + 1, done_at = ?, last_error = ? WHERE id = ?`,
					now, trim(r.Error), r.ID)
				if err == nil {
					_, err = tx.exec(ctx, `UPDATE conversations SET undeliverable = 1 WHERE id = ?`, r.Conversation)
				}
			case concierge.DeliveryFailed:
				_, err = tx.exec(ctx, `UPDATE messages SET status = 'failed', attempts = attempts + 1, done_at = ?, last_error = ? WHERE id = ?`,
					now, trim(r.Error), r.ID)
			default:
				err = fmt.Errorf("unknown status %q", r.Status)
			}
			if err != nil {
				return fmt.Errorf("store: finish outbox: %w", err)
			}
		}
		if len(sent) > 0 {
			if _, err := tx.exec(ctx, `UPDATE messages SET status = 'sent', attempts = attempts + 1, done_at = ?, last_error = ''
				WHERE `+db.inIDs("id"), now, db.idList(sent)); err != nil {
				return fmt.Errorf("store: finish outbox: %w", err)
			}
		}
		return nil
	})
	if err == nil && lost > 0 {
		err = fmt.Errorf("store: finish outbox: %d results of conversations whose lease another replica took over were dropped: %w", lost, ErrLeaseLost)
	}
	return err
}

// PendingOutbound counts outbound messages not yet delivered.
func (db *DB) PendingOutbound(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE dir = 'out' AND status = 'pending'`).Scan(&n)
	return n, err
}

func trim(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// TranscriptEntry is one message of a conversation, in or out.
type TranscriptEntry struct {
	Seq     int64
	Dir     string // "in" or "out"
	Author  string // "customer", "bot", "agent:NAME", "system"
	Kind    string
	Status  string
	At      time.Time
	Event   *concierge.Event   // for inbound entries
	Message *concierge.Message // for outbound entries
}

// decode fills e's time and its event (inbound) or message (outbound)
// from the stored columns.
func (e *TranscriptEntry) decode(at int64, body string) error {
	e.At = fromMillis(at)
	if e.Dir == "in" {
		e.Event = new(concierge.Event)
		return json.Unmarshal([]byte(body), e.Event)
	}
	e.Message = new(concierge.Message)
	return json.Unmarshal([]byte(body), e.Message)
}

// Transcript returns up to limit entries of the conversation of (bot,
// channel, chat) after seq, oldest first.
func (db *DB) Transcript(ctx context.Context, bot concierge.BotID, ch concierge.Channel, chat concierge.ChatID, after int64, limit int) ([]TranscriptEntry, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT m.seq, m.dir, m.author, m.kind, m.status, m.created_at, m.body
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.bot = ? AND c.channel = ? AND c.chat = ? AND m.seq > ?
		ORDER BY m.seq LIMIT ?`), string(bot), string(ch), string(chat), after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: transcript: %w", err)
	}
	defer rows.Close()
	var out []TranscriptEntry
	for rows.Next() {
		var e TranscriptEntry
		var at int64
		var body string
		if err := rows.Scan(&e.Seq, &e.Dir, &e.Author, &e.Kind, &e.Status, &at, &body); err != nil {
			return nil, fmt.Errorf("store: transcript: %w", err)
		}
		if err := e.decode(at, body); err != nil {
			return nil, fmt.Errorf("store: transcript: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountTranscript counts a bot's handled inbound messages and the bot's
// outbound messages; tests of invariant 1 compare the two.
func (db *DB) CountTranscript(ctx context.Context, bot concierge.BotID) (inbound, outbound int64, err error) {
	err = db.r.QueryRowContext(ctx, db.q(`SELECT
		(SELECT count(*) FROM messages WHERE bot = ? AND dir = 'in' AND status = 'done'),
		(SELECT count(*) FROM messages WHERE bot = ? AND dir = 'out' AND author = 'bot')`), string(bot), string(bot)).Scan(&inbound, &outbound)
	return inbound, outbound, err
}
