package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/whatsapp"
	"github.com/conciergehq/concierge/adapters/whatsapp/whatsapptest"
)

type window struct{ last time.Time }

func (w window) LastInbound(context.Context, concierge.ConversationID) (time.Time, error) {
	return w.last, nil
}

type receipts struct {
	mu  sync.Mutex
	ids map[int64][]string
}

func (r *receipts) RecordSent(_ context.Context, _ concierge.BotID, _ concierge.Channel, id int64, ids []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[int64][]string{}
	}
	r.ids[id] = append(r.ids[id], ids...)
	return nil
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newAdapter(t *testing.T, last time.Time, templates map[string]whatsapp.TemplateRef) (*whatsapp.Adapter, *whatsapptest.Server, *receipts) {
	t.Helper()
	fake := whatsapptest.New("TOKEN")
	t.Cleanup(fake.Close)
	rc := &receipts{}
	a, err := whatsapp.New(whatsapp.Config{PhoneNumberID: "1122334455667", AccessToken: "TOKEN", AppSecret: "s", VerifyToken: "v",
		GraphAPIURL: fake.URL + "/v21.0", Templates: templates, Window: window{last}, Receipts: rc, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return a, fake, rc
}

func msg(id int64, m concierge.Message) *concierge.Outbound {
	return &concierge.Outbound{ID: id, Conversation: 7, Bot: "shop", Channel: concierge.ChannelWhatsApp, Chat: "33612345678", Locale: "en", Message: m}
}

func TestSendInsideWindow(t *testing.T) {
	a, fake, rc := newAdapter(t, now.Add(-time.Hour), nil)
	m := msg(1, concierge.Message{Kind: concierge.MessagePayment, Text: "Order ML-1 is ready.",
		Payment: &concierge.PaymentRequest{Order: "ML-1", Label: "Pay €49.00", URL: "https://checkout.stripe.com/c/pay/cs_1"}})
	if err := a.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	sent := fake.SentTo("33612345678")
	if len(sent) != 1 || sent[0].PhoneNumberID != "1122334455667" || sent[0].Interactive() != "cta_url" || sent[0].CTA() != "https://checkout.stripe.com/c/pay/cs_1" {
		t.Fatalf("sent %+v", sent)
	}
	if got := rc.ids[1]; len(got) != 1 || got[0] != sent[0].ID {
		t.Fatalf("receipts %v", rc.ids)
	}
}

// TestWindow: outside the 24-hour window only a named template goes out;
// anything else is refused as undeliverable with the reason, and nothing
// reaches WhatsApp.
func TestWindow(t *testing.T) {
	paid := concierge.Message{Kind: concierge.MessageOrder, Text: "Order ML-1 is paid.", Order: &concierge.OrderView{ID: "ML-1", State: concierge.OrderPaid}}
	expired := concierge.Message{Kind: concierge.MessageOrder, Text: "Order ML-1 expired.", Order: &concierge.OrderView{ID: "ML-1", State: concierge.OrderExpired}}
	templates := map[string]whatsapp.TemplateRef{"order_paid": {Name: "order_update", Language: "en_US"}}
	t.Run("template", func(t *testing.T) {
		a, fake, _ := newAdapter(t, now.Add(-25*time.Hour), templates)
		if err := a.Send(context.Background(), msg(1, paid)); err != nil {
			t.Fatal(err)
		}
		s := fake.Sent()
		if len(s) != 1 || s[0].Type != "template" || !strings.Contains(string(s[0].Raw), `"name":"order_update"`) || !strings.Contains(string(s[0].Raw), `"text":"ML-1"`) {
			t.Fatalf("sent %+v", s)
		}
	})
	for name, c := range map[string]struct {
		last time.Time
		m    concierge.Message
		why  string
	}{
		"no template for the purpose": {now.Add(-25 * time.Hour), expired, "no template is named for order_expired"},
		"plain text":                  {now.Add(-25 * time.Hour), concierge.Message{Kind: concierge.MessageText, Text: "hi"}, "only an approved template"},
		"never wrote":                 {time.Time{}, concierge.Message{Kind: concierge.MessageText, Text: "hi"}, "never wrote"},
	} {
		t.Run(name, func(t *testing.T) {
			a, fake, _ := newAdapter(t, c.last, templates)
			err := a.Send(context.Background(), msg(1, c.m))
			if !errors.Is(err, concierge.ErrUndeliverable) || !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), "24-hour window") {
				t.Fatalf("err = %v", err)
			}
			if len(fake.Sent()) != 0 {
				t.Fatal("something was sent")
			}
		})
	}
}

// TestSendErrors: WhatsApp's "cannot reach" codes are undeliverable; rate
// limits and outages are retried (a plain error).
func TestSendErrors(t *testing.T) {
	for _, c := range []struct {
		status, code  int
		undeliverable bool
	}{
		{400, 131047, true},
		{400, 131026, true},
		{429, 130429, false},
		{400, 131056, false},
		{500, 1, false},
	} {
		a, fake, _ := newAdapter(t, now, nil)
		fake.FailNext(c.status, c.code, "no")
		err := a.Send(context.Background(), msg(1, concierge.Message{Kind: concierge.MessageText, Text: "hi"}))
		if err == nil || errors.Is(err, concierge.ErrUndeliverable) != c.undeliverable {
			t.Errorf("code %d: err = %v", c.code, err)
		}
	}
}

// TestSendPartsInOrder: a message that takes several calls sends them in
// order and records every wamid.
func TestSendPartsInOrder(t *testing.T) {
	a, fake, rc := newAdapter(t, now, nil)
	c := concierge.Card{SKU: "L", Title: "Lamp", PriceText: "€1", Image: "https://cdn.example/l.jpg",
		Buttons: []concierge.Button{{Label: "Add", Value: "add:L"}}}
	if err := a.Send(context.Background(), msg(3, concierge.Message{Kind: concierge.MessageCards, Cards: []concierge.Card{c}})); err != nil {
		t.Fatal(err)
	}
	s := fake.Sent()
	if len(s) != 2 || s[0].Type != "image" || s[1].Interactive() != "button" || len(rc.ids[3]) != 2 {
		t.Fatalf("sent %+v, receipts %v", s, rc.ids)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, cfg := range []whatsapp.Config{
		{},
		{PhoneNumberID: "1", AccessToken: "t", AppSecret: "s"},
		{PhoneNumberID: "1", AccessToken: "t", AppSecret: "s", VerifyToken: "v", GraphAPIURL: "ftp://x"},
	} {
		if _, err := whatsapp.New(cfg); concierge.ErrorCode(err) != concierge.CodeInvalid {
			t.Errorf("New(%+v) = %v", cfg, err)
		}
	}
}

// tokenStore is a Tokens kept in memory, as the store keeps them in
// button_tokens: per bot, first value wins.
type tokenStore struct {
	mu   sync.Mutex
	m    map[string]string
	fail error
}

func (s *tokenStore) SaveButtonTokens(_ context.Context, bot concierge.BotID, tokens map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if s.m == nil {
		s.m = map[string]string{}
	}
	for t, v := range tokens {
		if _, ok := s.m[string(bot)+"/"+t]; !ok {
			s.m[string(bot)+"/"+t] = v
		}
	}
	return nil
}

func (s *tokenStore) ButtonValue(_ context.Context, bot concierge.BotID, token string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return "", s.fail
	}
	v, ok := s.m[string(bot)+"/"+token]
	if !ok {
		return "", concierge.ErrNotFound
	}
	return v, nil
}

func newTokenAdapter(t *testing.T, store *tokenStore) (*whatsapp.Adapter, *whatsapptest.Server) {
	t.Helper()
	fake := whatsapptest.New("TOKEN")
	t.Cleanup(fake.Close)
	cfg := whatsapp.Config{PhoneNumberID: "1122334455667", AccessToken: "TOKEN", AppSecret: "s", VerifyToken: "v",
		GraphAPIURL: fake.URL + "/v21.0", Window: window{now.Add(-time.Hour)}, Now: func() time.Time { return now }}
	if store != nil {
		cfg.Tokens = store
	}
	a, err := whatsapp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, fake
}

// longPage is page 1 of 10 products with 40-character SKUs: its Next
// carries 417 bytes, more than any id holds.
func longPage() (concierge.Message, string) {
	var skus []string
	var cards []concierge.Card
	for i := range 10 {
		sku := fmt.Sprintf("MAISON-LUMIERE-SERIES-DESK-LAMP-BRASS-%02d", i+1)
		skus = append(skus, sku)
		if i < 5 {
			cards = append(cards, concierge.Card{SKU: concierge.SKU(sku), Title: sku[30:], Buttons: []concierge.Button{{Label: "Add", Value: "add:" + sku}}})
		}
	}
	next := "page:2:" + strings.Join(skus, ",")
	return concierge.Message{Kind: concierge.MessageCards, Text: "I found 10 lamps:", Cards: cards,
		Pager: &concierge.Pager{Page: 1, Pages: 2, Next: &concierge.Button{Label: "Next ›", Value: next}}}, next
}

// TestSendTokens: a choice whose value is too long for an id is sent as a
// token stored before the message; its choice comes back as the value;
// an unknown token is an expired choice; short values are their own id.
func TestSendTokens(t *testing.T) {
	ctx := context.Background()
	m, next := longPage()
	store := &tokenStore{}
	a, fake := newTokenAdapter(t, store)
	if err := a.Send(ctx, msg(1, m)); err != nil {
		t.Fatal(err)
	}
	sent := fake.SentTo("33612345678")
	if len(sent) != 1 {
		t.Fatalf("sent %d messages", len(sent))
	}
	ids := sent[0].Choices()
	if len(ids) != 6 || ids[0] != "add:MAISON-LUMIERE-SERIES-DESK-LAMP-BRASS-01" {
		t.Fatalf("choices %q", ids)
	}
	tok := ids[5]
	if tok != whatsapp.Tokenize("shop", next) {
		t.Fatalf("Next's id is %q, want its token", tok)
	}
	if v, err := store.ButtonValue(ctx, "shop", tok); err != nil || v != next {
		t.Fatalf("stored %q, %v", v, err)
	}

	tests := []struct {
		name      string
		ev        concierge.Event
		wantValue string
	}{
		{"token of this bot", concierge.Event{Kind: concierge.EventButton, Bot: "shop", Value: tok}, next},
		{"token never stored", concierge.Event{Kind: concierge.EventButton, Bot: "shop", Value: whatsapp.Tokenize("shop", "page:2:X")}, concierge.ExpiredChoice},
		{"token of another bot", concierge.Event{Kind: concierge.EventButton, Bot: "other", Value: tok}, concierge.ExpiredChoice},
		{"plain value", concierge.Event{Kind: concierge.EventButton, Bot: "shop", Value: "add:LAMP-01"}, "add:LAMP-01"},
		{"text shaped like a token", concierge.Event{Kind: concierge.EventText, Bot: "shop", Text: tok, Value: tok}, tok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := tt.ev
			if err := a.Resolve(ctx, &ev); err != nil || ev.Value != tt.wantValue {
				t.Fatalf("Resolve = %v, value %q; want %q", err, ev.Value, tt.wantValue)
			}
		})
	}

	// The store failing: the send is retried, nothing reaches WhatsApp;
	// a choice cannot be resolved and is not called expired.
	store.fail = errors.New("disk full")
	if err := a.Send(ctx, msg(2, m)); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("send with a failing store: %v", err)
	}
	if n := len(fake.SentTo("33612345678")); n != 1 {
		t.Fatalf("%d messages sent, want still 1", n)
	}
	ev := concierge.Event{Kind: concierge.EventButton, Bot: "shop", Value: tok}
	if err := a.Resolve(ctx, &ev); err == nil || ev.Value != tok {
		t.Fatalf("resolve with a failing store: %v, value %q", err, ev.Value)
	}
}

// TestSendWithoutTokenStore: with no store, Next is left out (it could
// not come back) and the products are still offered.
func TestSendWithoutTokenStore(t *testing.T) {
	m, _ := longPage()
	a, fake := newTokenAdapter(t, nil)
	if err := a.Send(context.Background(), msg(1, m)); err != nil {
		t.Fatal(err)
	}
	sent := fake.SentTo("33612345678")
	if len(sent) != 1 || len(sent[0].Choices()) != 5 {
		t.Fatalf("sent %s", sent[0].Raw)
	}
	ev := concierge.Event{Kind: concierge.EventButton, Bot: "shop", Value: whatsapp.Tokenize("shop", "page:2:X")}
	if err := a.Resolve(context.Background(), &ev); err != nil || ev.Value != concierge.ExpiredChoice {
		t.Fatalf("a token without a store: %v, value %q", err, ev.Value)
	}
}
