package convtest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// Runner plays test files through pipelines that Open builds.
type Runner struct {
	// Bots are the bots of the --config file or folder; a file that names
	// no bot talks to Default, or else to the first.
	Bots    []*concierge.Bot
	Default concierge.BotID
	// Open builds a fresh pipeline of bot, on a database of its own; it
	// is called once per test file and the pipeline closed after it.
	Open func(ctx context.Context, bot concierge.BotID) (*Pipeline, error)
	// Out receives each case's PASS or FAIL as it finishes, with a diff
	// per failed step; nil writes nothing.
	Out io.Writer
	// Summary runs every step of every case even after one failed, so
	// that each check counts on its own (see WriteSummary); otherwise a
	// case stops at its first failing step.
	Summary bool
}

// Result is what a run found, file by file.
type Result struct {
	Files []*FileResult
}

// FileResult is one test file's outcome.
type FileResult struct {
	File  *File
	Bot   *concierge.Bot
	Cases []*CaseResult
	Time  time.Duration
}

// CaseResult is one case's outcome.
type CaseResult struct {
	Case *Case
	// Failures are the steps that did not hold: the first only, unless
	// the run evaluates every step (Runner.Summary).
	Failures []*Failure
	// Checks are every check evaluated, for the summary.
	Checks []Check
	// Unsafe are what entered the cart that the case did not expect.
	Unsafe []Violation
	// Err is set when the pipeline itself broke during the case (the
	// database, the webhook): the case could not be judged.
	Err  error
	Time time.Duration
}

// Passed reports whether every evaluated step held.
func (c *CaseResult) Passed() bool { return len(c.Failures) == 0 && c.Err == nil }

// Failure is a step that did not hold.
type Failure struct {
	Step int    // 1-based
	At   Pos    // where the step is written
	Desc string // the step, as a line of text
	// Problems are its failed checks: expected and got.
	Problems []Problem
	// Replies are the bot's replies the step acted on or checked, and
	// Answer the action step they answer (0: none yet), described by
	// AnswerDesc.
	Replies    []concierge.Message
	Answer     int
	AnswerDesc string
}

// Problem is one failed check of a step.
type Problem struct {
	Check    string // text_matches, cart, order …
	Expected string
	Got      string
	// Diff are lines that say what differs, when a list is compared.
	Diff []string
}

// Check kinds counted by the summary; a check of any other kind
// (text_matches, buttons, products, order, handoff, press, pay, user)
// counts only for the case.
const (
	CheckCart         = "cart"
	CheckCartSafe     = "cart_safe"
	CheckFirstProduct = "first_product"
	CheckNotProducts  = "not_products"
	CheckLanguage     = "language"
	CheckAll          = "all" // cases passed
)

// Check is one evaluated check.
type Check struct {
	Kind string
	Step int
	OK   bool
}

// Violation is a cart line the case did not expect: a SKU outside the
// expected lines (Expected 0) or more than the expected quantity.
type Violation struct {
	Step     int
	At       Pos
	SKU      concierge.SKU
	Got      int
	Expected int
}

// Failed counts the cases that did not pass.
func (r *Result) Failed() int {
	n := 0
	for _, f := range r.Files {
		for _, c := range f.Cases {
			if !c.Passed() {
				n++
			}
		}
	}
	return n
}

// Total counts the cases run.
func (r *Result) Total() int {
	n := 0
	for _, f := range r.Files {
		n += len(f.Cases)
	}
	return n
}

// Run plays every case of files and returns what it found. Before
// running any, it checks each file against its bot: a SKU the bot does
// not sell or a language it does not speak makes a check that could
// never pass, and is returned as Errors. An error opening a pipeline
// stops the run.
func (r *Runner) Run(ctx context.Context, files []*File) (*Result, error) {
	bots := make([]*concierge.Bot, len(files))
	var errs Errors
	for i, f := range files {
		b, err := r.botOf(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		bots[i] = b
		errs = append(errs, f.checkBot(b, money.Parse)...)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	res := &Result{}
	for i, f := range files {
		fr, err := r.runFile(ctx, i+1, f, bots[i])
		if fr != nil {
			res.Files = append(res.Files, fr)
		}
		if err != nil {
			return res, err
		}
	}
	r.printTotal(res)
	return res, nil
}

// botOf returns the bot f talks to.
func (r *Runner) botOf(f *File) (*concierge.Bot, *Error) {
	if len(r.Bots) == 0 {
		return nil, &Error{File: f.Path, Message: "the configuration has no bot"}
	}
	id, at := concierge.BotID(f.Bot), f.botAt
	if id == "" {
		id = r.Default
	}
	if id == "" {
		return r.Bots[0], nil
	}
	var names []string
	for _, b := range r.Bots {
		if b.ID == id {
			return b, nil
		}
		names = append(names, string(b.ID))
	}
	return nil, &Error{File: f.Path, Pos: at, Message: fmt.Sprintf("no bot %q in the configuration (it has %s)", id, strings.Join(names, ", "))}
}

// runFile plays f's cases, in order, on one fresh pipeline: they share
// its stock, not their carts.
func (r *Runner) runFile(ctx context.Context, n int, f *File, bot *concierge.Bot) (*FileResult, error) {
	start := time.Now()
	p, err := r.Open(ctx, bot.ID)
	if err != nil {
		return nil, fmt.Errorf("%s: bot %s: %w", f.Path, bot.ID, err)
	}
	if p.Close != nil {
		defer p.Close()
	}
	clk := &clock{now: defaultClock}
	if f.Clock != "" {
		clk.now, _ = time.Parse(time.RFC3339, f.Clock) // checked by Parse
	}
	p.DB.SetClock(clk.Now)
	fr := &FileResult{File: f, Bot: p.Bot}
	r.printFile(fr)
	prices := map[concierge.SKU]concierge.Money{}
	for _, pr := range p.Bot.Products {
		prices[pr.SKU] = pr.Price
	}
	for i := range f.Cases {
		if err := ctx.Err(); err != nil {
			return fr, err
		}
		ch := &chat{p: p, clock: clk, id: concierge.ChatID(fmt.Sprintf("convtest-%d-%d", n, i+1)), locale: concierge.Locale(f.Cases[i].Language)}
		cr := r.runCase(ctx, &caseRun{chat: ch, prices: prices}, &f.Cases[i])
		fr.Cases = append(fr.Cases, cr)
		r.printCase(f, cr)
	}
	fr.Time = time.Since(start)
	return fr, nil
}

// caseRun is the state of one case being played.
type caseRun struct {
	*chat
	prices map[concierge.SKU]concierge.Money
	// replies are the bot's replies to the last action step, answer
	// that step's number (0: none yet).
	replies []concierge.Message
	answer  int
}

func (r *Runner) runCase(ctx context.Context, cr *caseRun, c *Case) *CaseResult {
	start := time.Now()
	res := &CaseResult{Case: c}
	defer func() { res.Time = time.Since(start) }()
	for i := range c.Steps {
		st := &c.Steps[i]
		out, err := cr.step(ctx, i+1, st)
		if err != nil {
			res.Err = fmt.Errorf("step %d (%s): %w", i+1, describe(st), err)
			return res
		}
		res.Checks = append(res.Checks, out.checks...)
		res.Unsafe = append(res.Unsafe, out.unsafe...)
		if len(out.problems) == 0 {
			continue
		}
		fl := &Failure{Step: i + 1, At: st.At, Desc: describe(st), Problems: out.problems, Replies: cr.replies, Answer: cr.answer}
		if cr.answer > 0 {
			fl.AnswerDesc = describe(&c.Steps[cr.answer-1])
		}
		res.Failures = append(res.Failures, fl)
		if !r.Summary {
			return res
		}
	}
	return res
}

// outcome is what one step found.
type outcome struct {
	problems []Problem
	checks   []Check
	unsafe   []Violation
}

// check records a check of kind and, when it failed, its problem.
func (o *outcome) check(kind string, step int, p *Problem) {
	o.checks = append(o.checks, Check{Kind: kind, Step: step, OK: p == nil})
	if p != nil {
		o.problems = append(o.problems, *p)
	}
}

// step plays or checks one step. An error means the pipeline broke.
func (cr *caseRun) step(ctx context.Context, n int, st *Step) (outcome, error) {
	var o outcome
	switch st.Kind() {
	case kindUser:
		return o, cr.act(ctx, n, &o, kindUser, concierge.Event{Kind: concierge.EventText, Text: *st.User})
	case kindPress:
		b, p := findButton(cr.replies, st.Press)
		if p != nil {
			o.check(kindPress, n, p)
			return o, nil
		}
		return o, cr.act(ctx, n, &o, kindPress, concierge.Event{Kind: concierge.EventButton, Text: b.Label, Value: b.Value})
	case kindPay:
		replies, _, err := cr.pay(ctx, st.Pay)
		if err == errNoPendingOrder {
			o.check(kindPay, n, cr.noPendingOrder(ctx))
			return o, nil
		}
		if err != nil {
			return o, err
		}
		cr.replies, cr.answer = replies, n
		o.check(kindPay, n, nil)
	case kindBot:
		checkReplies(&o, n, st.Bot, cr.replies)
	case kindCart:
		lines, err := cr.cart(ctx)
		if err != nil {
			return o, err
		}
		cr.checkCart(&o, n, st, lines)
	case kindOrder:
		orders, err := cr.orders(ctx)
		if err != nil {
			return o, err
		}
		o.check(kindOrder, n, checkOrder(st.Order, orders))
	case kindHandoff, kindLanguage:
		conv, err := cr.conv(ctx)
		if err != nil {
			return o, err
		}
		if st.Handoff != nil {
			o.check(kindHandoff, n, checkHandoff(*st.Handoff, conv))
		} else {
			o.check(CheckLanguage, n, checkLanguage(st.Language, conv))
		}
	}
	return o, nil
}

// act sends ev and keeps the replies as the ones later checks read.
func (cr *caseRun) act(ctx context.Context, n int, o *outcome, kind string, ev concierge.Event) error {
	replies, failed, err := cr.send(ctx, ev)
	if err != nil {
		return err
	}
	cr.replies, cr.answer = replies, n
	var p *Problem
	if failed {
		p = &Problem{Check: kind, Expected: "the bot handles the message",
			Got: "the turn failed and the customer got an apology (the error is in the log)"}
	}
	o.check(kind, n, p)
	return nil
}

// noPendingOrder is the problem of a pay step with nothing to pay.
func (cr *caseRun) noPendingOrder(ctx context.Context) *Problem {
	got := "no order"
	if orders, err := cr.orders(ctx); err == nil && len(orders) > 0 {
		got = fmt.Sprintf("the latest order %s is %s", orders[0].ID, orders[0].State)
	}
	return &Problem{Check: kindPay, Expected: "an order pending payment", Got: got}
}

// checkCart compares the cart with the expected lines and total, and
// finds what entered it unasked (cart_safe).
func (cr *caseRun) checkCart(o *outcome, n int, st *Step, lines []concierge.CartLine) {
	want := map[concierge.SKU]int{}
	for _, l := range st.Cart.Lines {
		want[l.SKU] = l.Qty()
	}
	currency := cr.chat.p.Bot.Currency
	got := map[concierge.SKU]int{}
	total := concierge.Money{Currency: currency}
	for _, l := range lines {
		got[l.SKU] += l.Quantity
		total = total.Add(cr.prices[l.SKU].Mul(l.Quantity))
	}
	var p *Problem
	if diff := cartDiff(want, got); len(diff) > 0 {
		p = &Problem{Check: CheckCart, Expected: cartText(want), Got: cartText(got), Diff: diff}
	}
	if st.Cart.Total != "" {
		wantTotal, _ := money.Parse(st.Cart.Total, currency) // checked before the run
		if wantTotal.Minor != total.Minor {
			if p == nil {
				p = &Problem{Check: CheckCart, Expected: cartText(want), Got: cartText(got)}
			}
			p.Diff = append(p.Diff, fmt.Sprintf("total %s, expected %s", decimal(total, currency), st.Cart.Total))
		}
	}
	o.check(CheckCart, n, p)
	// cart_safe: a line the customer did not ask for, or more of one
	// than they asked for. Such a cart is also not right, so the cart
	// problem above already shows it; the summary counts the two apart.
	for _, sku := range sortedKeys(got) {
		if got[sku] > want[sku] {
			o.unsafe = append(o.unsafe, Violation{Step: n, At: st.At, SKU: sku, Got: got[sku], Expected: want[sku]})
		}
	}
	o.checks = append(o.checks, Check{Kind: CheckCartSafe, Step: n, OK: len(o.unsafe) == 0})
}

func sortedKeys(m map[concierge.SKU]int) []concierge.SKU {
	keys := make([]concierge.SKU, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decimal writes m in major units with the currency's decimals ("79.00").
func decimal(m concierge.Money, currency string) string {
	digits, ok := money.Digits(currency)
	if !ok {
		digits = 2
	}
	sign, minor := "", m.Minor
	if minor < 0 {
		sign, minor = "-", -minor
	}
	if digits == 0 {
		return fmt.Sprintf("%s%d", sign, minor)
	}
	unit := int64(1)
	for range digits {
		unit *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, minor/unit, digits, minor%unit)
}
