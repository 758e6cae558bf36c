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

// TestInboxAssign: a supervisor gives a waiting conversation to an agent,
// then moves it to another one, who can answer while the first no longer
// can; each move is a row of the history with who and why. A person at
// their capacity, one who cannot see the bot, an unknown name and an agent
// trying it are refused, and nothing changes.
func TestInboxAssign(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	s.addPerson("bob", concierge.RoleAgent, 1)
	s.addPerson("dan", concierge.RoleAgent, 2)
	s.addPerson("carol", concierge.RoleAgent, 5, "another-bot")
	ctx := context.Background()
	_, first := s.handedOff()
	_, second := s.handedOff()

	sue := s.person("sue")
	sue.signIn()
	page := func(id concierge.ConversationID) string { return fmt.Sprintf("/inbox/c/%d", id) }
	_, view := sue.get(page(first))
	for _, want := range []string{`id="assign-form"`, `id="assign-to"`, `id="assign-why"`, `id="assign"`, `<option value="bob">`, `<option value="dan">`} {
		if !strings.Contains(view, want) {
			t.Errorf("a supervisor's page lacks %s", want)
		}
	}
	if strings.Contains(view, `<option value="carol">`) {
		t.Error("carol, who cannot see this bot, is offered")
	}

	state := func(id concierge.ConversationID) (concierge.ConversationState, string, int) {
		t.Helper()
		cs, err := s.m.DB.Cases(ctx, id)
		if err != nil || len(cs) != 1 {
			t.Fatalf("case %d: %+v %v", id, cs, err)
		}
		hs, err := s.m.DB.Handoffs(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return cs[0].Conversation.State, cs[0].Assignee, len(hs)
	}

	view = sue.mustPost(page(first)+"/assign", url.Values{"to": {"bob"}, "why": {"speaks   Breton"}})
	if st, owner, _ := state(first); st != concierge.StateHuman || owner != "bob" {
		t.Fatalf("after assigning to bob: %s, owner %q", st, owner)
	}
	hs, _ := s.m.DB.Handoffs(ctx, first)
	last := hs[len(hs)-1]
	if last.From != concierge.StateWaiting || last.To != concierge.StateHuman || last.By != "agent:sue" ||
		last.Reason != concierge.HandoffAssigned || last.Note != "to bob: speaks Breton" {
		t.Errorf("the history row %+v; want waiting → human by sue, assigned to bob with the reason", last)
	}
	if !strings.Contains(view, "assigned to bob: speaks Breton") || !strings.Contains(view, `id="owner">with bob`) {
		t.Errorf("the page after assigning does not show bob as owner and the history row")
	}

	// Refusals change nothing.
	st0, owner0, n0 := state(second)
	for name, c := range map[string]struct {
		to   string
		code int
		why  string
	}{
		"at capacity":        {"bob", http.StatusConflict, "bob already has 1 conversations, their limit"},
		"cannot see the bot": {"carol", http.StatusConflict, "carol cannot see this bot"},
		"unknown person":     {"zoe", http.StatusBadRequest, "no person named"},
		"nobody":             {"", http.StatusBadRequest, "choose the person"},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := sue.post(page(second)+"/assign", url.Values{"to": {c.to}})
			if code != c.code || !strings.Contains(body, c.why) {
				t.Errorf("assigning to %q: %d; want %d saying %q\n%s", c.to, code, c.code, c.why, body)
			}
			if st, owner, n := state(second); st != st0 || owner != owner0 || n != n0 {
				t.Errorf("after a refused assignment: %s %q %d rows; want %s %q %d", st, owner, n, st0, owner0, n0)
			}
		})
	}
	bob := s.person("bob")
	bob.signIn()
	bob.get(page(second))
	if code, _ := bob.post(page(second)+"/assign", url.Values{"to": {"bob"}}); code != http.StatusForbidden {
		t.Errorf("an agent assigning: %d, want 403", code)
	}

	// From bob to dan: bob loses it.
	bob.get(page(first))
	sue.get(page(first))
	sue.mustPost(page(first)+"/assign", url.Values{"to": {"dan"}, "why": {"bob is off"}})
	if st, owner, _ := state(first); st != concierge.StateHuman || owner != "dan" {
		t.Fatalf("after moving to dan: %s, owner %q", st, owner)
	}
	hs, _ = s.m.DB.Handoffs(ctx, first)
	if last := hs[len(hs)-1]; last.From != concierge.StateHuman || last.Reason != concierge.HandoffAssigned || last.Note != "to dan (was bob): bob is off" || last.By != "agent:sue" {
		t.Errorf("the history row %+v; want human → human, assigned to dan (was bob)", last)
	}
	if code, body := bob.post(page(first)+"/reply", url.Values{"text": {"still here"}}); code != http.StatusConflict || !strings.Contains(body, "dan owns this conversation") {
		t.Errorf("bob replying after losing it: %d; want 409 naming dan", code)
	}
	dan := s.person("dan")
	dan.signIn()
	dan.get(page(first))
	dan.mustPost(page(first)+"/reply", url.Values{"text": {"Dan here, I take over."}})
	// bob is under capacity again: the second conversation can be his.
	sue.get(page(second))
	sue.mustPost(page(second)+"/assign", url.Values{"to": {"bob"}})
	if _, owner, _ := state(second); owner != "bob" {
		t.Errorf("second conversation owner %q, want bob", owner)
	}
}
