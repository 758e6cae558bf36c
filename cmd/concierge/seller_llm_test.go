package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
)

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
func TestSellerLLMTools(t *testing.T) {
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
		}
		return unscripted(t, req)
	})
	s := startLLMTelegramShop(t, f)
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
	t.Run("the model reads the seller's message only", func(t *testing.T) {
		mu.Lock()
		defer mu.Unlock()
		if len(sellerAsked) != 11 {
			t.Errorf("the model was asked %d seller messages; want 11", len(sellerAsked))
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
