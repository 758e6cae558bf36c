package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/sqlagents"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/handoff/hooks"
	"github.com/conciergehq/concierge/handoff/mediafetch"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// The tests of this file run each worker that holds a lease while it
// calls something slow (a planned LLM turn, a hand-off webhook, a
// customer's file download, an agent's order webhook) with the glue serve
// wires, on two stores of one database as two replicas (on SQLite, a
// process and its own next claim). Replica A's slow call outlasts its
// lease many times over while replica B's worker claims every 5 ms: the
// heartbeat's renewal (store.RenewLeases) must keep the work A's, so that
// it is done once, and A's outcome must then be accepted. The slow part
// waits for the test to open a gate, not for a time; waits have
// deadlines.

// renewLease is the lease of these tests: short, so that the slow call
// outlasts several quickly, and long against the 20 ms beat, so that a
// loaded machine's scheduling delays do not let it run out.
const renewLease = time.Second

// gate is a slow outside party: each call waits until the test opens
// the gate (or the caller gives up), and is counted.
type gate struct {
	calls   atomic.Int32
	started chan struct{} // receives once per call started
	open    chan struct{}
	once    sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{started: make(chan struct{}, 16), open: make(chan struct{})}
	t.Cleanup(g.release)
	return g
}

// pass is one call: it returns nil once the gate opens.
func (g *gate) pass(ctx context.Context) error {
	g.calls.Add(1)
	select {
	case g.started <- struct{}{}:
	default:
	}
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) waitStarted(t *testing.T) {
	t.Helper()
	select {
	case <-g.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the first replica's worker did not start its call within 20 s")
	}
}

// server is an HTTP receiver that answers 200 once the gate opens.
func (g *gate) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.pass(r.Context()) != nil {
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(g.release) // runs first: no handler is left waiting at Close
	return srv
}

// claims records when a replica's worker last claimed.
type claims struct {
	mu   sync.Mutex
	last time.Time
}

func (c *claims) mark() {
	c.mu.Lock()
	c.last = time.Now()
	c.mu.Unlock()
}

func (c *claims) after(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last.After(t)
}

// renewPair runs fn with two migrated stores on one database, SQLite and
// PostgreSQL, each beating and renewing its leases every 20 ms as serve's
// heartbeat does (on PostgreSQL registered first, as serve does before
// its workers start).
func renewPair(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	for _, c := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "r.db") }},
		{"postgres", func(t *testing.T) string { return testenv.PostgresURL(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := c.url(t)
			a, b := renewStore(t, url), renewStore(t, url)
			fn(t, a, b)
		})
	}
}

func renewStore(t *testing.T, url string) *store.DB {
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
	if db.Dialect() == store.Postgres {
		if _, err := db.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	goUntilCleanup(t, func(ctx context.Context) {
		db.RunHeartbeat(ctx, store.HeartbeatConfig{Every: 20 * time.Millisecond, Log: log})
	})
	return db
}

// goUntilCleanup runs fn until the test ends, and waits for it to return.
func goUntilCleanup(t *testing.T, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// outlastLease starts replica A's worker (run(a, nil)), waits until its
// slow call started, then starts B's worker, which records its claims.
// B must claim for three leases and never make the call; once the gate
// opens, A's outcome must be recorded (recorded reports it) and the call
// made once in all.
func outlastLease(t *testing.T, g *gate, a, b *store.DB, run func(db *store.DB, c *claims), recorded func() bool) {
	t.Helper()
	run(a, &claims{})
	g.waitStarted(t)
	began := time.Now()
	cb := &claims{}
	run(b, cb)
	// A second call ends the wait at once: B's worker, waiting in it,
	// would claim no more.
	testenv.WaitFor(t, "B made no claim three leases after A's call began", 20*time.Second, func() bool {
		return cb.after(began.Add(3*renewLease)) || g.calls.Load() > 1
	})
	if n := g.calls.Load(); n != 1 {
		t.Fatalf("%d calls while A's was still running: B took A's work", n)
	}
	g.release()
	testenv.WaitFor(t, "A's outcome was not recorded", 10*time.Second, recorded)
	if n := g.calls.Load(); n != 1 {
		t.Fatalf("%d calls in all, want A's only", n)
	}
}

func testLogger(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

// TestHandoffWebhookOutlastingLease: a receiver that takes many leases to
// answer gets the hand-off event once, and the event is recorded sent.
func TestHandoffWebhookOutlastingLease(t *testing.T) {
	renewPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		g := newGate(t)
		srv := g.server(t)
		conv := renewConversation(t, a, "shop", "h")
		if err := a.InTx(ctx, func(tx *store.Tx) error {
			return tx.RecordHandoff(ctx, concierge.Handoff{Conversation: conv, From: concierge.StateBot, To: concierge.StateWaiting,
				Reason: "asked", By: "bot", At: tx.Now()})
		}); err != nil {
			t.Fatal(err)
		}
		run := func(db *store.DB, c *claims) {
			cfg := hooks.Config{Endpoints: map[concierge.BotID]hooks.Endpoint{"shop": {URL: srv.URL, Secret: []byte(strings.Repeat("s", 32))}},
				Lease: renewLease, Timeout: time.Minute, Poll: 5 * time.Millisecond}
			s := hooks.New(countedHooks{hookStore{db}, c}, nil, cfg, testLogger(t), nil)
			goUntilCleanup(t, s.Run)
		}
		outlastLease(t, g, a, b, run, func() bool {
			st, err := a.HandoffHookStates(ctx, conv)
			return err == nil && len(st) == 1 && st[0].Status == store.HookSent
		})
	})
}

type countedHooks struct {
	hookStore
	c *claims
}

func (s countedHooks) Claim(ctx context.Context, bots []concierge.BotID, limit int, lease time.Duration) ([]hooks.Hook, error) {
	s.c.mark()
	return s.hookStore.Claim(ctx, bots, limit, lease)
}

// TestAgentEventOutlastingLease: an agent platform's order webhook that
// takes many leases to answer gets the event once, recorded sent.
func TestAgentEventOutlastingLease(t *testing.T) {
	renewPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		g := newGate(t)
		srv := g.server(t)
		if err := a.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddAgentEvent(ctx, "shop", "acp", "cs_1", "O-1", "order_create", concierge.OrderPaid)
		}); err != nil {
			t.Fatal(err)
		}
		run := func(db *store.DB, c *claims) {
			w := agentcommerce.NewWebhooks(agentcommerce.WebhookConfig{Protocol: agentcommerce.ACP, Events: countedEvents{sqlagents.Events{DB: db}, c},
				Requests: postTo(srv.URL), Log: testLogger(t), Lease: renewLease, Timeout: time.Minute, Poll: 5 * time.Millisecond})
			goUntilCleanup(t, w.Run)
		}
		outlastLease(t, g, a, b, run, func() bool {
			// The only event of a fresh database is the first.
			status, _, _, err := a.AgentEventStatus(ctx, 1)
			return err == nil && status == store.HookSent
		})
	})
}

type countedEvents struct {
	sqlagents.Events
	c *claims
}

func (s countedEvents) ClaimEvents(ctx context.Context, p agentcommerce.Protocol, limit int, lease time.Duration) ([]agentcommerce.Event, error) {
	s.c.mark()
	return s.Events.ClaimEvents(ctx, p, limit, lease)
}

// postTo builds every event's request as a POST to url.
type postTo string

func (u postTo) Request(ctx context.Context, e *agentcommerce.Event, now time.Time) (*http.Request, []string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, string(u), strings.NewReader(`{"type":"order_create"}`))
	return req, nil, err
}

// TestMediaFetchOutlastingLease: a customer's file whose download takes
// many leases is downloaded once, and recorded fetched.
func TestMediaFetchOutlastingLease(t *testing.T) {
	renewPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		g := newGate(t)
		ev := renewEvent("shop", "m", "m1", "")
		ev.Kind, ev.Value = concierge.EventMedia, "image:IMG"
		if _, err := a.Ingest(ctx, []concierge.Event{ev}); err != nil {
			t.Fatal(err)
		}
		run := func(db *store.DB, c *claims) {
			f := &mediafetch.Fetcher{Store: countedMedia{db, c}, Bots: []concierge.BotID{"shop"},
				Channels: func(concierge.BotID, concierge.Channel) concierge.Sender { return slowFiles{g} },
				Config:   mediafetch.Config{Poll: 5 * time.Millisecond, Lease: renewLease}, Log: testLogger(t)}
			goUntilCleanup(t, f.Run)
		}
		outlastLease(t, g, a, b, run, func() bool {
			n, err := a.PendingMedia(ctx)
			return err == nil && n == 0
		})
		conv, err := a.FindConversation(ctx, "shop", concierge.ChannelWeb, "m")
		if err != nil {
			t.Fatal(err)
		}
		ms, err := a.ConversationMedia(ctx, conv.ID)
		if err != nil || len(ms) != 1 || ms[0].Status != concierge.MediaFetched || ms[0].Attempts != 1 {
			t.Fatalf("the file is not recorded fetched at the first attempt: %+v (%v)", ms, err)
		}
	})
}

type countedMedia struct {
	*store.DB
	c *claims
}

func (s countedMedia) ClaimMedia(ctx context.Context, bots []concierge.BotID, limit int, lease time.Duration) ([]concierge.MediaJob, error) {
	s.c.mark()
	return s.DB.ClaimMedia(ctx, bots, limit, lease)
}

// slowFiles is a channel whose downloads wait for the gate.
type slowFiles struct{ g *gate }

func (slowFiles) Send(context.Context, *concierge.Outbound) error { return nil }

func (s slowFiles) FetchMedia(ctx context.Context, ref string, max int64) (concierge.Media, error) {
	if err := s.g.pass(ctx); err != nil {
		return concierge.Media{}, err
	}
	return concierge.Media{ContentType: "image/png", Data: []byte("png")}, nil
}

// TestPlannedTurnOutlastingLease: an LLM turn whose planning takes many
// leases is planned once and applied: its answer is in the transcript
// once and the message is done.
func TestPlannedTurnOutlastingLease(t *testing.T) {
	f, err := config.LoadFile(filepath.Join("..", "examples", "maison-lumiere.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	renewPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		g := newGate(t)
		bot := f.Bot()
		if _, err := a.Ingest(ctx, []concierge.Event{renewEvent(bot.ID, "p", "p1", "bonjour")}); err != nil {
			t.Fatal(err)
		}
		texts, err := agent.LoadTexts()
		if err != nil {
			t.Fatal(err)
		}
		run := func(db *store.DB, c *claims) {
			sh, err := agent.NewShop(bot, slowPlanner{g}, texts)
			if err != nil {
				t.Fatal(err)
			}
			ag := agent.New([]*agent.Shop{sh}, checkout.New(nil, nil), testLogger(t))
			r := agent.NewPlannedRunner(ag, countedPlans{planGlue{db}, c}, []concierge.BotID{bot.ID}, testLogger(t), nil)
			r.LeaseTTL, r.Poll, r.Workers = renewLease, 5*time.Millisecond, 2
			goUntilCleanup(t, r.Run)
		}
		outlastLease(t, g, a, b, run, func() bool {
			n, err := a.PendingInbound(ctx)
			return err == nil && n == 0
		})
		tr, err := a.Transcript(ctx, bot.ID, concierge.ChannelWeb, "p", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var said []string
		for _, e := range tr {
			if e.Dir == "out" {
				said = append(said, e.Message.Text)
			}
		}
		if len(said) != 1 || said[0] != "planned" {
			t.Fatalf("replies %q, want the plan's once", said)
		}
	})
}

type countedPlans struct {
	planGlue
	c *claims
}

func (s countedPlans) LeaseTurn(ctx context.Context, bots []concierge.BotID, ttl time.Duration, read agent.TurnFunc) (*agent.Lease, error) {
	s.c.mark()
	return s.planGlue.LeaseTurn(ctx, bots, ttl, read)
}

// slowPlanner is an LLM brain whose model answers when the gate opens.
type slowPlanner struct{ g *gate }

func (slowPlanner) Respond(context.Context, *agent.Turn) error { return nil }

func (p slowPlanner) Plan(ctx context.Context, _ *agent.Turn, _ *agent.Snapshot) (*agent.Plan, error) {
	if err := p.g.pass(ctx); err != nil {
		return nil, err
	}
	return &agent.Plan{Steps: []agent.Step{{Say: "planned"}}}, nil
}

// renewEvent is a web message of chat to bot.
func renewEvent(bot concierge.BotID, chat, key, text string) concierge.Event {
	return concierge.Event{Kind: concierge.EventText, Bot: bot, Channel: concierge.ChannelWeb, Chat: concierge.ChatID(chat),
		User: chat, DedupeKey: key, Text: text, Locale: "fr", Time: time.Now()}
}

// renewConversation ingests a message in chat and returns its
// conversation.
func renewConversation(t *testing.T, db *store.DB, bot concierge.BotID, chat string) concierge.ConversationID {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Ingest(ctx, []concierge.Event{renewEvent(bot, chat, chat+"1", "hi")}); err != nil {
		t.Fatal(err)
	}
	c, err := db.FindConversation(ctx, bot, concierge.ChannelWeb, concierge.ChatID(chat))
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
