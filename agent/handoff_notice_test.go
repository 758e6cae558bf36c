package agent_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/store"
)

// TestHandoffNotice: a customer handed off is never left in silence. They
// hear that a person will answer, their place among the bot's waiting
// conversations and, once claims give something to go by, the expected
// wait; outside the sample bot's business hours (Mon-Fri 09:00-18:00
// Europe/Paris) they hear when people are back instead of a wait.
func TestHandoffNotice(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		at      time.Time // when the customer is handed off
		ahead   int       // customers already waiting
		claimed bool      // one of them was claimed after waiting 4 minutes
		want    []string
		wantMin [2]int // the wait in minutes, low and high; zero: no wait said
		notWant []string
	}{
		{"open, first in line, no history", time.Date(2026, 3, 4, 10, 0, 0, 0, paris), 0, false,
			[]string{"I'm handing you over to a person from our team.", "You are number 1 in the queue."}, [2]int{}, []string{"min", "closed"}},
		{"open, third in line, no history", time.Date(2026, 3, 4, 10, 0, 0, 0, paris), 2, false,
			[]string{"You are number 3 in the queue."}, [2]int{}, []string{"min"}},
		{"open, with a claim to go by", time.Date(2026, 3, 4, 10, 0, 0, 0, paris), 1, true,
			[]string{"I'm handing you over to a person from our team.", "You are number 2 in the queue; the wait is about"}, [2]int{8, 9}, []string{"closed"}},
		{"closed on Saturday", time.Date(2026, 3, 7, 12, 0, 0, 0, paris), 1, true,
			[]string{"We are closed right now; someone will answer you here from 2026-03-09 09:00 CET.", "You are number 2 in the queue."},
			[2]int{}, []string{"min"}},
		{"closed in the evening", time.Date(2026, 3, 4, 19, 30, 0, 0, paris), 0, false,
			[]string{"someone will answer you here from 2026-03-05 09:00 CET.", "You are number 1 in the queue."}, [2]int{}, []string{"min"}},
	}
	handoff := func(ctx context.Context, tn *agent.Turn) error {
		if err := tn.Tools.Handoff(ctx, concierge.HandoffAsked); err != nil {
			return err
		}
		tn.ShowHandoff()
		return nil
	}
	minutes := regexp.MustCompile(`the wait is about (\d+) min`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			s.clock.mu.Lock()
			s.clock.now = tt.at
			s.clock.mu.Unlock()
			for i := range tt.ahead {
				c := s.customer("en")
				c.turn(handoff)
				if i == 0 && tt.claimed {
					claim(t, s, c.conv(), 4*time.Minute)
				}
			}
			c := s.customer("en")
			replies, failed := c.turn(handoff)
			if failed || len(replies) != 1 || replies[0].Kind != concierge.MessageHandoff {
				t.Fatalf("replies %+v, failed %v; want one hand-off message", replies, failed)
			}
			text := replies[0].Text
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q does not say %q", text, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text, w) {
					t.Errorf("%q says %q", text, w)
				}
			}
			if tt.wantMin != [2]int{} {
				m := minutes.FindStringSubmatch(text)
				if m == nil {
					t.Fatalf("%q gives no wait", text)
				}
				if n, _ := strconv.Atoi(m[1]); n < tt.wantMin[0] || n > tt.wantMin[1] {
					t.Errorf("wait %d min, want %d to %d (second in line, one claim after 4 min)", n, tt.wantMin[0], tt.wantMin[1])
				}
			}
			if got := c.conv().State; got != concierge.StateWaiting {
				t.Errorf("state %s, want waiting", got)
			}
		})
	}
}

// claim records a person's claim of conv after it waited, the history
// the expected wait is estimated from. The conversation stays waiting as
// far as its state says, so it still counts in the queue.
func claim(t *testing.T, s *shop, conv *concierge.Conversation, waited time.Duration) {
	t.Helper()
	p := &concierge.Person{Name: "alice", Role: concierge.RoleAgent, Bots: []concierge.BotID{"*"}, Capacity: 5, PasswordHash: "x"}
	if err := s.db.AddInboxUser(s.ctx, p); err != nil {
		t.Fatal(err)
	}
	s.inTx(func(tx *store.Tx) error {
		ok, err := tx.Assign(s.ctx, conv, p.ID, tx.Now().Add(-waited))
		if err == nil && !ok {
			t.Fatal("assign: someone owns it already")
		}
		return err
	})
}
