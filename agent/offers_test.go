package agent_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
)

// fakeSuppliers is an agent.OfferFinder in memory: what it offers now,
// and the error it fails with.
type fakeSuppliers struct {
	mu     sync.Mutex
	offers []concierge.Offer
	err    error
	asked  []concierge.OfferRequest
}

type goneError struct{}

func (goneError) Error() string { return "gone" }
func (goneError) Gone() bool    { return true }

func (f *fakeSuppliers) Find(_ context.Context, req concierge.OfferRequest) ([]concierge.Offer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, req)
	var out []concierge.Offer
	for _, o := range f.offers {
		o.Request = req
		out = append(out, o)
	}
	return out, f.err
}

func (f *fakeSuppliers) Recheck(_ context.Context, o concierge.Offer) (concierge.Offer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return concierge.Offer{}, f.err
	}
	for _, x := range f.offers {
		if x.SKU == o.SKU {
			return x, nil
		}
	}
	return concierge.Offer{}, goneError{}
}

func (f *fakeSuppliers) set(fn func(*fakeSuppliers)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func offer(id, title string, minor int64, avail int) concierge.Offer {
	return concierge.Offer{SKU: concierge.OfferSKU("atelier", id), Source: "atelier", ID: id, Title: title,
		Price: concierge.Money{Minor: minor, Currency: "EUR"}, Available: avail}
}

// TestSearchMergesOffers: the suppliers' offers follow the catalog's
// products, keep half of a full page, obey the price bounds and the
// words ruled out, carry the request's slots, and are what "add" and
// "compare" then find.
func TestSearchMergesOffers(t *testing.T) {
	sup := &fakeSuppliers{offers: []concierge.Offer{
		offer("BRASS", "Made-to-order brass lamp", 12900, 2),
		offer("OAK", "Made-to-order oak lamp", 8900, 1),
		offer("IRON", "Cast iron lamp", 5900, 4),
	}}
	s := openShopWith(t, func(sh *agent.Shop) { sh.Offers = sup })
	c := s.customer("en")
	var pvs []agent.ProductView
	c.turn(func(ctx context.Context, t *agent.Turn) error {
		var err error
		pvs, err = t.Tools.Search(ctx, agent.SearchArgs{Query: "lamp", Limit: 6, PriceMax: 13000, Exclude: "iron", From: "2026-12-24", Quantity: 2})
		return err
	})
	var skus []string
	for _, pv := range pvs {
		skus = append(skus, string(pv.SKU))
	}
	got := strings.Join(skus, " ")
	if len(pvs) != 6 || !strings.HasSuffix(got, "@atelier/BRASS @atelier/OAK") || strings.Contains(got, "IRON") {
		t.Fatalf("search gave %s: want 4 catalog lamps, then the brass and oak offers (iron ruled out)", got)
	}
	if o := pvs[4]; o.Offer == nil || o.Price.Minor != 12900 || o.Stock != 2 || o.Title("en", "en") != "Made-to-order brass lamp" {
		t.Errorf("offer view %+v", o)
	}
	if req := sup.asked[0]; req.Query != "lamp" || req.From != "2026-12-24" || req.Quantity != 2 {
		t.Errorf("the supplier was asked %+v", req)
	}

	brass := concierge.OfferSKU("atelier", "BRASS")
	_, failed := c.turn(func(ctx context.Context, t *agent.Turn) error {
		if _, err := t.Tools.AddToCart(ctx, brass, 3); !errors.Is(err, concierge.ErrOutOfStock) {
			return errors.New("3 of an offer with 2 left: want a ShortError")
		}
		cv, err := t.Tools.AddToCart(ctx, brass, 2)
		if err != nil {
			return err
		}
		if cv.Total.Minor != 25800 || cv.Lines[0].Product.SKU != brass {
			return errors.New("cart not at the supplier's price")
		}
		cmp, err := t.Tools.Compare(ctx, []concierge.SKU{"LAMP-01", brass})
		if err != nil || len(cmp) != 2 || cmp[1].Offer == nil {
			return errors.New("compare does not find the offer")
		}
		if p := t.Product(ctx, brass); p == nil || p.Price.Minor != 12900 {
			return errors.New("Turn.Product does not find the offer")
		}
		return nil
	})
	if failed || c.cart()[brass] != 2 {
		t.Fatalf("adding the offer: failed %v, cart %v", failed, c.cart())
	}

	// A later search without the offer: the cart line still knows it.
	sup.set(func(f *fakeSuppliers) { f.offers = nil })
	c.turn(func(ctx context.Context, t *agent.Turn) error {
		if _, err := t.Tools.Search(ctx, agent.SearchArgs{Query: "lamp"}); err != nil {
			return err
		}
		pv, err := t.Tools.Show(ctx, brass)
		if err != nil || pv.Price.Minor != 12900 {
			return errors.New("the cart's offer is not found after another search")
		}
		return nil
	})
	// And checkout finds it gone: told, taken out, no order.
	var told []concierge.Message
	told, _ = c.turn(func(ctx context.Context, t *agent.Turn) error {
		t.Tools.Consent(true)
		_, _, err := t.Tools.Checkout(ctx)
		t.SayToolError(err)
		return nil
	})
	if len(c.orders()) != 0 || c.cart()[brass] != 0 {
		t.Errorf("orders %v, cart %v: want none and the offer gone", c.orders(), c.cart())
	}
	if len(told) != 1 || !strings.Contains(told[0].Text, "Made-to-order brass lamp is no longer available") || !strings.Contains(told[0].Text, "Nothing was charged") {
		t.Errorf("told %+v", told)
	}
}

// TestSearchWithoutSuppliersAnswer: a failing supplier is told once per
// turn and asked once, whatever the number of searches; a search without
// words does not ask it at all.
func TestSearchWithoutSuppliersAnswer(t *testing.T) {
	sup := &fakeSuppliers{err: errors.New("supplier atelier: supplier too slow")}
	s := openShopWith(t, func(sh *agent.Shop) { sh.Offers = sup })
	c := s.customer("en")
	replies, failed := c.turn(func(ctx context.Context, t *agent.Turn) error {
		for range 3 {
			pvs, err := t.Tools.Search(ctx, agent.SearchArgs{Query: "lamp", Sort: catalog.PriceAsc})
			if err != nil || len(pvs) == 0 {
				return errors.New("the catalog's lamps are missing")
			}
		}
		_, err := t.Tools.Search(ctx, agent.SearchArgs{Category: "bedside"})
		return err
	})
	if failed || len(replies) != 1 || !strings.Contains(replies[0].Text, "did not answer in time") {
		t.Fatalf("failed %v, replies %+v", failed, replies)
	}
	if len(sup.asked) != 1 {
		t.Errorf("the failing supplier was asked %d times in one turn, want once", len(sup.asked))
	}
}
