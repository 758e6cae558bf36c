package rules_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/internal/money"
	"github.com/conciergehq/concierge/store"
)

// script is one file of testdata/dialogues: a conversation of one web
// customer with the sample bot, step by step, each step checked against
// the replies and against what the store holds afterwards.
type script struct {
	// Locale is the browser's language hint sent with every event.
	Locale concierge.Locale `yaml:"locale"`
	// Keywords are hand-off words the merchant adds to the bot file's.
	Keywords []string `yaml:"keywords"`
	// OfferPersonAtStart sets the bot file's handoff.offer_person_at_start.
	OfferPersonAtStart bool `yaml:"offer_person_at_start"`
	// Bot is a bot file of testdata/bots to talk to instead of the
	// sample shop: catalogs with the traps a test is about.
	Bot   string `yaml:"bot"`
	Steps []step `yaml:"steps"`
}

// step is one thing the customer (or another customer, the payment
// provider, or time) does, and what must be true afterwards. Exactly one
// of Say, Press, Subscribe, OtherPress, Pay and Expire is set.
type step struct {
	Say string `yaml:"say"`
	// Subscribe is the customer opening the chat (an EventSubscribe).
	Subscribe bool   `yaml:"subscribe"`
	Press     string `yaml:"press"`
	// OtherPress is a button pressed by a second customer of the same
	// shop, to take stock from under the first; the step's expectations
	// are about the first customer (who hears nothing of it).
	OtherPress string `yaml:"other_press"`
	// Pay applies a verified sandbox payment to the conversation's latest
	// order: "total" pays its total, an amount like "1.00" pays that.
	Pay string `yaml:"pay"`
	// Expire moves the clock by a duration ("31m") and runs the sweeper
	// that expires unpaid orders.
	Expire string `yaml:"expire"`

	Expect expect `yaml:",inline"`
}

// expect is what a step checks. Unset fields are not checked. Texts and
// button values may say $ORDER for the conversation's latest order id.
type expect struct {
	Kinds  []concierge.MessageKind `yaml:"kinds"`  // the replies' kinds, in order
	Silent bool                    `yaml:"silent"` // no reply at all
	// Answered is set when the step needs some reply, whatever it is.
	Answered bool `yaml:"answered"`

	Cards         []concierge.SKU `yaml:"cards"`           // exactly these product cards, in order
	CardsInclude  []concierge.SKU `yaml:"cards_include"`   // at least these
	CardsExclude  []concierge.SKU `yaml:"cards_exclude"`   // none of these
	CardsPriceMax string          `yaml:"cards_price_max"` // every card at most this price
	CardsCategory string          `yaml:"cards_category"`  // every card of this category
	FirstCard     concierge.SKU   `yaml:"first_card"`
	Compare       []concierge.SKU `yaml:"compare"` // a comparison of exactly these

	TextContains   strs `yaml:"text_contains"`   // in the replies' plain text
	TextLacks      strs `yaml:"text_lacks"`      // not in it
	ButtonsInclude strs `yaml:"buttons_include"` // button values offered
	ButtonsExclude strs `yaml:"buttons_exclude"` // button values not offered

	Cart      map[concierge.SKU]int `yaml:"cart"` // the stored cart, exactly ({} is empty)
	NotInCart []concierge.SKU       `yaml:"not_in_cart"`
	Stock     map[concierge.SKU]int `yaml:"stock"` // live stock of these products

	State    concierge.ConversationState `yaml:"state"`
	Locale   concierge.Locale            `yaml:"locale"`
	Handoff  concierge.HandoffReason     `yaml:"handoff"`  // reason of the latest recorded hand-off
	Handoffs *int                        `yaml:"handoffs"` // how many hand-offs are recorded

	Orders        *int           `yaml:"orders"` // how many orders the conversation has
	Order         *expectedOrder `yaml:"order"`  // its latest order
	PaymentAmount string         `yaml:"payment_amount"`
	Applied       string         `yaml:"applied"` // what checkout made of a Pay step
	// Proposal is the conversation's latest proposal for people.
	Proposal *expectedProposal `yaml:"proposal"`
}

// expectedProposal is a proposal's kind, suggestion and amount ("0.00"
// for none), for the latest order ($ORDER) unless Order says otherwise.
type expectedProposal struct {
	Kind    concierge.ProposalKind `yaml:"kind"`
	Suggest concierge.Suggestion   `yaml:"suggest"`
	Amount  string                 `yaml:"amount"`
	Why     string                 `yaml:"why_contains"`
	Said    string                 `yaml:"customer_said"`
}

type expectedOrder struct {
	State concierge.OrderState `yaml:"state"`
	Total string               `yaml:"total"`
}

// strs is a list of strings that may be written as a single string.
type strs []string

func (s *strs) UnmarshalYAML(unmarshal func(any) error) error {
	var one string
	if err := unmarshal(&one); err == nil {
		*s = strs{one}
		return nil
	}
	var many []string
	if err := unmarshal(&many); err != nil {
		return err
	}
	*s = many
	return nil
}

// TestDialogues plays every script of testdata/dialogues against the rules
// brain wired as in production.
func TestDialogues(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "dialogues", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("found %d dialogue scripts, want at least 12", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			t.Parallel()
			sc := readScript(t, file)
			play(t, sc)
		})
	}
}

func readScript(t *testing.T, file string) script {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var sc script
	if err := yaml.UnmarshalWithOptions(data, &sc, yaml.Strict()); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(sc.Steps) == 0 {
		t.Fatalf("%s has no steps", file)
	}
	for i, st := range sc.Steps {
		n := 0
		for _, s := range []string{st.Say, st.Press, st.OtherPress, st.Pay, st.Expire} {
			if s != "" {
				n++
			}
		}
		if st.Subscribe {
			n++
		}
		if n != 1 {
			t.Fatalf("%s: step %d must have exactly one of say, press, subscribe, other_press, pay and expire", file, i+1)
		}
	}
	return sc
}

func play(t *testing.T, sc script) {
	path := sampleBot
	if sc.Bot != "" {
		path = filepath.Join("testdata", "bots", sc.Bot)
	}
	s := openBotShop(t, path, nil)
	s.bot.Handoff.Keywords = append(s.bot.Handoff.Keywords, sc.Keywords...) // the shop reads this bot
	s.bot.Handoff.OfferPersonAtStart = sc.OfferPersonAtStart
	p := &player{t: t, s: s, c: s.customer(sc.Locale), locale: sc.Locale}
	for i, st := range sc.Steps {
		what, replies, applied := p.act(st)
		ck := &checker{t: t, s: s, c: p.c, step: fmt.Sprintf("step %d (%s)", i+1, what), replies: replies}
		ck.invariants()
		ck.check(st.Expect, applied)
	}
}

// player does the steps of one script.
type player struct {
	t      *testing.T
	s      *shop
	c      *customer
	other  *customer // the second customer, once one is needed
	locale concierge.Locale
	steps  int
}

// act does st and returns what it did, the replies the customer got and,
// for a payment, what checkout made of it.
func (p *player) act(st step) (what string, replies []concierge.Message, applied checkout.Applied) {
	t, s, c := p.t, p.s, p.c
	t.Helper()
	p.steps++
	switch {
	case st.Say != "":
		return fmt.Sprintf("say %q", st.Say), c.say(st.Say), ""
	case st.Subscribe:
		return "subscribe", c.subscribe(), ""
	case st.Press != "":
		v := st.Press
		if strings.Contains(v, "$ORDER") {
			if ords := c.orders(); len(ords) > 0 {
				v = strings.ReplaceAll(v, "$ORDER", string(ords[0].ID))
			}
		}
		return fmt.Sprintf("press %q", v), c.press(v), ""
	case st.OtherPress != "":
		if p.other == nil {
			p.other = s.customer(p.locale)
		}
		p.other.press(st.OtherPress)
		return fmt.Sprintf("another customer presses %q", st.OtherPress), c.replies(), ""
	case st.Pay != "":
		ords := c.orders()
		if len(ords) == 0 {
			t.Fatalf("step %d: pay, but the conversation has no order", p.steps)
		}
		amount := ords[0].Total
		if st.Pay != "total" {
			amount = s.money(st.Pay)
		}
		applied = s.pay(ords[0], amount, fmt.Sprintf("evt_%s_%d", ords[0].ID, p.steps))
		return "pay " + st.Pay, c.replies(), applied
	default:
		d, err := time.ParseDuration(st.Expire)
		if err != nil {
			t.Fatalf("step %d: %v", p.steps, err)
		}
		s.clock.Advance(d)
		err = s.db.InTx(s.ctx, func(tx *store.Tx) error {
			_, err := s.co.ExpireDue(s.ctx, tx, 100)
			return err
		})
		if err != nil {
			t.Fatalf("step %d: expire: %v", p.steps, err)
		}
		return "expire after " + st.Expire, c.replies(), ""
	}
}

// checker checks one step's replies and the store after it.
type checker struct {
	t       *testing.T
	s       *shop
	c       *customer
	step    string
	replies []concierge.Message
}

func (k *checker) errorf(format string, args ...any) {
	k.t.Helper()
	k.t.Errorf("%s: %s\nreplies:%s", k.step, fmt.Sprintf(format, args...), dump(k.replies))
}

// invariants are checked after every step, whatever the script expects:
// every amount the customer sees is computed from the catalog (invariant
// 4), and a cart shown is the cart stored.
func (k *checker) invariants() {
	k.t.Helper()
	bot := k.s.bot
	for _, m := range k.replies {
		for _, card := range k.cards([]concierge.Message{m}) {
			if p := bot.Product(card.SKU); p == nil || card.Price != p.Price && card.Price != groupFrom(bot, p) {
				// A product with variants shows the lowest of their prices.
				k.errorf("card %s shows price %+v, the catalog says %+v", card.SKU, card.Price, p)
			}
		}
		if m.Kind == concierge.MessageCart && m.Cart != nil {
			stored := k.c.cart()
			total := concierge.Money{Currency: bot.Currency}
			for _, l := range m.Cart.Lines {
				p := bot.Product(l.SKU)
				if p == nil || l.Unit != p.Price || l.Total != p.Price.Mul(l.Quantity) {
					k.errorf("cart line %+v is not priced from the catalog", l)
					continue
				}
				if stored[l.SKU] != l.Quantity {
					k.errorf("cart shows %d × %s, the store holds %d", l.Quantity, l.SKU, stored[l.SKU])
				}
				total = total.Add(l.Total)
			}
			if len(m.Cart.Lines) != len(stored) {
				k.errorf("cart shows %d lines, the store holds %v", len(m.Cart.Lines), stored)
			}
			if m.Cart.Total != total {
				k.errorf("cart total %+v, the sum of its lines is %+v", m.Cart.Total, total)
			}
		}
		if m.Kind == concierge.MessagePayment {
			if m.Payment == nil {
				k.errorf("a payment message without a payment request")
				continue
			}
			o, err := k.s.db.GetOrder(k.s.ctx, m.Payment.Order)
			if err != nil {
				k.errorf("payment for order %s: %v", m.Payment.Order, err)
				continue
			}
			if m.Payment.Amount != o.Total || o.Total != k.catalogTotal(o) {
				k.errorf("payment asks %+v; the order's total is %+v and the catalog says %+v", m.Payment.Amount, o.Total, k.catalogTotal(o))
			}
		}
		if m.Order != nil {
			o, err := k.s.db.GetOrder(k.s.ctx, m.Order.ID)
			if err != nil || o.Conversation != k.c.conv().ID {
				k.errorf("shows order %s, not one of this conversation (%v)", m.Order.ID, err)
			} else if m.Order.Total != o.Total {
				k.errorf("shows order total %+v, stored %+v", m.Order.Total, o.Total)
			}
		}
	}
}

// catalogTotal is what o should cost: catalog prices times quantities.
func (k *checker) catalogTotal(o *concierge.Order) concierge.Money {
	total := concierge.Money{Currency: k.s.bot.Currency}
	for _, l := range o.Lines {
		if p := k.s.bot.Product(l.SKU); p != nil {
			total = total.Add(p.Price.Mul(l.Quantity))
		}
	}
	return total
}

func (k *checker) cards(ms []concierge.Message) []concierge.Card {
	var out []concierge.Card
	for _, m := range ms {
		if m.Kind == concierge.MessageCards {
			out = append(out, m.Cards...)
		}
	}
	return out
}

func (k *checker) check(e expect, applied checkout.Applied) {
	t := k.t
	t.Helper()
	orders := k.c.orders()
	latest := concierge.OrderID("(no order)")
	if len(orders) > 0 {
		latest = orders[0].ID
	}
	subst := func(s string) string { return strings.ReplaceAll(s, "$ORDER", string(latest)) }

	if e.Kinds != nil {
		var got []concierge.MessageKind
		for _, m := range k.replies {
			got = append(got, m.Kind)
		}
		if !slices.Equal(got, e.Kinds) {
			k.errorf("reply kinds %v, want %v", got, e.Kinds)
		}
	}
	if e.Silent && len(k.replies) > 0 {
		k.errorf("the bot answered; it must stay silent")
	}
	if e.Answered && len(k.replies) == 0 {
		k.errorf("the bot said nothing; the customer needs an answer")
	}
	k.checkCards(e)

	var text strings.Builder
	var buttons []string
	for _, m := range k.replies {
		text.WriteString(m.Text + "\n" + m.PlainText() + "\n")
		for _, b := range m.Buttons {
			buttons = append(buttons, b.Value)
		}
	}
	said := spaces(text.String())
	for _, s := range e.TextContains {
		if !strings.Contains(said, spaces(subst(s))) {
			k.errorf("the replies do not say %q", subst(s))
		}
	}
	for _, s := range e.TextLacks {
		if strings.Contains(said, spaces(subst(s))) {
			k.errorf("the replies say %q", subst(s))
		}
	}
	for _, v := range e.ButtonsInclude {
		if !slices.Contains(buttons, subst(v)) {
			k.errorf("no button %q among %v", subst(v), buttons)
		}
	}
	for _, v := range e.ButtonsExclude {
		if slices.Contains(buttons, subst(v)) {
			k.errorf("button %q offered among %v", subst(v), buttons)
		}
	}

	if e.Cart != nil || e.NotInCart != nil {
		cart := k.c.cart()
		if e.Cart != nil && !maps.Equal(cart, e.Cart) {
			k.errorf("stored cart %v, want %v", cart, e.Cart)
		}
		for _, sku := range e.NotInCart {
			if _, ok := cart[sku]; ok {
				k.errorf("stored cart %v holds %s", cart, sku)
			}
		}
	}
	if e.Stock != nil {
		levels, err := k.s.db.StockLevels(k.s.ctx, k.s.bot.ID)
		if err != nil {
			t.Fatal(err)
		}
		for sku, want := range e.Stock {
			if levels[sku] != want {
				k.errorf("stock of %s is %d, want %d", sku, levels[sku], want)
			}
		}
	}

	conv := k.c.conv()
	if e.State != "" && conv.State != e.State {
		k.errorf("conversation state %q, want %q", conv.State, e.State)
	}
	if e.Locale != "" && conv.Locale != e.Locale {
		k.errorf("conversation locale %q, want %q", conv.Locale, e.Locale)
	}
	if e.Handoff != "" || e.Handoffs != nil {
		hs, err := k.s.db.Handoffs(k.s.ctx, conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Handoffs != nil && len(hs) != *e.Handoffs {
			k.errorf("%d hand-offs recorded, want %d: %+v", len(hs), *e.Handoffs, hs)
		}
		if e.Handoff != "" {
			if len(hs) == 0 {
				k.errorf("no hand-off recorded, want one for %q", e.Handoff)
			} else if h := hs[len(hs)-1]; h.Reason != e.Handoff || h.To != concierge.StateWaiting || h.By == "" || h.At.IsZero() {
				k.errorf("latest hand-off %+v, want reason %q to waiting, with who and when", h, e.Handoff)
			}
		}
	}

	if e.Orders != nil && len(orders) != *e.Orders {
		k.errorf("%d orders, want %d", len(orders), *e.Orders)
	}
	if e.Order != nil {
		if len(orders) == 0 {
			k.errorf("no order, want one %+v", *e.Order)
		} else {
			o := orders[0]
			if e.Order.State != "" && o.State != e.Order.State {
				k.errorf("order %s is %s, want %s", o.ID, o.State, e.Order.State)
			}
			if e.Order.Total != "" && o.Total != k.s.money(e.Order.Total) {
				k.errorf("order %s totals %+v, want %s", o.ID, o.Total, e.Order.Total)
			}
		}
	}
	if e.Proposal != nil {
		k.checkProposal(*e.Proposal, latest)
	}
	if e.PaymentAmount != "" {
		var found bool
		for _, m := range k.replies {
			if m.Kind == concierge.MessagePayment && m.Payment != nil {
				found = true
				if m.Payment.Amount != k.s.money(e.PaymentAmount) {
					k.errorf("payment of %+v, want %s", m.Payment.Amount, e.PaymentAmount)
				}
			}
		}
		if !found {
			k.errorf("no payment request, want one of %s", e.PaymentAmount)
		}
	}
	if e.Applied != "" && string(applied) != e.Applied {
		k.errorf("checkout applied the payment as %q, want %q", applied, e.Applied)
	}
}

func (k *checker) checkCards(e expect) {
	k.t.Helper()
	cards := k.cards(k.replies)
	var skus []concierge.SKU
	for _, c := range cards {
		skus = append(skus, c.SKU)
	}
	if e.Cards != nil && !slices.Equal(skus, e.Cards) {
		k.errorf("cards %v, want %v", skus, e.Cards)
	}
	for _, sku := range e.CardsInclude {
		if !slices.Contains(skus, sku) {
			k.errorf("no card of %s among %v", sku, skus)
		}
	}
	for _, sku := range e.CardsExclude {
		if slices.Contains(skus, sku) {
			k.errorf("a card of %s among %v", sku, skus)
		}
	}
	if e.FirstCard != "" && (len(skus) == 0 || skus[0] != e.FirstCard) {
		k.errorf("first card of %v, want %s", skus, e.FirstCard)
	}
	if e.CardsPriceMax != "" || e.CardsCategory != "" {
		if len(cards) == 0 {
			k.errorf("no cards to check the price or category of")
		}
		for _, c := range cards {
			if e.CardsPriceMax != "" && c.Price.Minor > k.s.money(e.CardsPriceMax).Minor {
				k.errorf("card %s costs %s, more than %s", c.SKU, c.PriceText, e.CardsPriceMax)
			}
			if p := k.s.bot.Product(c.SKU); e.CardsCategory != "" && (p == nil || p.Category != e.CardsCategory) {
				k.errorf("card %s is not in category %s", c.SKU, e.CardsCategory)
			}
		}
	}
	if e.Compare != nil {
		var got []concierge.SKU
		for _, m := range k.replies {
			if m.Kind == concierge.MessageComparison && m.Comparison != nil {
				for _, c := range m.Comparison.Products {
					got = append(got, c.SKU)
				}
			}
		}
		if !slices.Equal(got, e.Compare) {
			k.errorf("compared %v, want %v", got, e.Compare)
		}
	}
}

// spaces turns the no-break spaces of French number formatting ("45,00 €",
// "Total : …") into plain ones, so scripts can be typed on any keyboard.
func spaces(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
}

// money parses an amount in the shop's currency.
func (s *shop) money(text string) concierge.Money {
	s.t.Helper()
	m, err := money.Parse(text, s.bot.Currency)
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

// checkProposal checks the conversation's latest proposal: it is for the
// latest order, of the kind, suggestion and amount the script says.
func (k *checker) checkProposal(e expectedProposal, order concierge.OrderID) {
	k.t.Helper()
	ps, err := k.s.db.Proposals(k.s.ctx, k.c.conv().ID)
	if err != nil {
		k.t.Fatal(err)
	}
	if len(ps) == 0 {
		k.errorf("no proposal, want %+v", e)
		return
	}
	p := ps[len(ps)-1]
	if p.Order != order {
		k.errorf("proposal for order %s, want %s", p.Order, order)
	}
	if p.Kind != e.Kind || p.Suggest != e.Suggest {
		k.errorf("proposal %s suggesting %s, want %s suggesting %s", p.Kind, p.Suggest, e.Kind, e.Suggest)
	}
	if want := k.s.money(e.Amount); p.Amount != want {
		k.errorf("proposal amount %+v, want %+v", p.Amount, want)
	}
	if e.Why != "" && !strings.Contains(p.Why, e.Why) {
		k.errorf("proposal reason %q lacks %q", p.Why, e.Why)
	}
	if e.Said != "" && p.Evidence.CustomerSaid != e.Said {
		k.errorf("evidence: the customer said %q, want %q", p.Evidence.CustomerSaid, e.Said)
	}
}

// groupFrom is the lowest price of p's variants (p's own without a group).
func groupFrom(bot *concierge.Bot, p *concierge.Product) concierge.Money {
	low := p.Price
	for i := range bot.Products {
		if q := &bot.Products[i]; p.Group != "" && q.Group == p.Group && q.Price.Minor < low.Minor {
			low = q.Price
		}
	}
	return low
}
