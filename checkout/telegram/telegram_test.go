package telegram

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/conciergehq/concierge"
)

var bot = &concierge.Bot{ID: "shop", Currency: "EUR", Products: []concierge.Product{
	{SKU: "LAMP", Price: concierge.Money{Minor: 4900, Currency: "EUR"}},
	{SKU: "GIFT", Price: concierge.Money{Minor: 3050, Currency: "EUR"}, Digital: true},
}}

func order(lines ...concierge.OrderLine) *concierge.Order {
	o := &concierge.Order{ID: "S-1", Bot: "shop", State: concierge.OrderPending, Provider: ProviderName, Total: concierge.Money{Currency: "EUR"},
		ExpiresAt: time.Date(2026, 1, 1, 13, 0, 0, 0, time.UTC)}
	for _, l := range lines {
		o.Lines = append(o.Lines, l)
		o.Total = o.Total.Add(l.Unit.Mul(l.Quantity))
	}
	return o
}

var (
	lamp = concierge.OrderLine{SKU: "LAMP", Quantity: 1, Unit: concierge.Money{Minor: 4900, Currency: "EUR"}}
	gift = concierge.OrderLine{SKU: "GIFT", Quantity: 1, Unit: concierge.Money{Minor: 3050, Currency: "EUR"}}
)

func TestCharge(t *testing.T) {
	both, _ := New(Config{Bot: bot, ProviderToken: "tok", StarsForDigital: true, StarsPerUnit: 50})
	stars, _ := New(Config{Bot: bot, StarsForDigital: true})
	fiat, _ := New(Config{Bot: bot, ProviderToken: "tok"})
	tests := []struct {
		p    *Provider
		o    *concierge.Order
		want concierge.Money
		err  bool
	}{
		{both, order(gift), concierge.Money{Minor: 1525, Currency: "XTR"}, false}, // 30.50 € × 50, rounded up
		{both, order(lamp), concierge.Money{Minor: 4900, Currency: "EUR"}, false},
		{both, order(lamp, gift), concierge.Money{Minor: 7950, Currency: "EUR"}, false}, // mixed: one invoice in euros
		{fiat, order(gift), concierge.Money{Minor: 3050, Currency: "EUR"}, false},
		{stars, order(gift), concierge.Money{Minor: 1525, Currency: "XTR"}, false},
		{stars, order(lamp), concierge.Money{}, true}, // physical goods need a provider token
	}
	for i, tt := range tests {
		got, err := tt.p.Charge(tt.o)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("%d: Charge = %+v, %v; want %+v (error %v)", i, got, err, tt.want, tt.err)
		}
	}
	if _, err := New(Config{Bot: bot}); err == nil {
		t.Error("a provider with neither token nor Stars")
	}
	pr, err := both.Request(context.Background(), bot, order(gift))
	if err != nil || pr.Provider != "telegram" || pr.Order != "S-1" || pr.Amount.Currency != "XTR" {
		t.Errorf("Request = %+v, %v", pr, err)
	}
}

func TestCheckAndSettle(t *testing.T) {
	p, _ := New(Config{Bot: bot, ProviderToken: "tok", StarsForDigital: true})
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	xtr := concierge.Money{Minor: 1525, Currency: "XTR"}
	with := func(f func(o *concierge.Order)) *concierge.Order { o := order(gift); f(o); return o }
	tests := []struct {
		o    *concierge.Order
		amt  concierge.Money
		want Refusal
	}{
		{order(gift), xtr, ""},
		{nil, xtr, RefuseUnknown},
		{with(func(o *concierge.Order) { o.Bot = "other" }), xtr, RefuseUnknown},
		{order(gift), concierge.Money{Minor: 1524, Currency: "XTR"}, RefuseChanged},
		{order(gift), concierge.Money{Minor: 3050, Currency: "EUR"}, RefuseChanged},
		{with(func(o *concierge.Order) { o.State = concierge.OrderPaid }), xtr, RefusePaid},
		{with(func(o *concierge.Order) { o.State = concierge.OrderExpired }), xtr, RefuseExpired},
		{with(func(o *concierge.Order) { o.ExpiresAt = now }), xtr, RefuseExpired},
		{with(func(o *concierge.Order) { o.State = concierge.OrderCancelled }), xtr, RefuseCancelled},
	}
	for i, tt := range tests {
		if got := p.Check(tt.o, tt.amt, now); got != tt.want {
			t.Errorf("%d: Check = %q, want %q", i, got, tt.want)
		}
		// The channel asks through concierge.InvoiceChecker.
		refusal, text := p.CheckInvoice(tt.o, tt.amt, now)
		wantText := ""
		if tt.want != "" {
			wantText = tt.want.TextID()
		}
		if refusal != string(tt.want) || text != wantText {
			t.Errorf("%d: CheckInvoice = %q, %q; want %q, %q", i, refusal, text, tt.want, wantText)
		}
	}
	// adapters/telegram finds this provider under its channel's name.
	if ProviderName != string(concierge.ChannelTelegram) {
		t.Errorf("ProviderName = %q, the Telegram channel looks for %q", ProviderName, concierge.ChannelTelegram)
	}
	// Each refusal has its text in every locale catalog, short enough
	// for Telegram's payment form.
	for _, l := range []string{"en", "fr", "zh"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "agent", "locales", l+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var catalog map[string]any
		if err := yaml.Unmarshal(b, &catalog); err != nil {
			t.Fatal(err)
		}
		for _, r := range []Refusal{RefuseUnknown, RefusePaid, RefuseExpired, RefuseCancelled, RefuseChanged} {
			s, _ := catalog[r.TextID()].(string)
			if s = strings.ReplaceAll(s, "{{.ID}}", "S-1"); s == "" || len(s) > 200 {
				t.Errorf("%s: %s = %q", l, r.TextID(), s)
			}
		}
	}
	// A matching Stars payment settles the order's total; a short one
	// stays as paid, which checkout records as a problem.
	if pay := p.Settle(order(gift), xtr, "stx1", now); pay.Amount != order(gift).Total || pay.ProviderRef != "stx1" || pay.Provider != "telegram" {
		t.Errorf("Settle = %+v", pay)
	}
	if pay := p.Settle(order(gift), concierge.Money{Minor: 1, Currency: "XTR"}, "stx2", now); pay.Amount.Currency != "XTR" {
		t.Errorf("short payment settled as %+v", pay)
	}
}
