// Package convtest runs conversation tests, the end-to-end tests that
// merchants write for their bot: YAML files of customer messages, button
// presses and sandbox payments, each followed by checks on the bot's
// replies, the cart, the latest order, the hand-off and the language.
//
// It owns the test file format (its decoding with line:col positions and
// its JSON Schema), the runner that plays each case offline through a
// bot's real pipeline, and the reports: text with a readable diff per
// failed step, JUnit XML, and the pass-rate summary of --summary.
//
// cmd/concierge imports it for `concierge test` and builds the Pipeline
// it runs on, wired as `concierge serve` wires it (the same agent, brain,
// tools, checkout and store, on a fresh SQLite database, with the sandbox
// as the payment provider). convtest never imports cmd, a brain or an
// adapter: the brain comes inside the pipeline that cmd passes in.
package convtest

import (
	"regexp"

	"github.com/conciergehq/concierge"
)

// File is one test file: the cases of one bot.
type File struct {
	Bot   string `yaml:"bot" json:"bot,omitempty" jsonschema:"description=Which bot of the --config file or folder the cases talk to. Defaults to --bot or else the first bot."`
	Clock string `yaml:"clock" json:"clock,omitempty" jsonschema:"format=date-time,description=The time the cases run at as RFC 3339 such as 2026-03-07T20:00:00+01:00 (a Saturday evening for business hours). Defaults to Wednesday 4 March 2026 at 10:00 in Paris."`
	Cases []Case `yaml:"test_cases" json:"test_cases" jsonschema:"required,minItems=1,description=The conversations; each runs in a new chat and stops at its first failing step (without --summary)."`

	// Path is the file the cases were read from.
	Path string `yaml:"-" json:"-"`
	// botAt and clockAt are where the bot and clock values are written.
	botAt, clockAt Pos
}

// Pos is a place in a test file, for messages: 1-based, 0 when unknown.
type Pos struct{ Line, Col int }

// Case is one conversation of a fresh chat.
type Case struct {
	Name     string   `yaml:"name" json:"name" jsonschema:"required,minLength=1,description=What the case shows; unique within the file."`
	Language string   `yaml:"language" json:"language,omitempty" jsonschema:"pattern=^[a-z]{2\\,3}$,description=The platform's language hint for this chat (like Telegram's language_code) such as fr or en. The summary's rows are these languages (? for none)."`
	Tags     []string `yaml:"tags" json:"tags,omitempty" jsonschema:"description=Free labels used only for reporting."`
	Steps    []Step   `yaml:"steps" json:"steps" jsonschema:"required,minItems=1,description=What the customer does and what must then be true in order."`

	// At is where the case starts in its file.
	At Pos `yaml:"-" json:"-"`
}

// Step is one thing the customer (or the payment provider) does, or one
// check of what is true now. Exactly one field is set.
type Step struct {
	User     *string     `yaml:"user" json:"user,omitempty" jsonschema:"minLength=1,description=The customer types this text."`
	Press    *Press      `yaml:"press" json:"press,omitempty" jsonschema:"description=The customer presses a button of the last replies by its exact label."`
	Pay      string      `yaml:"pay" json:"pay,omitempty" jsonschema:"enum=success,enum=decline,description=The sandbox provider notifies the latest order pending payment: paid (success) or a declined card (decline)."`
	Bot      *BotCheck   `yaml:"bot" json:"bot,omitempty" jsonschema:"description=Checks on the bot's replies to the last user or press or pay step."`
	Cart     *CartCheck  `yaml:"cart" json:"cart,omitempty" jsonschema:"description=The conversation's cart now."`
	Order    *OrderCheck `yaml:"order" json:"order,omitempty" jsonschema:"description=The conversation's latest order now."`
	Handoff  *bool       `yaml:"handoff" json:"handoff,omitempty" jsonschema:"description=true: the conversation is now with people; false: still with the bot."`
	Language string      `yaml:"language" json:"language,omitempty" jsonschema:"pattern=^[a-z]{2\\,3}$,description=The language the bot is now answering in such as fr."`

	// At is where the step is written.
	At Pos `yaml:"-" json:"-"`
	// keys are the step's keys as written, to refuse a step with none
	// or several.
	keys []string
}

// Press names a button: `press: "label"`, or `press: {label, sku}` for the
// button with that label on a product's card.
type Press struct {
	Label string        `yaml:"label" json:"label"`
	SKU   concierge.SKU `yaml:"sku" json:"sku,omitempty"`
}

// BotCheck holds checks on the replies to the last user, press or pay
// step. Unset fields are not checked.
type BotCheck struct {
	TextMatches  string           `yaml:"text_matches" json:"text_matches,omitempty" jsonschema:"description=A Go regular expression that must match the text (or the plain-text fallback) of at least one reply; (?i) ignores case."`
	Buttons      []string         `yaml:"buttons" json:"buttons,omitempty" jsonschema:"description=Each label must be on some button of the replies (exact label)."`
	FirstProduct concierge.SKU    `yaml:"first_product" json:"first_product,omitempty" jsonschema:"description=The SKU of the first product card or list item shown in the replies."`
	Products     *[]concierge.SKU `yaml:"products" json:"products,omitempty" jsonschema:"description=The SKUs of the products shown (cards and comparisons) exactly and in order (each once). [] means no product is shown."`
	NotProducts  []concierge.SKU  `yaml:"not_products" json:"not_products,omitempty" jsonschema:"description=None of these SKUs may be shown in the replies."`

	re *regexp.Regexp
}

// CartCheck is the cart expected now.
type CartCheck struct {
	Lines []CartLine `yaml:"lines" json:"lines" jsonschema:"required,description=The exact set of lines (order does not matter); [] is the empty cart."`
	Total string     `yaml:"total" json:"total,omitempty" jsonschema:"pattern=^[0-9]+(\\.[0-9]+)?$,description=The cart's total in the shop's currency as a decimal string such as 79.00."`
}

// CartLine is one expected line of a cart.
type CartLine struct {
	SKU      concierge.SKU `yaml:"sku" json:"sku" jsonschema:"required,minLength=1,description=The product's SKU."`
	Quantity *int          `yaml:"quantity" json:"quantity,omitempty" jsonschema:"minimum=1,default=1,description=How many. Defaults to 1."`
}

// Qty is the line's quantity, 1 when the file does not say.
func (l CartLine) Qty() int {
	if l.Quantity == nil {
		return 1
	}
	return *l.Quantity
}

// OrderCheck is the latest order expected now: `order: none`, or
// `order: {state: paid}`.
type OrderCheck struct {
	None  bool                 `yaml:"-" json:"-"`
	State concierge.OrderState `yaml:"state" json:"state"`
}

// The step kinds, as their YAML keys.
const (
	kindUser     = "user"
	kindPress    = "press"
	kindPay      = "pay"
	kindBot      = "bot"
	kindCart     = "cart"
	kindOrder    = "order"
	kindHandoff  = "handoff"
	kindLanguage = "language"
)

// stepKinds are the keys a step may have, in the order the format
// documents them.
var stepKinds = []string{kindUser, kindPress, kindPay, kindBot, kindCart, kindOrder, kindHandoff, kindLanguage}

// Kind is the step's one key: user, press, pay, bot, cart, order,
// handoff or language.
func (s *Step) Kind() string {
	switch {
	case s.User != nil:
		return kindUser
	case s.Press != nil:
		return kindPress
	case s.Pay != "":
		return kindPay
	case s.Bot != nil:
		return kindBot
	case s.Cart != nil:
		return kindCart
	case s.Order != nil:
		return kindOrder
	case s.Handoff != nil:
		return kindHandoff
	case s.Language != "":
		return kindLanguage
	}
	return ""
}

// acts reports whether the step makes the bot answer (user, press, pay),
// as opposed to checking what is true.
func (s *Step) acts() bool {
	k := s.Kind()
	return k == kindUser || k == kindPress || k == kindPay
}

// Pay outcomes.
const (
	PaySuccess = "success"
	PayDecline = "decline"
)
