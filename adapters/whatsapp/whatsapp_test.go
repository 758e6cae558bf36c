package whatsapp_test

import (
	"context"
	"errors"
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
