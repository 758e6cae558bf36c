package handoff

import (
	"context"
	"net/http"
	"strconv"

	"github.com/conciergehq/concierge"
)

// AgentEventDeliveries is where the order events owed to outside agents'
// webhooks (UCP, ACP: docs/agents.md) stand; cmd/concierge implements it
// over the store. Each agent checkout has its own conversation, so an
// agent order's page shows its events, and supervisors send a failed one
// again. Without it nothing about them is shown.
type AgentEventDeliveries interface {
	// AgentEvents lists the order events of the agent checkout whose
	// conversation is conv, oldest first; none for other conversations.
	AgentEvents(ctx context.Context, conv *concierge.Conversation) ([]AgentEvent, error)
	// AgentEventConversation is the conversation of event id, or an error
	// wrapping concierge.ErrNotFound.
	AgentEventConversation(ctx context.Context, id int64) (concierge.ConversationID, error)
	// RetryAgentEvent puts a failed event back in the queue under its id
	// and records that by did it; a conflict when it is not failed or a
	// later event of its order was delivered.
	RetryAgentEvent(ctx context.Context, id int64, by string) error
}

// AgentEvent is one order event's delivery to an agent's webhook.
type AgentEvent struct {
	ID         int64
	Protocol   string // ucp, acp
	Type       string // order_create, order_update
	Order      concierge.OrderID
	OrderState concierge.OrderState
	Status     string // pending, sent or failed
	Attempts   int
	Error      string // the last failure, without secrets
	// Superseded says a later event of the order was delivered, so this
	// one is not sent again.
	Superseded bool
}

// UseAgentEvents shows agent orders' webhook events through a and lets
// supervisors retry failed ones; wake, if not nil, is called after one is
// put back in the queue.
func (s *Service) UseAgentEvents(a AgentEventDeliveries, wake func()) {
	s.agentEvents, s.agentEventWake = a, wake
}

// RetryAgentEvent sends a failed order event to the agent's webhook
// again, with the same event id: only a supervisor may, and only for a
// bot they see.
func (s *Service) RetryAgentEvent(ctx context.Context, p *concierge.Person, id int64) (concierge.ConversationID, error) {
	if s.agentEvents == nil {
		return s.sendAgain(ctx, p, "retry", "only a supervisor retries agents' order events", "no such order event", nil, nil, nil)
	}
	return s.sendAgain(ctx, p, "retry", "only a supervisor retries agents' order events", "no such order event",
		func(ctx context.Context) (concierge.ConversationID, error) {
			return s.agentEvents.AgentEventConversation(ctx, id)
		},
		func(ctx context.Context) error { return s.agentEvents.RetryAgentEvent(ctx, id, p.Name) }, s.agentEventWake)
}

// agentEventsOf lists conv's agent order events, if shown.
func (s *Service) agentEventsOf(ctx context.Context, c *concierge.Conversation) ([]AgentEvent, error) {
	if s.agentEvents == nil {
		return nil, nil
	}
	return s.agentEvents.AgentEvents(ctx, c)
}

// retryAgentEvent is POST /inbox/e/{id}/retry.
func (in *Inbox) retryAgentEvent(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		in.fail(w, r, concierge.Errorf(concierge.CodeNotFound, "inbox", "no such order event"))
		return
	}
	conv, err := in.svc.RetryAgentEvent(r.Context(), sessionOf(r).person, id)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/inbox/c/"+strconv.FormatInt(int64(conv), 10), http.StatusSeeOther)
}
