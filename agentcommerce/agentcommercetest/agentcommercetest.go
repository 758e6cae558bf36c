// Package agentcommercetest is what the tests of the agents' packages
// (agentcommerce, acp, ucp) share: the real store and checkout adapted to
// agentcommerce's interfaces as cmd adapts them, a migrated store on
// SQLite or PostgreSQL, a service over the sandbox provider, and a JSON
// request helper. Only tests import it (agentcommerce's TestImports
// checks).
package agentcommercetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/internal/testenv"
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

func (g Events) FinishEvent(ctx context.Context, e *agentcommerce.Event, r agentcommerce.EventResult) (bool, error) {
	status := map[agentcommerce.EventOutcome]string{agentcommerce.EventSent: store.HookSent, agentcommerce.EventFailed: store.HookFailed,
		agentcommerce.EventRetry: store.HookPending}[r.Outcome]
	return g.DB.FinishAgentEvent(ctx, &store.AgentEvent{ID: e.ID, Token: e.Token}, status, r.Next, r.Counted, r.Error)
}

// SQLite is the URL of a new SQLite database in t's temporary folder.
func SQLite(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "t.db") }

// EachDB runs fn on a new SQLite database and on PostgreSQL (skipped on a
// machine without it, failed in CI), as subtests named sqlite and
// postgres.
func EachDB(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, testenv.PostgresURL(t)) })
}

// OpenStore opens and migrates the store at url, closed when t ends.
func OpenStore(t testing.TB, url string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// NewService seeds the stock of shops' products and shipping options in
// db and returns the session core over db and a checkout whose payment
// provider is the sandbox for each shop's bot.
func NewService(t testing.TB, db *store.DB, shops ...*agentcommerce.Shop) *agentcommerce.Service {
	t.Helper()
	providers := map[concierge.BotID]concierge.PaymentProvider{}
	for _, sh := range shops {
		p, err := sandbox.New(sandbox.Config{Secret: bytes.Repeat([]byte("s"), 32), BaseURL: "http://localhost"})
		if err != nil {
			t.Fatal(err)
		}
		providers[sh.Bot.ID] = p
		if err := db.SeedStock(context.Background(), sh.Bot.ID, append(sh.Bot.Products, sh.ShippingProducts()...)); err != nil {
			t.Fatal(err)
		}
	}
	return agentcommerce.New(Store{db}, Checkout{checkout.New(providers, nil)}, shops)
}

// Do sends req and returns its status, its body decoded as a JSON object
// (nil when it is not one), the raw body and the headers. A request that
// fails is a test error, not fatal, so that goroutines may call Do; its
// status is 0.
func Do(t testing.TB, req *http.Request) (int, map[string]any, []byte, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil, nil, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		out = nil
	}
	return resp.StatusCode, out, b, resp.Header
}
