package agent

import (
	"context"
	"errors"
	"strconv"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/tracing"
)

// Planner is an optional capability of a Brain that calls slow services
// (a language model). Instead of deciding inside the turn's transaction,
// it plans outside any transaction against a Snapshot: t's Tools act on
// an in-memory overlay, so read-only tools answer for real and mutating
// tools are simulated. The plan is then applied inside a short
// transaction by replaying each call through the real Tools, which
// enforce prices, stock, consent, refund limits and ownership again.
//
// Plan may block for seconds and must honour ctx. A nil plan means "let
// the brain's Respond handle this turn inside the transaction" (buttons,
// unsubscribes, conversations in people's hands).
type Planner interface {
	Brain
	Plan(ctx context.Context, t *Turn, snap *Snapshot) (*Plan, error)
}

// Plan is what a planning brain decided for one turn.
type Plan struct {
	Steps  []Step
	Locale concierge.Locale // the customer's language, if the brain knows it
	// Fallback asks for the brain's Respond (the rules brain) when the
	// model could not help: timeout, rate limit, outage, empty answer.
	Fallback bool
	Reason   string // why, for logs and metrics

	// Summary, when not empty, replaces the conversation's summary,
	// covering the transcript up to seq Through.
	Summary   string
	Through   int64
	TokensIn  int64
	TokensOut int64

	// Intercepted marks the plan of an intercepted event: Intercept is
	// what the interceptor's PlanIntercept returned (InterceptPlanner).
	Intercepted bool
	Intercept   any
}

// Step is one tool call or one text of a plan, in the order the model
// produced them.
type Step struct {
	Call Action // nil for a text
	Say  string
	// OK reports whether the call succeeded when planned; a call that
	// failed then was already explained to the model, which answered
	// accordingly.
	OK bool
}

// PlanTurn runs shop's planner for the snapshot's event, outside any
// transaction. It returns nil when the turn needs no plan.
func (a *Agent) PlanTurn(ctx context.Context, snap *Snapshot) (*Plan, error) {
	shop := a.shops[snap.Conv.Bot].Current()
	if shop == nil {
		return nil, errors.New("agent: unknown bot " + strconv.Quote(string(snap.Conv.Bot)))
	}
	p, ok := shop.Brain.(Planner)
	if ip, isIP := a.intercept.(InterceptPlanner); ok && isIP && snap.Intercepted {
		// Nothing of the shop's brain runs for it; the interceptor may
		// ask its own slow service, here, outside the transaction.
		ctx, span := tracing.Child(ctx, "intercept")
		v, err := ip.PlanIntercept(ctx, snap.Conv, snap.Event)
		tracing.End(span, err)
		if err != nil {
			return nil, err
		}
		return &Plan{Intercepted: true, Intercept: v}, nil
	}
	if !ok || snap.Intercepted || snap.Conv.State != concierge.StateBot {
		return nil, nil
	}
	switch snap.Event.Kind {
	case concierge.EventText, concierge.EventMedia, concierge.EventLocation:
	default:
		return nil, nil
	}
	if snap.Event.Kind != concierge.EventText && snap.Event.Text == "" {
		return nil, nil
	}
	conv := snap.Conv
	ev := snap.Event
	loc := conv.Locale
	if loc == "" {
		loc = shop.pickLocale(ev.Locale, "")
	}
	t := &Turn{Shop: shop, Conv: &conv, Event: &ev, Locale: loc, pendingAtStart: conv.Memory.Pending,
		Tools: &Tools{shop: shop, tx: newOverlay(snap), conv: &conv, checkout: simCheckout{}}}
	t.Tools.turn = t
	t.detectLanguage()
	ctx, span := tracing.Child(ctx, "brain")
	plan, err := p.Plan(ctx, t, snap)
	tracing.End(span, err)
	return plan, err
}

// ApplyFunc returns the turn function that applies plan inside the turn's
// transaction (the store's TurnFunc). A nil plan runs an ordinary turn.
func (a *Agent) ApplyFunc(plan *Plan) func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
	return func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
		if plan == nil {
			return a.Turn(ctx, tx, conv, ev)
		}
		if ip, ok := a.intercept.(InterceptPlanner); ok && plan.Intercepted {
			handled, err := ip.InterceptPlanned(ctx, tx, conv, ev, plan.Intercept)
			if err != nil || handled {
				return err
			}
			return a.Turn(ctx, tx, conv, ev) // no longer intercepted: an ordinary turn
		}
		if err := a.turnWith(ctx, tx, conv, ev, applier{plan}); err != nil {
			return err
		}
		if ns, ok := tx.(NotesStore); ok && (plan.Summary != "" || plan.TokensIn+plan.TokensOut > 0) {
			return ns.AddNotes(ctx, conv.ID, plan.Summary, plan.Through, plan.TokensIn, plan.TokensOut)
		}
		return nil
	}
}

// applier is the Brain that replays a plan through the real tools.
type applier struct{ plan *Plan }

func (ap applier) Respond(ctx context.Context, t *Turn) error {
	p := ap.plan
	if p.Fallback {
		return t.Shop.Brain.Respond(ctx, t)
	}
	t.SetLocale(p.Locale)
	var items []shown
	for _, s := range p.Steps {
		if s.Call == nil {
			if s.Say != "" {
				items = append(items, shown{say: s.Say})
			}
			continue
		}
		t.Understood(s.Call.Tool())
		res, err := s.Call.Do(ctx, t)
		if err != nil {
			if unexpected(err) {
				return err
			}
			if errors.Is(err, ErrConsentNeeded) {
				items = append(items, shown{slot: "consent", show: func() { t.AskConsent() }})
				continue
			}
			if !s.OK {
				continue // the model saw this error and answered with it in mind
			}
			// The world changed since planning (stock ran out, the
			// order was paid): the model's next words may no longer be
			// true, so the customer gets the real reason and the rest
			// of the plan is dropped.
			items = append(items, shown{show: func() { t.SayToolError(err) }})
			break
		}
		items = append(items, t.presentation(res))
	}
	// Only the latest product list and the latest cart are worth
	// showing; earlier ones were steps on the way.
	last := map[string]int{}
	for i, it := range items {
		if it.slot != "" {
			last[it.slot] = i
		}
	}
	// The model's words come first and what the tools produced under
	// them, as its prompt and tool results tell it ("under your answer"):
	// on a chat, "Here is our desk lamp" belongs above the cards, not
	// below a long list.
	for _, it := range items {
		if it.say != "" {
			t.Say(concierge.Message{Kind: concierge.MessageText, Text: it.say})
		}
	}
	for i, it := range items {
		if it.show != nil && (it.slot == "" || last[it.slot] == i) {
			it.show()
		}
	}
	t.Conv.Memory.FailedTurns = 0
	return nil
}

// shown is one thing a plan shows the customer.
type shown struct {
	slot string // "products", "cart": only the last of a slot is shown
	say  string
	show func()
}

func (t *Turn) presentation(r *Result) shown {
	switch {
	case r.Comparison:
		return shown{slot: "products", show: func() { t.ShowComparison(r.Products) }}
	case r.Details && len(r.Products) == 1:
		return shown{slot: "products", show: func() { t.ShowDetails(r.Products[0]) }}
	case len(r.Products) > 0:
		n := len(r.Products)
		return shown{slot: "products", show: func() {
			t.ShowProducts(t.T("search_results", map[string]any{"count": n, "N": n}), r.Products)
		}}
	case r.Payment != nil && r.Order != nil:
		return shown{slot: "cart", show: func() { t.ShowPayment(r.Order, r.Payment) }}
	case r.Cart != nil:
		return shown{slot: "cart", show: func() { t.ShowCart("", *r.Cart) }}
	case r.HandedOff:
		return shown{slot: "handoff", show: t.ShowHandoff}
	case r.Order != nil: // cancelled
		return shown{show: func() { t.ShowOrder(t.T("cancelled", map[string]any{"ID": r.Order.ID}), r.Order) }}
	case len(r.Orders) > 0:
		return shown{slot: "orders", show: func() {
			for i, o := range r.Orders {
				if i == 3 {
					break
				}
				t.ShowOrder("", o)
			}
		}}
	}
	return shown{}
}

// unexpected reports whether err is a failure of the system rather than a
// refusal a customer can be told about.
func unexpected(err error) bool {
	var e *concierge.Error
	return !errors.As(err, &e) || e.Code == concierge.CodeInternal || e.Code == concierge.CodeUnavailable
}

// AskConsent asks the customer to agree to the data policy before checkout,
// with yes and no buttons.
func (t *Turn) AskConsent() {
	t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("consent_ask", map[string]any{"Shop": t.Shop.Bot.Name, "Days": t.Shop.Bot.Policies.RetentionDays}),
		Buttons: []concierge.Button{{Label: t.T("btn_agree", nil), Value: ValueYes}, {Label: t.T("btn_disagree", nil), Value: ValueNo}}})
}

// SayToolError tells the customer, in their language, why a tool refused.
func (t *Turn) SayToolError(err error) {
	var short *ShortError
	var changed *OfferCheckError
	var e *concierge.Error
	errors.As(err, &e)
	switch {
	case errors.As(err, &changed):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.offerChangesText(changed), Buttons: []concierge.Button{{Label: t.T("btn_cart", nil), Value: ValueCart}}})
	case errors.As(err, &short):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("out_of_stock", map[string]any{"count": short.Available, "N": short.Available})})
	case errors.Is(err, concierge.ErrOutOfStock):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("checkout_out_of_stock", nil)})
	case errors.Is(err, concierge.ErrEmptyCart):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("cart_empty", nil), Buttons: t.BrowseButtons()})
	case e != nil && e.Code == concierge.CodeNotFound && e.Op == "order":
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("no_orders", nil)})
	case e != nil && e.Code == concierge.CodeNotFound:
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("not_found", nil), Buttons: t.BrowseButtons()})
	case e != nil && e.Op == "cancel":
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("cannot_do", nil)})
	default:
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("cannot_do", nil)})
	}
}

// Said is how many messages the turn has queued so far.
func (t *Turn) Said() int { return len(t.out) }
