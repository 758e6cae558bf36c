package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// FailedAgentEvent is an order event given up on, with where the inbox
// finds its order.
type FailedAgentEvent struct {
	AgentEventState
	Bot          concierge.BotID
	Conversation concierge.ConversationID // the agent checkout's
	FailedAt     time.Time                // when the last attempt was given up on
}

// superseded is true for an event a later delivered event of its session
// made moot; e is agent_events' alias.
const superseded = `EXISTS (SELECT 1 FROM agent_events l WHERE l.session_id = e.session_id AND l.id > e.id AND l.status = 'sent')`

// FailedAgentEvents lists the order events of bots given up on
// (concierge.AllBots among them: every bot's), newest first, at most
// limit (none when limit is 0), and counts those that may still be
// retried (not superseded) in all. The index on (status, next_at) keeps
// both off the events that were sent.
func (db *DB) FailedAgentEvents(ctx context.Context, bots []concierge.BotID, limit int) ([]FailedAgentEvent, int, error) {
	const op = "store: failed agent events"
	if len(bots) == 0 {
		return nil, 0, nil
	}
	where, args := `e.status = 'failed'`, []any{}
	if !slices.Contains(bots, concierge.AllBots) {
		where += ` AND e.bot IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(bots)), ", ") + `)`
		for _, b := range bots {
			args = append(args, string(b))
		}
	}
	var retriable int
	if err := db.r.QueryRowContext(ctx, db.q(`SELECT count(*) FROM agent_events e WHERE `+where+` AND NOT `+superseded), args...).
		Scan(&retriable); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	if limit <= 0 {
		return nil, retriable, nil
	}
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT e.id, e.bot, e.protocol, e.type, e.order_id, e.order_state, e.status, e.attempts, e.error,
			e.done_at, s.conversation_id, `+superseded+`
		FROM agent_events e JOIN agent_sessions s ON s.id = e.session_id
		WHERE `+where+` ORDER BY e.id DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []FailedAgentEvent
	for rows.Next() {
		var e FailedAgentEvent
		var bot, order, state string
		var done int64
		if err := rows.Scan(&e.ID, &bot, &e.Protocol, &e.Type, &order, &state, &e.Status, &e.Attempts, &e.Error,
			&done, &e.Conversation, &e.Superseded); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", op, err)
		}
		e.Bot, e.Order, e.OrderState, e.FailedAt = concierge.BotID(bot), concierge.OrderID(order), concierge.OrderState(state), fromMillis(done)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	return out, retriable, nil
}
