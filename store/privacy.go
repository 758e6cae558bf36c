package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/conciergehq/concierge"
)

// Export is everything the store keeps about one customer's conversation,
// for a data-access request (invariant 7).
type Export struct {
	Conversation *concierge.Conversation `json:"conversation"`
	Transcript   []ExportEntry           `json:"transcript"`
	Cart         []concierge.CartLine    `json:"cart"`
	Orders       []*concierge.Order      `json:"orders"`
	Payments     []concierge.Payment     `json:"payments"`
	Handoffs     []concierge.Handoff     `json:"handoffs"`
	// Media lists the files the customer sent, without their bytes.
	Media []ExportMedia `json:"media"`
	// AgentSessions are the checkout sessions of an agent's buyer (UCP,
	// ACP, MCP) as kept: items, buyer, address, totals.
	AgentSessions []json.RawMessage `json:"agent_sessions,omitempty"`
}

// ExportMedia is one file of an export.
type ExportMedia struct {
	Kind        string `json:"kind"`
	Status      string `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Name        string `json:"name,omitempty"`
	Size        int64  `json:"size"`
	At          string `json:"at"`
}

// ExportEntry is one transcript line of an export.
type ExportEntry struct {
	Seq     int64              `json:"seq"`
	Dir     string             `json:"dir"`
	Author  string             `json:"author"`
	At      string             `json:"at"`
	Text    string             `json:"text,omitempty"`
	Value   string             `json:"value,omitempty"`
	Message *concierge.Message `json:"message,omitempty"`
}

// ExportConversation gathers the conversation of (bot, channel, chat).
func (db *DB) ExportConversation(ctx context.Context, bot concierge.BotID, ch concierge.Channel, chat concierge.ChatID) (*Export, error) {
	conv, err := db.FindConversation(ctx, bot, ch, chat)
	if err != nil {
		return nil, err
	}
	ex := &Export{Conversation: conv}
	tr, err := db.Transcript(ctx, bot, ch, chat, 0, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	for _, e := range tr {
		ee := ExportEntry{Seq: e.Seq, Dir: e.Dir, Author: e.Author, At: e.At.Format("2006-01-02T15:04:05Z07:00")}
		if e.Event != nil {
			ee.Text, ee.Value = e.Event.Text, e.Event.Value
		}
		ee.Message = e.Message
		ex.Transcript = append(ex.Transcript, ee)
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		var err error
		if ex.Cart, err = tx.Cart(ctx, conv.ID); err != nil {
			return err
		}
		if ex.Orders, err = tx.Orders(ctx, conv.ID); err != nil {
			return err
		}
		ex.AgentSessions, err = tx.agentSessionBodies(ctx, conv.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, o := range ex.Orders {
		ps, err := db.Payments(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		ex.Payments = append(ex.Payments, ps...)
	}
	if ex.Handoffs, err = db.Handoffs(ctx, conv.ID); err != nil {
		return nil, err
	}
	ms, err := db.ConversationMedia(ctx, conv.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		ex.Media = append(ex.Media, ExportMedia{Kind: m.Kind, Status: string(m.Status), ContentType: m.ContentType, Name: m.Name,
			Size: m.Size, At: m.At.Format("2006-01-02T15:04:05Z07:00")})
	}
	return ex, nil
}

// erasedChat is the chat id a conversation keeps after erasure: it no
// longer names the customer's platform account, and it stays unique.
func erasedChat(id concierge.ConversationID) string {
	return "erased-" + strconv.FormatInt(int64(id), 10)
}

// EraseConversation removes the personal data of the conversation of
// (bot, channel, chat) in one transaction: what the customer and the bot
// wrote, the cart, the files they sent, hand-off packets, notes about them, the brain's memory
// and summary, the link to their platform account. Orders, payments and
// refunds stay, for the merchant's accounts, but no longer lead back to the
// person. Pending messages to or from them are dropped. It returns the
// erased conversation's id.
func (db *DB) EraseConversation(ctx context.Context, bot concierge.BotID, ch concierge.Channel, chat concierge.ChatID) (concierge.ConversationID, error) {
	conv, err := db.FindConversation(ctx, bot, ch, chat)
	if err != nil {
		return 0, err
	}
	if err := db.erase(ctx, conv); err != nil {
		return 0, err
	}
	return conv.ID, db.scrubWAL(ctx)
}

// EraseIdle erases up to limit conversations of bot untouched since before,
// the bot file's retention period; it returns how many it erased.
func (db *DB) EraseIdle(ctx context.Context, bot concierge.BotID, before time.Time, limit int) (int, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT `+conversationCols+` FROM conversations
		WHERE bot = ? AND updated_at < ? AND chat NOT LIKE 'erased-%' ORDER BY updated_at LIMIT ?`),
		string(bot), db.millis(before), limit)
	if err != nil {
		return 0, fmt.Errorf("store: erase idle: %w", err)
	}
	convs, err := collect(rows, scanConversation)
	if err != nil {
		return 0, fmt.Errorf("store: erase idle: %w", err)
	}
	for i, c := range convs {
		if err := db.erase(ctx, c); err != nil {
			if i > 0 {
				err = errors.Join(err, db.scrubWAL(ctx))
			}
			return i, err
		}
	}
	if len(convs) == 0 {
		return 0, nil
	}
	return len(convs), db.scrubWAL(ctx)
}

// scrubWAL copies SQLite's write-ahead log into the database file and
// empties it, after an erasure. Until then the WAL holds the pages as they
// were before the erasure, and the database file its pages as of the last
// checkpoint: both with the customer's words. With secure_delete on (see
// Open), the pages written back hold zeros where the words were. On
// PostgreSQL it does nothing: the erased rows are dead tuples until VACUUM
// (docs/decisions.md).
func (db *DB) scrubWAL(ctx context.Context) error {
	if db.dialect != SQLite {
		return nil
	}
	var busy, logged, moved int
	if err := db.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return fmt.Errorf("store: erase: checkpoint: %w", err)
	}
	if busy != 0 {
		// A reader kept its snapshot past the busy timeout.
		return concierge.Errorf(concierge.CodeUnavailable, "store: erase: checkpoint",
			"the data is erased, but a reader kept the database busy: the write-ahead log holds the old pages until the next checkpoint")
	}
	return nil
}

func (db *DB) erase(ctx context.Context, conv *concierge.Conversation) error {
	return db.InTx(ctx, func(tx *Tx) error {
		steps := []struct {
			query string
			args  []any
		}{
			{`UPDATE messages SET body = '{"kind":"text","text":""}', dedupe_key = NULL, last_error = '',
				status = CASE WHEN status IN ('pending', 'hearing') THEN (CASE WHEN dir = 'in' THEN 'done' ELSE 'failed' END) ELSE status END
				WHERE conversation_id = ?`, []any{conv.ID}},
			{`DELETE FROM cart_lines WHERE conversation_id = ?`, []any{conv.ID}},
			{`UPDATE conversations SET chat = ?, customer = '', memory = '{}', state = ?, updated_at = ? WHERE id = ?`,
				[]any{erasedChat(conv.ID), string(concierge.StateClosed), db.millis(tx.now), conv.ID}},
		}
		// What the inbox and the LLM brain keep about the conversation.
		others := []string{
			`DELETE FROM handoff_packets WHERE conversation_id = ?`,
			`DELETE FROM inbox_notes WHERE conversation_id = ?`,
			`DELETE FROM media WHERE conversation_id = ?`,
			`DELETE FROM brain_notes WHERE conversation_id = ?`,
			`DELETE FROM inbox_assignments WHERE conversation_id = ?`,
			`UPDATE proposals SET evidence = '{}', why = '' WHERE conversation_id = ?`,
			// Training copies are anonymised by rules that can miss a
			// name written without a cue (docs/training.md): an erased
			// customer's cases go too, with their sessions.
			`DELETE FROM training_messages WHERE session_id IN (SELECT s.id FROM training_sessions s JOIN training_cases c ON c.id = s.case_id WHERE c.source = ?)`,
			`DELETE FROM training_sessions WHERE case_id IN (SELECT id FROM training_cases WHERE source = ?)`,
			`DELETE FROM training_cases WHERE source = ?`,
		}
		for _, st := range steps {
			if _, err := tx.execOnce(ctx, st.query, st.args...); err != nil {
				return fmt.Errorf("store: erase: %w", err)
			}
		}
		for _, q := range others {
			if _, err := tx.execOnce(ctx, q, conv.ID); err != nil {
				return fmt.Errorf("store: erase: %w", err)
			}
		}
		return tx.eraseAgentSessions(ctx, conv.ID)
	})
}
