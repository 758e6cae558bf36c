// Package sqlagents adapts the SQL store and the checkout to the
// interfaces agentcommerce consumes. server wires these for the running
// shop and agentcommercetest hands the same ones to the agents' tests, so
// what the tests exercise is what serves.
package sqlagents

import (
	"context"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/store"
)

// Store adapts the SQL store to agentcommerce.Store.
type Store struct{ DB *store.DB }

func (g Store) InTx(ctx context.Context, fn func(agentcommerce.Tx) error) error {
	return g.DB.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

func (g Store) PruneIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	return g.DB.PruneIdempotencyKeys(ctx, before)
}

func (g Store) ClaimFlight(ctx context.Context, scope, key, hash string, lease time.Duration) (string, string, error) {
	return g.DB.ClaimAgentFlight(ctx, scope, key, hash, lease)
}

func (g Store) ReleaseFlight(ctx context.Context, scope, key, token string) error {
	return g.DB.ReleaseAgentFlight(ctx, scope, key, token)
}

func (g Store) FlightLive(ctx context.Context, scope, key string) (bool, error) {
	return g.DB.AgentFlightLive(ctx, scope, key)
}

func (g Store) CommittedSession(ctx context.Context, bot concierge.BotID, id string) ([]byte, error) {
	return g.DB.CommittedAgentSession(ctx, bot, id)
}

// Checkout adapts checkout to agentcommerce.Checkout.
type Checkout struct{ *checkout.Service }

func (g Checkout) Paid(ctx context.Context, tx concierge.Tx, bot concierge.BotID, p concierge.Payment) (string, error) {
	r, err := g.Service.Paid(ctx, tx, bot, p)
	return string(r), err
}

// Events adapts the store's agent_events queue to
// agentcommerce.EventStore.
type Events struct{ DB *store.DB }

func (g Events) WatchOrders(ctx context.Context) (int64, error) { return g.DB.WatchAgentOrders(ctx) }

func (g Events) ClaimEvents(ctx context.Context, p agentcommerce.Protocol, limit int, lease time.Duration) ([]agentcommerce.Event, error) {
	rows, err := g.DB.ClaimAgentEvents(ctx, string(p), limit, lease)
	out := make([]agentcommerce.Event, len(rows))
	for i, r := range rows {
		out[i] = agentcommerce.Event{ID: r.ID, Token: r.Token, Attempts: r.Attempts, Bot: r.Bot, Protocol: agentcommerce.Protocol(r.Protocol),
			Session: r.Session, Order: r.Order, Type: agentcommerce.EventType(r.Type), State: r.OrderState, CreatedAt: r.CreatedAt}
	}
	return out, err
}

// eventStatus is the store's status of an event's outcome.
var eventStatus = map[agentcommerce.EventOutcome]string{
	agentcommerce.EventSent: store.HookSent, agentcommerce.EventFailed: store.HookFailed, agentcommerce.EventRetry: store.HookPending,
}

func (g Events) FinishEvent(ctx context.Context, e *agentcommerce.Event, r agentcommerce.EventResult) (bool, error) {
	return g.DB.FinishAgentEvent(ctx, &store.AgentEvent{ID: e.ID, Token: e.Token}, eventStatus[r.Outcome], r.Next, r.Counted, r.Error)
}
