package telegram_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
)

// updating reports -update, which decode_test.go defines (both test
// packages share one binary).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const token = "123456:TEST-token"

// memTokens is an in-memory Tokens for the adapter's own tests (the
// store's is tested with the store and end to end).
type memTokens struct {
	mu sync.Mutex
	m  map[string]string
	n  int // SaveButtonTokens calls
}

func (t *memTokens) SaveButtonTokens(_ context.Context, bot concierge.BotID, toks map[string]string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	for k, v := range toks {
		t.m[string(bot)+"/"+k] = v
	}
	return nil
}

func (t *memTokens) ButtonValue(_ context.Context, bot concierge.BotID, tok string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.m[string(bot)+"/"+tok]
	if !ok {
		return "", concierge.ErrNotFound
	}
	return v, nil
}

func newAdapter(t *testing.T) (*telegram.Adapter, *telegramtest.Server, *memTokens) {
	t.Helper()
	fake := telegramtest.New(token)
	t.Cleanup(func() {
		fake.Close()
		for _, p := range fake.Problems() {
			t.Errorf("Bot API breach: %s", p)
		}
	})
	toks := &memTokens{m: map[string]string{}}
	a := telegram.New(telegram.Config{Bot: "shop", Token: token, APIEndpoint: fake.URL, ProviderToken: "284685063:TEST:provider", Tokens: toks,
		Limits: telegram.Limits{PerChat: 1000, PerChatBurst: 1000, Global: 1000, GlobalBurst: 1000}})
	return a, fake, toks
}

func out(chat string, m concierge.Message) *concierge.Outbound {
	return &concierge.Outbound{ID: 1, Conversation: 1, Seq: 1, Bot: "shop", Channel: concierge.ChannelTelegram, Chat: concierge.ChatID(chat), Locale: "fr", Message: m}
}

var card = func(sku, title, price string, minor int64, img string) concierge.Card {
	return concierge.Card{SKU: concierge.SKU(sku), Title: title, Description: "Abat-jour en lin & pied en chêne <massif>", Price: concierge.Money{Minor: minor, Currency: "EUR"},
		PriceText: price, Stock: 12, StockText: "En stock", Image: img,
		Buttons: []concierge.Button{{Label: "Détails", Value: "show:" + sku}, {Label: "Ajouter au panier", Value: "add:" + sku}, {Label: "Acheter", Value: "buy:" + sku}}}
}

// messages are one of each kind, as the agent makes them.
var messages = []struct {
	name string
	m    concierge.Message
}{
	{"text", concierge.Message{Kind: concierge.MessageText, Text: "Bonjour ! <Maison & Lumière> vous aide à choisir.",
		Buttons: []concierge.Button{{Label: "Lampes de chevet", Value: "browse:bedside"}, {Label: "Bureau", Value: "browse:desk"}, {Label: "Ampoules", Value: "browse:bulbs"}}}},
	{"cards_list", concierge.Message{Kind: concierge.MessageCards, Text: "J'ai trouvé 2 produits :",
		Cards:   []concierge.Card{card("LAMP-01", "Lampe de chevet Aurore", "49,00 €", 4900, "/chat/static/img/bedside.svg"), card("LAMP-02", "Lampe de bureau Zénith", "79,00 €", 7900, "")},
		Buttons: []concierge.Button{{Label: "Comparer", Value: "compare:LAMP-01,LAMP-02"}}}},
	// The last page of a list, with one product: a list still (not a
	// photo), numbered from the page's offset, so the next page can edit it.
	{"cards_page", concierge.Message{Kind: concierge.MessageCards, Text: "J'ai trouvé 11 produits :",
		Cards: []concierge.Card{card("LAMP-11", "Lampe Série 1", "30,00 €", 3000, "https://example.com/lamp.jpg")},
		Pager: &concierge.Pager{Page: 3, Pages: 3, Offset: 10, Prev: &concierge.Button{Label: "‹ Précédents", Value: "page:2:LAMP-01,LAMP-02"}}}},
	{"cards_photo", concierge.Message{Kind: concierge.MessageCards, Text: "Voici :", Cards: []concierge.Card{card("LAMP-01", "Lampe de chevet Aurore", "49,00 €", 4900, "https://example.com/lamp.jpg")}}},
	{"cards_one_no_photo", concierge.Message{Kind: concierge.MessageCards, Cards: []concierge.Card{card("LAMP-01", "欧若拉床头灯", "€49.00", 4900, "/chat/static/img/bedside.svg")}}},
	{"comparison", concierge.Message{Kind: concierge.MessageComparison, Text: "Voici la comparaison :\nLa moins chère : Aurore.",
		Comparison: &concierge.Comparison{Products: []concierge.Card{
			{SKU: "LAMP-01", Title: "Aurore", PriceText: "49,00 €", Buttons: []concierge.Button{{Label: "Ajouter", Value: "add:LAMP-01"}}},
			{SKU: "LAMP-02", Title: "Zénith", PriceText: "79,00 €", Buttons: []concierge.Button{{Label: "Ajouter", Value: "add:LAMP-02"}}}},
			Rows: []concierge.ComparisonRow{{Label: "Prix", Values: []string{"49,00 €", "79,00 €"}}, {Label: "Lumens", Values: []string{"350", "600"}}}}}},
	{"cart", concierge.Message{Kind: concierge.MessageCart, Text: "Ajouté.", Fallback: "Ajouté.\n• Aurore × 2 — 98,00 €\nTotal : 98,00 €",
		Buttons: []concierge.Button{{Label: "Commander", Value: "checkout"}, {Label: "+1", Value: "inc:LAMP-01"}, {Label: "−1", Value: "dec:LAMP-01"}}}},
	{"order", concierge.Message{Kind: concierge.MessageOrder, Text: "Merci !", Fallback: "Merci !\nCommande ML-7K3Q9D : payée, 49,00 €\n• Aurore × 1 — 49,00 €"}},
	{"payment_invoice", concierge.Message{Kind: concierge.MessagePayment, Text: "Votre commande ML-7K3Q9D de 98,00 € est prête ; payez dans les 30 minutes.",
		Payment: &concierge.PaymentRequest{Order: "ML-7K3Q9D", Provider: "telegram", Amount: concierge.Money{Minor: 9800, Currency: "EUR"}},
		Order: &concierge.OrderView{ID: "ML-7K3Q9D", Lines: []concierge.CartLineView{
			{SKU: "LAMP-01", Title: "Lampe de chevet Aurore", Quantity: 1, Total: concierge.Money{Minor: 4900, Currency: "EUR"}},
			{SKU: "LAMP-03", Title: "Lampe tactile Luna", Quantity: 1, Total: concierge.Money{Minor: 4900, Currency: "EUR"}}}}}},
	{"payment_stars", concierge.Message{Kind: concierge.MessagePayment, Text: "Votre commande ML-GIFT30 de 1500 ⭐ est prête.",
		Payment: &concierge.PaymentRequest{Order: "ML-GIFT30", Provider: "telegram", Amount: concierge.Money{Minor: 1500, Currency: "XTR"}},
		Order:   &concierge.OrderView{ID: "ML-GIFT30", Lines: []concierge.CartLineView{{SKU: "GIFT-30", Title: "Carte cadeau 30 €", Quantity: 1, Total: concierge.Money{Minor: 3000, Currency: "EUR"}}}}}},
	{"payment_link", concierge.Message{Kind: concierge.MessagePayment, Text: "Payez ici.", Fallback: "Payez ici.\nhttps://pay.example.com/x",
		Payment: &concierge.PaymentRequest{Order: "ML-1", Provider: "stripe", URL: "https://pay.example.com/x", Label: "Payer 49,00 €"}}},
	{"handoff", concierge.Message{Kind: concierge.MessageHandoff, Text: "Un conseiller vous répond bientôt."}},
	{"long_text", concierge.Message{Kind: concierge.MessageText, Text: strings.Repeat("Une très longue phrase sur les lampes. ", 120) + "\n" + strings.Repeat("光", 3000)}},
}

// TestEncodeGolden sends one message of each kind and compares the calls
// the fake Bot API received (which it also checked) with golden files.
func TestEncodeGolden(t *testing.T) {
	for _, tt := range messages {
		t.Run(tt.name, func(t *testing.T) {
			a, fake, _ := newAdapter(t)
			if err := a.Send(context.Background(), out("22222222", tt.m)); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, c := range fake.Calls() {
				fmt.Fprintf(&b, "%s\n", c.Method)
				keys := make([]string, 0, len(c.Params))
				for k := range c.Params {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(&b, "  %s: %s\n", k, c.Params.Get(k))
				}
			}
			path := filepath.Join("testdata", "golden", "encode_"+tt.name+".txt")
			if updating() {
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, []byte(b.String()), 0o644)
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if b.String() != string(want) {
				t.Errorf("%s differs (run go test ./adapters/telegram -update to accept):\n--- got\n%s\n--- want\n%s", path, b.String(), want)
			}
		})
	}
}

// TestButtonsRoundTrip: callback_data are short tokens, stored once, and
// a press resolves back to the value; an unknown token is an expired
// choice.
func TestButtonsRoundTrip(t *testing.T) {
	a, fake, toks := newAdapter(t)
	long := "compare:" + strings.Repeat("SKU-WITH-A-LONG-NAME-", 4) + "," + strings.Repeat("X", 40)
	m := concierge.Message{Kind: concierge.MessageText, Text: "?", Buttons: []concierge.Button{{Label: "Comparer", Value: long}, {Label: "Panier", Value: "cart"}}}
	for range 3 {
		if err := a.Send(context.Background(), out("5", m)); err != nil {
			t.Fatal(err)
		}
	}
	if toks.n != 1 {
		t.Errorf("tokens saved %d times, want once", toks.n)
	}
	bs := fake.Calls("sendMessage")[0].Buttons()
	if len(bs) != 2 || len(bs[0].CallbackData) > telegram.MaxCallbackData || strings.Contains(bs[0].CallbackData, "compare") {
		t.Fatalf("buttons %+v", bs)
	}
	press := func(data string) (*telegram.Update, bool) {
		body := fmt.Sprintf(`{"update_id":9,"callback_query":{"id":"q1","from":{"id":5,"language_code":"zh-hans"},"chat_instance":"1","data":%q,"message":{"message_id":3,"date":1,"chat":{"id":5,"type":"private"}}}}`, data)
		u, err := telegram.Decode("shop", []byte(body), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ok, err := a.Resolve(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		return u, ok
	}
	if u, ok := press(bs[0].CallbackData); !ok || u.Event.Value != long || u.Event.Kind != concierge.EventButton || u.Event.Chat != "5" {
		t.Fatalf("press: ok=%v %+v", ok, u.Event)
	}
	for _, data := range []string{telegram.Tokenize("other-bot", "cart"), "add:LAMP-01", "c" + strings.Repeat("A", 16)} {
		if _, ok := press(data); ok {
			t.Errorf("token %q resolved; want expired", data)
		}
	}
}

// TestSendErrors: 403 is undeliverable, a short 429 is waited out, a long
// one says when to retry, 5xx is an ordinary (retried) error.
func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	msg := concierge.Message{Kind: concierge.MessageText, Text: "Bonjour"}

	a, fake, _ := newAdapter(t)
	fake.Fail("sendMessage", http.StatusForbidden, 0, "Forbidden: bot was blocked by the user")
	if err := a.Send(ctx, out("7", msg)); !errors.Is(err, concierge.ErrUndeliverable) {
		t.Errorf("403: %v, want ErrUndeliverable", err)
	}

	fake.Fail("sendMessage", http.StatusTooManyRequests, 1, "Too Many Requests: retry after 1")
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := a.Send(cctx, out("8", msg))
	cancel()
	if err != nil || time.Since(start) < 900*time.Millisecond {
		t.Errorf("429 retry_after 1: err %v after %s; want success after waiting", err, time.Since(start))
	}
	if n := len(fake.Calls("sendMessage")); n != 3 {
		t.Errorf("%d sendMessage calls, want 3 (403, 429, retry)", n)
	}

	fake.Fail("sendMessage", http.StatusTooManyRequests, 30, "Too Many Requests: retry after 30")
	cctx, cancel = context.WithTimeout(ctx, 2*time.Second)
	err = a.Send(cctx, out("9", msg))
	cancel()
	var re interface{ RetryAfter() time.Duration }
	if !errors.As(err, &re) || re.RetryAfter() != 30*time.Second {
		t.Errorf("429 retry_after 30: %v, want a RetryAfter of 30s", err)
	}
	// The chat stays quiet: the next send fails at once, without a call.
	n := len(fake.Calls())
	cctx, cancel = context.WithTimeout(ctx, 2*time.Second)
	err = a.Send(cctx, out("9", msg))
	cancel()
	if !errors.As(err, &re) || len(fake.Calls()) != n {
		t.Errorf("send during retry_after: %v, %d new calls", err, len(fake.Calls())-n)
	}

	fake.Fail("sendMessage", http.StatusInternalServerError, 0, "Internal Server Error")
	if err := a.Send(ctx, out("10", msg)); err == nil || errors.Is(err, concierge.ErrUndeliverable) || errors.As(err, &re) {
		t.Errorf("500: %v, want a plain error", err)
	}
}

// TestRateLimit: with two messages per second and a burst of two, a
// third message waits for its turn: to the same chat under the per-chat
// limit, to any chat under the global one. Under neither, it goes at once.
func TestRateLimit(t *testing.T) {
	fast := rate.Limit(1000)
	tests := []struct {
		name   string
		limits telegram.Limits
		chats  []string
		wait   bool
	}{
		{"per chat", telegram.Limits{PerChat: 2, PerChatBurst: 2, Global: fast, GlobalBurst: 1000}, []string{"1", "1", "2", "1"}, true},
		{"global", telegram.Limits{PerChat: fast, PerChatBurst: 1000, Global: 2, GlobalBurst: 2}, []string{"1", "2", "3"}, true},
		{"other chats are not held", telegram.Limits{PerChat: 2, PerChatBurst: 2, Global: fast, GlobalBurst: 1000}, []string{"1", "1", "2", "3"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := telegramtest.New(token)
			defer fake.Close()
			a := telegram.New(telegram.Config{Bot: "shop", Token: token, APIEndpoint: fake.URL, Limits: tt.limits})
			msg := concierge.Message{Kind: concierge.MessageText, Text: "x"}
			start := time.Now()
			for _, chat := range tt.chats {
				if err := a.Send(context.Background(), out(chat, msg)); err != nil {
					t.Fatal(err)
				}
			}
			d := time.Since(start)
			if tt.wait && d < 400*time.Millisecond {
				t.Errorf("%d messages after %s; want the last to wait about 500ms", len(tt.chats), d)
			}
			if !tt.wait && d > 300*time.Millisecond {
				t.Errorf("%d messages took %s; want no wait", len(tt.chats), d)
			}
			if n := len(fake.Calls("sendMessage")); n != len(tt.chats) {
				t.Errorf("%d sendMessage calls, want %d", n, len(tt.chats))
			}
		})
	}
}

func TestSplit(t *testing.T) {
	s := strings.Repeat("ab ", 3000) + strings.Repeat("😀", 3000)
	parts := telegram.Split(s, telegram.MaxTextLen)
	if len(parts) < 3 || strings.Join(parts, "") == "" {
		t.Fatalf("%d parts", len(parts))
	}
	total := 0
	for _, p := range parts {
		n := 0
		for _, r := range p {
			n++
			if r >= 0x10000 {
				n++
			}
		}
		if n > telegram.MaxTextLen {
			t.Errorf("part of %d UTF-16 units", n)
		}
		total += len(p)
	}
	if total < len(s)-10 {
		t.Errorf("lost text: %d of %d bytes", total, len(s))
	}
	if got := telegram.Escape(`<b>&"x"</b>`); got != `&lt;b&gt;&amp;"x"&lt;/b&gt;` {
		t.Errorf("Escape = %q", got)
	}
}

// TestPollerAndWebhook: the poller deletes the webhook, hands each update
// to the handler in order, moves the offset only past handled updates,
// and makes the handler's answer; SetWebhook sends secret_token,
// allowed_updates and max_connections through MakeRequest.
func TestPollerAndWebhook(t *testing.T) {
	a, fake, _ := newAdapter(t)
	ctx := context.Background()
	if err := a.Client().SetWebhook(ctx, telegram.WebhookConfig{URL: "https://shop.example.com/webhooks/shop/telegram", SecretToken: "s3cret_-X", MaxConnections: 20}); err != nil {
		t.Fatal(err)
	}
	wh := fake.Webhook()
	var allowed []string
	json.Unmarshal([]byte(wh.Get("allowed_updates")), &allowed)
	if wh.Get("secret_token") != "s3cret_-X" || wh.Get("max_connections") != "20" || len(allowed) != len(telegram.AllowedUpdates) {
		t.Fatalf("setWebhook params %v", wh)
	}
	var mu sync.Mutex
	var got []string
	fails := 1
	p := &telegram.Poller{Adapter: a, Timeout: time.Second, Handle: func(ctx context.Context, body []byte) (telegram.Answer, error) {
		mu.Lock()
		defer mu.Unlock()
		u, err := telegram.Decode("shop", body, time.Now())
		if err != nil {
			return nil, err
		}
		if u.ID == 2 && fails > 0 {
			fails--
			return nil, errors.New("database down")
		}
		got = append(got, fmt.Sprint(u.ID))
		if u.Callback != nil {
			return telegram.CallbackAnswer(u.Callback.QueryID, ""), nil
		}
		return nil, nil
	}}
	fake.Queue([]byte(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"a"}}`))
	fake.Queue([]byte(`{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":5,"type":"private"},"text":"b"}}`))
	fake.Queue([]byte(`{"update_id":3,"callback_query":{"id":"q7","from":{"id":5},"chat_instance":"1","data":"x"}}`))
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p.Run(pctx); close(done) }()
	fake.WaitCalls(0, 1, 5*time.Second, "answerCallbackQuery")
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, ",") != "1,2,3" {
		t.Errorf("handled %v, want 1,2,3 (2 retried)", got)
	}
	if cs := fake.Calls("answerCallbackQuery"); len(cs) != 1 || cs[0].Params.Get("callback_query_id") != "q7" {
		t.Errorf("answers %v", cs)
	}
	if len(fake.Calls("deleteWebhook")) != 1 {
		t.Error("the webhook was not deleted before polling")
	}
}
