package seller

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// Model reads a seller's message the rules do not: the bot's language
// model, offered the seller's operations as tools (agent/llm's
// SellerCalls). It only names operations and their arguments, one per
// thing the message asks for, in the seller's order; the assistant then
// answers each exactly as a parsed message: reads from the same
// functions, changes through the same checks, role rules, confirmation
// buttons and audit log. A model that fails or answers garbage returns
// an error, and the seller gets the rules' "not understood" help.
type Model interface {
	Commands(ctx context.Context, bot concierge.BotID, text string) ([]Command, error)
}

// MaxCommands is the most operations the model's reading of one message
// is answered with; more, and the message is not understood.
const MaxCommands = 4

// planned is what PlanIntercept hands to InterceptPlanned.
type planned struct{ cmds []Command }

// PlanIntercept runs outside any transaction (agent.InterceptPlanner),
// for an event of a linked chat (or one sending a code) of a bot whose
// brain plans. When the rules do not read the message and the bot has a
// model, it asks the model which operation was meant. It never writes,
// and never fails the turn: a model's failure is logged and the message
// is answered by the rules.
func (a *Assistant) PlanIntercept(ctx context.Context, conv concierge.Conversation, ev concierge.Event) (any, error) {
	if a.cfg.Model == nil || strings.TrimSpace(ev.Text) == "" {
		return nil, nil
	}
	switch ev.Kind {
	case concierge.EventText, concierge.EventMedia:
	default:
		return nil, nil
	}
	if _, shop := parseShop(ev.Text); shop || FindCode(ev.Text) != "" || Parse(ev.Text).Kind != Unknown {
		return nil, nil // a code, a shop's choice, or a phrasing the rules read
	}
	m := a.cfg.Model(conv.Bot)
	if m == nil {
		return nil, nil
	}
	text := []rune(strings.TrimSpace(ev.Text))
	if len(text) > maxModelRunes {
		text = text[:maxModelRunes]
	}
	cmds, err := m.Commands(ctx, conv.Bot, string(text))
	if err == nil && (len(cmds) == 0 || len(cmds) > MaxCommands) {
		err = fmt.Errorf("%d operations, want 1 to %d", len(cmds), MaxCommands)
	}
	if err != nil {
		a.cfg.Log.WarnContext(ctx, "seller: the model did not read the message; the rules answer", "bot", conv.Bot, "conversation", conv.ID, "err", err)
		return nil, nil
	}
	for i := range cmds {
		// One command refused refuses them all: the model misread the
		// message, and answering half of it would mislead the seller.
		if err := cmds[i].valid(); err != "" {
			a.cfg.Log.WarnContext(ctx, "seller: the model's command was refused; the rules answer", "bot", conv.Bot, "conversation", conv.ID, "reason", err)
			return nil, nil
		}
	}
	return &planned{cmds: cmds}, nil
}

// maxModelRunes bounds what the model reads of one seller message.
const maxModelRunes = 1000

// InterceptPlanned answers inside the turn's transaction with what
// PlanIntercept found (agent.InterceptPlanner). Everything else is
// Intercept's: the link, the person and their bots are read again here.
func (a *Assistant) InterceptPlanned(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, v any) (bool, error) {
	var cmds []Command
	if p, ok := v.(*planned); ok && p != nil {
		cmds = p.cmds
	}
	return a.intercept(ctx, tx, conv, ev, cmds)
}

// valid checks a command the model chose as the rules' patterns check a
// parsed one: a known operation, the arguments it needs and in the form
// the rules would have read them. It returns why not, or "".
func (c *Command) valid() string {
	switch c.Lang {
	case "en", "fr", "zh":
	default:
		c.Lang = ""
	}
	switch c.Period {
	case Today, Week, Month:
	case "":
		c.Period = Today
		if c.Kind == BestSellers {
			c.Period = Month
		}
	default:
		return "unknown period " + strconv.Quote(string(c.Period))
	}
	number := func(s string) bool {
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil && !strings.HasPrefix(s, "-")
	}
	switch c.Kind {
	case Orders, Revenue, Waiting, LowStock, BestSellers:
	case StockOf, SetStock:
		if c.Product == "" {
			return "no product"
		}
	case SetPrice:
		if c.Product == "" || c.Amount == "" {
			return "no product or price"
		}
	case OrderInfo:
		if c.ID == "" {
			return "no order"
		}
		c.ID = strings.ToLower(c.ID) // the rules read it lower-cased
	case Approve, Refuse, HandBack:
		if !number(c.ID) {
			return "not a number: " + strconv.Quote(c.ID)
		}
	default:
		return "unknown operation " + strconv.Quote(string(c.Kind))
	}
	return ""
}
