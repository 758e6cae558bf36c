package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// TestBrowserTrainingRefund is the "done" for the simulator, in
// headless Chromium: a supervisor picks a past refund hand-off at
// /inbox/training and assigns it to a trainee; the trainee opens it on the
// conversation page under the training banner, starts, answers the
// simulated customer (who answers with the real customer's next line,
// anonymised), approves the refund, finishes, and gets a score; the
// report lists the session. Nothing reaches the real conversation.
func TestBrowserTrainingRefund(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	s.addPerson("tom", concierge.RoleAgent, 3)
	pc := pastRefund(t, s)
	b := openBrowser(t)

	signIn := func(name string) {
		b.do("open the inbox", chromedp.Navigate(s.base+"/inbox"), chromedp.WaitVisible(chromedp.CSS("#password")))
		b.do("sign in as "+name,
			chromedp.SendKeys(chromedp.CSS("#name"), name),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		)
		b.follow("press Sign in", "#signin")
		b.waitFor("the queue", "#waiting-count")
	}

	signIn("sue")
	b.press("open Training", "#training-link")
	b.waitFor("the banner", "#training-banner")
	b.do("show refunds", chromedp.SetValue(chromedp.CSS("#training-kind"), concierge.TrainingRefund))
	b.press("filter", "#training-filter")
	box := fmt.Sprintf("#training-conv-%d", pc.conv)
	b.waitFor("the past refund", box)
	b.do("pick it and the trainee",
		chromedp.Click(chromedp.CSS(box)),
		chromedp.SetValue(chromedp.CSS("#training-trainee"), "tom"),
	)
	b.press("assign", "#training-assign")
	b.waitFor("the session in the list", `#training-sessions tr[data-session]`)
	b.press("sign out", "#signout")

	signIn("tom")
	b.press("open Training", "#training-link")
	b.waitFor("tom's session", `#training-sessions tr[data-session] a`)
	b.press("open the session", `#training-sessions tr[data-session] a`)
	if got := b.liveText("read the banner", "#training-banner"); !strings.Contains(got, "Training — nothing reaches a customer") {
		t.Errorf("banner %q", got)
	}
	b.press("start", "#training-start")
	b.waitText("the anonymised request", `#transcript .msg[data-from="customer"]`, "arrived broken")
	page := read(b, "read the page", chromedp.Evaluate[string](`document.body.innerText`))
	for _, pii := range append(customerPII, string(pc.order)) {
		if strings.Contains(page, pii) {
			t.Errorf("the trainee's page shows %q", pii)
		}
	}
	b.screenshot("started")

	amount := money.Format(pc.proposal.Amount, "en")
	b.do("type a reply", chromedp.SendKeys(chromedp.CSS("#reply-text"), "I'm sorry! Your order T-1 is paid; I am refunding "+amount+"."))
	b.press("send it", "#reply-send")
	b.waitText("the reply", `#transcript .msg[data-from="agent"]`, "I am refunding")
	b.waitText("the simulated customer's answer", `#transcript .msg[data-from="customer"]`, "call me on +00 000 000")
	b.press("approve", "#approve-1")
	b.waitFor("the decision", "#decision-1")
	b.press("finish", "#handback")
	b.waitFor("the score", "#training-score")
	if got := b.liveText("read the score", "#training-total"); got != "100" {
		t.Errorf("score %q, want 100: %s", got, b.liveText("read the differences", "#training-score"))
	}
	b.screenshot("scored")
	b.do("open the report", chromedp.Navigate(s.base+"/inbox/training/people/tom"))
	b.waitFor("the report", "#training-report")
	if got := b.liveText("read the report", "#training-report"); !strings.Contains(got, "100/100") || !strings.Contains(got, "refund") {
		t.Errorf("the report reads %q", got)
	}

	tr, err := s.m.DB.InboxTranscript(context.Background(), pc.conv, 500)
	if err != nil || len(tr) != pc.messages {
		t.Errorf("the real conversation has %d entries after training, had %d (%v)", len(tr), pc.messages, err)
	}
}
