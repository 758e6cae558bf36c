package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/web"
)

// TestInboxTranscriptDelivery: the conversation page shows the channel's
// badge and, on each message sent to the customer, its outbox status: the
// agent's reply reads "pending" or "sent" as the outbox goes, and "sent"
// once the widget has it. The customer's own messages carry none.
func TestInboxTranscriptDelivery(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	c := s.customer("en")
	c.say("I want to talk to a human")
	id := c.conversation()
	alice := s.person("alice")
	alice.signIn()
	page := fmt.Sprintf("/inbox/c/%d", id)
	alice.mustPost(page+"/claim", nil)
	const reply = "Alice here, checking your order now."
	alice.mustPost(page+"/reply", url.Values{"text": {reply}})
	c.waitFor("the agent's reply", func(e web.Entry) bool { return e.From == web.FromAgent && e.Message.Text == reply })

	// Each transcript line: who wrote it, its status badge if any, its text.
	entry := regexp.MustCompile(`<li class="msg from-([a-z]+)"[^>]*>([\s\S]*?)</li>`)
	badge := regexp.MustCompile(`<span class="status st-([a-z]+)"`)
	var status string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, view := alice.get(page)
		if !strings.Contains(view, `class="badge ch ch-web"`) {
			t.Fatalf("the page has no web channel badge")
		}
		status = ""
		for _, m := range entry.FindAllStringSubmatch(view, -1) {
			from, body := m[1], m[2]
			b := badge.FindStringSubmatch(body)
			if from == "customer" && b != nil {
				t.Fatalf("a customer's message carries an outbox status: %s", body)
			}
			if strings.Contains(body, reply) {
				if b == nil {
					t.Fatalf("the agent's reply has no status: %s", body)
				}
				status = b[1]
			}
		}
		if status == "sent" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status != "sent" {
		t.Fatalf("the delivered reply shows %q, want sent", status)
	}
}
