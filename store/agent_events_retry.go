package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/conciergehq/concierge"
)

// AgentEventState is where one order event owed to an agent's webhook
// stands, for the inbox.
type AgentEventState struct {
	ID         int64
	Protocol   string // ucp, acp
	Type       string // order_create, order_update
	Order      concierge.OrderID
	OrderState concierge.OrderState
	Status     string // HookPending, HookSent or HookFailed
	Attempts   int
	Error      string
	// Superseded says a later event of the same order was delivered: the
	// platform knows a newer state, so this one is not sent again.
	Superseded bool
}

// AgentEventsOfConversation lists the order events of the agent session
// whose conversation is conv, oldest first; none for another
// conversation.
func (db *DB) AgentEventsOfConversation(ctx context.Context, conv concierge.ConversationID) ([]AgentEventState, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT e.id, e.protocol, e.type, e.order_id, e.order_state, e.status, e.attempts, e.error,
			`+superseded+`
		FROM agent_events e JOIN agent_sessions s ON s.id = e.session_id
		WHERE s.conversation_id = ? ORDER BY e.id`), conv)
	if err != nil {
		return nil, fmt.Errorf("store: agent events of conversation %d: %w", conv, err)
	}
	defer rows.Close()
	var out []AgentEventState
	for rows.Next() {
		var e AgentEventState
		var order, state string
		if err := rows.Scan(&e.ID, &e.Protocol, &e.Type, &order, &state, &e.Status, &e.Attempts, &e.Error, &e.Superseded); err != nil {
			return nil, fmt.Errorf("store: agent events of conversation %d: %w", conv, err)
		}
		e.Order, e.OrderState = concierge.OrderID(order), concierge.OrderState(state)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AgentEventConversation is the conversation of the agent session that
// event id reports on, or an error wrapping concierge.ErrNotFound.
func (db *DB) AgentEventConversation(ctx context.Context, id int64) (concierge.ConversationID, error) {
	var conv concierge.ConversationID
	err := db.r.QueryRowContext(ctx, db.q(`SELECT s.conversation_id FROM agent_events e JOIN agent_sessions s ON s.id = e.session_id WHERE e.id = ?`), id).Scan(&conv)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: agent event %d: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: agent event %d: %w", id, err)
	}
	return conv, nil
}

// RetryAgentEvent puts a failed order event back in its webhook's queue,
// due now with no attempt used, under the same id (the platform's dedupe
// key), and leaves by's private note on the session's conversation
// saying so, in the same transaction. An event that is not failed is a
// conflict and changes nothing (a pending one will be sent anyway, a sent
// one was received), and so is one whose order a later delivered event
// reported: the platform knows a newer state, which this would overwrite.
func (db *DB) RetryAgentEvent(ctx context.Context, id int64, by string) error {
	const op = "store: retry agent event"
	return db.InTx(ctx, func(tx *Tx) error {
		var status, why, session, typ string
		var attempts int
		var conv concierge.ConversationID
		err := tx.queryRow(ctx, `SELECT e.status, e.attempts, e.error, e.session_id, e.type, s.conversation_id
			FROM agent_events e JOIN agent_sessions s ON s.id = e.session_id WHERE e.id = ?`, id).
			Scan(&status, &attempts, &why, &session, &typ, &conv)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s %d: %w", op, id, concierge.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("%s %d: %w", op, id, err)
		}
		if status != HookFailed {
			return concierge.Errorf(concierge.CodeConflict, op, "order event %d is %s, not failed; only a failed event is sent again", id, status)
		}
		var later int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM agent_events WHERE session_id = ? AND id > ? AND status = 'sent'`, session, id).Scan(&later); err != nil {
			return fmt.Errorf("%s %d: %w", op, id, err)
		}
		if later > 0 {
			return concierge.Errorf(concierge.CodeConflict, op, "a later event of this order was delivered: the platform has a newer state, so event %d is not sent again", id)
		}
		res, err := tx.exec(ctx, `UPDATE agent_events SET status = 'pending', attempts = 0, next_at = ?, error = '', done_at = 0,
			lease_until = 0, lease_owner = '' WHERE id = ? AND status = 'failed'`, tx.db.millis(tx.now), id)
		if err != nil {
			return fmt.Errorf("%s %d: %w", op, id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return concierge.Errorf(concierge.CodeConflict, op, "order event %d changed meanwhile; nothing was sent again", id)
		}
		note := "Retried the agent's " + typ + " webhook event " + strconv.FormatInt(id, 10) + " (it had failed after " + strconv.Itoa(attempts) + " attempts"
		if why != "" {
			note += ": " + why
		}
		return tx.AddNote(ctx, concierge.Note{Conversation: conv, Author: by, Text: note + ")", At: tx.now})
	})
}
