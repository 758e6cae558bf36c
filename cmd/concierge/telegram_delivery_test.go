package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// TestTelegramLatePreCheckout: a pre_checkout_query that can no longer be
// answered is logged and acknowledged, in both modes. Here Telegram
// delivers the same query twice (the server stopped after answering it
// but before the update was acknowledged or confirmed), and refuses the
// second answer as it refuses any answer after its 10 seconds. Retrying
// cannot revive the query, so it must not be retried, nor block the
// updates behind it: the customer's next message is answered.
func TestTelegramLatePreCheckout(t *testing.T) {
	for _, mode := range []string{"webhook", "polling"} {
		t.Run(mode, func(t *testing.T) {
			s := startTelegramShop(t, mode)
			c := s.customer("fr")
			inv := findCall(t, c.press(c.press(c.say("je cherche une lampe de bureau"), "buy:LAMP-02"), "consent:yes"), "sendInvoice")

			n := len(s.fake.Calls("answerPreCheckoutQuery"))
			body, _ := json.Marshal(map[string]any{"update_id": s.nextID.Add(1), "pre_checkout_query": map[string]any{"id": "pcq-twice", "from": c.from(),
				"currency": inv.Params.Get("currency"), "total_amount": invoiceTotal(inv), "invoice_payload": inv.Params.Get("payload")}})
			if s.polling {
				s.fake.Queue(body, body)
			} else {
				for i := range 2 {
					if st := s.postRaw(body, tgSecret); st != http.StatusOK {
						t.Errorf("pre-checkout delivery %d: status %d, want 200 (a retry cannot answer it)", i+1, st)
					}
				}
			}
			as := s.fake.WaitCalls(n, 2, 5*time.Second, "answerPreCheckoutQuery")
			if len(as) != 2 || as[0].Params.Get("ok") != "true" {
				t.Fatalf("answers %v; want yes, then a second try that Telegram refuses", as)
			}
			if r := c.say("mon panier"); len(r) == 0 {
				t.Fatal("the update after the late pre-checkout got no reply: the channel is stuck")
			}
			if tries := len(s.fake.Calls("answerPreCheckoutQuery")) - n; tries != 2 {
				t.Errorf("the query was answered %d times, want twice (once per delivery, no retry)", tries)
			}
			if !strings.Contains(s.logs.String(), "pre-checkout query expired") {
				t.Error("the late pre-checkout query is not logged")
			}
		})
	}
}

// TestTelegramPollingDuplicate: in polling mode, an update that comes
// twice (getUpdates after a restart returns what was not confirmed) is
// handled once, through the same de-duplication as the webhook.
func TestTelegramPollingDuplicate(t *testing.T) {
	s := startTelegramShop(t, "polling")
	c := s.customer("zh")
	c.say("/start")
	body, _ := json.Marshal(map[string]any{"update_id": int64(777001), "message": c.message(map[string]any{"text": "我想买台灯"})})
	s.fake.Queue(body, body)
	first := c.replies()
	if again := c.quiet(); len(first) == 0 || len(again) != 0 {
		t.Errorf("update polled twice: %d then %d replies", len(first), len(again))
	}
	entries, err := s.m.DB.Transcript(context.Background(), tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(c.id)), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, e := range entries {
		if e.Dir == "in" && e.Event != nil && e.Event.DedupeKey == "777001" {
			stored++
		}
	}
	if stored != 1 {
		t.Errorf("%d events stored for one update_id, want 1", stored)
	}
}

// TestTelegramSendFailures: a 5xx from the Bot API is retried by the
// outbox with backoff until the message goes through; a 403 (the
// customer blocked the bot) is tried once, marks the conversation and is
// never retried.
func TestTelegramSendFailures(t *testing.T) {
	s := startTelegramShop(t, "webhook")
	ctx := context.Background()

	c := s.customer("fr")
	s.fake.Fail("sendMessage", http.StatusBadGateway, 0, "Bad Gateway")
	s.fake.Fail("sendMessage", http.StatusInternalServerError, 0, "Internal Server Error")
	start := time.Now()
	if r := c.say("bonjour"); len(r) == 0 {
		t.Fatal("no reply after two 5xx")
	}
	sends := 0
	for _, call := range s.fake.Calls("sendMessage") {
		if call.Chat() == c.id {
			sends++
		}
	}
	if sends < 3 {
		t.Errorf("%d sendMessage calls, want the two failures then the delivery", sends)
	}
	// Backoff: the first retry waits at least half the base delay (1 s),
	// the second at least half of twice that.
	if d := time.Since(start); d < 1400*time.Millisecond {
		t.Errorf("delivered %s after two 5xx; want the outbox's backoff in between", d)
	}

	blocked := s.customer("fr")
	s.fake.Fail("sendMessage", http.StatusForbidden, 0, "Forbidden: bot was blocked by the user")
	blocked.post(map[string]any{"message": blocked.message(map[string]any{"text": "bonjour"})})
	deadline := time.Now().Add(10 * time.Second)
	var conv *concierge.Conversation
	for time.Now().Before(deadline) {
		var err error
		conv, err = s.m.DB.FindConversation(ctx, tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(blocked.id)))
		if err == nil && conv.Undeliverable {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if conv == nil || !conv.Undeliverable {
		t.Fatalf("after 403 the conversation is %+v; want undeliverable", conv)
	}
	// Once the outbox holds nothing for the chat, nothing more can be
	// tried: a 403 is final, not retried later.
	for time.Now().Before(deadline) && !(&customer{s: s.shop}).idle() {
		time.Sleep(20 * time.Millisecond)
	}
	if !(&customer{s: s.shop}).idle() {
		t.Fatal("the outbox still holds a send to the chat that blocked the bot")
	}
	tries := 0
	for _, call := range s.fake.Calls() {
		if call.Chat() == blocked.id {
			tries++
		}
	}
	if tries != 1 {
		t.Errorf("%d calls to the chat that blocked the bot, want 1", tries)
	}
}
