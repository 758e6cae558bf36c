package agent_test

import (
	"context"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
)

// TestPages: a search longer than a page shows its first page with a
// "next" button; pressing it shows the next page, replacing the message
// the button was on, whatever the brain; forged page values are left to
// the brain; products gone from the catalog are left out.
func TestPages(t *testing.T) {
	s := openShop(t)
	c := s.customer("fr")
	replies, failed := c.turn(func(ctx context.Context, t *agent.Turn) error {
		pvs, err := t.Tools.Search(ctx, agent.SearchArgs{Query: "lampe", Limit: agent.MaxResults})
		if err != nil {
			return err
		}
		t.ShowProducts("Voici :", pvs)
		return nil
	})
	if failed || len(replies) != 1 {
		t.Fatalf("search: %d replies, failed %v", len(replies), failed)
	}
	first := replies[0]
	if len(first.Cards) != agent.PageSize || first.Pager == nil || first.Pager.Page != 1 || first.Pager.Pages != 2 ||
		first.Pager.Prev != nil || first.Pager.Next == nil || first.Replaces != "" {
		t.Fatalf("first page: %d cards, pager %+v", len(first.Cards), first.Pager)
	}
	next := first.Pager.Next.Value
	all := strings.Split(next[strings.LastIndex(next, ":")+1:], ",")
	if len(all) != 10 || all[0] != string(first.Cards[0].SKU) {
		t.Fatalf("next carries %v", all)
	}

	brainTurns := s.brain.calls()
	replies, failed = c.send(concierge.Event{Kind: concierge.EventButton, Value: next, Ref: "77"})
	if failed || len(replies) != 1 || s.brain.calls() != brainTurns {
		t.Fatalf("next: %d replies, failed %v, brain asked %d times", len(replies), failed, s.brain.calls()-brainTurns)
	}
	second := replies[0]
	if second.Replaces != "77" || second.Pager == nil || second.Pager.Page != 2 || second.Pager.Offset != 5 ||
		second.Pager.Prev == nil || second.Pager.Next != nil || len(second.Cards) != 5 {
		t.Fatalf("second page: replaces %q, pager %+v, %d cards", second.Replaces, second.Pager, len(second.Cards))
	}
	for i, card := range second.Cards {
		if string(card.SKU) != all[5+i] {
			t.Errorf("card %d is %s, want %s", 6+i, card.SKU, all[5+i])
		}
	}
	if !strings.Contains(second.Fallback, "6. ") || !strings.Contains(second.Fallback, "(2/2)") {
		t.Errorf("fallback %q", second.Fallback)
	}
	if shown := c.conv().Memory.Shown; len(shown) != 5 || string(shown[0]) != all[5] {
		t.Errorf("shown %v, want the second page", shown)
	}

	for _, v := range []string{"page:0:LAMP-01", "page:x:LAMP-01", "page:3:LAMP-01,LAMP-02", "page:1:", "page:1"} {
		n := s.brain.calls()
		if _, failed := c.send(concierge.Event{Kind: concierge.EventButton, Value: v}); failed || s.brain.calls() != n+1 {
			t.Errorf("%q: failed %v, brain asked %d times; want the brain to answer", v, failed, s.brain.calls()-n)
		}
	}

	replies, failed = c.send(concierge.Event{Kind: concierge.EventButton, Value: "page:1:NO-SUCH,LAMP-01"})
	if failed || len(replies) != 1 || len(replies[0].Cards) != 1 || replies[0].Cards[0].SKU != "LAMP-01" {
		t.Fatalf("a page with a product gone: failed %v, %+v", failed, replies)
	}
}
