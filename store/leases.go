package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// ErrLeaseLost is returned by ApplyTurn when the turn lease is no longer
// the caller's: it ran out, or its replica was declared dead (Reap), and
// another worker took the conversation, or the event was handled already.
// FinishOutbox wraps it for results of conversations it no longer holds.
var ErrLeaseLost = errors.New("store: lease lost")

// TurnLease is a conversation's turn held by one worker: the
// worker plans the turn outside any transaction and applies it with
// ApplyTurn.
type TurnLease struct {
	Conv  concierge.ConversationID
	Event int64 // the inbound message's id
	Seq   int64 // its seq in the transcript
	Token string
}

// LeaseTurn leases, for ttl, the conversation (of one of bots) that holds
// the oldest pending inbound event among conversations nobody leases, and
// calls read with the conversation and that event in the same short
// transaction. It returns nil, nil when there is nothing to do. On
// PostgreSQL the candidate conversation is row-locked with SKIP LOCKED, so
// replicas never lease the same one.
func (db *DB) LeaseTurn(ctx context.Context, bots []concierge.BotID, ttl time.Duration, read TurnFunc) (*TurnLease, error) {
	if len(bots) == 0 {
		return nil, nil
	}
	var l *TurnLease
	var at time.Time
	err := db.InTx(ctx, func(tx *Tx) error {
		l = nil
		at = tx.now
		now := db.millis(tx.now)
		args := []any{now}
		for _, b := range bots {
			args = append(args, string(b))
		}
		lock := ""
		if db.dialect == Postgres {
			lock = " FOR UPDATE OF c SKIP LOCKED"
		}
		var p pendingIn
		err := tx.queryRow(ctx, `SELECT m.id, m.conversation_id, m.seq, m.body, m.traceparent
			FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.dir = 'in' AND m.status = 'pending' AND c.turn_lease_until < ?`+waitsForHearing("m")+`
			  AND m.bot IN (`+placeholders(len(bots))+`)
			ORDER BY m.id LIMIT 1`+lock, args...).Scan(&p.id, &p.conv, &p.seq, &p.body, &p.trace)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: lease turn: %w", err)
		}
		token := db.leaseToken()
		if _, err := tx.exec(ctx, `UPDATE conversations SET turn_lease_until = ?, turn_lease_owner = ? WHERE id = ?`,
			db.millis(tx.now.Add(ttl)), token, p.conv); err != nil {
			return fmt.Errorf("store: lease turn: %w", err)
		}
		conv, err := tx.Conversation(ctx, p.conv)
		if err != nil {
			return err
		}
		var ev concierge.Event
		if err := json.Unmarshal([]byte(p.body), &ev); err != nil {
			// An event nobody can read is failed here, as RunTurns would.
			if err := tx.markIn(ctx, p.id, "failed", trim(err.Error())); err != nil {
				return err
			}
			return tx.releaseTurn(ctx, &TurnLease{Conv: p.conv, Token: token})
		}
		ev.TraceParent = p.trace
		if err := read(ctx, tx, conv, &ev); err != nil {
			return err
		}
		l = &TurnLease{Conv: p.conv, Event: p.id, Seq: p.seq, Token: token}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if l != nil {
		db.hold(l.held(), at, ttl)
	}
	return l, nil
}

func (l *TurnLease) held() heldKey {
	return heldKey{kind: leaseTurn, id: int64(l.Conv), owner: l.Token}
}

// ApplyTurn handles the leased event in one transaction, as RunTurns does
// for each of its events (turn in a savepoint, fail on error, the event
// marked done or failed), after checking that the lease is still l's and
// the event still pending; then it releases the lease. It reports whether
// the turn succeeded, or ErrLeaseLost.
func (db *DB) ApplyTurn(ctx context.Context, l *TurnLease, turn TurnFunc, fail FailFunc) (done bool, err error) {
	db.drop(l.held())
	var st turnStats
	err = db.InTx(ctx, func(tx *Tx) error {
		st = turnStats{}
		var owner string
		if err := tx.queryRow(ctx, `SELECT turn_lease_owner FROM conversations WHERE id = ?`, l.Conv).Scan(&owner); err != nil {
			return fmt.Errorf("store: apply turn: %w", err)
		}
		if owner != l.Token {
			return ErrLeaseLost
		}
		var p pendingIn
		var status string
		if err := tx.queryRow(ctx, `SELECT id, conversation_id, seq, body, status, traceparent FROM messages WHERE id = ?`, l.Event).
			Scan(&p.id, &p.conv, &p.seq, &p.body, &status, &p.trace); err != nil {
			return fmt.Errorf("store: apply turn: %w", err)
		}
		if status == "pending" {
			conv, err := tx.Conversation(ctx, l.Conv)
			if err != nil {
				return err
			}
			if err := tx.runOne(ctx, conv, p, turn, fail, &st); err != nil {
				return err
			}
		}
		return tx.releaseTurn(ctx, l)
	})
	return st.done > 0, err
}

// ReleaseTurn gives a lease up without handling its event.
func (db *DB) ReleaseTurn(ctx context.Context, l *TurnLease) error {
	db.drop(l.held())
	return db.InTx(ctx, func(tx *Tx) error { return tx.releaseTurn(ctx, l) })
}

func (tx *Tx) releaseTurn(ctx context.Context, l *TurnLease) error {
	_, err := tx.exec(ctx, `UPDATE conversations SET turn_lease_until = 0, turn_lease_owner = '' WHERE id = ? AND turn_lease_owner = ?`, l.Conv, l.Token)
	if err != nil {
		return fmt.Errorf("store: release turn: %w", err)
	}
	return nil
}

// BrainNotes returns the LLM brain's summary of conv (up to seq through)
// and the tokens spent on it; zeros when there are none.
func (db *DB) BrainNotes(ctx context.Context, conv concierge.ConversationID) (summary string, through, tokensIn, tokensOut int64, err error) {
	err = db.r.QueryRowContext(ctx, db.q(`SELECT summary, summary_through, tokens_in, tokens_out FROM brain_notes WHERE conversation_id = ?`), conv).
		Scan(&summary, &through, &tokensIn, &tokensOut)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	if err != nil {
		err = fmt.Errorf("store: brain notes: %w", err)
	}
	return
}

// AddNotes replaces conv's summary when summary is not empty and adds the
// tokens to its totals; it implements agent.NotesStore.
func (tx *Tx) AddNotes(ctx context.Context, conv concierge.ConversationID, summary string, through, tokensIn, tokensOut int64) error {
	_, err := tx.exec(ctx, `INSERT INTO brain_notes (conversation_id, summary, summary_through, tokens_in, tokens_out, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (conversation_id) DO UPDATE SET
			summary = CASE WHEN excluded.summary = '' THEN brain_notes.summary ELSE excluded.summary END,
			summary_through = CASE WHEN excluded.summary = '' THEN brain_notes.summary_through ELSE excluded.summary_through END,
			tokens_in = brain_notes.tokens_in + excluded.tokens_in,
			tokens_out = brain_notes.tokens_out + excluded.tokens_out,
			updated_at = excluded.updated_at`,
		conv, summary, through, tokensIn, tokensOut, tx.db.millis(tx.now))
	if err != nil {
		return fmt.Errorf("store: add notes: %w", err)
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// collect reads every row of rows with scan and closes them; the caller
// wraps the error with its operation. Every list the store returns is read
// this way, so none forgets rows.Err (a read cut short is an error, not a
// shorter list).
func collect[T any](rows *sql.Rows, scan func(row interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanIDs reads a column of row ids, for an idList. It closes rows before
// returning, because the callers' next query runs on the same transaction.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// TurnHistory returns the last limit transcript entries of conv between
// seqs after and before (both excluded), oldest first, from the read side.
func (db *DB) TurnHistory(ctx context.Context, conv concierge.ConversationID, after, before int64, limit int) ([]TranscriptEntry, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT seq, dir, author, kind, status, created_at, body FROM messages
		WHERE conversation_id = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?`), conv, after, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: turn history: %w", err)
	}
	defer rows.Close()
	var out []TranscriptEntry
	for rows.Next() {
		var e TranscriptEntry
		var at int64
		var body string
		if err := rows.Scan(&e.Seq, &e.Dir, &e.Author, &e.Kind, &e.Status, &at, &body); err != nil {
			return nil, fmt.Errorf("store: turn history: %w", err)
		}
		if err := e.decode(at, body); err != nil {
			return nil, fmt.Errorf("store: turn history: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
