package seller

import (
	"context"
	"errors"
	"testing"

	"github.com/conciergehq/concierge"
)

type fakeModel struct {
	asked []string
	cmd   Command
	err   error
}

func (f *fakeModel) Command(_ context.Context, _ concierge.BotID, text string) (Command, error) {
	f.asked = append(f.asked, text)
	return f.cmd, f.err
}

// TestPlanIntercept: the model is asked only for a text the rules do not
// read and that holds no link code; what it answers is checked as a
// parsed command would be, and a failure or a bad command plans nothing
// (the rules' "not understood" answers).
func TestPlanIntercept(t *testing.T) {
	ctx := context.Background()
	conv := concierge.Conversation{ID: 1, Bot: "shop"}
	text := func(s string) concierge.Event { return concierge.Event{Kind: concierge.EventText, Text: s} }
	m := &fakeModel{cmd: Command{Kind: StockOf, Lang: "fr", Product: "Aurore"}}
	a := New(Config{Model: func(concierge.BotID) Model { return m }})

	for _, ev := range []concierge.Event{text("stock of LAMP-01"), text("LINK-K7QF-M2XD"), text("  "),
		{Kind: concierge.EventButton, Value: "seller:yes:1"}} {
		if v, err := a.PlanIntercept(ctx, conv, ev); v != nil || err != nil {
			t.Errorf("PlanIntercept(%+v) = %v, %v; want nothing planned", ev, v, err)
		}
	}
	if len(m.asked) != 0 {
		t.Fatalf("the model was asked %q", m.asked)
	}
	v, err := a.PlanIntercept(ctx, conv, text("il en reste combien, de l'Aurore ?"))
	if p, ok := v.(*planned); err != nil || !ok || p.cmd.Kind != StockOf || p.cmd.Product != "Aurore" || p.cmd.Period != Today {
		t.Fatalf("PlanIntercept = %+v, %v; want the model's stock read", v, err)
	}
	for _, c := range []struct {
		cmd Command
		err error
	}{
		{err: errors.New("model down")},
		{cmd: Command{Kind: "drop_tables"}},
		{cmd: Command{Kind: Help}},
		{cmd: Command{Kind: SetStock}},
		{cmd: Command{Kind: Approve, ID: "-3"}},
		{cmd: Command{Kind: HandBack, ID: "eighty"}},
		{cmd: Command{Kind: Orders, Period: "year"}},
	} {
		m.cmd, m.err = c.cmd, c.err
		if v, err := a.PlanIntercept(ctx, conv, text("something else")); v != nil || err != nil {
			t.Errorf("model answering %+v, %v: planned %+v, %v; want nothing", c.cmd, c.err, v, err)
		}
	}
	noModel := New(Config{Model: func(concierge.BotID) Model { return nil }})
	if v, _ := noModel.PlanIntercept(ctx, conv, text("something else")); v != nil {
		t.Errorf("a bot without a model planned %+v", v)
	}
}
