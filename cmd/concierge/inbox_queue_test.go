package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

// TestInboxQueueFilters: the queue filters by bot, channel, language,
// reason and "waiting only" or "mine", each alone and together, over HTTP
// against the real server: an English customer who asked for a person,
// claimed by alice, and a French one the bot did not understand twice,
// still waiting.
func TestInboxQueueFilters(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	en, fr := s.customer("en"), s.customer("fr")
	en.say("I want to talk to a human")
	fr.say("xqzw blorp vrrm")
	fr.say("zzkq plimf gnarv")
	a, b := en.conversation(), fr.conversation()
	reason := map[concierge.ConversationID]concierge.HandoffReason{}
	for _, id := range []concierge.ConversationID{a, b} {
		cs, err := s.m.DB.Cases(context.Background(), id)
		if err != nil || len(cs) != 1 || cs[0].Conversation.State != concierge.StateWaiting {
			t.Fatalf("case %d: %+v, %v; want one waiting", id, cs, err)
		}
		reason[id] = cs[0].Reason
	}
	alice := s.person("alice")
	alice.signIn()
	alice.mustPost(fmt.Sprintf("/inbox/c/%d/claim", a), nil)

	tests := []struct {
		query string
		want  []concierge.ConversationID
	}{
		{"", []concierge.ConversationID{a, b}},
		{"bot=maison-lumiere", []concierge.ConversationID{a, b}},
		{"bot=another-shop", nil},
		{"channel=web", []concierge.ConversationID{a, b}},
		{"channel=telegram", nil},
		{"lang=en", []concierge.ConversationID{a}},
		{"lang=fr", []concierge.ConversationID{b}},
		{"reason=" + url.QueryEscape(string(reason[a])), []concierge.ConversationID{a}},
		{"reason=" + url.QueryEscape(string(reason[b])), []concierge.ConversationID{b}},
		{"reason=no-such-reason", nil},
		{"state=waiting", []concierge.ConversationID{b}},
		{"state=mine", []concierge.ConversationID{a}},
		{"state=waiting&lang=en", nil},
		{"lang=fr&channel=web&reason=" + url.QueryEscape(string(reason[b])), []concierge.ConversationID{b}},
	}
	if reason[a] != concierge.HandoffAsked || reason[b] != concierge.HandoffFailed {
		t.Fatalf("reasons %q and %q, want %q and %q", reason[a], reason[b], concierge.HandoffAsked, concierge.HandoffFailed)
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, page := alice.get("/inbox?" + tt.query)
			if code != http.StatusOK {
				t.Fatalf("GET /inbox?%s: %d", tt.query, code)
			}
			for _, id := range []concierge.ConversationID{a, b} {
				shown := strings.Contains(page, fmt.Sprintf(`data-conversation="%d"`, id))
				want := false
				for _, w := range tt.want {
					want = want || w == id
				}
				if shown != want {
					t.Errorf("conversation %d shown %v, want %v", id, shown, want)
				}
			}
		})
	}
}

// TestInboxCustomerMarkupInert: HTML and script a customer writes are shown
// as text in the queue and the conversation page, never as markup, and
// the pages forbid inline script, so even markup that slipped through
// would not run.
func TestInboxCustomerMarkupInert(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	c := s.customer("en")
	c.say("I want to talk to a human")
	const markup = `<script>alert(1)</script><img src=x onerror="alert(2)">`
	c.postSilently(markup)
	id := c.conversation()
	alice := s.person("alice")
	alice.signIn()
	for _, path := range []string{"/inbox", fmt.Sprintf("/inbox/c/%d", id)} {
		resp, err := alice.client.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// default-src 'self' with no script-src of its own allows only
		// the inbox's own script files.
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q allows inline script", path, csp)
		}
		_, page := alice.get(path)
		if strings.Contains(page, "<script>alert(1)") || strings.Contains(page, "<img src=x") || strings.Contains(page, `onerror="alert`) {
			t.Errorf("%s renders the customer's markup:\n%s", path, page)
		}
		if path != "/inbox" && !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the customer's text escaped", path)
		}
	}
}
