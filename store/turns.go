package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/conciergehq/concierge"
)

// TurnFunc handles one inbound event of a conversation inside the batch's
// transaction. It may change conv (saved after it returns nil) and write
// through tx. An error undoes only this turn's writes.
type TurnFunc func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error

// FailFunc is called, in a fresh savepoint, when a turn failed, so the
// customer can be told; its own error is ignored beyond logging by the caller.
type FailFunc func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error

type pendingIn struct {
	id   int64
	conv concierge.ConversationID
	seq  int64
	body string
	// trace is the traceparent of the ingest that stored the event.
	trace string
}

// RunTurns takes up to limit pending inbound events, and in one transaction
// handles them conversation by conversation, each conversation's events in
// arrival order, marking each done (or failed) in the same transaction as
// the state changes and outbound messages its turn produced. On PostgreSQL
// the conversations are row-locked with SKIP LOCKED, so several replicas
// share the work without ever running two turns of one conversation at once.
func (db *DB) RunTurns(ctx context.Context, limit int,
	turn func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error,
	fail func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error,
) (done, failed int, err error) {
	return db.RunTurnsExcept(ctx, nil, limit, turn, fail)
}

// RunTurnsExcept is RunTurns leaving the events of the skip bots alone:
// those bots' turns are planned outside transactions and leased one
// conversation at a time (see LeaseTurn).
func (db *DB) RunTurnsExcept(ctx context.Context, skip []concierge.BotID, limit int,
	turn func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error,
	fail func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error,
) (done, failed int, err error) {
	var st turnStats
	err = db.InTx(ctx, func(tx *Tx) error {
		st = turnStats{}
		pend, err := tx.pendingInbound(ctx, limit, skip)
		if err != nil || len(pend) == 0 {
			return err
		}
		var order []concierge.ConversationID
		byConv := map[concierge.ConversationID][]pendingIn{}
		for _, p := range pend {
			if _, ok := byConv[p.conv]; !ok {
				order = append(order, p.conv)
			}
			byConv[p.conv] = append(byConv[p.conv], p)
		}
		for _, id := range order {
			conv, err := tx.Conversation(ctx, id)
			if err != nil {
				return err
			}
			for _, p := range byConv[id] {
				if err := tx.runOne(ctx, conv, p, turn, fail, &st); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return st.done, st.failed, err
}

type turnStats struct{ done, failed int }

func (tx *Tx) runOne(ctx context.Context, conv *concierge.Conversation, p pendingIn, turn TurnFunc, fail FailFunc, st *turnStats) error {
	var ev concierge.Event
	before := *conv
	before.Memory.Shown = append([]concierge.SKU(nil), conv.Memory.Shown...)
	terr := json.Unmarshal([]byte(p.body), &ev)
	ev.TraceParent = p.trace
	if terr == nil {
		terr = tx.savepoint(ctx, func() error {
			if err := turn(ctx, tx, conv, &ev); err != nil {
				return err
			}
			if err := tx.SaveConversation(ctx, conv); err != nil {
				return err
			}
			return tx.markIn(ctx, p.id, "done", "")
		})
	}
	if terr == nil {
		st.done++
		return nil
	}
	// The turn's writes are gone; so must its changes to conv be.
	*conv = before
	st.failed++
	if fail != nil {
		tx.savepoint(ctx, func() error { return fail(ctx, tx, conv, &ev, terr) })
	}
	msg := terr.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return tx.markIn(ctx, p.id, "failed", msg)
}

func (tx *Tx) markIn(ctx context.Context, id int64, status, errMsg string) error {
	_, err := tx.exec(ctx, `UPDATE messages SET status = ?, last_error = ?, done_at = ?, attempts = attempts + 1 WHERE id = ?`,
		status, errMsg, tx.db.millis(tx.now), id)
	if err != nil {
		return fmt.Errorf("store: mark inbound: %w", err)
	}
	return nil
}

func (tx *Tx) pendingInbound(ctx context.Context, limit int, skip []concierge.BotID) ([]pendingIn, error) {
	sel := `SELECT id, conversation_id, seq, body, traceparent FROM messages WHERE dir = 'in' AND status = 'pending'` + waitsForHearing("messages")
	var not string
	var args []any
	if len(skip) > 0 {
		not = ` AND bot NOT IN (` + placeholders(len(skip)) + `)`
		for _, b := range skip {
			args = append(args, string(b))
		}
	}
	if tx.db.dialect != Postgres {
		rows, err := tx.query(ctx, sel+not+` ORDER BY id LIMIT ?`, append(args, limit)...)
		if err != nil {
			return nil, fmt.Errorf("store: pending inbound: %w", err)
		}
		return scanPending(rows)
	}
	// Lock the conversations that have pending events, skipping those
	// another replica is working on, then take all their pending events.
	rows, err := tx.query(ctx, `SELECT id FROM conversations WHERE id IN (
			SELECT conversation_id FROM messages WHERE dir = 'in' AND status = 'pending'`+waitsForHearing("messages")+not+` ORDER BY id LIMIT ?)
		ORDER BY id FOR UPDATE SKIP LOCKED`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: pending inbound: %w", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("store: pending inbound: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = tx.query(ctx, sel+` AND `+tx.db.inIDs("conversation_id")+` ORDER BY conversation_id, seq LIMIT ?`, tx.db.idList(ids), limit*4)
	if err != nil {
		return nil, fmt.Errorf("store: pending inbound: %w", err)
	}
	return scanPending(rows)
}

func scanPending(rows *sql.Rows) ([]pendingIn, error) {
	defer rows.Close()
	var out []pendingIn
	for rows.Next() {
		var p pendingIn
		if err := rows.Scan(&p.id, &p.conv, &p.seq, &p.body, &p.trace); err != nil {
			return nil, fmt.Errorf("store: pending inbound: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PendingInbound counts inbound events not yet handled (the queue depth),
// voice notes waiting for their words included. It is a gauge read at
// every /metrics scrape, so each status is counted on its own partial
// index (messages_pending, messages_hearing): with `status IN (…)`
// neither index applies and both databases read every inbound message
// ever stored, which under loadgen's scrapes was a tenth of the server's
// CPU and grows with the history (docs/benchmarks.md).
func (db *DB) PendingInbound(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM messages WHERE dir = 'in' AND status = 'pending')
		+ (SELECT count(*) FROM messages WHERE dir = 'in' AND status = 'hearing')`).Scan(&n)
	return n, err
}
