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

// TestBrowserInbox plays the person's side in a phone-sized Chromium while
// a web customer talks over HTTP: sign in, see the customer's hand-off
// arrive in the queue without reloading (and in the title), open it, claim
// it, see the customer's next message arrive live, reply (the customer's
// widget history shows the agent's message), and hand back to the bot.
func TestBrowserInbox(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	b := openBrowser(t)

	b.do("open the inbox", chromedp.Navigate(s.base+"/inbox"), chromedp.WaitVisible(chromedp.CSS("#password")))
	b.do("sign in",
		chromedp.SendKeys(chromedp.CSS("#name"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
	)
	b.follow("press Sign in", "#signin")
	b.do("wait for the queue", chromedp.WaitVisible(chromedp.CSS("#waiting-count")))

	// The customer asks for a person while the queue is open.
	c := s.customer("en")
	find(t, c.say("I'd like to talk to a human, please"), concierge.MessageHandoff)
	id := c.conversation()
	row := fmt.Sprintf(`li.case[data-conversation="%d"]`, id)
	b.do("wait for the conversation to arrive in the queue", chromedp.WaitVisible(chromedp.CSS(row)))
	title := read(b, "read the title", chromedp.Evaluate[string](`document.title`))
	if !strings.HasPrefix(title, "(1) ") {
		t.Errorf("title %q; want it to start with (1)", title)
	}
	b.screenshot("queue")

	b.follow("open the conversation", row+" a")
	b.do("wait for the packet", chromedp.WaitVisible(chromedp.CSS("#packet")))
	b.press("claim it", "#claim")
	b.do("wait for the reply box", chromedp.WaitVisible(chromedp.CSS("#reply-text")))

	c.postSilently("are you there?")
	b.do("see the customer's message arrive", chromedp.PollFunction[chromedp.Void](`() =>
		[...document.querySelectorAll('#transcript .msg[data-from="customer"]')].some((m) => m.textContent.includes('are you there?'))`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))

	b.do("type a reply", chromedp.SendKeys(chromedp.CSS("#reply-text"), "Yes! I'm Alice, how can I help?"))
	b.follow("send it", "#reply-send")
	b.do("see the reply in the transcript", chromedp.PollFunction[chromedp.Void](`() =>
		[...document.querySelectorAll('#transcript .msg[data-from="agent"]')].some((m) => m.textContent.includes("I'm Alice"))`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	e := c.waitFor("the agent's reply", func(e web.Entry) bool { return e.From == web.FromAgent })
	if !strings.Contains(e.Message.Text, "I'm Alice") {
		t.Errorf("the customer sees %q", e.Message.Text)
	}
	b.screenshot("conversation")

	b.press("hand back to the bot", "#handback")
	if st := b.liveText("read the state", "#conv-state"); st != "bot" {
		t.Errorf("state after hand-back %q, want bot", st)
	}
	if !hasCard(c.say("a desk lamp"), "LAMP-02") {
		t.Error("the bot did not answer after the hand-back")
	}
}
