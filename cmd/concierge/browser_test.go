package main

import (
	"context"
	"flag"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
)

// screenshots keeps the browser tests' screenshots, which otherwise go to
// the test's temporary directory and are removed with it.
var screenshots = flag.String("screenshots", "", "keep the browser tests' screenshots in this `directory`")

// browserTimeout bounds every browser test from the first page to the
// last check, so a widget that never shows what we wait for fails the test
// instead of hanging it.
const browserTimeout = 90 * time.Second

// TestBrowserPurchase buys a desk lamp in French through the real widget
// in a phone-sized Chromium: search, compare, buy, consent, pay on the
// sandbox page, come back to the chat, and ask for the order. Only typing
// and clicking drive it; the database is read once, at the end, to check
// that the order the page showed is the one that was paid.
func TestBrowserPurchase(t *testing.T) {
	s := startShop(t, "")
	b := openBrowser(t)

	// 1. The widget, in French. It follows navigator.language, which is
	// English in a fresh headless Chromium, so the customer picks French.
	b.do("open the chat",
		chromedp.Navigate(s.base+"/chat/maison-lumiere"),
		chromedp.WaitVisible(chromedp.CSS("#chat-input")),
	)
	b.pickLocale("f", "fr", "Écrivez votre message…")

	// 2. Search: the Zénith desk lamp shows as a card with its price and stock.
	b.say("je cherche une lampe de bureau")
	b.do("wait for the LAMP-02 card", chromedp.WaitVisible(chromedp.CSS(`.card[data-sku="LAMP-02"]`)))
	card := read(b, "read the LAMP-02 card", chromedp.Evaluate[cardText](`(() => {
		const c = [...document.querySelectorAll('.card[data-sku="LAMP-02"]')].at(-1);
		const text = (sel) => c.querySelector(sel)?.textContent.trim() ?? '';
		return {title: text('.card-title'), price: text('.card-price'), stock: text('.card-stock')};
	})()`))
	if card.Title == "" || !strings.Contains(card.Price, "€") || card.Stock == "" {
		t.Fatalf("LAMP-02 card = %+v; want a name, a price in € and a stock text", card)
	}

	// 3. Compare the two lamps by name.
	b.say("compare l'Aurore et la Zénith")
	b.do("wait for the comparison", chromedp.WaitVisible(chromedp.CSS("table.comparison")))

	// 4. Buy now from the most recent LAMP-02 card: the comparison has buy
	// buttons too, and an older card may scroll out of sight.
	b.do("press Acheter on the last LAMP-02 card",
		chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('.card[data-sku="LAMP-02"] button[data-value="buy:LAMP-02"]')].at(-1)`)))

	// 5. Agree to the terms.
	b.do("accept the consent question", chromedp.Click(chromedp.CSS(`button[data-value="consent:yes"]`)))

	// 6. The payment message: a test badge and a pay link to the sandbox.
	b.do("wait for the pay button",
		chromedp.WaitVisible(chromedp.CSS("a.pay-button")),
		chromedp.WaitVisible(chromedp.CSS(`.payment[data-sandbox="true"] .sandbox-badge`)),
	)
	if badge := read(b, "read the test badge", chromedp.Text(chromedp.CSS(".sandbox-badge"))); !strings.Contains(badge, "TEST") {
		t.Errorf("sandbox badge = %q; want it to say TEST", badge)
	}
	order := concierge.OrderID(read(b, "read the order number",
		chromedp.Evaluate[string](`[...document.querySelectorAll('.payment[data-order]')].at(-1).dataset.order`)))
	if order == "" {
		t.Fatal("the payment message carries no order number")
	}
	b.screenshot("payment")

	b.follow("open the sandbox payment page", "a.pay-button")
	if banner := read(b, "read the sandbox banner", chromedp.Text(chromedp.CSS("#sandbox-banner"))); !strings.Contains(banner, "TEST") {
		t.Errorf("sandbox banner = %q; want it to say TEST", banner)
	}
	b.follow("pay on the sandbox page", "#pay-button")
	b.do("wait for the paid notice", chromedp.WaitVisible(chromedp.CSS("#paid-notice")))
	b.follow("go back to the chat", "#back-to-chat")

	// 7. The chat page is new: the widget reloads the history from the
	// server, which now holds the bot's payment confirmation.
	b.do("wait for the payment confirmation in the chat", chromedp.PollFunction[chromedp.Void](`(order) =>
		[...document.querySelectorAll('#transcript .msg[data-from="bot"]')]
			.some((m) => m.textContent.includes('payée') && m.textContent.includes(order))`,
		chromedp.WithPollingArgs(string(order)),
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(20*time.Second),
	))

	// 8. Ask for the order: it shows as paid.
	b.say("où en est ma commande ?")
	orderSel := fmt.Sprintf(`.order[data-order=%q]`, order)
	b.do("wait for the order status", chromedp.WaitVisible(chromedp.CSS(orderSel)))
	if state := read(b, "read the order state", chromedp.Text(chromedp.CSS(orderSel+" .order-state"))); !strings.Contains(state, "payée") {
		t.Errorf("order %s shows state %q; want payée", order, state)
	}
	b.screenshot("order-status")

	o, err := s.m.DB.GetOrder(context.Background(), order)
	if err != nil {
		t.Fatalf("get order %s: %v", order, err)
	}
	if want := (concierge.Money{Minor: 7900, Currency: "EUR"}); o.State != concierge.OrderPaid || o.Total != want {
		t.Fatalf("stored order %s: state %s, total %+v; want paid, %+v", order, o.State, o.Total, want)
	}
}

// TestBrowserEscapesHTML sends markup as a customer message and checks that
// the widget shows it as text. The Content-Security-Policy would block the
// inline onerror handler even if the markup were parsed, so the element
// checks are the ones that matter; window.__pwned is a second line.
func TestBrowserEscapesHTML(t *testing.T) {
	s := startShop(t, "")
	b := openBrowser(t)
	const markup = `<img src=x onerror="window.__pwned=1"><b>bold</b>`

	b.do("open the chat",
		chromedp.Navigate(s.base+"/chat/maison-lumiere"),
		chromedp.WaitVisible(chromedp.CSS("#chat-input")),
	)
	b.say(markup)
	// Wait for the stored copy (it has a seq) and the bot's answer, so the
	// checks also cover what came back from the server.
	b.do("wait for the stored message and a reply",
		chromedp.WaitVisible(chromedp.CSS(`#transcript .msg[data-from="customer"][data-seq] .bubble`)),
		chromedp.WaitVisible(chromedp.CSS(`#transcript .msg[data-from="bot"]`)),
	)
	shown := read(b, "read the customer's bubble",
		chromedp.TextContent(chromedp.CSS(`#transcript .msg[data-from="customer"] .bubble`)))
	if shown != markup {
		t.Errorf("customer bubble shows %q; want the literal %q", shown, markup)
	}
	got := read(b, "look for injected markup", chromedp.Evaluate[injected](`({
		pwned: typeof window.__pwned !== 'undefined',
		bold: document.querySelectorAll('#transcript b').length,
		images: document.querySelectorAll('#transcript img[src="x"]').length,
	})`))
	if got != (injected{}) {
		t.Errorf("markup in a message became elements or ran: %+v", got)
	}
}

type cardText struct {
	Title string `json:"title"`
	Price string `json:"price"`
	Stock string `json:"stock"`
}

type injected struct {
	Pwned  bool `json:"pwned"`
	Bold   int  `json:"bold"`
	Images int  `json:"images"`
}

// tab is one browser tab that a test drives. Every helper fails the test
// with a description of the step, the page's address and transcript, and
// what the page wrote to its console.
type tab struct {
	t     *testing.T
	ctx   context.Context // the tab, with the test's deadline
	nodue context.Context // the same tab without the deadline, for diagnostics

	mu      sync.Mutex
	console []string
}

// openBrowser starts a headless Chromium the size of a phone, with a fresh
// profile so no earlier session or locale leaks in. The browser closes
// before the shop shuts down (cleanups run last-registered first), so no
// open event stream holds the server's shutdown.
func openBrowser(t *testing.T) *tab {
	t.Helper()
	path := testenv.Chromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)

	b := &tab{t: t, nodue: tabCtx}
	// Start the browser on a context without the deadline: the first action
	// binds the browser's life to its context. Headless Chromium keeps its
	// window at least 500 pixels wide whatever the window-size flag says,
	// so the phone's viewport is also set by emulation.
	if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile)); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	// Subscribe now, before the first page, so no message is lost.
	go b.collectConsole(chromedp.Console(tabCtx))
	ctx, cancel := context.WithTimeout(tabCtx, browserTimeout)
	t.Cleanup(cancel)
	b.ctx = ctx
	return b
}

// collectConsole keeps what the page logs, for the report of a failure:
// a CSP violation or a script error is often the reason a wait times out.
func (b *tab) collectConsole(messages iter.Seq2[chromedp.ConsoleMessage, error]) {
	for m, err := range messages {
		if err != nil {
			return
		}
		b.mu.Lock()
		b.console = append(b.console, m.String())
		b.mu.Unlock()
	}
}

// do runs steps and fails the test if one fails.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

// read runs an action that reads a value and fails the test if it fails.
func read[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.fail(what, err)
	}
	return v
}

// say types text in the composer and presses Send, as a customer would.
func (b *tab) say(text string) {
	b.t.Helper()
	b.do("say "+text,
		chromedp.SendKeys(chromedp.CSS("#chat-input"), text),
		// Send is enabled by the input events the typing fires.
		chromedp.WaitEnabled(chromedp.CSS("#chat-send")),
		chromedp.Click(chromedp.CSS("#chat-send")),
	)
}

// pickLocale chooses a language in the widget's picker with the keyboard
// (type-ahead on the focused select, as a customer would without opening
// it), then checks that the widget switched its own texts.
func (b *tab) pickLocale(key, locale, placeholder string) {
	b.t.Helper()
	b.do("pick "+locale, chromedp.SendKeys(chromedp.CSS("#chat-locale"), key))
	got := read(b, "read the locale", chromedp.Evaluate[[2]string](
		`[document.documentElement.lang, document.getElementById('chat-input').placeholder]`))
	if got != [2]string{locale, placeholder} {
		b.t.Fatalf("after picking %s: lang %q, placeholder %q; want %q, %q", locale, got[0], got[1], locale, placeholder)
	}
}

// follow clicks a link or a submit button that loads a new page and checks
// that the page loaded with 200.
func (b *tab) follow(what, sel string) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fail(what, err)
	}
	if resp.Status != 200 {
		b.fail(what, fmt.Errorf("%s answered %d %s", resp.URL, resp.Status, resp.StatusText))
	}
}

// screenshot saves what the phone shows now as a PNG and logs its path.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	png := read(b, "screenshot "+name, chromedp.CaptureScreenshot())
	if err := b.save(name, png); err != nil {
		b.t.Fatal(err)
	}
}

// save writes a screenshot to the -screenshots directory, or else to the
// test's temporary directory, named after the test.
func (b *tab) save(name string, png []byte) error {
	dir := *screenshots
	if dir == "" {
		dir = b.t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, b.t.Name()+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return err
	}
	b.t.Logf("screenshot %s: %s", name, path)
	return nil
}

// fail reports the page as it is, then fails the test. It reads the page
// with a short deadline of its own, since the test's may be what ran out.
func (b *tab) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.nodue, 5*time.Second)
	defer cancel()
	if url, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		b.t.Logf("page: %s", url)
	}
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`document.getElementById('transcript')?.innerText ?? document.body.innerText`)); err == nil {
		b.t.Logf("page text:\n%s", text)
	}
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		b.save("failure", png)
	}
	b.mu.Lock()
	if len(b.console) > 0 {
		b.t.Logf("browser console:\n  %s", strings.Join(b.console, "\n  "))
	}
	b.mu.Unlock()
	b.t.Fatalf("%s: %v", what, err)
}
