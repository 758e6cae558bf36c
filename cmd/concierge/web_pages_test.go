package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/web"
)

// pageOf returns the one cards message of es that carries a pager.
func pageOf(t *testing.T, es []web.Entry) web.Entry {
	t.Helper()
	var found []web.Entry
	for _, e := range es {
		if e.Message.Kind == concierge.MessageCards && e.Message.Pager != nil {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one page of cards, got %d in %s", len(found), dump(es))
	}
	return found[0]
}

// skus lists the products of a cards message, in order.
func skus(e web.Entry) []concierge.SKU {
	var out []concierge.SKU
	for _, c := range e.Message.Cards {
		out = append(out, c.SKU)
	}
	return out
}

// TestWebPages: on the web channel a search with more results than one
// message shows comes with a pager (the indicator and the buttons to the
// pages around); pressing Next, as the widget does (the button's label
// and value), brings products 6 to 10 as a new message, while the first
// page stays in the transcript as it was; Previous brings the first five
// back, again as a new message; a product's button on the second page
// works.
func TestWebPages(t *testing.T) {
	s := startShopWith(t, "", moreLamps(6))
	c := s.customer("fr")
	first := pageOf(t, c.say("je cherche une lampe"))
	p := first.Message.Pager
	if p.Page != 1 || p.Pages < 3 || p.Offset != 0 || p.Prev != nil || p.Next == nil || p.Next.Label != "Suivants ›" {
		t.Fatalf("first page's pager = %+v", p)
	}
	page1 := skus(first)
	if len(page1) != 5 {
		t.Fatalf("first page shows %d products, want 5", len(page1))
	}

	second := pageOf(t, c.post(p.Next.Label, p.Next.Value))
	p2 := second.Message.Pager
	if second.Seq <= first.Seq || p2.Page != 2 || p2.Offset != 5 || p2.Prev == nil || p2.Next == nil {
		t.Fatalf("after Next: entry #%d (first #%d), pager %+v", second.Seq, first.Seq, p2)
	}
	page2 := skus(second)
	if len(page2) != 5 {
		t.Fatalf("second page shows %d products, want 5: %v", len(page2), page2)
	}
	for _, sku := range page2 {
		for _, was := range page1 {
			if sku == was {
				t.Fatalf("second page %v repeats %s of the first %v", page2, sku, page1)
			}
		}
	}
	// Products 6 to 10 of the list the pager pages through, in order.
	n, list, _ := strings.Cut(strings.TrimPrefix(p.Next.Value, "page:"), ":")
	want := strings.Split(list, ",")[5:10]
	if n != "2" || fmt.Sprint(page2) != fmt.Sprint(want) {
		t.Fatalf("second page %v, want products 6 to 10 of the list: %v", page2, want)
	}
	if !strings.Contains(second.Message.Fallback, "6. ") || !strings.Contains(second.Message.Fallback, "(2/") {
		t.Errorf("second page's text is not numbered from 6 or lacks its indicator: %q", second.Message.Fallback)
	}

	// The first page is still in the transcript, unchanged: the widget
	// shows each page as a new message.
	h := c.history()
	for _, e := range h {
		if e.Seq == first.Seq && fmt.Sprint(skus(e)) != fmt.Sprint(page1) {
			t.Fatalf("the first page changed in the transcript: %v", skus(e))
		}
	}
	// The press shows in the transcript as its label, like any button.
	if !strings.Contains(dump(h), `"Suivants ›"`) {
		t.Errorf("the press is not in the transcript: %s", dump(h))
	}

	back := pageOf(t, c.post(p2.Prev.Label, p2.Prev.Value))
	if back.Seq <= second.Seq || back.Message.Pager.Page != 1 || fmt.Sprint(skus(back)) != fmt.Sprint(page1) {
		t.Fatalf("after Previous: %v, pager %+v; want %v", skus(back), back.Message.Pager, page1)
	}

	added := c.press([]web.Entry{second}, "add:"+string(page2[0]))
	if !strings.Contains(dump(added), s.m.Bots[0].Product(page2[0]).Title("fr", "fr")) {
		t.Fatalf("add from page 2: %s", dump(added))
	}
}

// pagerView is what the widget shows of the pagers in the transcript.
type pagerView struct {
	Pages []string   `json:"pages"` // each pager's indicator, in order
	Cards [][]string `json:"cards"` // the SKUs of each paged message's cards
	Next  int        `json:"next"`  // how many Next buttons there are
}

// TestBrowserPages pages a search in the real widget: the first page
// shows "1/4" between its buttons, a click on "Suivants ›" adds the
// second page as a new message with "2/4" and products the first did not
// show, and the first page stays as it was.
func TestBrowserPages(t *testing.T) {
	s := startShopWith(t, "", moreLamps(6))
	b := openBrowser(t)
	b.do("open the chat",
		chromedp.Navigate(s.base+"/chat/maison-lumiere"),
		chromedp.WaitVisible(chromedp.CSS("#chat-input")),
	)
	b.pickLocale("f", "fr", "Écrivez votre message…")
	b.say("je cherche une lampe")
	b.do("wait for the pager", chromedp.WaitVisible(chromedp.CSS(`.msg[data-kind="cards"] .pager .pager-page`)))
	view := func() pagerView {
		return read(b, "read the pagers", chromedp.Evaluate[pagerView](`(() => {
			const ms = [...document.querySelectorAll('#transcript .msg[data-kind="cards"]')].filter((m) => m.querySelector('.pager'));
			return {
				pages: ms.map((m) => m.querySelector('.pager-page').textContent),
				cards: ms.map((m) => [...m.querySelectorAll('.card')].map((c) => c.dataset.sku)),
				next: document.querySelectorAll('.pager button[data-value^="page:2:"]').length,
			};
		})()`))
	}
	first := view()
	if len(first.Pages) != 1 || first.Pages[0] != "1/4" || len(first.Cards[0]) != 5 || first.Next != 1 {
		t.Fatalf("first page: %+v; want one pager 1/4, five cards and a Next button", first)
	}
	if n := read(b, "count Previous", chromedp.Evaluate[int](`document.querySelectorAll('.pager button').length`)); n != 1 {
		t.Errorf("the first page has %d pager buttons, want Next alone", n)
	}
	b.screenshot("page-1")

	b.do("press Suivants", chromedp.Click(chromedp.CSS(`.pager button[data-value^="page:2:"]`)))
	b.do("wait for the second page", chromedp.PollFunction[chromedp.Void](
		`() => document.querySelectorAll('#transcript .msg[data-kind="cards"] .pager').length === 2`,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(20*time.Second),
	))
	got := view()
	if len(got.Pages) != 2 || got.Pages[1] != "2/4" || len(got.Cards[1]) != 5 {
		t.Fatalf("after Suivants: %+v; want a second message with 2/4 and five cards", got)
	}
	if fmt.Sprint(got.Cards[0]) != fmt.Sprint(first.Cards[0]) {
		t.Errorf("the first page changed: %v, was %v", got.Cards[0], first.Cards[0])
	}
	for _, sku := range got.Cards[1] {
		if strings.Contains(" "+strings.Join(first.Cards[0], " ")+" ", " "+sku+" ") {
			t.Errorf("the second page %v repeats %s of the first", got.Cards[1], sku)
		}
	}
	b.screenshot("page-2")
}
