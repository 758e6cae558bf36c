package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
	"github.com/conciergehq/concierge/internal/testenv"
)

// callWith is the one call of calls whose text holds want.
func callWith(t *testing.T, calls []telegramtest.Call, want string) []telegramtest.Call {
	t.Helper()
	var out []telegramtest.Call
	for _, c := range calls {
		if strings.Contains(c.Text(), want) {
			out = append(out, c)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d calls hold %q in %s; want one", len(out), want, dumpCalls(calls))
	}
	return out
}

// wantSellerTools are the seller's operations offered to the model of an
// LLM bot for a linked seller's message the rules do not read.
var wantSellerTools = []string{"orders", "revenue", "inbox", "stock", "low_stock", "best_sellers", "order",
	"set_stock", "set_price", "approve_refund", "refuse_refund", "hand_back"}

// TestSellerLLMTools: with kind llm, a linked seller's message that the
// rules do not read is read by the bot's model, offered the seller's
// operations as tools; the chosen operation is answered by the same code
// as a parsed message. Reads in English, French and Chinese; a change is
// shown for confirmation and applied only on the press, with its audit
// entry; an agent's refund decision or price change is refused, and a
// price in another currency too; a model that fails or
// answers garbage leaves the rules' "not understood" help. The model
// reads the seller's message only.
//
// A message asking for several things is read as several operations,
// answered in order: two reads, a read and a change, two changes each
// confirmed on its own, an agent's refund decision refused beside a read
// that is answered; one bad call among them and nothing is answered but
// the help. It runs on SQLite and on PostgreSQL.
func TestSellerLLMTools(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { sellerLLMTools(t, "") })
	t.Run("postgres", func(t *testing.T) { sellerLLMTools(t, testenv.PostgresURL(t)) })
}

func sellerLLMTools(t *testing.T, dbURL string) {
	var mu sync.Mutex
	var sellerAsked []openai.ChatCompletionRequest
	f := newOrgModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		if len(req.Tools) == 0 || req.Tools[0].Function.Name != "orders" {
			return say("Bonjour du modèle") // a customer's turn
		}
		mu.Lock()
		sellerAsked = append(sellerAsked, req)
		mu.Unlock()
		user, _ := turn(req)
		switch user {
		case "Have we got any Aurore lamps left in the warehouse?":
			return calls(call("stock", `{"lang":"en","product":"Aurore"}`))
		case "Il nous reste combien de lampes Aurore en réserve ?":
			return calls(call("stock", `{"lang":"fr","product":"Aurore"}`))
		case "这个礼拜卖出去几单了？":
			return calls(call("orders", `{"lang":"zh","period":"week"}`))
		case "Bump the Aurore lamp up to 15 units":
			return calls(call("set_stock", `{"lang":"en","product":"LAMP-01","count":15}`))
		case "Give the customer of case 17 their money back":
			return calls(call("approve_refund", `{"lang":"en","refund":17}`))
		case "Make the Luna lamp cost 45 euros":
			return calls(call("set_price", `{"lang":"en","product":"Luna","price":"45 €"}`))
		case "Luna should be 39 dollars now":
			return calls(call("set_price", `{"lang":"en","product":"Luna","price":"39 USD"}`))
		case "what's the weather like":
			return http.StatusInternalServerError, map[string]any{"error": map[string]any{"message": "boom", "type": "server_error"}}
		case "tell me a joke":
			return calls(call("drop_everything", `{"lang":"en"}`))
		case "put lots of Aurore lamps on the shelf":
			return calls(call("set_stock", `{"lang":"en","product":"LAMP-01","count":"lots"}`))
		case "hmm":
			return say("I am not sure what you mean.")
		case "How many purchases since Monday, and the cash we made?":
			return calls(call("orders", `{"lang":"en","period":"week"}`), call("revenue", `{"lang":"en","period":"today"}`))
		case "How are the Aurore lamps doing? Make it 20.":
			return calls(call("stock", `{"lang":"en","product":"Aurore"}`), call("set_stock", `{"lang":"en","product":"LAMP-01","count":20}`))
		case "Aurore down to 8 and Luna at 45 euros please":
			return calls(call("set_stock", `{"lang":"en","product":"Aurore","count":8}`), call("set_price", `{"lang":"en","product":"Luna","price":"45 €"}`))
		case "Give the money back on case 17 and list what needs restocking":
			return calls(call("approve_refund", `{"lang":"en","refund":17}`), call("low_stock", `{"lang":"en"}`))
		case "Count the Aurore lamps and wipe the catalogue":
			return calls(call("stock", `{"lang":"en","product":"Aurore"}`), call("drop_everything", `{"lang":"en"}`))
		}
		return unscripted(t, req)
	})
	s := startLLMTelegramShopOn(t, f, dbURL)
	ctx := context.Background()
	s.addPerson("sue", concierge.RoleSupervisor, 5)
	s.addPerson("al", concierge.RoleAgent, 5)
	sueChat := s.customer("en")
	mustHave(t, sueChat.say(linkCode(t, s.shop, "sue", "--channel", "telegram")), "linked to sue")
	alChat := s.customer("en")
	mustHave(t, alChat.say(linkCode(t, s.shop, "al", "--channel", "telegram")), "linked to al")

	t.Run("reads in three languages", func(t *testing.T) {
		mustHave(t, sueChat.say("Have we got any Aurore lamps left in the warehouse?"), "Aurore bedside lamp (LAMP-01): 12 in stock.")
		mustHave(t, sueChat.say("Il nous reste combien de lampes Aurore en réserve ?"), "Lampe de chevet Aurore (LAMP-01) : 12 en stock.")
		mustHave(t, sueChat.say("这个礼拜卖出去几单了？"), "的订单：已付款 0 单")
	})
	t.Run("a change waits for its confirmation", func(t *testing.T) {
		ask := sueChat.say("Bump the Aurore lamp up to 15 units")
		mustHave(t, ask, "Stock of Aurore bedside lamp (LAMP-01)", "12 → 15", "[Confirm] [Cancel]")
		if n := stockOf(t, s.shop, "LAMP-01"); n != 12 {
			t.Fatalf("stock of LAMP-01 is %d before the confirmation; want 12", n)
		}
		if es, err := s.m.DB.AuditLog(ctx, 10); err != nil || len(es) == 0 || es[0].Action == "set_stock" {
			t.Fatalf("audit log before the confirmation: %+v, %v", es, err)
		}
		sueChat.until(sueChat.press(ask, "seller:yes:"), "Done: LAMP-01, 12 → 15.")
		if n := stockOf(t, s.shop, "LAMP-01"); n != 15 {
			t.Fatalf("stock of LAMP-01 is %d after the confirmation; want 15", n)
		}
		es, err := s.m.DB.AuditLog(ctx, 10)
		if err != nil || len(es) == 0 || es[0].Action != "set_stock" || es[0].Person != "sue" || es[0].Target != "LAMP-01" ||
			es[0].Before != "12" || es[0].After != "15" || es[0].Via != "telegram" {
			t.Fatalf("audit log %+v, %v; want sue's stock change of LAMP-01, 12 → 15", es, err)
		}
		mustHave(t, sueChat.press(ask, "seller:yes:"), "already applied")
	})
	t.Run("an agent's refund decision is refused", func(t *testing.T) {
		mustHave(t, alChat.say("Give the customer of case 17 their money back"), "Only a supervisor decides refunds; nothing was decided.")
		mustHave(t, alChat.say("Make the Luna lamp cost 45 euros"), "Only a supervisor changes prices; nothing was changed.")
	})
	t.Run("a price in another currency is refused", func(t *testing.T) {
		mustHave(t, sueChat.say("Luna should be 39 dollars now"), "The price is in USD but the shop sells in EUR; nothing was changed.")
	})
	t.Run("a failing or confused model leaves the rules' help", func(t *testing.T) {
		for _, msg := range []string{"what's the weather like", "tell me a joke", "put lots of Aurore lamps on the shelf", "hmm"} {
			mustHave(t, sueChat.say(msg), `I did not understand. Write \"help\" to see what I can do.`)
		}
		if n := stockOf(t, s.shop, "LAMP-01"); n != 15 {
			t.Errorf("stock of LAMP-01 is %d after garbage; want 15", n)
		}
		// Refused requests and garbage wrote nothing: sue's stock change
		// is still the last entry.
		if es, err := s.m.DB.AuditLog(ctx, 10); err != nil || len(es) == 0 || es[0].Action != "set_stock" || es[0].After != "15" {
			t.Errorf("audit log %+v, %v; want sue's stock change last", es, err)
		}
	})
	t.Run("a message asking for several things", func(t *testing.T) {
		// Two reads, answered in the order asked.
		got := sueChat.say("How many purchases since Monday, and the cash we made?")
		mustHave(t, got, "Orders this week: 0 paid", "Revenue today:")
		if d := dumpCalls(got); strings.Index(d, "Orders this week") > strings.Index(d, "Revenue today") {
			t.Errorf("the answers are not in the order asked: %s", d)
		}
		// A read, then a change on what was read: the change waits
		// for its own confirmation.
		got = sueChat.say("How are the Aurore lamps doing? Make it 20.")
		mustHave(t, got, "Aurore bedside lamp (LAMP-01): 15 in stock.", "Stock of Aurore bedside lamp (LAMP-01)", "15 → 20", "[Confirm] [Cancel]")
		if n := stockOf(t, s.shop, "LAMP-01"); n != 15 {
			t.Fatalf("stock of LAMP-01 is %d before the confirmation; want 15", n)
		}
		sueChat.until(sueChat.press(got, "seller:yes:"), "Done: LAMP-01, 15 → 20.")
		if n := stockOf(t, s.shop, "LAMP-01"); n != 20 {
			t.Fatalf("stock of LAMP-01 is %d after the confirmation; want 20", n)
		}
		// Two changes, each with its before and after and its own
		// buttons: the stock confirmed, the price cancelled.
		got = sueChat.say("Aurore down to 8 and Luna at 45 euros please")
		stockAsk, priceAsk := callWith(t, got, "20 → 8"), callWith(t, got, "→ €45.00")
		mustHave(t, stockAsk, "Stock of Aurore bedside lamp (LAMP-01)", "[Confirm] [Cancel]")
		mustHave(t, priceAsk, "Price of Luna touch lamp (LAMP-03)", "€35.00 → €45.00", "[Confirm] [Cancel]")
		mustHave(t, sueChat.press(priceAsk, "seller:no:"), "Cancelled; nothing was changed.")
		sueChat.until(sueChat.press(stockAsk, "seller:yes:"), "Done: LAMP-01, 20 → 8.")
		if n := stockOf(t, s.shop, "LAMP-01"); n != 8 {
			t.Errorf("stock of LAMP-01 is %d; want 8", n)
		}
		if p := s.m.Agent.Shop(s.m.Bots[0].ID).Current().Bot.Product("LAMP-03"); p == nil || p.Price.Minor != 3500 {
			t.Errorf("Luna's price after a cancelled change: %+v; want 35.00", p)
		}
		es, err := s.m.DB.AuditLog(ctx, 10)
		if err != nil || len(es) < 2 || es[0].Action != "set_stock" || es[0].After != "8" || es[1].Action != "set_stock" || es[1].After != "20" {
			t.Errorf("audit log %+v, %v; want the two stock changes, and no price change", es, err)
		}
		// Money still needs a supervisor: an agent's refund decision is
		// refused, and the read beside it answered.
		got = alChat.say("Give the money back on case 17 and list what needs restocking")
		mustHave(t, got, "Only a supervisor decides refunds; nothing was decided.", "Low on stock")
		if strings.Contains(dumpCalls(got), "[Confirm]") {
			t.Errorf("an agent was offered a refund decision: %s", dumpCalls(got))
		}
		// One bad call among several: nothing but the help.
		got = sueChat.say("Count the Aurore lamps and wipe the catalogue")
		mustHave(t, got, `I did not understand. Write \"help\" to see what I can do.`)
		if strings.Contains(dumpCalls(got), "in stock") {
			t.Errorf("half of a misread message was answered: %s", dumpCalls(got))
		}
	})
	t.Run("the model reads the seller's message only", func(t *testing.T) {
		mu.Lock()
		defer mu.Unlock()
		if len(sellerAsked) != 16 {
			t.Errorf("the model was asked %d seller messages; want 16", len(sellerAsked))
		}
		for _, req := range sellerAsked {
			if len(req.Messages) != 2 || req.Messages[1].Role != openai.ChatMessageRoleUser {
				t.Errorf("a seller request has %d messages; want the prompt and the message", len(req.Messages))
			}
			for _, m := range req.Messages {
				for _, leak := range []string{"LINK-", "test-key", "sue", "Orders", "12 in stock"} {
					if strings.Contains(m.Content, leak) {
						t.Errorf("the model read %q in %q", leak, m.Content)
					}
				}
			}
		}
	})
	mustHave(t, s.customer("fr").say("bonjour"), "Bonjour du modèle")
}
