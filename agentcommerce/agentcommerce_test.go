package agentcommerce_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/store"
)

type fixture struct {
	db  *store.DB
	svc *agentcommerce.Service
	now time.Time
}

func eur(minor int64) concierge.Money { return concierge.Money{Minor: minor, Currency: "EUR"} }

func testBot(id concierge.BotID) *concierge.Bot {
	return &concierge.Bot{ID: id, Name: "Shop", Locales: []concierge.Locale{"en"}, Currency: "EUR",
		Products: []concierge.Product{
			{SKU: "LAMP-01", Name: map[concierge.Locale]string{"en": "Aurore lamp"}, Price: eur(4900), Stock: 12},
			{SKU: "LAMP-02", Name: map[concierge.Locale]string{"en": "Zenith lamp"}, Price: eur(7900), Stock: 3},
			{SKU: "GIFT-30", Name: map[concierge.Locale]string{"en": "Gift card"}, Price: eur(3000), Stock: 100, Digital: true},
		},
		Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
}

// eachStore runs fn on SQLite and on PostgreSQL (skipped locally when no
// server answers, failed in CI).
func eachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	act.EachDB(t, func(t *testing.T, url string) { fn(t, newFixture(t, url)) })
}

func newFixture(t *testing.T, url string) *fixture {
	t.Helper()
	db := act.OpenStore(t, url)
	f := &fixture{db: db, now: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	db.SetClock(func() time.Time { return f.now })
	var shops []*agentcommerce.Shop
	for _, id := range []concierge.BotID{"shop-a", "shop-b"} {
		shops = append(shops, &agentcommerce.Shop{Bot: testBot(id), Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}},
			Shipping: []agentcommerce.ShippingOption{
				{ID: "standard", Title: map[concierge.Locale]string{"en": "Standard"}, Price: eur(490), Countries: []string{"FR", "BE"}},
				{ID: "express", Title: map[concierge.Locale]string{"en": "Express"}, Price: eur(1290)},
			},
			EscalateAbove: eur(50000), WidgetURL: "http://localhost/chat/" + string(id)})
	}
	f.svc = act.NewService(t, db, shops...)
	f.svc.Now = func() time.Time { return f.now }
	return f
}

func (f *fixture) stock(t *testing.T, sku concierge.SKU) int {
	t.Helper()
	n, err := f.db.StockLevels(context.Background(), "shop-a")
	if err != nil {
		t.Fatal(err)
	}
	return n[sku]
}

// run runs op in a transaction, as the protocols do.
func (f *fixture) run(t *testing.T, op func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error)) (*agentcommerce.Session, error) {
	t.Helper()
	var s *agentcommerce.Session
	err := f.svc.View(context.Background(), func(tx agentcommerce.Tx) error {
		var err error
		s, err = op(context.Background(), tx)
		return err
	})
	return s, err
}

func str(s string) *string { return &s }

var home = &agentcommerce.Address{Name: "Jane", Line1: "1 rue de la Paix", City: "Lyon", PostalCode: "69001", Country: "fr"}

func TestSessionLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		s, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Create(ctx, tx, "shop-a", agentcommerce.UCP, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-01", Quantity: 2}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != agentcommerce.StatusIncomplete || s.Subtotal != eur(9800) || len(s.Messages) != 3 {
			t.Fatalf("created: status %s subtotal %v messages %+v", s.Status, s.Subtotal, s.Messages)
		}
		if got := f.stock(t, "LAMP-01"); got != 10 {
			t.Errorf("stock after create = %d, want 10 (2 reserved)", got)
		}
		s, err = f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Update(ctx, tx, "shop-a", s.ID, agentcommerce.Changes{Buyer: &agentcommerce.Buyer{Email: "jane@example.com"}, Address: home, Shipping: str("standard")})
		})
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != agentcommerce.StatusReady || s.Total != eur(9800+490) {
			t.Fatalf("updated: status %s total %v messages %+v", s.Status, s.Total, s.Messages)
		}
		if got := f.stock(t, "LAMP-01"); got != 10 {
			t.Errorf("stock after update = %d, want 10 (the new order holds the 2)", got)
		}
		// A declined card changes nothing.
		_, err = f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Complete(ctx, tx, "shop-a", s.ID, agentcommerce.Changes{}, agentcommerce.Payment{Handler: "sandbox", Token: agentcommerce.FailToken})
		})
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonPaymentDeclined {
			t.Fatalf("fail_token: %v, want payment_declined", err)
		}
		done, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Complete(ctx, tx, "shop-a", s.ID, agentcommerce.Changes{}, agentcommerce.Payment{Handler: "sandbox", Token: agentcommerce.SuccessToken})
		})
		if err != nil {
			t.Fatal(err)
		}
		o, err := f.db.GetOrder(context.Background(), done.Order)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != agentcommerce.StatusCompleted || o.State != concierge.OrderPaid || o.Total != eur(10290) {
			t.Fatalf("completed: %s, order %s %v", done.Status, o.State, o.Total)
		}
		conv, err := f.db.GetConversation(context.Background(), o.Conversation)
		if err != nil || conv.Channel != "agent:ucp" {
			t.Fatalf("order's conversation: %+v %v, want channel agent:ucp", conv, err)
		}
		// Completing again pays nothing more.
		again, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Complete(ctx, tx, "shop-a", s.ID, agentcommerce.Changes{}, agentcommerce.Payment{Handler: "sandbox", Token: agentcommerce.SuccessToken})
		})
		if err != nil || again.Status != agentcommerce.StatusCompleted {
			t.Fatalf("complete again: %v %v", again, err)
		}
		if ps, _ := f.db.Payments(context.Background(), o.ID); len(ps) != 1 {
			t.Errorf("payments = %d, want 1", len(ps))
		}
		// A completed session cannot be cancelled.
		_, err = f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Cancel(ctx, tx, "shop-a", s.ID)
		})
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonFinished {
			t.Fatalf("cancel completed: %v", err)
		}
	})
}

func TestCancelAndExpiryReleaseStock(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		create := func() *agentcommerce.Session {
			s, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return f.svc.Create(ctx, tx, "shop-a", agentcommerce.ACP, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-02", Quantity: 3}}})
			})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		s := create()
		if got := f.stock(t, "LAMP-02"); got != 0 {
			t.Fatalf("stock = %d, want 0", got)
		}
		c, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Cancel(ctx, tx, "shop-a", s.ID)
		})
		if err != nil || c.Status != agentcommerce.StatusCanceled {
			t.Fatalf("cancel: %v %v", c, err)
		}
		if got := f.stock(t, "LAMP-02"); got != 3 {
			t.Fatalf("stock after cancel = %d, want 3", got)
		}
		// Expiry: the sweeper expires the order; the session reads canceled,
		// and no change is accepted.
		s = create()
		f.now = f.now.Add(31 * time.Minute)
		_, err = f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Update(ctx, tx, "shop-a", s.ID, agentcommerce.Changes{Buyer: &agentcommerce.Buyer{Email: "a@b.co"}})
		})
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonExpired {
			t.Fatalf("update expired: %v, want expired", err)
		}
		err = f.db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := checkout.New(nil, nil).ExpireDue(context.Background(), tx, 10)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		g, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Get(ctx, tx, "shop-a", s.ID)
		})
		if err != nil || g.Status != agentcommerce.StatusCanceled {
			t.Fatalf("get expired: %+v %v", g, err)
		}
		if got := f.stock(t, "LAMP-02"); got != 3 {
			t.Fatalf("stock after expiry = %d, want 3", got)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		s, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Create(ctx, tx, "shop-a", agentcommerce.UCP, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-01", Quantity: 1}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		items := func(sku concierge.SKU, q int) agentcommerce.Changes {
			return agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: sku, Quantity: q}}}
		}
		for _, tc := range []struct {
			name string
			bot  concierge.BotID
			ch   agentcommerce.Changes
			want agentcommerce.Reason
		}{
			{"zero", "shop-a", items("LAMP-01", 0), agentcommerce.ReasonInvalid},
			{"negative", "shop-a", items("LAMP-01", -2), agentcommerce.ReasonInvalid},
			{"beyond stock", "shop-a", items("LAMP-02", 4), agentcommerce.ReasonOutOfStock},
			{"huge", "shop-a", items("LAMP-01", 1<<40), agentcommerce.ReasonInvalid},
			{"unknown sku", "shop-a", items("NOPE", 1), agentcommerce.ReasonUnknownItem},
			{"shipping as item", "shop-a", items("shipping:standard", 1), agentcommerce.ReasonUnknownItem},
			{"empty", "shop-a", agentcommerce.Changes{Items: []agentcommerce.Item{}}, agentcommerce.ReasonMissing},
			{"currency", "shop-a", agentcommerce.Changes{Currency: "USD"}, agentcommerce.ReasonCurrency},
			{"bad email", "shop-a", agentcommerce.Changes{Buyer: &agentcommerce.Buyer{Email: "not an email"}}, agentcommerce.ReasonInvalid},
			{"unknown shipping", "shop-a", agentcommerce.Changes{Shipping: str("drone")}, agentcommerce.ReasonInvalid},
			{"undeliverable", "shop-a", agentcommerce.Changes{Shipping: str("standard"), Address: &agentcommerce.Address{Line1: "x", City: "Berlin", PostalCode: "1", Country: "DE"}}, agentcommerce.ReasonInvalid},
			{"other bot", "shop-b", agentcommerce.Changes{Buyer: &agentcommerce.Buyer{Email: "a@b.co"}}, agentcommerce.ReasonNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
					return f.svc.Update(ctx, tx, tc.bot, s.ID, tc.ch)
				})
				if e := agentcommerce.AsError(err); e == nil || e.Reason != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
				g, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
					return f.svc.Get(ctx, tx, "shop-a", s.ID)
				})
				if err != nil {
					t.Fatal(err)
				}
				if g.Order != s.Order || len(g.Lines) != 1 || g.Lines[0].Quantity != 1 || g.Buyer != s.Buyer || g.ShippingID != s.ShippingID {
					t.Errorf("session changed: %+v", g)
				}
				if f.stock(t, "LAMP-01") != 11 || f.stock(t, "LAMP-02") != 3 {
					t.Errorf("stock changed: %d %d", f.stock(t, "LAMP-01"), f.stock(t, "LAMP-02"))
				}
			})
		}
	})
}

func TestIdempotency(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		create := func(tx agentcommerce.Tx) (int, []byte, error) {
			s, err := f.svc.Create(ctx, tx, "shop-a", agentcommerce.UCP, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-01", Quantity: 1}}})
			if err != nil {
				return 0, nil, err
			}
			return 201, []byte(s.ID), nil
		}
		st, first, replayed, err := f.svc.Do(ctx, "shop-a/ucp", "k1", []byte(`{"a":1}`), create)
		if err != nil || st != 201 || replayed {
			t.Fatalf("first: %d %s %v %v", st, first, replayed, err)
		}
		st, again, replayed, err := f.svc.Do(ctx, "shop-a/ucp", "k1", []byte(`{"a":1}`), create)
		if err != nil || st != 201 || !replayed || !bytes.Equal(again, first) {
			t.Fatalf("replay: %d %s %v %v", st, again, replayed, err)
		}
		_, _, _, err = f.svc.Do(ctx, "shop-a/ucp", "k1", []byte(`{"a":2}`), create)
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonIdempotencyReuse {
			t.Fatalf("other body: %v", err)
		}
		// Another scope may use the same key.
		if _, other, _, err := f.svc.Do(ctx, "shop-a/acp", "k1", []byte(`{"a":2}`), create); err != nil || bytes.Equal(other, first) {
			t.Fatalf("other scope: %s %v", other, err)
		}
		if got := f.stock(t, "LAMP-01"); got != 10 {
			t.Fatalf("stock = %d, want 10", got)
		}
		// A refused request keeps no key: its retry is handled afresh.
		refused := func(tx agentcommerce.Tx) (int, []byte, error) {
			return 0, nil, &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid}
		}
		if _, _, _, err := f.svc.Do(ctx, "shop-a/ucp", "k2", []byte(`x`), refused); err == nil {
			t.Fatal("refused: no error")
		}
		if st, _, replayed, err := f.svc.Do(ctx, "shop-a/ucp", "k2", []byte(`y`), create); err != nil || replayed || st != 201 {
			t.Fatalf("after a refusal: %d %v %v", st, replayed, err)
		}
		// Keys are kept at least 24 hours.
		f.now = f.now.Add(25 * time.Hour)
		if _, _, replayed, err := f.svc.Do(ctx, "shop-a/ucp", "k1", []byte(`{"a":1}`), create); err != nil || !replayed {
			t.Fatalf("after 25 h: replayed %v %v", replayed, err)
		}
	})
}

// TestIdempotencyRace: identical requests at the same moment make one
// order.
func TestIdempotencyRace(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		const n = 12
		var wg sync.WaitGroup
		ids := make([][]byte, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, ids[i], _, errs[i] = f.svc.Do(ctx, "shop-a/ucp", "race", []byte(`{"q":2}`), func(tx agentcommerce.Tx) (int, []byte, error) {
					s, err := f.svc.Create(ctx, tx, "shop-a", agentcommerce.UCP, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-01", Quantity: 2}}})
					if err != nil {
						return 0, nil, err
					}
					return 201, []byte(s.ID), nil
				})
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				var e *agentcommerce.Error
				if errors.As(errs[i], &e) {
					t.Fatalf("request %d refused: %v", i, e)
				}
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if !bytes.Equal(ids[i], ids[0]) {
				t.Fatalf("request %d got session %s, request 0 %s", i, ids[i], ids[0])
			}
		}
		if got := f.stock(t, "LAMP-01"); got != 10 {
			t.Fatalf("stock = %d, want 10: one order of 2", got)
		}
	})
}

// TestDoOnceInFlight: while DoOnce handles a key, the same request is
// refused as in flight and another as a conflict, without waiting; once it
// ends, the same request replays its response.
func TestDoOnceInFlight(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		entered, release := make(chan struct{}), make(chan struct{})
		runs := 0
		done := make(chan error, 1)
		go func() {
			_, _, _, err := f.svc.DoOnce(ctx, "shop-a/acp", "k", []byte(`{"a":1}`), func(tx agentcommerce.Tx) (int, []byte, error) {
				runs++
				close(entered)
				<-release
				return 200, []byte("first"), nil
			})
			done <- err
		}()
		<-entered
		_, _, _, err := f.svc.DoOnce(ctx, "shop-a/acp", "k", []byte(`{"a":1}`), func(agentcommerce.Tx) (int, []byte, error) {
			t.Error("ran while the first was in flight")
			return 0, nil, nil
		})
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonInFlight {
			t.Fatalf("same request in flight: %v", err)
		}
		_, _, _, err = f.svc.DoOnce(ctx, "shop-a/acp", "k", []byte(`{"a":2}`), nil)
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonIdempotencyReuse {
			t.Fatalf("other request in flight: %v", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		st, resp, replayed, err := f.svc.DoOnce(ctx, "shop-a/acp", "k", []byte(`{"a":1}`), nil)
		if err != nil || !replayed || st != 200 || string(resp) != "first" || runs != 1 {
			t.Fatalf("after: %d %q replayed=%v runs=%d %v", st, resp, replayed, runs, err)
		}
	})
}

// TestDoOnceAcrossReplicas: two services on one database, as two
// replicas are. While one handles a key (held inside its transaction,
// which on SQLite holds the one writer), the other refuses the same
// request as in flight and another as a conflict at once, without
// running it or waiting; once it ends, the other replays its response,
// and there is one order. A claim left by a replica that died runs out
// with its lease: the key is then handled again.
func TestDoOnceAcrossReplicas(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		db2 := act.OpenStore(t, url)
		db2.SetClock(func() time.Time { return f.now })
		svc2 := act.NewService(t, db2, f.svc.Shop("shop-a"), f.svc.Shop("shop-b"))
		svc2.Now = func() time.Time { return f.now }
		ctx := context.Background()
		create := func(tx agentcommerce.Tx) (int, []byte, error) {
			s, err := f.svc.Create(ctx, tx, "shop-a", agentcommerce.ACP, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-01", Quantity: 2}}})
			if err != nil {
				return 0, nil, err
			}
			return 201, []byte(s.ID), nil
		}
		entered, release := make(chan struct{}), make(chan struct{})
		type result struct {
			resp []byte
			err  error
		}
		done := make(chan result, 1)
		go func() {
			_, resp, _, err := f.svc.DoOnce(ctx, "shop-a/acp/k1", "key", []byte(`{"q":2}`), func(tx agentcommerce.Tx) (int, []byte, error) {
				st, b, err := create(tx)
				close(entered)
				<-release
				return st, b, err
			})
			done <- result{resp, err}
		}()
		<-entered
		notRun := func(agentcommerce.Tx) (int, []byte, error) {
			t.Error("the other replica ran a request still in flight")
			return 0, nil, errors.New("ran")
		}
		_, _, _, err := svc2.DoOnce(ctx, "shop-a/acp/k1", "key", []byte(`{"q":2}`), notRun)
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonInFlight {
			t.Fatalf("same request on the other replica: %v", err)
		}
		_, _, _, err = svc2.DoOnce(ctx, "shop-a/acp/k1", "key", []byte(`{"q":3}`), notRun)
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonIdempotencyReuse {
			t.Fatalf("other request on the other replica: %v", err)
		}
		close(release)
		first := <-done
		if first.err != nil {
			t.Fatal(first.err)
		}
		st, resp, replayed, err := svc2.DoOnce(ctx, "shop-a/acp/k1", "key", []byte(`{"q":2}`), notRun)
		if err != nil || !replayed || st != 201 || !bytes.Equal(resp, first.resp) {
			t.Fatalf("after, on the other replica: %d %q replayed=%v %v; want the first's %q", st, resp, replayed, err, first.resp)
		}
		if got := f.stock(t, "LAMP-01"); got != 10 {
			t.Fatalf("stock = %d, want 10: one order of 2", got)
		}

		// A replica that claimed a key and died never releases it.
		if tok, _, err := db2.ClaimAgentFlight(ctx, "shop-a/acp/k1", "dead", "h", agentcommerce.FlightLease); err != nil || tok == "" {
			t.Fatalf("claim: %q %v", tok, err)
		}
		_, _, _, err = f.svc.DoOnce(ctx, "shop-a/acp/k1", "dead", []byte(`{"q":1}`), notRun)
		if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonIdempotencyReuse {
			t.Fatalf("while the dead claim lasts: %v", err)
		}
		f.now = f.now.Add(agentcommerce.FlightLease)
		ran := false
		if _, _, _, err := f.svc.DoOnce(ctx, "shop-a/acp/k1", "dead", []byte(`{"q":1}`), func(tx agentcommerce.Tx) (int, []byte, error) {
			ran = true
			return 200, []byte("ok"), nil
		}); err != nil || !ran {
			t.Fatalf("after the dead claim's lease: ran=%v %v", ran, err)
		}
	})
}

// TestRefusedCallsInTranscript: a refused call on an existing session
// (an update beyond stock, a declined payment, a change to a canceled
// session) leaves one line in its conversation's transcript, by the
// protocol's call author, with the reason and the field, and changes
// nothing else: the stock, the session and its order are as before. The
// line holds nothing of the request (the buyer's email, the payment
// token). A call on another bot's session leaves no line anywhere.
func TestRefusedCallsInTranscript(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		call := func(bot concierge.BotID, op func(tx agentcommerce.Tx) (*agentcommerce.Session, error)) (*agentcommerce.Session, error) {
			var s *agentcommerce.Session
			_, _, _, err := f.svc.Do(ctx, string(bot)+"/acp", "", nil, func(tx agentcommerce.Tx) (int, []byte, error) {
				var err error
				s, err = op(tx)
				return 200, nil, err
			})
			return s, err
		}
		addr := &agentcommerce.Address{Name: "Jane", Line1: "1 rue de la Paix", City: "Lyon", PostalCode: "69001", Country: "FR"}
		standard := "standard"
		sess, err := call("shop-a", func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Create(ctx, tx, "shop-a", agentcommerce.ACP, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-02", Quantity: 1}},
				Buyer: &agentcommerce.Buyer{Email: "jane.private@example.com"}, Address: addr, Shipping: &standard})
		})
		if err != nil || sess.Status != agentcommerce.StatusReady {
			t.Fatalf("create: %+v %v", sess, err)
		}
		lines := func() []string {
			t.Helper()
			es, err := f.db.TurnHistory(ctx, sess.Conversation, 0, 1<<62, 100)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range es {
				if e.Message != nil && e.Author == agentcommerce.ACP.Author() {
					out = append(out, e.Message.Text)
				}
			}
			return out
		}
		before := lines()
		refusals := []struct {
			name string
			bot  concierge.BotID
			op   func(tx agentcommerce.Tx) (*agentcommerce.Session, error)
			want string // in the line; "" for no line
		}{
			{"beyond stock", "shop-a", func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return f.svc.Update(ctx, tx, "shop-a", sess.ID, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-02", Quantity: 5}},
					Buyer: &agentcommerce.Buyer{Email: "other.private@example.com"}})
			}, "ACP agent's call to update the checkout was refused — out_of_stock: only 3 of LAMP-02 left ($.line_items[0].quantity)"},
			{"declined", "shop-a", func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return f.svc.Complete(ctx, tx, "shop-a", sess.ID, agentcommerce.Changes{}, agentcommerce.Payment{Handler: "sandbox", Token: "tok_private_4242"})
			}, "ACP agent's call to pay the checkout was refused — payment_declined: the payment was declined"},
			{"another bot's session", "shop-b", func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return f.svc.Cancel(ctx, tx, "shop-b", sess.ID)
			}, ""},
		}
		for _, r := range refusals {
			if _, err := call(r.bot, r.op); agentcommerce.AsError(err) == nil {
				t.Fatalf("%s: %v, want a refusal", r.name, err)
			}
		}
		got := lines()[len(before):]
		var want []string
		for _, r := range refusals {
			if r.want != "" {
				want = append(want, r.want)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("lines after the refusals:\n%q\nwant\n%q", got, want)
		}
		for i := range want {
			if !strings.HasPrefix(got[i], want[i]) {
				t.Errorf("line %d: %q, want %q", i, got[i], want[i])
			}
			for _, secret := range []string{"private", "tok_"} {
				if strings.Contains(got[i], secret) {
					t.Errorf("line %d holds the request's %q: %q", i, secret, got[i])
				}
			}
		}
		after, err := f.run(t, func(ctx context.Context, tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Get(ctx, tx, "shop-a", sess.ID)
		})
		if err != nil || after.Status != agentcommerce.StatusReady || after.Order != sess.Order || after.Lines[0].Quantity != 1 ||
			after.Buyer.Email != "jane.private@example.com" || f.stock(t, "LAMP-02") != 2 {
			t.Fatalf("the refusals changed the session or the stock: %+v (stock %d) %v", after, f.stock(t, "LAMP-02"), err)
		}

		// Canceled, any change is refused, and said so.
		if _, err := call("shop-a", func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Cancel(ctx, tx, "shop-a", sess.ID)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := call("shop-a", func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
			return f.svc.Update(ctx, tx, "shop-a", sess.ID, agentcommerce.Changes{Items: []agentcommerce.Item{{SKU: "LAMP-02", Quantity: 1}}})
		}); agentcommerce.AsError(err) == nil {
			t.Fatalf("update of a canceled session: %v", err)
		}
		all := lines()
		if last := all[len(all)-1]; !strings.HasPrefix(last, "ACP agent's call to update the checkout was refused — finished: the checkout session is canceled") {
			t.Errorf("last line: %q", last)
		}
		if f.stock(t, "LAMP-02") != 3 {
			t.Errorf("stock after the cancel and the refused update: %d, want 3", f.stock(t, "LAMP-02"))
		}
	})
}
