package rules_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/offers"
	"github.com/conciergehq/concierge/offers/offerstest"
)

const supplierKey = "supplier-key-5b1e9f0c7a"

// supplierShop is the sample shop with a supplier of made-to-order lamps,
// asked through the offers package as cmd/concierge wires it.
func supplierShop(t *testing.T, timeout time.Duration) (*shop, *offerstest.Supplier, *bytes.Buffer) {
	t.Helper()
	sup := offerstest.Start(t,
		offerstest.Room{Code: "BRASS-1", Name: "Made-to-order brass lamp", Price: 129.0, Left: 3},
		offerstest.Room{Code: "OAK-2", Name: "Made-to-order oak lamp", Price: "89.00 EUR", Left: 1},
	)
	p := offerstest.Paths
	var logs bytes.Buffer
	c, err := offers.New(offers.Source{
		Name: "atelier", URL: sup.URL + "/lamps?q={query}&key=" + supplierKey, Currency: "EUR",
		Headers: map[string]string{"Authorization": "Bearer " + supplierKey},
		Paths:   offers.Paths{List: p[0], ID: p[1], Title: p[2], Price: p[3], Currency: p[4], Available: p[5]},
		Timeout: timeout, CacheTTL: -1,
	}, &http.Client{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	suppliers, err := offers.NewSuppliers(c)
	if err != nil {
		t.Fatal(err)
	}
	s := openShopWith(t, func(sh *agent.Shop) { sh.Offers = suppliers })
	return s, sup, &logs
}

var brass = concierge.OfferSKU("atelier", "BRASS-1")

// cards returns the SKUs of the cards the replies showed, turning the
// pages of a long list as a customer would.
func (c *customer) cards(ms []concierge.Message) []concierge.SKU {
	c.s.t.Helper()
	var out []concierge.SKU
	for range 10 {
		var next *concierge.Button
		for _, m := range ms {
			for _, card := range m.Cards {
				out = append(out, card.SKU)
			}
			if m.Pager != nil && m.Pager.Next != nil {
				next = m.Pager.Next
			}
		}
		if next == nil {
			break
		}
		ms = c.press(next.Value)
	}
	return out
}

func texts(ms []concierge.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Text + "\n" + m.Fallback + "\n")
	}
	return b.String()
}

func hasSKU(skus []concierge.SKU, want concierge.SKU) bool {
	for _, s := range skus {
		if s == want {
			return true
		}
	}
	return false
}

// checkout presses checkout and agrees to the data policy when asked.
func (c *customer) checkout() []concierge.Message {
	c.s.t.Helper()
	out := c.press(agent.ValueCheckout)
	if c.conv().Memory.Pending == concierge.QuestionConsent {
		out = append(out, c.press(agent.ValueYes)...)
	}
	return out
}

func payment(ms []concierge.Message) *concierge.PaymentRequest {
	for _, m := range ms {
		if m.Kind == concierge.MessagePayment {
			return m.Payment
		}
	}
	return nil
}

// TestSupplierOffers plays a customer who finds a supplier's offer beside
// the catalog's lamps, puts it in the cart at the supplier's price, and
// checks out while the supplier changes its price, sells out, or does not
// answer: each change is told before any payment, and the order is only
// ever placed at the price the supplier asks at checkout.
func TestSupplierOffers(t *testing.T) {
	tests := []struct {
		name string
		// change is what the supplier does between the search and the
		// checkout.
		change func(*offerstest.Supplier)
		// told is what the customer reads at checkout; unit is the price
		// the order is placed at, 0 for no order.
		told string
		unit int64
		// inCart says whether the offer stays in the cart.
		inCart bool
	}{
		{name: "unchanged", change: func(*offerstest.Supplier) {}, unit: 12900, inCart: false},
		{name: "dearer", change: func(s *offerstest.Supplier) { s.SetPrice("BRASS-1", 149.0) },
			told: "changed from €129.00 to €149.00", inCart: true},
		{name: "cheaper", change: func(s *offerstest.Supplier) { s.SetPrice("BRASS-1", "99.00") },
			told: "changed from €129.00 to €99.00", inCart: true},
		{name: "sold out", change: func(s *offerstest.Supplier) { s.SetLeft("BRASS-1", 0) },
			told: "no longer available from the supplier", inCart: false},
		{name: "withdrawn", change: func(s *offerstest.Supplier) { s.Remove("BRASS-1") },
			told: "no longer available from the supplier", inCart: false},
		{name: "down", change: func(s *offerstest.Supplier) { s.SetStatus(http.StatusInternalServerError) },
			told: "could not be confirmed with the supplier", inCart: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sup, logs := supplierShop(t, 2*time.Second)
			c := s.customer("en")
			found := c.say("I'm looking for a lamp")
			shown := c.cards(found)
			if !hasSKU(shown, brass) || !hasSKU(shown, "LAMP-01") {
				t.Fatalf("search showed %v, want the catalog's lamps and the supplier's brass lamp:\n%s", shown, texts(found))
			}
			added := c.press(agent.ValueAdd + string(brass))
			if got := c.cart(); got[brass] != 1 {
				t.Fatalf("cart %v after adding the offer:\n%s", got, texts(added))
			}
			if !strings.Contains(texts(added), "€129.00") {
				t.Errorf("the cart does not show the supplier's price:\n%s", texts(added))
			}

			tt.change(sup)
			replies := c.checkout()
			pr := payment(replies)
			if tt.told != "" {
				if pr != nil || len(c.orders()) != 0 {
					t.Fatalf("an order was placed (%+v) though the offer changed", pr)
				}
				if !strings.Contains(texts(replies), tt.told) || !strings.Contains(texts(replies), "Nothing was charged") {
					t.Errorf("the customer was not told %q:\n%s", tt.told, texts(replies))
				}
			}
			if got := c.cart()[brass] == 1; got != tt.inCart && tt.unit == 0 {
				t.Errorf("offer in the cart: %v, want %v", got, tt.inCart)
			}
			if tt.name == "dearer" || tt.name == "cheaper" {
				// The second checkout is at the new price, confirmed again.
				replies = c.checkout()
				pr = payment(replies)
				tt.unit = map[string]int64{"dearer": 14900, "cheaper": 9900}[tt.name]
			}
			if tt.unit != 0 {
				if pr == nil {
					t.Fatalf("no payment request:\n%s", texts(replies))
				}
				o := c.orders()[0]
				if len(o.Lines) != 1 || o.Lines[0].SKU != brass || o.Lines[0].Unit.Minor != tt.unit || o.Total.Minor != tt.unit || pr.Amount != o.Total {
					t.Errorf("order %+v, payment %+v: want one brass lamp at %d", o, pr, tt.unit)
				}
			}
			leaked(t, s, c, logs, sup)
		})
	}
}

// TestSupplierDoesNotAnswer: a supplier that is slow or down leaves its
// offers out; the customer is told once and still sees the catalog's
// lamps, and the turn does not fail.
func TestSupplierDoesNotAnswer(t *testing.T) {
	for _, tt := range []struct {
		name string
		fail func(*offerstest.Supplier)
	}{
		{"slow", func(s *offerstest.Supplier) { s.Hang(true) }},
		{"down", func(s *offerstest.Supplier) { s.SetStatus(http.StatusInternalServerError) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, sup, logs := supplierShop(t, 100*time.Millisecond)
			tt.fail(sup)
			c := s.customer("en")
			replies := c.say("I'm looking for a lamp")
			shown := c.cards(replies)
			if hasSKU(shown, brass) || !hasSKU(shown, "LAMP-01") {
				t.Errorf("search showed %v, want the catalog's lamps only", shown)
			}
			if n := strings.Count(texts(replies), "did not answer in time"); n != 1 {
				t.Errorf("told %d times that the supplier did not answer, want once:\n%s", n, texts(replies))
			}
			leaked(t, s, c, logs, sup)
		})
	}
}

// leaked fails when the supplier's key is anywhere a person or a log could
// read it: the transcript, the conversation's memory, the cart, the
// orders, or the log.
func leaked(t *testing.T, s *shop, c *customer, logs *bytes.Buffer, sup *offerstest.Supplier) {
	t.Helper()
	es, err := s.db.Transcript(s.ctx, s.bot.ID, concierge.ChannelWeb, c.chat, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := json.Marshal([]any{es, c.conv(), c.cart(), c.orders()})
	if bytes.Contains(stored, []byte(supplierKey)) || strings.Contains(logs.String(), supplierKey) {
		t.Errorf("the supplier's key reached the transcript, the store or the log")
	}
	if r := sup.Requests(); len(r) == 0 || r[0].Header.Get("Authorization") != "Bearer "+supplierKey {
		t.Errorf("the supplier was not asked with its key: %+v", r)
	}
}
