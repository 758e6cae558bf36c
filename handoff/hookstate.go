package handoff

import (
	"context"
	"net/http"
	"strconv"

	"github.com/conciergehq/concierge"
)

// HookDeliveries is where hand-off events stand with the bot's hand-off
// webhook; cmd/concierge implements it over the store. Without it the
// History shows no delivery state and nothing can be resent.
type HookDeliveries interface {
	// HookStates lists the delivery of conv's hand-off events, one per
	// Store.Handoffs entry and in the same order; nil when conv's bot has
	// no webhook.
	HookStates(ctx context.Context, conv *concierge.Conversation) ([]HookState, error)
	// HookConversation is the conversation of event id, or an error
	// wrapping concierge.ErrNotFound.
	HookConversation(ctx context.Context, id int64) (concierge.ConversationID, error)
	// ResendHook puts a failed event back in the queue under its id and
	// records that by did it; a conflict when it is not failed.
	ResendHook(ctx context.Context, id int64, by string) error
}

// HookState is one hand-off event's webhook delivery.
type HookState struct {
	ID       int64
	Status   string // sent, pending, failed or skipped
	Attempts int
	Error    string
}

// ResendHook sends a failed hand-off event to the bot's webhook again,
// with the same event id: only a supervisor may, and only for a
// conversation they see.
func (s *Service) ResendHook(ctx context.Context, p *concierge.Person, id int64) (concierge.ConversationID, error) {
	if s.hooks == nil {
		return s.sendAgain(ctx, p, "resend", "only a supervisor resends hand-off events", "no such hand-off event", nil, nil, nil)
	}
	return s.sendAgain(ctx, p, "resend", "only a supervisor resends hand-off events", "no such hand-off event",
		func(ctx context.Context) (concierge.ConversationID, error) { return s.hooks.HookConversation(ctx, id) },
		func(ctx context.Context) error { return s.hooks.ResendHook(ctx, id, p.Name) }, s.hookWake)
}

// sendAgain is the rule of ResendHook and RetryAgentEvent: only a
// supervisor puts a failed event back in its queue, and only for a
// conversation of a bot they see (another bot's is not found). conv finds
// the event's conversation, again requeues it and wake, if not nil, wakes
// its sender; nil conv means the server sends no such events.
func (s *Service) sendAgain(ctx context.Context, p *concierge.Person, op, forbidden, notFound string,
	conv func(context.Context) (concierge.ConversationID, error), again func(context.Context) error, wake func()) (concierge.ConversationID, error) {
	if p.Role != concierge.RoleSupervisor {
		return 0, errForbidden(forbidden)
	}
	if conv == nil {
		return 0, concierge.Errorf(concierge.CodeNotFound, op, "%s", notFound)
	}
	id, err := conv(ctx)
	if err != nil {
		return 0, err
	}
	var c *concierge.Conversation
	if err := s.store.InTx(ctx, func(tx Tx) error {
		c, err = tx.Conversation(ctx, id)
		return err
	}); err != nil {
		return 0, err
	}
	if !p.Sees(c.Bot) {
		return 0, concierge.Errorf(concierge.CodeNotFound, op, "%s", notFound)
	}
	if err := again(ctx); err != nil {
		return 0, err
	}
	if wake != nil {
		wake()
	}
	return id, nil
}

// UseHookDeliveries shows hand-off events' delivery through h and lets
// supervisors resend failed ones; wake, if not nil, is called after one
// is put back in the queue.
func (s *Service) UseHookDeliveries(h HookDeliveries, wake func()) { s.hooks, s.hookWake = h, wake }

// historyRow is one line of the History with its delivery, if shown.
type historyRow struct {
	concierge.Handoff
	Hook *HookState
}

// history pairs conv's hand-offs with their webhook delivery.
func (s *Service) history(ctx context.Context, c *concierge.Conversation, hs []concierge.Handoff) ([]historyRow, error) {
	out := make([]historyRow, len(hs))
	for i, h := range hs {
		out[i].Handoff = h
	}
	if s.hooks == nil {
		return out, nil
	}
	states, err := s.hooks.HookStates(ctx, c)
	if err != nil {
		return nil, err
	}
	// Both lists are in handoffs-row order; a hand-off recorded between
	// the two reads only adds to the end of the second.
	for i := range out {
		if i < len(states) {
			out[i].Hook = &states[i]
		}
	}
	return out, nil
}

// resendHook is POST /inbox/h/{id}/resend.
func (in *Inbox) resendHook(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		in.fail(w, r, concierge.Errorf(concierge.CodeNotFound, "inbox", "no such hand-off event"))
		return
	}
	conv, err := in.svc.ResendHook(r.Context(), sessionOf(r).person, id)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/inbox/c/"+strconv.FormatInt(int64(conv), 10), http.StatusSeeOther)
}
