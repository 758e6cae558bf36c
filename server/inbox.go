package server

import (
	"context"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/store"
)

// The human inbox: its wiring into the server.

// wireInbox builds the inbox on the store. Its cookie is Secure when the
// server's public base URL is https.
func (m *Main) wireInbox() error {
	customers, err := m.trainingCustomers()
	if err != nil {
		return err
	}
	in, err := handoff.New(handoff.Config{
		Store:  inboxStore{m.DB},
		Bots:   m.Bots,
		Secure: strings.HasPrefix(m.BaseURL, "https://"),
		Wake:   func() { m.Dispatcher.Wake() },
		// Approved refunds are executed through the order's provider.
		Refunds:  m.Checkout,
		Announce: m.Agent,
		// WhatsApp's 24-hour window decides between free text and
		// templates in the reply box.
		Rules: handoff.WindowRules(m.Registry.Channel),
		// Each hand-off event's webhook delivery shows in the History;
		// supervisors resend failed ones.
		Hooks: inboxHooks{m},
		HookWake: func() {
			if s := m.handoffHooks.sender; s != nil {
				s.Wake()
			}
		},
		// An agent order's page shows its webhook events to the agent;
		// supervisors retry failed ones.
		AgentEvents:    inboxAgentEvents{m.DB},
		AgentEventWake: m.wakeAgentWebhooks,
		// The staff-training simulator: sandboxed cases in their own
		// tables (docs/training.md).
		Training:  m.DB,
		Customers: customers,
		Log:       m.Log,
		Poll:      m.inboxPoll(),
	})
	if err != nil {
		return err
	}
	m.Inbox = in
	return nil
}

// inboxStore adapts the SQL store to handoff.Store.
type inboxStore struct{ db *store.DB }

var (
	_ handoff.TrainingStore = (*store.DB)(nil)
	_ handoff.Store         = inboxStore{}
	_ handoff.Tx            = (*store.Tx)(nil)
)

func (s inboxStore) InTx(ctx context.Context, fn func(tx handoff.Tx) error) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

func (s inboxStore) Person(ctx context.Context, name string) (*concierge.Person, error) {
	return s.db.InboxUser(ctx, name)
}

func (s inboxStore) CreateSession(ctx context.Context, tokenHash string, user int64, csrf string, expires time.Time) error {
	return s.db.CreateInboxSession(ctx, tokenHash, user, csrf, expires)
}

func (s inboxStore) Session(ctx context.Context, tokenHash string) (*concierge.Person, string, error) {
	return s.db.InboxSession(ctx, tokenHash)
}

func (s inboxStore) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.db.DeleteInboxSession(ctx, tokenHash)
}

func (s inboxStore) Cases(ctx context.Context, conv concierge.ConversationID) ([]concierge.Case, error) {
	return s.db.Cases(ctx, conv)
}

func (s inboxStore) Transcript(ctx context.Context, conv concierge.ConversationID, limit int) ([]handoff.Entry, error) {
	es, err := s.db.InboxTranscript(ctx, conv, limit)
	if err != nil {
		return nil, err
	}
	out := make([]handoff.Entry, len(es))
	for i, e := range es {
		out[i] = handoff.Entry{Seq: e.Seq, Dir: e.Dir, Author: e.Author, Kind: e.Kind, Status: e.Status, Delivery: e.Delivery,
			Error: e.Error, At: e.At, Event: e.Event, Message: e.Message, Media: inboxMedia(e.Media)}
	}
	return out, nil
}

func (s inboxStore) Handoffs(ctx context.Context, conv concierge.ConversationID) ([]concierge.Handoff, error) {
	return s.db.Handoffs(ctx, conv)
}

func (s inboxStore) Packet(ctx context.Context, conv concierge.ConversationID) (*concierge.HandoffPacket, error) {
	return s.db.Packet(ctx, conv)
}

func (s inboxStore) Proposals(ctx context.Context, conv concierge.ConversationID) ([]*concierge.Proposal, error) {
	return s.db.Proposals(ctx, conv)
}

func (s inboxStore) DecidedProposals(ctx context.Context, limit int) ([]*concierge.Proposal, error) {
	return s.db.DecidedProposals(ctx, limit)
}

func (s inboxStore) Notes(ctx context.Context, conv concierge.ConversationID) ([]concierge.Note, error) {
	return s.db.Notes(ctx, conv)
}

func (s inboxStore) People(ctx context.Context) ([]*concierge.Person, error) {
	return s.db.InboxUsers(ctx)
}

func (s inboxStore) Cart(ctx context.Context, conv concierge.ConversationID) ([]concierge.CartLine, error) {
	return s.db.CartOf(ctx, conv)
}

func (s inboxStore) Orders(ctx context.Context, conv concierge.ConversationID) ([]*concierge.Order, error) {
	return s.db.OrdersOf(ctx, conv)
}

func (s inboxStore) Payments(ctx context.Context, order concierge.OrderID) ([]concierge.Payment, error) {
	return s.db.Payments(ctx, order)
}

func (s inboxStore) Version(ctx context.Context) (string, error) { return s.db.InboxVersion(ctx) }

// AuditLog lists the seller's assistant's changes on /inbox/audit.
func (s inboxStore) AuditLog(ctx context.Context, limit int) ([]concierge.AuditEntry, error) {
	return s.db.AuditLog(ctx, limit)
}

var _ handoff.AuditLog = inboxStore{}

func (s inboxStore) SignInFailures(ctx context.Context, key string, since time.Time) (int, error) {
	return s.db.SignInFailures(ctx, key, since)
}

func (s inboxStore) RecordSignInFailure(ctx context.Context, keys []string, at, prune time.Time) error {
	return s.db.RecordSignInFailure(ctx, keys, at, prune)
}

func (s inboxStore) ClearSignInFailures(ctx context.Context, key string) error {
	return s.db.ClearSignInFailures(ctx, key)
}

// fileOf returns bot's file, or nil.
func (m *Main) fileOf(bot concierge.BotID) *config.File {
	for _, f := range m.Files {
		if concierge.BotID(f.ID) == bot {
			return f
		}
	}
	return nil
}

// inboxHooks implements handoff.HookDeliveries over the store, for the
// bots whose file has a hand-off webhook.
type inboxHooks struct{ m *Main }

var _ handoff.HookDeliveries = inboxHooks{}

func (h inboxHooks) HookStates(ctx context.Context, conv *concierge.Conversation) ([]handoff.HookState, error) {
	if f := h.m.fileOf(conv.Bot); f == nil || f.Handoff.Webhook == nil {
		return nil, nil
	}
	ss, err := h.m.DB.HandoffHookStates(ctx, conv.ID)
	if err != nil {
		return nil, err
	}
	out := make([]handoff.HookState, len(ss))
	for i, s := range ss {
		out[i] = handoff.HookState{ID: s.ID, Status: s.Status, Attempts: s.Attempts, Error: s.Error}
	}
	return out, nil
}

func (h inboxHooks) HookConversation(ctx context.Context, id int64) (concierge.ConversationID, error) {
	_, conv, err := h.m.DB.HandoffHook(ctx, id)
	return conv, err
}

func (h inboxHooks) ResendHook(ctx context.Context, id int64, by string) error {
	return h.m.DB.ResendHandoffHook(ctx, id, by)
}

// inboxAgentEvents implements handoff.AgentEventDeliveries over the
// store's agent_events.
type inboxAgentEvents struct{ db *store.DB }

var _ handoff.AgentEventDeliveries = inboxAgentEvents{}

func (a inboxAgentEvents) AgentEvents(ctx context.Context, conv *concierge.Conversation) ([]handoff.AgentEvent, error) {
	if !agentcommerce.IsAgentChannel(conv.Channel) {
		return nil, nil
	}
	es, err := a.db.AgentEventsOfConversation(ctx, conv.ID)
	if err != nil {
		return nil, err
	}
	out := make([]handoff.AgentEvent, len(es))
	for i, e := range es {
		out[i] = handoff.AgentEvent{ID: e.ID, Protocol: e.Protocol, Type: e.Type, Order: e.Order, OrderState: e.OrderState,
			Status: e.Status, Attempts: e.Attempts, Error: e.Error, Superseded: e.Superseded}
	}
	return out, nil
}

func (a inboxAgentEvents) AgentEventConversation(ctx context.Context, id int64) (concierge.ConversationID, error) {
	return a.db.AgentEventConversation(ctx, id)
}

func (a inboxAgentEvents) RetryAgentEvent(ctx context.Context, id int64, by string) error {
	return a.db.RetryAgentEvent(ctx, id, by)
}

func (a inboxAgentEvents) FailedAgentEvents(ctx context.Context, bots []concierge.BotID, limit int) ([]handoff.AgentEvent, int, error) {
	es, n, err := a.db.FailedAgentEvents(ctx, bots, limit)
	out := make([]handoff.AgentEvent, len(es))
	for i, e := range es {
		out[i] = handoff.AgentEvent{ID: e.ID, Protocol: e.Protocol, Type: e.Type, Order: e.Order, OrderState: e.OrderState,
			Status: e.Status, Attempts: e.Attempts, Error: e.Error, Superseded: e.Superseded,
			Bot: e.Bot, Conversation: e.Conversation, FailedAt: e.FailedAt}
	}
	return out, n, err
}
