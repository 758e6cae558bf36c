package handoff

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

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
	// FailedAgentEvents lists the events of bots given up on
	// (concierge.AllBots among them: every bot's), newest first, at most
	// limit (none when limit is 0), with Bot, Conversation and FailedAt
	// set, and counts those that may still be retried (not superseded).
	FailedAgentEvents(ctx context.Context, bots []concierge.BotID, limit int) ([]AgentEvent, int, error)
}

// FailedListLimit is the most failed events the list shows; the count
// beside its link counts them all.
const FailedListLimit = 200

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

	// Set in the list of failed events: whose it is, the agent checkout's
	// conversation (the order's page) and when it was given up on.
	Bot          concierge.BotID
	Conversation concierge.ConversationID
	FailedAt     time.Time
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

// BulkRetry is what Retry all did: events put back in their queue, and
// events left because they changed meanwhile (retried by someone else,
// delivered, or superseded by a later delivered event).
type BulkRetry struct {
	Retried, Skipped int
}

// RetryFailedAgentEvents sends again every failed order event of the
// bots a supervisor sees, each as RetryAgentEvent does (the same event
// id, due now with no attempt used, a note on its order's
// conversation), listing FailedListLimit at a time until none is left
// to try, so more than the list shows are retried. A superseded event
// is left (the platform knows a newer state); one refused as changed
// meanwhile is counted as skipped. Only a supervisor may; the senders
// are woken once.
func (s *Service) RetryFailedAgentEvents(ctx context.Context, p *concierge.Person) (BulkRetry, error) {
	var done BulkRetry
	if p.Role != concierge.RoleSupervisor {
		return done, errForbidden("only a supervisor retries agents' order events")
	}
	if s.agentEvents == nil {
		return done, nil
	}
	defer func() {
		if done.Retried > 0 && s.agentEventWake != nil {
			s.agentEventWake()
		}
	}()
	tried := map[int64]bool{}
	for {
		evs, _, err := s.agentEvents.FailedAgentEvents(ctx, p.Bots, FailedListLimit)
		if err != nil {
			return done, err
		}
		progress := false
		for _, e := range evs {
			if e.Superseded || tried[e.ID] {
				continue
			}
			tried[e.ID], progress = true, true
			err := s.agentEvents.RetryAgentEvent(ctx, e.ID, p.Name)
			switch {
			case err == nil:
				done.Retried++
			case concierge.ErrorCode(err) == concierge.CodeConflict || errors.Is(err, concierge.ErrNotFound):
				done.Skipped++
			default:
				return done, err
			}
		}
		if !progress {
			return done, nil
		}
	}
}

// FailedAgentEvents lists, for a supervisor, the failed order events of
// the bots they see (at most FailedListLimit) and how many of them may be
// retried; list false asks for the count only. Without agent events there
// are none; people who are not supervisors are refused, as they may not
// retry.
func (s *Service) FailedAgentEvents(ctx context.Context, p *concierge.Person, list bool) ([]AgentEvent, int, error) {
	if p.Role != concierge.RoleSupervisor {
		return nil, 0, errForbidden("the failed agent events are for supervisors")
	}
	if s.agentEvents == nil {
		return nil, 0, nil
	}
	limit := 0
	if list {
		limit = FailedListLimit
	}
	return s.agentEvents.FailedAgentEvents(ctx, p.Bots, limit)
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
	// The list's Retry comes back to the list; the order page's to it.
	if r.PostFormValue("from") == "failed" {
		http.Redirect(w, r, failedEventsPath, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/inbox/c/"+strconv.FormatInt(int64(conv), 10), http.StatusSeeOther)
}

// retryFailedAgentEvents is POST /inbox/agent-events/retry: Retry all,
// back to the list, which says what was done.
func (in *Inbox) retryFailedAgentEvents(w http.ResponseWriter, r *http.Request) {
	done, err := in.svc.RetryFailedAgentEvents(r.Context(), sessionOf(r).person)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	q := url.Values{"retried": {strconv.Itoa(done.Retried)}, "skipped": {strconv.Itoa(done.Skipped)}}
	http.Redirect(w, r, failedEventsPath+"?"+q.Encode(), http.StatusSeeOther)
}

// failedEventsPath is the list of failed agent order events.
const failedEventsPath = "/inbox/agent-events"

// failedAgentEvents is GET /inbox/agent-events: every failed order event
// of the bots a supervisor sees, across orders, each with its order's
// page and Retry.
func (in *Inbox) failedAgentEvents(w http.ResponseWriter, r *http.Request) {
	p := sessionOf(r).person
	evs, n, err := in.svc.FailedAgentEvents(r.Context(), p, true)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	d := pageData{Title: "Failed agent events", FailedEvents: evs, FailedCount: n, FailedLimit: FailedListLimit}
	// Back from Retry all: its counts, as numbers only.
	if retried, err := strconv.Atoi(r.URL.Query().Get("retried")); err == nil && retried >= 0 {
		skipped, _ := strconv.Atoi(r.URL.Query().Get("skipped"))
		d.FailedRetry = &BulkRetry{Retried: retried, Skipped: max(skipped, 0)}
	}
	for i := range d.FailedEvents {
		d.FailedBots = append(d.FailedBots, in.botName(d.FailedEvents[i].Bot))
	}
	in.render(w, r, http.StatusOK, "agentevents", d)
}
