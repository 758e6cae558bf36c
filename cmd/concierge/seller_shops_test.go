package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// startTwoShops runs two shops in one server: Maison Lumière on Telegram
// (the linked chats' bot), and Atelier Nord on the web, whose catalog is
// Maison Lumière's with the Luna lamp named Polaris.
func startTwoShops(t *testing.T) *tgShop {
	t.Helper()
	fake := newTelegramFake(t)
	a := rewrite(t, sampleBot(t), map[string]string{
		"channels:\n  web: { enabled: true }":     fmt.Sprintf("channels:\n  telegram: { token: %q, secret_token: %q, api_endpoint: %q, mode: webhook }", tgToken, tgSecret, fake.URL),
		"payments:\n  sandbox: { enabled: true }": "payments:\n  telegram: { provider_token: \"284685063:TEST:provider\" }",
	})
	b := strings.Replace(sampleBot(t), "bot: maison-lumiere", "bot: atelier-nord", 1)
	b = strings.Replace(b, "name: Maison Lumière", "name: Atelier Nord", 1)
	b = strings.ReplaceAll(b, "Luna", "Polaris")
	dir := t.TempDir()
	for name, cfg := range map[string]string{"a.yaml": a, "b.yaml": b} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m := &Main{ConfigPath: dir, DBURL: tempSQLite(t), TelegramLimits: tgTestLimits(), TelegramPollTimeout: time.Second}
	s := &tgShop{shop: runMain(t, m), fake: fake}
	s.nextID.Store(500000)
	if len(s.m.Bots) != 2 {
		t.Fatalf("%d bots; want 2", len(s.m.Bots))
	}
	return s
}

// TestSellerSeveralShops: a person who sees two shops runs both from the
// chat they linked through one. A command that can be about one shop only
// goes to it (a product only one sells); one that could be about either
// (orders today, a product both sell) is answered with a button per shop;
// the shop chosen (by button or "shop NAME") takes the next requests, and
// a change is applied to that shop's catalog only, with its audit entry.
// A person who sees one shop is never asked.
func TestSellerSeveralShops(t *testing.T) {
	s := startTwoShops(t)
	ctx := context.Background()
	s.addPerson("sue", concierge.RoleSupervisor, 5)
	s.addPerson("al", concierge.RoleAgent, 5, "maison-lumiere")
	sue := s.customer("en")
	mustHave(t, sue.say(linkCode(t, s.shop, "sue", "--channel", "telegram")), "linked to sue")

	// One shop only sells each of these: no question.
	mustHave(t, sue.say("stock of the Luna lamp"), "Luna touch lamp (LAMP-03): 20 in stock.")
	mustHave(t, sue.say("stock of the Polaris lamp"), "Polaris touch lamp (LAMP-03): 20 in stock.")

	// Either shop: asked, with a button per shop, and nothing answered.
	ask := sue.say("how many orders today")
	mustHave(t, ask, "Which shop is this for?", "[Maison Lumière] [Atelier Nord]")
	if strings.Contains(dumpCalls(ask), "Orders today") {
		t.Fatalf("an ambiguous read was answered: %s", dumpCalls(ask))
	}
	mustHave(t, sue.press(ask, "seller:shop:atelier-nord"), "Your requests now go to Atelier Nord.")
	mustHave(t, sue.say("how many orders today"), "Orders today: 0 paid")

	// Both sell LAMP-01: the chosen shop's is changed, the other's not.
	change := sue.say("set stock of LAMP-01 to 7")
	mustHave(t, change, "Stock of Aurore bedside lamp (LAMP-01)", "12 → 7", "[Confirm] [Cancel]")
	sue.until(sue.press(change, "seller:yes:"), "Done: LAMP-01, 12 → 7.")
	for bot, want := range map[concierge.BotID]int{"atelier-nord": 7, "maison-lumiere": 12} {
		if levels, err := s.m.DB.StockLevels(ctx, bot); err != nil || levels["LAMP-01"] != want {
			t.Errorf("%s's LAMP-01: %v, %v; want %d", bot, levels["LAMP-01"], err, want)
		}
	}
	es, err := s.m.DB.AuditLog(ctx, 10)
	if err != nil || len(es) == 0 || es[0].Action != "set_stock" || es[0].Bot != "atelier-nord" || es[0].Person != "sue" {
		t.Errorf("audit log %+v, %v; want sue's change of atelier-nord's stock", es, err)
	}

	// The other shop's news reaches her chat too, named; al, who does
	// not see that shop, is not told.
	sue.say("shop atelier")
	change = sue.say("set stock of LAMP-01 to 0")
	sue.until(sue.press(change, "seller:yes:"), "Done: LAMP-01, 7 → 0.")
	if _, err := s.m.SellerPusher().Pass(ctx); err != nil {
		t.Fatal(err)
	}
	mustHave(t, sue.until(nil, "Out of stock"), "Atelier Nord: Out of stock: Aurore bedside lamp (LAMP-01).")

	// By name; a name that is none of hers changes nothing.
	mustHave(t, sue.say("shop maison lumiere"), "Your requests now go to Maison Lumière.")
	mustHave(t, sue.say("stock of LAMP-01"), "Aurore bedside lamp (LAMP-01): 12 in stock.")
	mustHave(t, sue.say("shop nowhere"), `No shop of yours is called \"nowhere\"; nothing was changed. Your shops: Maison Lumière, Atelier Nord.`)
	mustHave(t, sue.say("shops"), "Your requests go to Maison Lumière.", "[Maison Lumière] [Atelier Nord]")

	// One shop seen: never asked.
	al := s.customer("en")
	mustHave(t, al.say(linkCode(t, s.shop, "al", "--channel", "telegram")), "linked to al")
	got := al.say("how many orders today")
	mustHave(t, got, "Orders today: 0 paid")
	if strings.Contains(dumpCalls(got), "Which shop") {
		t.Errorf("a person with one shop was asked which: %s", dumpCalls(got))
	}
	sue.say("shop atelier")
	change = sue.say("set stock of LAMP-02 to 0")
	sue.until(sue.press(change, "seller:yes:"), "Done: LAMP-02, 3 → 0.")
	if _, err := s.m.SellerPusher().Pass(ctx); err != nil {
		t.Fatal(err)
	}
	sue.until(nil, "Zenith")
	if calls := al.await(false); strings.Contains(dumpCalls(calls), "Out of stock") {
		t.Errorf("al was told of a shop he does not see: %s", dumpCalls(calls))
	}
}
