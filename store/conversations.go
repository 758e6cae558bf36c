package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/tracing"
)

const conversationCols = `id, bot, channel, chat, customer, locale, state, memory, undeliverable, created_at, updated_at`

func scanConversation(row interface{ Scan(...any) error }) (*concierge.Conversation, error) {
	var (
		c                  concierge.Conversation
		memory             string
		undeliverable      int
		created, updated   int64
		bot, channel, chat string
		locale, state      string
	)
	err := row.Scan(&c.ID, &bot, &channel, &chat, &c.Customer, &locale, &state, &memory, &undeliverable, &created, &updated)
	if err != nil {
		return nil, err
	}
	c.Bot, c.Channel, c.Chat = concierge.BotID(bot), concierge.Channel(channel), concierge.ChatID(chat)
	c.Locale, c.State = concierge.Locale(locale), concierge.ConversationState(state)
	c.Undeliverable = undeliverable != 0
	c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
	if err := json.Unmarshal([]byte(memory), &c.Memory); err != nil {
		return nil, fmt.Errorf("conversation %d memory: %w", c.ID, err)
	}
	return &c, nil
}

// Conversation loads a conversation by id.
func (tx *Tx) Conversation(ctx context.Context, id concierge.ConversationID) (*concierge.Conversation, error) {
	// On PostgreSQL the row is locked, so that a payment notification and a
	// turn of the same conversation cannot overwrite each other's changes.
	lock := ""
	if tx.db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	c, err := scanConversation(tx.queryRow(ctx, `SELECT `+conversationCols+` FROM conversations WHERE id = ?`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: conversation %d: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: conversation %d: %w", id, err)
	}
	return c, nil
}

// SaveConversation writes a conversation's locale, state, memory and
// deliverability.
func (tx *Tx) SaveConversation(ctx context.Context, c *concierge.Conversation) error {
	mem, err := json.Marshal(c.Memory)
	if err != nil {
		return fmt.Errorf("store: save conversation: %w", err)
	}
	undeliverable := 0
	if c.Undeliverable {
		undeliverable = 1
	}
	_, err = tx.exec(ctx, `UPDATE conversations SET locale = ?, state = ?, memory = ?, undeliverable = ?, customer = ?, updated_at = ? WHERE id = ?`,
		string(c.Locale), string(c.State), string(mem), undeliverable, c.Customer, tx.db.millis(tx.now), c.ID)
	if err != nil {
		return fmt.Errorf("store: save conversation: %w", err)
	}
	return nil
}

// Emit appends an outbound message to the conversation's transcript and
// outbox, after everything already in it. author is "bot", "agent:NAME" or
// "system".
func (tx *Tx) Emit(ctx context.Context, c *concierge.Conversation, author string, m concierge.Message) (int64, error) {
	// The outbox is the only way to a customer's chat; a trainee's
	// message (docs/training.md) must never take it, whatever asks.
	if concierge.IsTrainingAuthor(author) {
		return 0, fmt.Errorf("store: emit to conversation %d: %w", c.ID, concierge.ErrTrainingSend)
	}
	var seq int64
	err := tx.queryRow(ctx, `UPDATE conversations SET next_seq = next_seq + 1 WHERE id = ? RETURNING next_seq`, c.ID).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: emit: %w", err)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("store: emit: %w", err)
	}
	// The span in ctx (the turn's, or the webhook's) is kept with the
	// message so that its send links to it.
	_, err = tx.exec(ctx, `INSERT INTO messages (conversation_id, seq, dir, bot, channel, kind, author, body, status, created_at, traceparent)
		VALUES (?, ?, 'out', ?, ?, ?, ?, ?, 'pending', ?, ?)`,
		c.ID, seq, string(c.Bot), string(c.Channel), string(m.Kind), author, string(body), tx.db.millis(tx.now), tracing.TraceParent(ctx))
	if err != nil {
		return 0, fmt.Errorf("store: emit: %w", err)
	}
	return seq, nil
}

// RecordHandoff stores a conversation state change made by a person or a
// rule, with who and why.
func (tx *Tx) RecordHandoff(ctx context.Context, h concierge.Handoff) error {
	_, err := tx.exec(ctx, `INSERT INTO handoffs (conversation_id, from_state, to_state, reason, note, by_whom, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		h.Conversation, string(h.From), string(h.To), string(h.Reason), h.Note, h.By, tx.db.millis(h.At))
	if err != nil {
		return fmt.Errorf("store: record handoff: %w", err)
	}
	return nil
}

// FindConversation returns the conversation of (bot, channel, chat), or an
// error wrapping concierge.ErrNotFound.
func (db *DB) FindConversation(ctx context.Context, bot concierge.BotID, ch concierge.Channel, chat concierge.ChatID) (*concierge.Conversation, error) {
	c, err := scanConversation(db.r.QueryRowContext(ctx, db.q(`SELECT `+conversationCols+` FROM conversations WHERE bot = ? AND channel = ? AND chat = ?`),
		string(bot), string(ch), string(chat)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: conversation: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: conversation: %w", err)
	}
	return c, nil
}

// GetConversation returns a conversation by id.
func (db *DB) GetConversation(ctx context.Context, id concierge.ConversationID) (*concierge.Conversation, error) {
	c, err := scanConversation(db.r.QueryRowContext(ctx, db.q(`SELECT `+conversationCols+` FROM conversations WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: conversation: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: conversation: %w", err)
	}
	return c, nil
}

// Handoffs lists a conversation's state changes, oldest first.
func (db *DB) Handoffs(ctx context.Context, id concierge.ConversationID) ([]concierge.Handoff, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT from_state, to_state, reason, note, by_whom, at FROM handoffs WHERE conversation_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, fmt.Errorf("store: handoffs: %w", err)
	}
	defer rows.Close()
	var out []concierge.Handoff
	for rows.Next() {
		h := concierge.Handoff{Conversation: id}
		var from, to, reason string
		var at int64
		if err := rows.Scan(&from, &to, &reason, &h.Note, &h.By, &at); err != nil {
			return nil, fmt.Errorf("store: handoffs: %w", err)
		}
		h.From, h.To, h.At = concierge.ConversationState(from), concierge.ConversationState(to), fromMillis(at)
		h.Reason = concierge.HandoffReason(reason)
		out = append(out, h)
	}
	return out, rows.Err()
}
