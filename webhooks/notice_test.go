package webhooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
)

// fakeProvider is a payment provider whose notifications are a JSON
// concierge.PaymentNotice signed by the X-Sig header equal to its secret.
type fakeProvider struct{ secret string }

var (
	_ concierge.PaymentProvider = fakeProvider{}
	_ concierge.PaymentNotifier = fakeProvider{}
)

func (fakeProvider) Name() string { return "fakepay" }

func (fakeProvider) Request(context.Context, *concierge.Bot, *concierge.Order) (*concierge.PaymentRequest, error) {
	return nil, nil
}

func (p fakeProvider) Notice(h http.Header, body []byte) (concierge.PaymentNotice, error) {
	if h.Get("X-Sig") != p.secret {
		return concierge.PaymentNotice{}, concierge.ErrUnauthorized
	}
	var n concierge.PaymentNotice
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		return n, concierge.Errorf(concierge.CodeInvalid, "fakepay", "not a notice")
	}
	return n, nil
}

// applied records what the server asked of checkout and the store.
type applied struct {
	mu       sync.Mutex
	calls    []string
	known    map[concierge.OrderID]bool
	pending  map[concierge.OrderID]bool
	payments []concierge.Payment
}

func (a *applied) record(s string) {
	a.mu.Lock()
	a.calls = append(a.calls, s)
	a.mu.Unlock()
}

func (a *applied) ApplyPayment(ctx context.Context, bot concierge.BotID, p concierge.Payment) (string, error) {
	if !a.known[p.Order] {
		return "", concierge.ErrNotFound
	}
	a.record("pay " + string(bot) + " " + string(p.Order))
	return "paid", nil
}

func (a *applied) Order(context.Context, concierge.OrderID) (*concierge.Order, error) {
	return nil, concierge.ErrNotFound
}

func (a *applied) ProviderExpired(ctx context.Context, bot concierge.BotID, o concierge.OrderID) (bool, error) {
	if !a.known[o] {
		return false, concierge.ErrNotFound
	}
	a.record("expire " + string(o))
	return a.pending[o], nil
}

func (a *applied) RecordRefunds(ctx context.Context, bot concierge.BotID, rs []concierge.Refund) (int, int, error) {
	rec := 0
	for _, r := range rs {
		if a.known[r.Order] {
			a.record("refund " + string(r.Order))
			rec++
		}
	}
	return rec, len(rs) - rec, nil
}

func (a *applied) PaymentFailed(ctx context.Context, bot *concierge.Bot, f concierge.PaymentFailure) (string, error) {
	if !a.known[f.Order] {
		return "", concierge.ErrNotFound
	}
	a.record("fail " + string(f.Order))
	return "failed", nil
}

// TestNoticeRoute: a provider that is a PaymentNotifier is served at
// POST /webhooks/{bot}/{its name} with nothing in webhooks naming it: the
// signature first (forged → 401, nothing applied), then each kind of
// notice is applied once, or acknowledged and ignored when it is another
// bot's or its order is unknown; a body over the notice limit is 413.
func TestNoticeRoute(t *testing.T) {
	tests := []struct {
		name   string
		sig    string
		notice concierge.PaymentNotice
		body   string // instead of the notice, when set
		status int
		result string
		calls  []string
	}{
		{"forged", "wrong", concierge.PaymentNotice{Kind: concierge.NoticePaid, Order: "A1", Payment: concierge.Payment{Order: "A1"}}, "", 401, "", nil},
		{"paid", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticePaid, Bot: "shop", Order: "A1", Payment: concierge.Payment{Order: "A1"}}, "", 200, "paid", []string{"pay shop A1"}},
		{"paid, bot unsaid", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticePaid, Order: "A1", Payment: concierge.Payment{Order: "A1"}}, "", 200, "paid", []string{"pay shop A1"}},
		{"another bot's", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticePaid, Bot: "other", Order: "A1", Payment: concierge.Payment{Order: "A1"}}, "", 200, "other_bot", nil},
		{"unknown order", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticePaid, Order: "ZZ", Payment: concierge.Payment{Order: "ZZ"}}, "", 200, "unknown_order", nil},
		{"expired", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticeExpired, Order: "A1"}, "", 200, "expired", []string{"expire A1"}},
		{"expired, not pending", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticeExpired, Order: "B2"}, "", 200, "not_pending", []string{"expire B2"}},
		{"failed", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticeFailed, Order: "A1", Failure: concierge.PaymentFailure{Order: "A1"}}, "", 200, "failed", []string{"fail A1"}},
		{"refunded", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticeRefunded, Refunds: []concierge.Refund{{Order: "A1"}, {Order: "ZZ"}}}, "", 200, "refund_recorded", []string{"refund A1"}},
		{"refund of unknown", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticeRefunded, Refunds: []concierge.Refund{{Order: "ZZ"}}}, "", 200, "unknown_order", nil},
		{"ignored", "s3cret", concierge.PaymentNotice{Kind: concierge.NoticeIgnored, Bot: "other"}, "", 200, "ignored", nil},
		{"garbage", "s3cret", concierge.PaymentNotice{}, "{not json", 400, "", nil},
		{"too large", "s3cret", concierge.PaymentNotice{}, `{"Kind":"ignored","Type":"` + strings.Repeat("x", noticeMaxBody) + `"}`, 413, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &concierge.Registry{}
			reg.AddProvider("shop", fakeProvider{secret: "s3cret"})
			a := &applied{known: map[concierge.OrderID]bool{"A1": true, "B2": true}, pending: map[concierge.OrderID]bool{"A1": true}}
			s := New(Config{
				Bots:     map[concierge.BotID]*Bot{"shop": {Bot: &concierge.Bot{ID: "shop"}}},
				Channels: reg, Payments: a, Orders: a, Failures: a,
				Ready: func(context.Context) error { return nil }, Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(),
			})
			body := tt.body
			if body == "" {
				b, _ := json.Marshal(tt.notice)
				body = string(b)
			}
			code, got := do(t, s, http.MethodPost, "/webhooks/shop/fakepay", map[string]string{"X-Sig": tt.sig}, body)
			if code != tt.status {
				t.Fatalf("status %d (%s), want %d", code, got, tt.status)
			}
			if tt.result != "" && !strings.Contains(got, `"result":"`+tt.result+`"`) {
				t.Errorf("answer %s, want result %q", got, tt.result)
			}
			if strings.Join(a.calls, ";") != strings.Join(tt.calls, ";") {
				t.Errorf("applied %q, want %q", a.calls, tt.calls)
			}
		})
	}
	// Neither a channel nor a provider of that name: 404.
	s := New(Config{Bots: map[concierge.BotID]*Bot{"shop": {Bot: &concierge.Bot{ID: "shop"}}}, Channels: &concierge.Registry{},
		Ready: func(context.Context) error { return nil }, Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	if code, _ := do(t, s, http.MethodPost, "/webhooks/shop/fakepay", nil, "{}"); code != http.StatusNotFound {
		t.Errorf("no such provider: status %d, want 404", code)
	}
}
