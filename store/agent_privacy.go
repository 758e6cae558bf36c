package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/conciergehq/concierge"
)

// What the store keeps about an agent's buyer (UCP, ACP, MCP): the
// session's body in agent_sessions (email, name, phone, delivery address),
// the responses kept for Idempotency-Keys in agent_idempotency (the same
// session as JSON, for 48 h) and the queued order events in agent_events
// (ids and states only). Each agent session has its own conversation
// (channel agent:<protocol>, chat the session id), so export and erasure
// go through the conversation like any other customer's.

// agentSessionBodies returns the bodies of conv's agent sessions, oldest
// first.
func (tx *Tx) agentSessionBodies(ctx context.Context, conv concierge.ConversationID) ([]json.RawMessage, error) {
	rows, err := tx.query(ctx, `SELECT body FROM agent_sessions WHERE conversation_id = ? ORDER BY created_at, id`, conv)
	if err != nil {
		return nil, fmt.Errorf("store: agent sessions: %w", err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (json.RawMessage, error) {
		var b string
		err := row.Scan(&b)
		return json.RawMessage(b), err
	})
	if err != nil {
		return nil, fmt.Errorf("store: agent sessions: %w", err)
	}
	return out, nil
}

// likeEscape escapes s for a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// eraseAgentSessions removes what is kept about conv's agent buyer: its
// sessions, the responses kept for its Idempotency-Keys (they hold the
// session) and its order events, queued or sent, so that no further
// event about the person is sent. The order itself stays, as every
// erased customer's does.
func (tx *Tx) eraseAgentSessions(ctx context.Context, conv concierge.ConversationID) error {
	rows, err := tx.query(ctx, `SELECT id FROM agent_sessions WHERE conversation_id = ?`, conv)
	if err != nil {
		return fmt.Errorf("store: erase agent sessions: %w", err)
	}
	ids, err := collect(rows, func(row interface{ Scan(...any) error }) (string, error) {
		var id string
		err := row.Scan(&id)
		return id, err
	})
	if err != nil {
		return fmt.Errorf("store: erase agent sessions: %w", err)
	}
	for _, id := range ids {
		// A kept response names its session as "id":"<session>"; session
		// ids are random, so no other response holds one.
		pattern := `%` + likeEscape(`"`+id+`"`) + `%`
		if _, err := tx.exec(ctx, `DELETE FROM agent_idempotency WHERE response LIKE ? ESCAPE '\'`, pattern); err != nil {
			return fmt.Errorf("store: erase agent sessions: %w", err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM agent_events WHERE session_id = ?`, id); err != nil {
			return fmt.Errorf("store: erase agent sessions: %w", err)
		}
	}
	if _, err := tx.exec(ctx, `DELETE FROM agent_sessions WHERE conversation_id = ?`, conv); err != nil {
		return fmt.Errorf("store: erase agent sessions: %w", err)
	}
	return nil
}

// AgentChat is one agent session's conversation: its channel
// (agent:ucp, agent:acp, agent:mcp) and chat (the session id).
type AgentChat struct {
	Channel concierge.Channel `json:"channel"`
	Chat    concierge.ChatID  `json:"chat"`
}

// AgentChatsByEmail returns the conversations of bot's agent sessions
// whose buyer's email is email (compared without case), for a data-access
// or erasure request from a person who bought through an agent and knows
// no session id.
func (db *DB) AgentChatsByEmail(ctx context.Context, bot concierge.BotID, email string) ([]AgentChat, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	// A first cut by LIKE (case-insensitively on both databases), then the
	// exact check on the decoded body.
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT s.body, c.channel, c.chat FROM agent_sessions s JOIN conversations c ON c.id = s.conversation_id
		WHERE s.bot = ? AND LOWER(s.body) LIKE ? ESCAPE '\' ORDER BY s.created_at, s.id`),
		string(bot), `%`+likeEscape(strings.ToLower(email))+`%`)
	if err != nil {
		return nil, fmt.Errorf("store: agent chats by email: %w", err)
	}
	type hit struct {
		body string
		c    AgentChat
	}
	hits, err := collect(rows, func(row interface{ Scan(...any) error }) (hit, error) {
		var h hit
		var ch, chat string
		err := row.Scan(&h.body, &ch, &chat)
		h.c = AgentChat{Channel: concierge.Channel(ch), Chat: concierge.ChatID(chat)}
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: agent chats by email: %w", err)
	}
	var out []AgentChat
	for _, h := range hits {
		var s struct {
			Buyer struct {
				Email string `json:"email"`
			} `json:"buyer"`
		}
		if json.Unmarshal([]byte(h.body), &s) == nil && strings.EqualFold(strings.TrimSpace(s.Buyer.Email), email) {
			out = append(out, h.c)
		}
	}
	return out, nil
}
