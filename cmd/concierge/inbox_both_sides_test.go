package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/internal/money"
)

// TestBrowserInboxBothSides is the inbox end to end, played by two headless
// Chromiums, each with its own profile: a customer in the web widget and
// a supervisor in the inbox. The customer buys and pays a desk lamp in the
// sandbox, then asks for a refund above the bot's auto-approve limit. The
// supervisor, already on the queue page, sees the conversation arrive
// without reloading, reads the packet and the proposal, claims it and
// replies (the widget shows the reply), approves the refund (executed
// once, recorded, in the decision log with who, and the customer told in
// the widget), and hands back; the bot then answers the customer's next
// shop question in the widget. Only typing and clicking drive the pages;
// the database is read to check what they showed.
func TestBrowserInboxBothSides(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	ctx := context.Background()
	cust := openBrowser(t)
	sue := openBrowser(t)

	// 1. The customer buys the Zénith lamp and pays on the sandbox page.
	cust.do("open the chat", chromedp.Navigate(s.base+"/chat/maison-lumiere"), chromedp.WaitVisible(chromedp.CSS("#chat-input")))
	cust.say("a desk lamp please")
	cust.do("wait for the LAMP-02 card", chromedp.WaitVisible(chromedp.CSS(`.card[data-sku="LAMP-02"]`)))
	cust.do("press Buy on the LAMP-02 card",
		chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('.card[data-sku="LAMP-02"] button[data-value="buy:LAMP-02"]')].at(-1)`)))
	cust.do("accept the consent question", chromedp.Click(chromedp.CSS(`button[data-value="consent:yes"]`)))
	cust.do("wait for the pay button", chromedp.WaitVisible(chromedp.CSS(`.payment[data-sandbox="true"] a.pay-button`)))
	order := concierge.OrderID(read(cust, "read the order number",
		chromedp.Evaluate[string](`[...document.querySelectorAll('.payment[data-order]')].at(-1).dataset.order`)))
	if order == "" {
		t.Fatal("the payment message carries no order number")
	}
	cust.follow("open the sandbox payment page", "a.pay-button")
	cust.follow("pay on the sandbox page", "#pay-button")
	cust.do("wait for the paid notice", chromedp.WaitVisible(chromedp.CSS("#paid-notice")))
	cust.follow("go back to the chat", "#back-to-chat")
	cust.waitBotText("the payment confirmation", "Order "+string(order)+" is paid")

	o, err := s.m.DB.GetOrder(ctx, order)
	if err != nil || o.State != concierge.OrderPaid {
		t.Fatalf("order %s after paying: %+v, %v", order, o, err)
	}
	limit := s.m.Bots[0].Policies.RefundAutoApproveBelow
	if limit.Currency != o.Total.Currency || o.Total.Minor <= limit.Minor {
		t.Fatalf("order total %+v is not above the auto-approve limit %+v: the refund would not need a person", o.Total, limit)
	}
	id := o.Conversation

	// 2. The supervisor signs in and waits on the queue.
	sue.do("open the inbox", chromedp.Navigate(s.base+"/inbox"), chromedp.WaitVisible(chromedp.CSS("#password")))
	sue.do("sign in", chromedp.SendKeys(chromedp.CSS("#name"), "sue"), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	sue.follow("press Sign in", "#signin")
	sue.do("wait for the queue", chromedp.WaitVisible(chromedp.CSS("#waiting-count")))
	// A mark on this page's window: if the page reloaded to show the
	// conversation, the mark would be gone.
	sue.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__sameQueuePage = true`))

	// 3. The customer asks for a refund; the bot passes it on.
	cust.say("I want a refund, the lamp arrived broken")
	cust.do("wait for the hand-off message", chromedp.WaitVisible(chromedp.CSS(`#transcript .msg[data-from="bot"][data-kind="handoff"]`)))

	// 4. It arrives in the supervisor's queue live.
	row := fmt.Sprintf(`li.case[data-conversation="%d"]`, id)
	sue.waitFor("the conversation to arrive in the queue", row)
	if same := read(sue, "check the page did not reload", chromedp.Evaluate[bool](`window.__sameQueuePage === true`)); !same {
		t.Error("the queue page reloaded to show the conversation; want it to arrive through the live stream")
	}
	sue.press("open the conversation", row+" a")

	// 5. The packet and the proposal say what happened.
	sue.waitFor("the packet", "#packet")
	packet := sue.liveText("read the packet", "#packet")
	for _, want := range []string{string(concierge.HandoffRefund) + " (by", "The customer asked for a refund", "Last order: " + string(order), "arrived broken"} {
		if !strings.Contains(packet, want) {
			t.Errorf("the packet lacks %q:\n%s", want, packet)
		}
	}
	ps, err := s.m.DB.Proposals(ctx, id)
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals of conversation %d: %+v, %v; want one", id, ps, err)
	}
	pid := ps[0].ID
	sel := fmt.Sprintf("#proposal-%d", pid)
	proposal := sue.liveText("read the proposal", sel)
	amount := money.Format(o.Total, "en")
	for _, want := range []string{"Refund proposal", amount + " for order " + string(order), "inside", "auto-approve limit of " + money.Format(limit, "en"), "arrived broken"} {
		if !strings.Contains(proposal, want) {
			t.Errorf("the proposal lacks %q:\n%s", want, proposal)
		}
	}
	if got := sue.liveText("read the suggestion", sel+" .suggest"); got != "approve" {
		t.Errorf("the AI suggests %q; want approve (inside the refund window)", got)
	}
	sue.do("scroll to the proposal", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).scrollIntoView()`, sel)))
	sue.screenshot("proposal")

	// 6. Claim and reply; the customer sees the reply in the widget.
	sue.press("claim it", "#claim")
	sue.do("wait for the reply box", chromedp.WaitVisible(chromedp.CSS("#reply-text")))
	sue.do("type a reply", chromedp.SendKeys(chromedp.CSS("#reply-text"), "Hello, I'm Sue. Sorry about the lamp, I'm looking at your refund."))
	sue.press("send it", "#reply-send")
	cust.waitText("the supervisor's reply", `#transcript .msg[data-from="agent"]`, "I'm Sue")
	cust.screenshot("agent-reply")

	// 7. Approve: the refund is executed once and the customer is told.
	sue.press("approve the refund", fmt.Sprintf("#approve-%d", pid))
	if done, want := sue.liveText("read the refund", fmt.Sprintf("#refund-%d", pid)), fmt.Sprintf("Refunded: simulated-proposal-%d", pid); !strings.Contains(done, want) {
		t.Errorf("after approving the page says %q; want %q", done, want)
	}
	if st := sue.liveText("read the decision", fmt.Sprintf("#decision-%d", pid)); !strings.Contains(st, "approved by sue") {
		t.Errorf("the decision reads %q; want approved by sue", st)
	}
	cust.waitBotText("the refund notice", "refund for order "+string(order))
	cust.screenshot("refunded")

	refunds, err := s.m.DB.Refunds(ctx, order)
	if err != nil || len(refunds) != 1 || refunds[0].Provider != "sandbox" || refunds[0].ProviderRef != fmt.Sprintf("simulated-proposal-%d", pid) ||
		refunds[0].Amount != o.Total || refunds[0].Status != sandbox.SimulatedRefund {
		t.Errorf("refunds of %s: %+v, %v; want one simulated sandbox refund of %+v", order, refunds, err, o.Total)
	}
	if o, err := s.m.DB.GetOrder(ctx, order); err != nil || o.State != concierge.OrderRefunded {
		t.Errorf("order %s after the refund: %+v, %v; want refunded", order, o, err)
	}
	if ps, err := s.m.DB.Proposals(ctx, id); err != nil || len(ps) != 1 || ps[0].Status != concierge.ProposalApproved ||
		ps[0].DecidedBy != "sue" || ps[0].RefundRef == "" || ps[0].RefundError != "" {
		t.Errorf("the proposal after approval: %+v, %v; want approved by sue and executed", ps, err)
	}

	// 8. The decision log lists it, with who decided.
	sue.do("open the decision log", chromedp.Navigate(s.base+"/inbox/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	rows := read(sue, "read the decision log", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#audit tbody tr')].map((r) => r.innerText)`))
	if len(rows) != 1 || !strings.Contains(rows[0], string(order)) || !strings.Contains(rows[0], "sue") ||
		!strings.Contains(rows[0], "approved") || !strings.Contains(rows[0], amount) {
		t.Errorf("the decision log shows %q; want one row: %s, sue, approved, %s", rows, order, amount)
	}

	// 9. Hand back; the bot answers the customer's next shop question.
	sue.do("go back to the conversation", chromedp.Navigate(fmt.Sprintf("%s/inbox/c/%d", s.base, id)), chromedp.WaitVisible(chromedp.CSS("#handback")))
	sue.press("hand back to the bot", "#handback")
	if st := sue.liveText("read the state", "#conv-state"); st != "bot" {
		t.Errorf("state after the hand-back %q, want bot", st)
	}
	cards := read(cust, "count the lamp cards", chromedp.Evaluate[int](`document.querySelectorAll('.card[data-sku="LAMP-02"]').length`))
	cust.say("do you have a desk lamp?")
	cust.do("wait for the bot's new LAMP-02 card", chromedp.PollFunction[chromedp.Void](`(n) =>
		document.querySelectorAll('#transcript .msg[data-from="bot"] .card[data-sku="LAMP-02"]').length > n`,
		chromedp.WithPollingArgs(cards),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	cust.screenshot("bot-again")
	if n, err := s.m.DB.Refunds(ctx, order); err != nil || len(n) != 1 {
		t.Errorf("refunds at the end: %+v, %v; want still one", n, err)
	}
}

// The inbox replaces its #live part whenever its live stream announces a
// change, which follows every action shortly. chromedp's Click and Text
// find a node in one call and use it in the next, and the node may be
// gone in between; these helpers do both in one script instead.

// waitFor waits until an element matching sel exists.
func (b *tab) waitFor(what, sel string) {
	b.t.Helper()
	b.do("wait for "+what, chromedp.PollFunction[chromedp.Void](`(sel) => document.querySelector(sel) !== null`,
		chromedp.WithPollingArgs(sel),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
}

// liveText reads the text of the element matching sel, or "" if none.
func (b *tab) liveText(what, sel string) string {
	b.t.Helper()
	return read(b, what, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.innerText.trim() ?? ''`, sel)))
}

// press clicks the link or submit button matching sel, as follow does,
// and checks that the page it loads answered 200.
func (b *tab) press(what, sel string) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel)))
	if err != nil {
		b.fail(what, err)
	}
	if resp.Status != 200 {
		b.fail(what, fmt.Errorf("%s answered %d %s", resp.URL, resp.Status, resp.StatusText))
	}
}

// waitText waits until an element matching sel contains text.
func (b *tab) waitText(what, sel, text string) {
	b.t.Helper()
	b.do("wait for "+what, chromedp.PollFunction[chromedp.Void](`(sel, text) =>
		[...document.querySelectorAll(sel)].some((m) => m.textContent.includes(text))`,
		chromedp.WithPollingArgs(sel, text),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
}

// waitBotText waits until one of the bot's messages in the widget
// contains text.
func (b *tab) waitBotText(what, text string) {
	b.t.Helper()
	b.waitText(what, `#transcript .msg[data-from="bot"]`, text)
}
