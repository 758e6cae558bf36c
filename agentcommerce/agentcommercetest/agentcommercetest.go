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

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/sqlagents"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// The adapters cmd wires, shared with the running server (sqlagents).
type (
	Store    = sqlagents.Store
	Checkout = sqlagents.Checkout
	Events   = sqlagents.Events
)

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
	return agentcommerce.New(Store{DB: db}, Checkout{Service: checkout.New(providers, nil)}, shops)
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

// Transcript returns the lines that protocol p's calls wrote into the
// conversation of session id of bot, oldest first: what the inbox shows
// of them.
func Transcript(t testing.TB, db *store.DB, svc *agentcommerce.Service, bot concierge.BotID, id string, p agentcommerce.Protocol) []string {
	t.Helper()
	ctx := context.Background()
	var sess *agentcommerce.Session
	if err := svc.View(ctx, func(tx agentcommerce.Tx) error {
		var err error
		sess, err = svc.Get(ctx, tx, bot, id)
		return err
	}); err != nil {
		t.Fatalf("transcript of %s: %v", id, err)
	}
	es, err := db.TurnHistory(ctx, sess.Conversation, 0, 1<<62, 1000)
	if err != nil {
		t.Fatalf("transcript of %s: %v", id, err)
	}
	var out []string
	for _, e := range es {
		if e.Message != nil && e.Author == p.Author() {
			out = append(out, e.Message.Text)
		}
	}
	return out
}
