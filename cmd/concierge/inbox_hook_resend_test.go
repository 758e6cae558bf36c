package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/handoff/hooks"
	"github.com/conciergehq/concierge/store"
)

// TestInboxHookResend: a hand-off event the webhook gave up on shows as
// failed in the conversation's History, with its attempts and error; an
// agent may not resend it (403); a supervisor's resend delivers it again
// with the same event id and leaves a note; resending it once sent is a
// conflict (409).
func TestInboxHookResend(t *testing.T) {
	rcv := newReceiver(t)
	var down atomic.Bool
	down.Store(true)
	rcv.answer = func(hooks.Payload, int) int {
		if down.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	tune := fastHooks
	tune.MaxAttempts = 2
	s, _ := startHookShop(t, tempSQLite(t), hookConfig(t, rcv.srv.URL+"/hooks"), tune)
	s.addPerson("alice", concierge.RoleAgent, 3)
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	ctx := context.Background()
	c := s.customer("en")
	c.say("I want to talk to a human")
	conv := c.conversation()

	var event store.HookState
	for deadline := time.Now().Add(15 * time.Second); ; {
		ss, err := s.m.DB.HandoffHookStates(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) == 1 && ss[0].Status == store.HookFailed {
			event = ss[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event did not fail: %+v", ss)
		}
		time.Sleep(50 * time.Millisecond)
	}
	page := fmt.Sprintf("/inbox/c/%d", conv)
	resend := fmt.Sprintf("/inbox/h/%d/resend", event.ID)
	alice, sue := s.person("alice"), s.person("sue")
	alice.signIn()
	sue.signIn()
	_, view := alice.get(page)
	if !strings.Contains(view, fmt.Sprintf(`id="hook-%d"`, event.ID)) || !strings.Contains(view, "webhook failed · 2 attempts") {
		t.Errorf("the agent's History lacks the failed badge")
	}
	if strings.Contains(view, `id="hook-resend-`) {
		t.Error("an agent is offered Resend")
	}
	if code, _ := alice.post(resend, nil); code != http.StatusForbidden {
		t.Errorf("agent resend: %d, want 403", code)
	}
	_, view = sue.get(page)
	if !strings.Contains(view, fmt.Sprintf(`id="hook-resend-%d"`, event.ID)) {
		t.Error("the supervisor is not offered Resend")
	}
	first := rcv.all()[0].payload.ID

	down.Store(false)
	sue.mustPost(resend, nil)
	got := rcv.delivered(t, hooks.Requested)
	if got.ID != first {
		t.Errorf("resent event id %q; want the first one's %q", got.ID, first)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		st, _, err := s.m.DB.HandoffHook(ctx, event.ID)
		if err == nil && st.Status == store.HookSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the resent event is %+v, %v; want sent", st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := sue.post(resend, nil); code != http.StatusConflict {
		t.Errorf("resend of a sent event: %d, want 409", code)
	}
	_, view = sue.get(page)
	if !strings.Contains(view, "webhook sent") || !strings.Contains(view, "Resent hand-off webhook event") {
		t.Errorf("after the resend the page lacks the sent badge or sue's note")
	}
}
