package checkout_test

import (
	"maps"
	"testing"

	"github.com/conciergehq/concierge"
)

func offerLineOf(id string, qty int, minor int64, currency string) concierge.CartLine {
	o := concierge.Offer{SKU: concierge.OfferSKU("hotel", id), Source: "hotel", ID: id, Title: "Room " + id,
		Price: concierge.Money{Minor: minor, Currency: currency}, Available: 5}
	return concierge.CartLine{SKU: o.SKU, Quantity: qty, Offer: &o}
}

// TestPlaceOrderOffers: a supplier's offer is sold at the price its cart
// line holds, under its own title, and reserves none of the shop's
// stock; a line whose offer is not in the shop's currency, does not match
// its SKU or has no quantity is refused and nothing is stored.
func TestPlaceOrderOffers(t *testing.T) {
	s := openShop(t)
	c := s.customer(s.bot, "en")
	before := s.stock(s.bot.ID)
	o, pr, err := c.placeOrder(line("LAMP-01", 1), offerLineOf("DBL", 2, 12900, "EUR"))
	if err != nil {
		t.Fatal(err)
	}
	want := 4900 + 2*12900
	if o.Total != eur(int64(want)) || pr.Amount != o.Total {
		t.Errorf("total %v, payment %v, want %d", o.Total, pr.Amount, want)
	}
	stored := s.order(o.ID)
	if l := stored.Lines[1]; l.SKU != concierge.OfferSKU("hotel", "DBL") || l.Unit != eur(12900) || l.Title != "Room DBL" || l.Quantity != 2 {
		t.Errorf("offer line %+v", l)
	}
	after := s.stock(s.bot.ID)
	if after["LAMP-01"] != before["LAMP-01"]-1 || len(after) != len(before) {
		t.Errorf("stock %v, was %v: only the lamp is reserved", after, before)
	}

	wrongSKU := offerLineOf("DBL", 1, 12900, "EUR")
	wrongSKU.SKU = concierge.OfferSKU("hotel", "SGL")
	for name, tt := range map[string]struct {
		l    concierge.CartLine
		code concierge.Code
	}{
		"another currency": {offerLineOf("DBL", 1, 12900, "USD"), concierge.CodeInternal},
		"no price":         {offerLineOf("DBL", 1, 0, "EUR"), concierge.CodeInternal},
		"another offer":    {wrongSKU, concierge.CodeInternal},
		"no quantity":      {offerLineOf("DBL", 0, 12900, "EUR"), concierge.CodeInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			c := s.customer(s.bot, "en")
			before := s.stock(s.bot.ID)
			o, _, err := c.placeOrder(line("LAMP-01", 1), tt.l)
			if o != nil || concierge.ErrorCode(err) != tt.code {
				t.Fatalf("order %v, err %v: want code %s", o, err, tt.code)
			}
			if n := countOrders(s, c); n != 0 {
				t.Errorf("%d orders stored", n)
			}
			if after := s.stock(s.bot.ID); !maps.Equal(after, before) {
				t.Errorf("stock changed: %v, was %v", after, before)
			}
		})
	}
}
