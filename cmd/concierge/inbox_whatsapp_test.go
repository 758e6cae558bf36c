package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// TestInboxWhatsAppWindow: inside WhatsApp's 24-hour window a person's
// reply goes out as text. Outside it, the conversation page says so, has
// no free-text box and offers the bot file's approved templates; free text
// (a reply or a closing message) posted anyway is refused with 409 and
// nothing is queued; a template is sent to the Graph API as a template
// request with the variable filled in. Bad template choices answer 400.
func TestInboxWhatsAppWindow(t *testing.T) {
	s := startWAShop(t)
	ctx := context.Background()
	c, conv, page, sue := waHandedToSue(t, s, "33611223344")
	sue.get(page)
	view := sue.mustPost(page+"/claim", nil)

	// Inside the window: as on every channel.
	if !strings.Contains(view, `id="reply-text"`) || strings.Contains(view, `id="window-closed"`) || strings.Contains(view, `id="templates"`) {
		t.Fatal("inside the window the page should have the reply box and no templates")
	}
	sue.mustPost(page+"/reply", url.Values{"text": {"Hello, Sue here."}})
	if got := c.replies(); len(got) != 1 || got[0].Type != "text" || got[0].Text() != "Hello, Sue here." {
		t.Fatalf("inside the window the Graph API got %s; want the text", waDump(got))
	}

	// 25 hours later.
	s.m.SkewWhatsAppClock(25 * time.Hour)
	_, view = sue.get(page)
	for _, want := range []string{`id="window-closed"`, "more than 24 hours ago", `id="templates"`, `id="template-form-1"`,
		`name="template" value="order_update|en_US"`, `id="template-1-param-1"`, `id="template-send-1"`} {
		if !strings.Contains(view, want) {
			t.Errorf("outside the window the page lacks %s", want)
		}
	}
	if strings.Contains(view, `id="reply-text"`) {
		t.Error("outside the window the page still has the free-text box")
	}
	outbound := func() int { return outboundCount(t, s.shop, conv.ID) }
	before := outbound()
	for name, form := range map[string]struct {
		path string
		form url.Values
	}{
		"reply":           {"/reply", url.Values{"text": {"Are you there?"}}},
		"closing message": {"/handback", url.Values{"text": {"Bye"}}},
	} {
		code, body := sue.post(page+form.path, form.form)
		if code != http.StatusConflict || !strings.Contains(body, "only an approved template can be sent now") {
			t.Errorf("%s outside the window: %d; want 409\n%s", name, code, body)
		}
	}
	for name, c := range map[string]url.Values{
		"unknown template": {"template": {"nope|en"}, "param": {"ML-1"}},
		"no variable":      {"template": {"order_update|en_US"}},
		"empty variable":   {"template": {"order_update|en_US"}, "param": {" "}},
		"two variables":    {"template": {"order_update|en_US"}, "param": {"ML-1", "x"}},
	} {
		if code, _ := sue.post(page+"/template", c); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	if n := outbound(); n != before {
		t.Fatalf("refused messages were queued: %d outbound, want %d", n, before)
	}
	if conv, _ := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(c.wa)); conv.State != concierge.StateHuman {
		t.Fatalf("a refused hand-back changed the state to %s", conv.State)
	}

	sue.mustPost(page+"/template", url.Values{"template": {"order_update|en_US"}, "param": {"ML-TEST1"}})
	got := c.replies()
	if len(got) != 1 || got[0].Type != "template" {
		t.Fatalf("the Graph API got %s; want one template", waDump(got))
	}
	var req struct {
		Template struct {
			Name       string                `json:"name"`
			Language   struct{ Code string } `json:"language"`
			Components []struct {
				Type       string                        `json:"type"`
				Parameters []struct{ Type, Text string } `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	if err := json.Unmarshal(got[0].Raw, &req); err != nil {
		t.Fatal(err)
	}
	tm := req.Template
	if tm.Name != "order_update" || tm.Language.Code != "en_US" || len(tm.Components) != 1 || tm.Components[0].Type != "body" ||
		len(tm.Components[0].Parameters) != 1 || tm.Components[0].Parameters[0].Text != "ML-TEST1" {
		t.Errorf("template request %s; want order_update in en_US with ML-TEST1 as {{1}}", got[0].Raw)
	}
	es, _ := s.m.DB.InboxTranscript(ctx, conv.ID, 300)
	if last := es[len(es)-1]; last.Author != "agent:sue" || last.Status != "sent" || !strings.Contains(last.Message.Text, "ML-TEST1") {
		t.Errorf("the transcript's last entry %+v; want sue's template, sent", last)
	}

	// The customer writes again: free text is back.
	s.m.SkewWhatsAppClock(0)
	c.say("yes?")
	_, view = sue.get(page)
	if !strings.Contains(view, `id="reply-text"`) || strings.Contains(view, `id="window-closed"`) {
		t.Error("after the customer wrote again the reply box is not back")
	}
}

// waHandedToSue has a WhatsApp customer ask for a person and signs in
// supervisor sue; it returns the customer, the waiting conversation, its
// inbox page and sue.
func waHandedToSue(t *testing.T, s *waShop, wa string) (*waCustomer, *concierge.Conversation, string, *person) {
	t.Helper()
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	c := s.customer(wa)
	said := c.say("can I speak to a person please")
	conv, err := s.m.DB.FindConversation(context.Background(), "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(c.wa))
	if err != nil || conv.State != concierge.StateWaiting {
		t.Fatalf("conversation %+v, %v; want waiting after the bot said %s", conv, err, waDump(said))
	}
	sue := s.person("sue")
	sue.signIn()
	return c, conv, fmt.Sprintf("/inbox/c/%d", conv.ID), sue
}

// outboundCount counts the outbound messages of conv's transcript:
// queued, sent or failed.
func outboundCount(t *testing.T, s *shop, conv concierge.ConversationID) int {
	t.Helper()
	es, err := s.m.DB.InboxTranscript(context.Background(), conv, 300)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Dir == "out" {
			n++
		}
	}
	return n
}
