package seller

import (
	"context"
	"errors"
	"testing"

	"github.com/conciergehq/concierge"
)

type fakeModel struct {
	asked []string
	cmds  []Command
	err   error
}

func (f *fakeModel) Commands(_ context.Context, _ concierge.BotID, text string) ([]Command, error) {
	f.asked = append(f.asked, text)
	return f.cmds, f.err
}

// TestPlanIntercept: the model is asked only for a text the rules do not
// read and that holds no link code; what it answers is checked as a
// parsed command would be, and a failure or a bad command plans nothing
// (the rules' "not understood" answers).
func TestPlanIntercept(t *testing.T) {
	ctx := context.Background()
	conv := concierge.Conversation{ID: 1, Bot: "shop"}
	text := func(s string) concierge.Event { return concierge.Event{Kind: concierge.EventText, Text: s} }
	m := &fakeModel{cmds: []Command{{Kind: StockOf, Lang: "fr", Product: "Aurore"}}}
	a := New(Config{Model: func(concierge.BotID) Model { return m }})

	for _, ev := range []concierge.Event{text("stock of LAMP-01"), text("LINK-K7QF-M2XD"), text("  "), text("shop Atelier Nord"),
		{Kind: concierge.EventButton, Value: "seller:yes:1"}} {
		if v, err := a.PlanIntercept(ctx, conv, ev); v != nil || err != nil {
			t.Errorf("PlanIntercept(%+v) = %v, %v; want nothing planned", ev, v, err)
		}
	}
	if len(m.asked) != 0 {
		t.Fatalf("the model was asked %q", m.asked)
	}
	v, err := a.PlanIntercept(ctx, conv, text("il en reste combien, de l'Aurore ?"))
	if p, ok := v.(*planned); err != nil || !ok || len(p.cmds) != 1 || p.cmds[0].Kind != StockOf || p.cmds[0].Product != "Aurore" || p.cmds[0].Period != Today {
		t.Fatalf("PlanIntercept = %+v, %v; want the model's stock read", v, err)
	}

	// A message asking for a read and a change plans both, in order,
	// each checked as a parsed command is.
	m.cmds = []Command{{Kind: BestSellers, Lang: "en"}, {Kind: SetStock, Lang: "en", Product: "LAMP-01", N: 15}, {Kind: OrderInfo, Lang: "en", ID: "ML-K7QF3X"}}
	v, err = a.PlanIntercept(ctx, conv, text("what sells best, and put 15 Aurore on the shelf, and where is ML-K7QF3X"))
	p, ok := v.(*planned)
	if err != nil || !ok || len(p.cmds) != 3 || p.cmds[0].Kind != BestSellers || p.cmds[0].Period != Month ||
		p.cmds[1].Kind != SetStock || p.cmds[1].N != 15 || p.cmds[2].ID != "ml-k7qf3x" {
		t.Fatalf("PlanIntercept = %+v, %v; want best sellers of the month, then the stock change, then the order", v, err)
	}

	good := Command{Kind: Orders, Lang: "en"}
	for _, c := range []struct {
		cmds []Command
		err  error
	}{
		{err: errors.New("model down")},
		{cmds: nil},
		{cmds: []Command{{Kind: "drop_tables"}}},
		{cmds: []Command{{Kind: Help}}},
		{cmds: []Command{{Kind: SetStock}}},
		{cmds: []Command{{Kind: Approve, ID: "-3"}}},
		{cmds: []Command{{Kind: HandBack, ID: "eighty"}}},
		{cmds: []Command{{Kind: Orders, Period: "year"}}},
		{cmds: []Command{good, {Kind: Approve, ID: "-3"}}}, // one bad among several
		{cmds: []Command{good, good, good, good, good}},    // more than MaxCommands
	} {
		m.cmds, m.err = c.cmds, c.err
		if v, err := a.PlanIntercept(ctx, conv, text("something else")); v != nil || err != nil {
			t.Errorf("model answering %+v, %v: planned %+v, %v; want nothing", c.cmds, c.err, v, err)
		}
	}
	noModel := New(Config{Model: func(concierge.BotID) Model { return nil }})
	if v, _ := noModel.PlanIntercept(ctx, conv, text("something else")); v != nil {
		t.Errorf("a bot without a model planned %+v", v)
	}
}
