package agentcommerce

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// EventType names an order event sent to an agent's webhook, as ACP
// names them.
type EventType string

// The event types.
const (
	OrderCreate EventType = "order_create" // the session completed: its order is paid
	OrderUpdate EventType = "order_update" // the order changed state since (fulfilled, refunded, cancelled)
)

// Event is one order event owed to an agent's webhook. Events are
// written in the transaction of the change they report, to a durable
// queue that senders lease; see EventStore.
type Event struct {
	ID       int64  // stable across retries: the receiver's dedupe key
	Token    string // the lease's owner
	Attempts int    // sends tried before this one

	Bot      concierge.BotID
	Protocol Protocol
	Session  string
	Order    concierge.OrderID
	Type     EventType
	// State is the order state the event reports: the state when it was
	// queued, not when it is sent, so retries send the same thing.
	State     concierge.OrderState
	CreatedAt time.Time
}

// EventOutcome is what became of one send of an event.
type EventOutcome string

// The outcomes.
const (
	EventSent   EventOutcome = "sent"
	EventRetry  EventOutcome = "retry"
	EventFailed EventOutcome = "failed" // attempts used up, or no webhook for the bot
)

// EventResult is an outcome with what the queue keeps of it.
type EventResult struct {
	Outcome EventOutcome
	Next    time.Time // for EventRetry
	// Counted is false for a retry cut short by this process stopping; it
	// uses no attempt.
	Counted bool
	Error   string
}

// EventStore is the order events' queue; cmd satisfies it with the SQL
// store (table agent_events).
type EventStore interface {
	// WatchOrders queues an OrderUpdate for each order that events were
	// sent of and whose state changed since the last one.
	WatchOrders(ctx context.Context) (int64, error)
	// ClaimEvents leases, for lease, up to limit due events of p, oldest
	// first and in order within a session.
	ClaimEvents(ctx context.Context, p Protocol, limit int, lease time.Duration) ([]Event, error)
	// FinishEvent records r for e and releases its lease; false means the
	// lease was lost and nothing changed.
	FinishEvent(ctx context.Context, e *Event, r EventResult) (bool, error)
}

// queueOrderCreate queues the OrderCreate event of a completed session
// when its shop sends its protocol's agents order events, or its platform
// asked for them. The event is of the session's EventsProtocol, whose
// sender delivers it (and the updates queued after it).
func (s *Service) queueOrderCreate(ctx context.Context, tx Tx, shop *Shop, sess *Session) error {
	if !shop.OrderEvents[sess.Protocol] && sess.Webhook == "" {
		return nil
	}
	return tx.AddAgentEvent(ctx, sess.Bot, string(sess.EventsProtocol()), sess.ID, sess.Order, string(OrderCreate), concierge.OrderPaid)
}

// EventsProtocol is the protocol whose order events s's platform gets:
// s's own, except that an MCP checkout gets UCP's. Only a checkout made
// through UCP's MCP binding by a platform whose verified profile
// declares an order webhook asks for events over MCP (Session.Webhook),
// and that platform speaks UCP: it gets UCP's order events, the same
// bodies, signatures and delivery as a checkout made over UCP's REST
// binding, from UCP's sender.
func (s *Session) EventsProtocol() Protocol {
	if s.Protocol == MCP {
		return UCP
	}
	return s.Protocol
}

// SessionOfOrder returns the session of bot whose order is id, with the
// order's current state. An order of another bot, of no agent, or that a
// session replaced (its items changed) is not found.
func (s *Service) SessionOfOrder(ctx context.Context, tx Tx, bot concierge.BotID, id concierge.OrderID) (*Session, concierge.OrderState, error) {
	notFound := refuse(ReasonNotFound, "", "no such order")
	o, err := tx.Order(ctx, id)
	if errors.Is(err, concierge.ErrNotFound) || (err == nil && o.Bot != bot) {
		return nil, "", notFound
	}
	if err != nil {
		return nil, "", err
	}
	conv, err := tx.Conversation(ctx, o.Conversation)
	if err != nil {
		return nil, "", err
	}
	if !IsAgentChannel(conv.Channel) {
		return nil, "", notFound
	}
	sess, err := s.Get(ctx, tx, bot, string(conv.Chat))
	if errors.Is(err, concierge.ErrNotFound) || (err == nil && sess.Order != id) {
		return nil, "", notFound
	}
	if err != nil {
		return nil, "", err
	}
	return sess, o.State, nil
}

// EventSession returns the session an event reports on, with the order
// states its events reported up to this one and when: what a protocol
// renders the event's order from, the same on every retry.
func (s *Service) EventSession(ctx context.Context, e *Event) (*Session, map[concierge.OrderState]time.Time, error) {
	var sess *Session
	var history map[concierge.OrderState]time.Time
	err := s.View(ctx, func(tx Tx) error {
		var err error
		if sess, err = s.Get(ctx, tx, e.Bot, e.Session); err != nil {
			return err
		}
		history, err = tx.AgentEventStates(ctx, e.Session, e.ID)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("agentcommerce: session %s of event %d: %w", e.Session, e.ID, err)
	}
	return sess, history, nil
}
