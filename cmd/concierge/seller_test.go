package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
	"github.com/conciergehq/concierge/internal/testenv"
)

// inboxCLI runs `concierge inbox ARGS… --db` on the shop's database and
// returns its standard output; a non-zero exit fails the test.
func inboxCLI(t *testing.T, s *shop, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "--db", s.m.DBURL)
	if code := inboxCommand(context.Background(), args, strings.NewReader(""), &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("concierge inbox %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

// linkCode prints a link code for name with the CLI and returns it.
func linkCode(t *testing.T, s *shop, name string, more ...string) string {
	t.Helper()
	out := inboxCLI(t, s, append([]string{"user", "link", name}, more...)...)
	code, _, _ := strings.Cut(out, "\n")
	if !strings.HasPrefix(code, "LINK-") || len(code) != len("LINK-XXXX-XXXX") {
		t.Fatalf("link printed %q; want a code first", out)
	}
	return code
}

// sayUntil sends text and gathers the chat's calls until one has want
// (the applier answers a confirmed change after the turn, on its own).
func (c *tgCustomer) sayUntil(text, want string) []telegramtest.Call {
	c.s.t.Helper()
	return c.until(c.say(text), want)
}

// until gathers calls after got until one has want, for up to 10 s.
// The applier answers a confirmed change after the turn that confirmed
// it: calls are read once it has no change in hand and the pipeline is
// settled.
func (c *tgCustomer) until(got []telegramtest.Call, want string) []telegramtest.Call {
	c.s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(dumpCalls(got), want) {
		if time.Now().After(deadline) {
			c.s.t.Fatalf("no %q in %s", want, dumpCalls(got))
		}
		if n, err := c.s.m.DB.ConfirmedSellerChanges(context.Background()); err != nil || n > 0 {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		got = append(got, c.await(false)...)
		time.Sleep(10 * time.Millisecond)
	}
	return got
}

func mustHave(t *testing.T, calls []telegramtest.Call, want ...string) {
	t.Helper()
	d := dumpCalls(calls)
	for _, w := range want {
		if !strings.Contains(d, w) {
			t.Errorf("no %q in %s", w, d)
		}
	}
}

// TestSellerTelegram links a supervisor's and an agent's Telegram chats
// to the seller's assistant with codes printed by the CLI, and runs the
// shop from them in English, French and Chinese against the fake Bot
// API: reads, changes confirmed with buttons and applied by the inbox's
// code, pushes, and every bad input a seller may send, each refused with a
// clear message and nothing changed. The audit log shows the changes
// with the person's name.
func TestSellerTelegram(t *testing.T) {
	s := startTelegramShop(t, "webhook")
	ctx := context.Background()
	db := s.m.DB
	sue := signedInSupervisor(s.shop)
	s.addPerson("al", concierge.RoleAgent, 5)

	// A customer buys the gift card in Stars and asks for a refund: a
	// paid order today, an open proposal and a conversation waiting.
	buyer := s.customer("fr")
	o, pr, _, _ := starsRefundAsked(t, s, sue, buyer, "stxSELLER1")

	sueChat := s.customer("en")
	t.Run("an unlinked chat never reaches the assistant", func(t *testing.T) {
		got := sueChat.say("how many orders today")
		if strings.Contains(dumpCalls(got), "Orders today") {
			t.Fatalf("an unlinked chat got the seller's answer: %s", dumpCalls(got))
		}
	})
	code := linkCode(t, s.shop, "sue", "--channel", "telegram")
	mustHave(t, sueChat.say("Hello, my code: "+code), "linked to sue", "seller's assistant")
	t.Run("a code reused", func(t *testing.T) {
		other := s.customer("en")
		mustHave(t, other.say(code), "already used")
		if got := other.say("how many orders today"); strings.Contains(dumpCalls(got), "Orders today") {
			t.Fatalf("a refused code linked the chat: %s", dumpCalls(got))
		}
	})

	t.Run("en", func(t *testing.T) {
		mustHave(t, sueChat.say("How many orders today?"), "Orders today: 1 paid, 0 awaiting payment")
		mustHave(t, sueChat.say("Revenue today"), "Revenue today:")
		mustHave(t, sueChat.say("What is waiting in the inbox?"), "1 waiting", fmt.Sprintf("#%d waiting", o.Conversation))
		mustHave(t, sueChat.say("Stock of the Aurore lamp"), "Aurore bedside lamp (LAMP-01): 12 in stock.")
		mustHave(t, sueChat.say("What is low on stock?"), "Low on stock")
		mustHave(t, sueChat.say("Best sellers this month"), "GIFT-30): 1 sold")
		mustHave(t, sueChat.say("order "+strings.ToLower(string(o.ID))), "Order "+string(o.ID)+": paid")

		ask := sueChat.say("Set stock of LAMP-01 to 20")
		mustHave(t, ask, "Stock of Aurore bedside lamp (LAMP-01)", "12 → 20", "[Confirm] [Cancel]")
		sueChat.until(sueChat.press(ask, "seller:yes:"), "Done: LAMP-01, 12 → 20.")
		if n := stockOf(t, s.shop, "LAMP-01"); n != 20 {
			t.Fatalf("stock of LAMP-01 is %d after the change; want 20", n)
		}
		ask = sueChat.say("Price of the Luna lamp to 39 €")
		mustHave(t, ask, "Price of Luna touch lamp (LAMP-03)", "→ €39.00", "[Confirm] [Cancel]")
		sueChat.until(sueChat.press(ask, "seller:yes:"), "Done: LAMP-03, ")
		if p := s.m.Agent.Shop(tgBot).Current().Bot.Product("LAMP-03"); p == nil || p.Price != (concierge.Money{Minor: 3900, Currency: "EUR"}) {
			t.Fatalf("LAMP-03 after the price change: %+v; want 39.00 EUR in the live catalog", p)
		}
		t.Run("a second confirmation press", func(t *testing.T) {
			mustHave(t, sueChat.press(ask, "seller:yes:"), "already applied; pressing again does nothing")
			mustHave(t, sueChat.press(ask, "seller:no:"), "already applied")
		})
		t.Run("a cancelled change", func(t *testing.T) {
			ask := sueChat.say("set stock of LAMP-01 to 3")
			mustHave(t, sueChat.press(ask, "seller:no:"), "Cancelled; nothing was changed.")
			if n := stockOf(t, s.shop, "LAMP-01"); n != 20 {
				t.Fatalf("stock of LAMP-01 is %d after a cancelled change; want 20", n)
			}
		})
	})

	t.Run("bad input", func(t *testing.T) {
		before := auditCount(t, s.shop)
		for _, tc := range []struct{ say, want string }{
			{"set stock of LAMP-01 to -3", "A stock cannot be below zero (-3); nothing was changed."},
			{"set stock of UNICORN-9 to 3", `No product of this shop is called \"unicorn-9\"; nothing was changed.`},
			{"stock of the unicorn lamp", `No product of this shop is called \"the unicorn lamp\"`},
			{"order ZZ-NOPE99", "There is no order ZZ-NOPE99 in this shop."},
			{"price of the Luna lamp to 39 $", "The price is not in EUR"},
			{"price of the Luna lamp to 39 USD", "The price is in USD but the shop sells in EUR; nothing was changed."},
			{"approve refund 999999", "There is no refund 999999 for this shop; nothing was decided."},
			{"hand conversation 999999 back to the bot", "There is no conversation #999999 for this shop; nothing changed."},
			{"Mets le stock de LAMP-01 à -1", "Un stock ne peut pas être négatif (-1) ; rien n'a été modifié."},
			{"把LAMP-01的库存改为-5", "库存不能小于零（-5）；未做任何更改。"},
			{"把露娜触控台灯的价格改为39美元", "价格 is in USD but the shop sells in EUR；未做任何更改。"},
		} {
			mustHave(t, sueChat.say(tc.say), tc.want)
		}
		if n := stockOf(t, s.shop, "LAMP-01"); n != 20 {
			t.Errorf("stock of LAMP-01 is %d after refused changes; want 20", n)
		}
		if n := auditCount(t, s.shop); n != before {
			t.Errorf("the audit log has %d entries after refused changes; want %d", n, before)
		}
	})

	t.Run("fr", func(t *testing.T) {
		mustHave(t, sueChat.say("Combien de commandes aujourd'hui ?"), "Commandes aujourd'hui : 1 payées")
		mustHave(t, sueChat.say("Stock de la lampe Aurore"), "Lampe de chevet Aurore (LAMP-01) : 20 en stock.")
		was := stockOf(t, s.shop, "LAMP-02")
		ask := sueChat.say("Mets le stock de LAMP-02 à 7")
		mustHave(t, ask, "Stock de Lampe de bureau Zénith (LAMP-02)", "→ 7", "[Confirmer] [Annuler]")
		sueChat.until(sueChat.press(ask, "seller:yes:"), fmt.Sprintf("C'est fait : LAMP-02, %d → 7.", was))
		ask = sueChat.say(fmt.Sprintf("Rends la conversation %d au bot", o.Conversation))
		mustHave(t, ask, fmt.Sprintf("Conversation n° %d", o.Conversation), "waiting → bot")
		sueChat.until(sueChat.press(ask, "seller:yes:"), "C'est fait : conversation")
		c, err := db.GetConversation(ctx, o.Conversation)
		if err != nil || c.State != concierge.StateBot {
			t.Fatalf("conversation %+v, %v; want it handed back to the bot", c, err)
		}
		hs, _ := db.Handoffs(ctx, o.Conversation)
		if last := hs[len(hs)-1]; last.To != concierge.StateBot || last.By != "agent:sue" {
			t.Errorf("last hand-off %+v; want back to the bot by agent:sue", last)
		}
	})

	t.Run("zh", func(t *testing.T) {
		mustHave(t, sueChat.say("今天有多少订单？"), "已付款 1 单")
		ask := sueChat.say(fmt.Sprintf("批准退款%d", pr.ID))
		mustHave(t, ask, "确认吗", "proposed → approved")
		sueChat.until(sueChat.press(ask, "seller:yes:"), "已完成")
		got := proposalOf(t, s.shop, o.Conversation)
		if got.Status != concierge.ProposalApproved || got.DecidedBy != "sue" || got.RefundRef != "stxSELLER1" {
			t.Fatalf("proposal %+v; want approved by sue and refunded", got)
		}
		if calls := s.fake.Calls("refundStarPayment"); len(calls) != 1 {
			t.Errorf("refundStarPayment called %d times; want once", len(calls))
		}
		mustHave(t, buyer.replies(), "rembours")
		mustHave(t, sueChat.say(fmt.Sprintf("拒绝退款%d，因为已经用过了", pr.ID)), fmt.Sprintf("退款 %d 已被处理", pr.ID))
	})

	alChat := s.customer("en")
	t.Run("codes from another account or app", func(t *testing.T) {
		wa := linkCode(t, s.shop, "al", "--channel", "whatsapp")
		mustHave(t, alChat.say(wa), "This code was made for whatsapp")
		other := linkCode(t, s.shop, "al", "--channel", "telegram", "--account", "424242")
		mustHave(t, alChat.say(other), "This code belongs to another account; nothing was linked.")
		mustHave(t, alChat.say("LINK-2345-6789"), "This code is not valid.")
		// The limit: five failures from one chat within ten minutes.
		mustHave(t, alChat.say("LINK-2345-678A"), "This code is not valid.")
		mustHave(t, alChat.say("LINK-2345-678B"), "This code is not valid.")
		right := linkCode(t, s.shop, "al", "--channel", "telegram")
		mustHave(t, alChat.say(right), "Too many wrong codes from here")
		mustHave(t, s.customer("en").say(right), "linked to al")
		// sue last wrote in Chinese: the assistant answers her in it.
		mustHave(t, sueChat.say(right), "此聊天已关联到 sue；此处不接受代码。")
	})
	alChat = s.customer("en")
	mustHave(t, alChat.say(linkCode(t, s.shop, "al", "--channel", "telegram")), "linked to al")
	t.Run("money decisions need a supervisor", func(t *testing.T) {
		mustHave(t, alChat.say(fmt.Sprintf("approve refund %d", pr.ID)), "Only a supervisor decides refunds; nothing was decided.")
		mustHave(t, alChat.say("price of the Luna lamp to 19 €"), "Only a supervisor changes prices; nothing was changed.")
		// Stock is everyday work: an agent sets it.
		ask := alChat.say("set stock of LAMP-05 to 9")
		alChat.until(alChat.press(ask, "seller:yes:"), "Done: LAMP-05, ")
	})
	t.Run("a person removed is unlinked at once", func(t *testing.T) {
		inboxCLI(t, s.shop, "user", "remove", "al")
		if got := alChat.say("how many orders today"); strings.Contains(dumpCalls(got), "Orders today") {
			t.Fatalf("a removed person's chat still reached the assistant: %s", dumpCalls(got))
		}
		if ls, _ := db.SellerLinks(ctx); len(ls) != 1 || ls[0].Name != "sue" {
			t.Errorf("links after removing al: %+v; want sue's only", ls)
		}
	})

	t.Run("pushes", func(t *testing.T) {
		sueChat.say("How many orders today?") // back to English
		asker := s.customer("en")
		asker.say("I want to talk to a person")
		if _, err := s.m.SellerPusher().Pass(ctx); err != nil {
			t.Fatal(err)
		}
		mustHave(t, sueChat.until(nil, "New hand-off waiting"), "New hand-off waiting: conversation #")
		ask := sueChat.say("set stock of LAMP-03 to 0")
		sueChat.until(sueChat.press(ask, "seller:yes:"), "Done: LAMP-03")
		if _, err := s.m.SellerPusher().Pass(ctx); err != nil {
			t.Fatal(err)
		}
		mustHave(t, sueChat.until(nil, "Out of stock"), "Out of stock: Luna touch lamp (LAMP-03).")
		// Switched off, stock news is no longer pushed to sue.
		out := inboxCLI(t, s.shop, "user", "pushes", "sue", "--off", "stock")
		if !regexp.MustCompile(`stock\s+off`).MatchString(out) {
			t.Errorf("pushes printed %q; want stock off", out)
		}
		ask = sueChat.say("set stock of LAMP-04 to 0")
		sueChat.until(sueChat.press(ask, "seller:yes:"), "Done: LAMP-04")
		if _, err := s.m.SellerPusher().Pass(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sueChat.quiet(); strings.Contains(dumpCalls(got), "Out of stock") {
			t.Errorf("a push switched off was sent: %s", dumpCalls(got))
		}
	})

	t.Run("the audit log", func(t *testing.T) {
		es, err := db.AuditLog(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, fmt.Sprintf("%s %s %s %s→%s via %s", e.Person, e.Action, e.Target, e.Before, e.After, e.Via))
		}
		all := strings.Join(got, "\n")
		// The inbox's decision log lists them too, for supervisors.
		if code, page := sue.get("/inbox/audit"); code != 200 || !strings.Contains(page, `id="changes"`) ||
			!strings.Contains(page, "<td>set_stock</td><td>LAMP-01</td><td>12</td><td>20</td><td>telegram</td>") {
			t.Errorf("/inbox/audit: %d, no stock change of LAMP-01 in its Changes", code)
		}
		for _, want := range []string{
			"sue set_stock LAMP-01 12→20 via telegram",
			"sue set_stock LAMP-02 ",
			"sue set_price LAMP-03 ",
			"al set_stock LAMP-05 ",
			fmt.Sprintf("sue hand_back conversation %d waiting→bot via telegram", o.Conversation),
			fmt.Sprintf("sue approve_refund refund %d proposed→approved", pr.ID),
			"sue link telegram:",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("the audit log has no %q:\n%s", want, all)
			}
		}
	})
}

func stockOf(t *testing.T, s *shop, sku concierge.SKU) int {
	t.Helper()
	levels, err := s.m.DB.StockLevels(context.Background(), tgBot)
	if err != nil {
		t.Fatal(err)
	}
	return levels[sku]
}

func auditCount(t *testing.T, s *shop) int {
	t.Helper()
	es, err := s.m.DB.AuditLog(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// TestSellerLLMBot: with an LLM brain, a linked chat is answered by the
// seller's assistant too, and the model never reads its messages (not
// even the code): nothing is planned for an intercepted turn. A customer
// of the same bot still talks to the model.
func TestSellerLLMBot(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	f := newOrgModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		if strings.HasPrefix(req.Messages[0].Content, "Summarise") {
			return say("summary")
		}
		user, _ := turn(req)
		mu.Lock()
		asked = append(asked, user)
		mu.Unlock()
		return say("Bonjour du modèle")
	})
	s := startLLMTelegramShop(t, f)
	s.addPerson("sue", concierge.RoleSupervisor, 5)
	sueChat := s.customer("en")
	code := linkCode(t, s.shop, "sue", "--channel", "telegram")
	mustHave(t, sueChat.say(code), "linked to sue")
	mustHave(t, sueChat.say("stock of LAMP-01"), "Aurore bedside lamp (LAMP-01): 12 in stock.")
	mustHave(t, s.customer("fr").say("bonjour"), "Bonjour du modèle")
	mu.Lock()
	defer mu.Unlock()
	for _, a := range asked {
		if strings.Contains(a, "LINK-") || strings.Contains(a, "LAMP-01") {
			t.Errorf("the model was asked %q, a linked seller's message", a)
		}
	}
	if len(asked) == 0 {
		t.Error("the customer's message never reached the model")
	}
}

// TestSellerTelegramPostgres runs the seller's assistant's path on
// PostgreSQL (several turn runners, row locks): a link, a read, a stock
// change confirmed once, a push, and the audit log.
func TestSellerTelegramPostgres(t *testing.T) {
	url := testenv.PostgresURL(t)
	s := startTelegramShopMain(t, "webhook", func(m *Main) { m.DBURL = url })
	ctx := context.Background()
	s.addPerson("sue", concierge.RoleSupervisor, 5)
	sueChat := s.customer("fr")
	mustHave(t, sueChat.say(linkCode(t, s.shop, "sue", "--channel", "telegram")), "liée à sue")
	mustHave(t, sueChat.say("stock de la lampe Aurore"), "Lampe de chevet Aurore (LAMP-01) : 12 en stock.")
	ask := sueChat.say("mets le stock de LAMP-01 à 0")
	sueChat.until(sueChat.press(ask, "seller:yes:"), "C'est fait : LAMP-01, 12 → 0.")
	mustHave(t, sueChat.press(ask, "seller:yes:"), "déjà été appliquée")
	if _, err := s.m.SellerPusher().Pass(ctx); err != nil {
		t.Fatal(err)
	}
	mustHave(t, sueChat.until(nil, "Rupture de stock"), "Rupture de stock : Lampe de chevet Aurore (LAMP-01).")
	es, err := s.m.DB.AuditLog(ctx, 10)
	if err != nil || len(es) != 2 || es[0].Action != "set_stock" || es[0].Person != "sue" || es[0].Before != "12" || es[0].After != "0" || es[0].Via != "telegram" {
		t.Fatalf("audit log %+v, %v; want sue's stock change of LAMP-01, 12 → 0, then her link", es, err)
	}
}
