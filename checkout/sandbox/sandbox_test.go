package sandbox

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// testSecret is 32 bytes, the shortest secret New accepts.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func newTestProvider(t *testing.T, baseURL string) *Provider {
	t.Helper()
	p, err := New(Config{Secret: testSecret, BaseURL: baseURL, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func testOrder() *concierge.Order {
	return &concierge.Order{
		ID:    "ML-7K3Q9D",
		Bot:   "maison-lumiere",
		State: concierge.OrderPending,
		Lines: []concierge.OrderLine{{SKU: "LAMP-01", Title: "Aurore bedside lamp", Quantity: 2, Unit: concierge.Money{Minor: 4900, Currency: "EUR"}}},
		Total: concierge.Money{Minor: 9800, Currency: "EUR"},
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"good", Config{Secret: testSecret, BaseURL: "http://localhost:8080"}, true},
		{"trailing slash and prefix", Config{Secret: testSecret, BaseURL: "https://shop.example/concierge/"}, true},
		{"short secret", Config{Secret: testSecret[:31], BaseURL: "http://localhost:8080"}, false},
		{"no secret", Config{BaseURL: "http://localhost:8080"}, false},
		{"no base URL", Config{Secret: testSecret}, false},
		{"relative base URL", Config{Secret: testSecret, BaseURL: "/shop"}, false},
		{"other scheme", Config{Secret: testSecret, BaseURL: "ftp://localhost"}, false},
		{"base URL with query", Config{Secret: testSecret, BaseURL: "http://localhost:8080/?a=b"}, false},
		{"negative tolerance", Config{Secret: testSecret, BaseURL: "http://localhost:8080", Tolerance: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if tt.ok {
				if err != nil || p == nil {
					t.Fatalf("New = %v, %v; want a provider", p, err)
				}
				return
			}
			if concierge.ErrorCode(err) != concierge.CodeInvalid {
				t.Fatalf("New error = %v; want CodeInvalid", err)
			}
			if strings.Contains(err.Error(), string(testSecret[:16])) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	p, err := New(Config{Secret: testSecret, BaseURL: "http://localhost:8080/"})
	if err != nil {
		t.Fatal(err)
	}
	if p.tolerance != DefaultTolerance || p.client == nil || p.now == nil || p.baseURL != "http://localhost:8080" {
		t.Errorf("defaults not applied: tolerance %v, client %v, base %q", p.tolerance, p.client, p.baseURL)
	}
	if p.Name() != "sandbox" {
		t.Errorf("Name = %q", p.Name())
	}
}

func TestRequest(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	bot := &concierge.Bot{ID: "maison-lumiere", Name: "Maison Lumière", Currency: "EUR"}
	o := testOrder()
	pr, err := p.Request(context.Background(), bot, o)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Provider != "sandbox" || !pr.Sandbox || pr.Amount != o.Total || pr.Order != o.ID || pr.Label != "" || pr.AmountText != "" {
		t.Errorf("Request = %+v", pr)
	}
	u, err := url.Parse(pr.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Scheme+"://"+u.Host+u.Path, "http://localhost:8080/sandbox/maison-lumiere/pay/ML-7K3Q9D"; got != want {
		t.Errorf("URL = %s; want %s?t=…", pr.URL, want)
	}
	token := u.Query().Get(FormToken)
	if token == "" {
		t.Fatalf("URL %s has no token", pr.URL)
	}
	if err := p.CheckPageToken(bot.ID, o, token); err != nil {
		t.Errorf("CheckPageToken(own token) = %v", err)
	}
}

func TestRequestRefuses(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	bot := &concierge.Bot{ID: "maison-lumiere"}
	tests := []struct {
		name   string
		bot    *concierge.Bot
		change func(o *concierge.Order)
	}{
		{"no bot", nil, func(*concierge.Order) {}},
		{"no order id", bot, func(o *concierge.Order) { o.ID = "" }},
		{"zero amount", bot, func(o *concierge.Order) { o.Total.Minor = 0 }},
		{"negative amount", bot, func(o *concierge.Order) { o.Total.Minor = -1 }},
		{"no currency", bot, func(o *concierge.Order) { o.Total.Currency = "" }},
		{"other bot's order", bot, func(o *concierge.Order) { o.Bot = "other" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder()
			tt.change(o)
			if _, err := p.Request(context.Background(), tt.bot, o); concierge.ErrorCode(err) != concierge.CodeInvalid {
				t.Errorf("Request error = %v; want CodeInvalid", err)
			}
		})
	}
	if _, err := p.Request(context.Background(), bot, nil); concierge.ErrorCode(err) != concierge.CodeInvalid {
		t.Errorf("Request(nil order) error = %v; want CodeInvalid", err)
	}
}

func TestCheckPageTokenRefuses(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	const bot concierge.BotID = "maison-lumiere"
	good := p.pageToken(bot, testOrder())
	other, err := New(Config{Secret: []byte(strings.Repeat("x", 32)), BaseURL: "http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		bot    concierge.BotID
		token  string
		change func(o *concierge.Order)
	}{
		{"tampered amount", bot, good, func(o *concierge.Order) { o.Total.Minor = 1 }},
		{"tampered currency", bot, good, func(o *concierge.Order) { o.Total.Currency = "JPY" }},
		{"made-up order", bot, good, func(o *concierge.Order) { o.ID = "ML-AAAAAA" }},
		{"other bot", "other-shop", good, func(o *concierge.Order) { o.Bot = "" }},
		{"order of another bot", "other-shop", good, func(*concierge.Order) {}},
		{"empty token", bot, "", func(*concierge.Order) {}},
		{"not base64", bot, "!!!", func(*concierge.Order) {}},
		{"truncated token", bot, good[:20], func(*concierge.Order) {}},
		{"token of another secret", bot, other.pageToken(bot, testOrder()), func(*concierge.Order) {}},
		{"notification signature as token", bot, p.Sign([]byte("{}"), testNow), func(*concierge.Order) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder()
			tt.change(o)
			err := p.CheckPageToken(tt.bot, o, tt.token)
			if concierge.ErrorCode(err) != concierge.CodeUnauthorized {
				t.Errorf("CheckPageToken = %v; want CodeUnauthorized", err)
			}
		})
	}
	if err := p.CheckPageToken(bot, nil, good); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
		t.Errorf("CheckPageToken(nil order) = %v; want CodeUnauthorized", err)
	}
}

// TestPageTokenFieldsUnambiguous checks that moving characters between the
// signed fields changes the token.
func TestPageTokenFieldsUnambiguous(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	a := &concierge.Order{ID: "12", Total: concierge.Money{Minor: 3, Currency: "EUR"}}
	b := &concierge.Order{ID: "1", Total: concierge.Money{Minor: 23, Currency: "EUR"}}
	if p.pageToken("x", a) == p.pageToken("x", b) {
		t.Error("orders 12/3 and 1/23 share a token")
	}
	if p.pageToken("ab", &concierge.Order{ID: "c", Total: a.Total}) == p.pageToken("a", &concierge.Order{ID: "bc", Total: a.Total}) {
		t.Error("ab/c and a/bc share a token")
	}
	if err := p.CheckPageToken("x", b, p.pageToken("x", a)); err == nil {
		t.Error("a token for one order opened another")
	}
}
