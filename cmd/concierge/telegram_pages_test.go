package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
)

// moreLamps adds n desk lamps to the sample shop (which has ten lamps),
// so that a search for lamps fills more than two pages.
func moreLamps(n int) func(string) string {
	return func(cfg string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "    - sku: LAMP-%d\n      category: desk\n      name: { fr: Lampe de bureau Série %d, en: Series %d desk lamp, zh: 系列%d台灯 }\n      price: \"%d.00\"\n      stock: 5\n      tags: [lamp, desk]\n\n",
				11+i, i+1, i+1, i+1, 30+i)
		}
		return strings.Replace(cfg, "    - sku: LAMP-02\n", b.String()+"    - sku: LAMP-02\n", 1)
	}
}

// pageList is the list of SKUs a pager button pages through, and the
// page it asks for, read from the button's stored value.
func (c *tgCustomer) pageList(on telegramtest.Call, label string) (int, []concierge.SKU) {
	c.s.t.Helper()
	for _, b := range on.Buttons() {
		if b.Text != label {
			continue
		}
		v, err := c.s.m.DB.ButtonValue(context.Background(), tgBot, b.CallbackData)
		if err != nil {
			c.s.t.Fatalf("button %q: %v", label, err)
		}
		n, list, _ := strings.Cut(strings.TrimPrefix(v, "page:"), ":")
		page, _ := strconv.Atoi(n)
		var skus []concierge.SKU
		for _, s := range strings.Split(list, ",") {
			skus = append(skus, concierge.SKU(s))
		}
		return page, skus
	}
	c.s.t.Fatalf("no button %q in %s", label, dumpCalls([]telegramtest.Call{on}))
	return 0, nil
}

// checkPage checks that a call shows page n of list: its products in
// order, numbered from the page's first, and the page indicator.
func (c *tgCustomer) checkPage(call telegramtest.Call, n int, list []concierge.SKU) {
	c.s.t.Helper()
	pages := (len(list) + 4) / 5
	text := call.Text()
	for i := (n - 1) * 5; i < min(n*5, len(list)); i++ {
		want := fmt.Sprintf("%d. %s", i+1, c.s.m.Bots[0].Product(list[i]).Title("fr", "fr"))
		if !strings.Contains(text, want) {
			c.s.t.Errorf("page %d lacks %q:\n%s", n, want, text)
		}
	}
	if next := n * 5; next < len(list) && strings.Contains(text, c.s.m.Bots[0].Product(list[next]).Title("fr", "fr")) {
		c.s.t.Errorf("page %d shows %s of the next page", n, list[next])
	}
	if !strings.Contains(text, fmt.Sprintf("%d/%d", n, pages)) {
		c.s.t.Errorf("page %d has no indicator %d/%d:\n%s", n, n, pages, text)
	}
}

// TestTelegramPages: a search with more results than one message shows
// is paged by editing that message in place, through the whole pipeline
// (callback → stored event → turn → outbox → editMessageText): Next,
// Next, Prev each edit the same message to the right products, every
// press is answered, the buttons of an edited page work, a repeated
// update is applied once, two presses of the same button land on the
// same page, an edit to the same page is not retried, a message Telegram
// will no longer edit is replaced by a new one, and an unknown page token
// is an expired choice.
func TestTelegramPages(t *testing.T) {
	s := startTelegramShop(t, "webhook", moreLamps(6))
	c := s.customer("fr")
	c.say("/start")
	found := c.say("je cherche une lampe")
	list := findCall(t, found, "sendMessage")
	id := list.MessageID
	if _, skus := c.pageList(list, "Suivants ›"); len(skus) < 11 {
		t.Fatalf("the search found %d products, want more than two pages: %s", len(skus), dumpCalls(found))
	}
	_, all := c.pageList(list, "Suivants ›")
	c.checkPage(list, 1, all)

	// press presses the pager button label on the message as it reads
	// now and checks that the answer is one edit of that message to
	// page want, and that the press was answered.
	on := list
	press := func(label string, want int) telegramtest.Call {
		t.Helper()
		if page, _ := c.pageList(on, label); page != want {
			t.Fatalf("%q asks for page %d, want %d", label, page, want)
		}
		answers := len(s.fake.Calls("answerCallbackQuery"))
		got := c.press([]telegramtest.Call{on}, fmt.Sprintf("page:%d:", want))
		if len(got) != 1 || got[0].Method != "editMessageText" || got[0].Params.Get("message_id") != strconv.Itoa(id) {
			t.Fatalf("%q: want one edit of message %d, got %s", label, id, dumpCalls(got))
		}
		if len(s.fake.Calls("answerCallbackQuery")) != answers+1 {
			t.Fatalf("%q: the press was not answered once", label)
		}
		c.checkPage(got[0], want, all)
		on = got[0]
		return got[0]
	}
	press("Suivants ›", 2)
	press("Suivants ›", 3)
	press("‹ Précédents", 2)
	if m, _ := s.fake.Message(c.id, id); m.Edits != 3 {
		t.Errorf("the list was edited %d times, want 3", m.Edits)
	}

	// The buttons of an edited page work.
	sku := all[5]
	added := c.press([]telegramtest.Call{on}, "add:"+string(sku))
	if !strings.Contains(dumpCalls(added), s.m.Bots[0].Product(sku).Title("fr", "fr")) {
		t.Fatalf("add from page 2: %s", dumpCalls(added))
	}

	// Telegram delivers the same update twice: one edit.
	next := c.buttonData(on, "Suivants ›")
	edits := len(s.fake.Calls("editMessageText"))
	dup := c.callback(next, on)
	dup["update_id"] = s.nextID.Add(1)
	for range 2 {
		if st := s.post(dup); st != http.StatusOK {
			t.Fatalf("duplicate update: status %d", st)
		}
	}
	got := c.replies()
	if len(got) != 1 || got[0].Method != "editMessageText" || len(s.fake.Calls("editMessageText")) != edits+1 {
		t.Fatalf("a repeated update made %s", dumpCalls(got))
	}
	c.checkPage(got[0], 3, all)

	// Two presses of the same "previous" on page 3 (the second before
	// the first edit showed): both mean page 2, so the second edit is
	// "not modified", which is done — no page skipped, nothing retried,
	// nothing sent.
	prev := c.buttonData(got[0], "‹ Précédents")
	sent := c.sentSince(list)
	edits = len(s.fake.Calls("editMessageText"))
	for range 2 {
		c.s.post(c.callback(prev, got[0]))
		c.replies()
		if !(&customer{s: c.s.shop}).idle() {
			t.Fatal("the outbox is still busy (retrying?) after a press")
		}
	}
	if n := len(s.fake.Calls("editMessageText")); n != edits+2 {
		t.Errorf("two presses made %d edit calls, want 2 (the second not modified)", n-edits)
	}
	m, _ := s.fake.Message(c.id, id)
	if !strings.Contains(plainText(m.Text), "2/") {
		t.Errorf("after two presses of previous on page 3 the list reads %q, want page 2", plainText(m.Text))
	}
	if n := c.sentSince(list); n != sent {
		t.Errorf("%d pages sent as new messages, want none", n-sent)
	}
	on = telegramtest.Call{Method: "editMessageText", MessageID: id, Params: map[string][]string{"text": {m.Text}, "reply_markup": {m.Markup}}}

	// A list Telegram will no longer edit (older than 48 hours): the page
	// comes as a new message, whose buttons page that one.
	s.fake.Fail("editMessageText", http.StatusBadRequest, 0, "Bad Request: message can't be edited")
	c.s.post(c.callback(c.buttonData(on, "Suivants ›"), on))
	fresh := c.replies()
	if len(fresh) != 2 || fresh[0].Method != "editMessageText" || fresh[1].Method != "sendMessage" || fresh[1].MessageID == id {
		t.Fatalf("can't be edited: %s", dumpCalls(fresh))
	}
	c.checkPage(fresh[1], 3, all)
	id, on = fresh[1].MessageID, fresh[1]
	press("‹ Précédents", 2)

	// A page token this server never stored: an expired choice, said in
	// the press's answer; nothing is edited or sent.
	answers := len(s.fake.Calls("answerCallbackQuery"))
	c.s.post(c.callback(telegram.Tokenize("another-bot", "page:2:LAMP-01"), on))
	if q := c.quiet(); len(q) != 0 {
		t.Errorf("an expired page token made %s", dumpCalls(q))
	}
	a := s.fake.WaitCalls(answers, 1, 5*time.Second, "answerCallbackQuery")
	if len(a) != 1 || a[0].Params.Get("text") != "Ce choix a expiré. Écrivez-moi ce que vous cherchez." {
		t.Errorf("expired page token answered %v", a)
	}
}

// buttonData is the callback_data of the button labelled label.
func (c *tgCustomer) buttonData(on telegramtest.Call, label string) string {
	c.s.t.Helper()
	for _, b := range on.Buttons() {
		if b.Text == label {
			return b.CallbackData
		}
	}
	c.s.t.Fatalf("no button %q in %s", label, dumpCalls([]telegramtest.Call{on}))
	return ""
}

// sentSince counts the messages sent to the customer after call.
func (c *tgCustomer) sentSince(call telegramtest.Call) int {
	n := 0
	for _, x := range c.s.fake.Calls("sendMessage", "sendPhoto") {
		if x.Chat() == c.id && x.MessageID > call.MessageID {
			n++
		}
	}
	return n
}

// plainText is a message's HTML as the customer reads it.
func plainText(html string) string {
	return telegramtest.Call{Method: "sendMessage", Params: map[string][]string{"text": {html}}}.Text()
}
