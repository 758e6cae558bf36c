package concierge

import (
	"context"
	"iter"
	"maps"
	"net/http"
	"slices"
	"time"
)

// Registry holds every bot's channels and payment providers. cmd/concierge
// fills it once while it wires the server, before anything serves; after
// that it is only read, so it needs no lock.
//
// An entry is the small required interface (a channel's Sender, a
// provider's PaymentProvider). What else an entry can do is an optional
// capability (Receiver, WebhookServer, MediaFetcher, ReplyWindower,
// Describer; PaymentNotifier, InvoiceChecker, Refunder, RefundChecker,
// Reconciler) that the consumer finds with one type
// assertion, as net/http finds an http.Flusher: no consumer switches on a
// channel's or a provider's name.
type Registry struct {
	channels    map[channelKey]Sender
	providers   map[providerKey]PaymentProvider
	agentPayers map[providerKey]AgentPayer
}

type channelKey struct {
	bot BotID
	ch  Channel
}

type providerKey struct {
	bot  BotID
	name string
}

// AddChannel registers s as bot's channel ch, in place of any before it.
func (r *Registry) AddChannel(bot BotID, ch Channel, s Sender) {
	if r.channels == nil {
		r.channels = map[channelKey]Sender{}
	}
	r.channels[channelKey{bot, ch}] = s
}

// Channel returns bot's channel ch, or nil when the bot has none.
func (r *Registry) Channel(bot BotID, ch Channel) Sender {
	if r == nil {
		return nil
	}
	return r.channels[channelKey{bot, ch}]
}

// AddProvider registers p as one of bot's payment providers, under
// p.Name(), in place of any before it of that name.
func (r *Registry) AddProvider(bot BotID, p PaymentProvider) {
	if r.providers == nil {
		r.providers = map[providerKey]PaymentProvider{}
	}
	r.providers[providerKey{bot, p.Name()}] = p
}

// Provider returns bot's payment provider of that name (Order.Provider),
// or nil.
func (r *Registry) Provider(bot BotID, name string) PaymentProvider {
	if r == nil {
		return nil
	}
	return r.providers[providerKey{bot, name}]
}

// AgentPayer is a payment handler of outside AI agents' checkouts (UCP,
// ACP, MCP): it charges an order with the credential an agent sends in
// place of a card (a Stripe PaymentMethod id, the sandbox's test token).
// agentcommerce.Payer says when Charge is called and what its errors
// mean; it may block on the network and must honour ctx.
type AgentPayer interface {
	Charge(ctx context.Context, o *Order, token string) (ref string, err error)
}

// AddAgentPayer registers p as bot's agent payment handler called name,
// the word a bot file's agents.payment_handlers lists and agents send
// back, in place of any before it of that name. The wiring of the
// provider behind it registers it, so that the agents' wiring looks the
// names up instead of knowing them.
func (r *Registry) AddAgentPayer(bot BotID, name string, p AgentPayer) {
	if r.agentPayers == nil {
		r.agentPayers = map[providerKey]AgentPayer{}
	}
	r.agentPayers[providerKey{bot, name}] = p
}

// AgentPayer returns bot's agent payment handler called name, or nil.
func (r *Registry) AgentPayer(bot BotID, name string) AgentPayer {
	if r == nil {
		return nil
	}
	return r.agentPayers[providerKey{bot, name}]
}

// Providers yields every bot's providers, by bot then name, so that a
// pass over them (reconciliation) is the same on every run.
func (r *Registry) Providers() iter.Seq2[BotID, PaymentProvider] {
	return func(yield func(BotID, PaymentProvider) bool) {
		if r == nil {
			return
		}
		keys := slices.SortedFunc(maps.Keys(r.providers), func(a, b providerKey) int {
			if a.bot != b.bot {
				return compareString(string(a.bot), string(b.bot))
			}
			return compareString(a.name, b.name)
		})
		for _, k := range keys {
			if !yield(k.bot, r.providers[k]) {
				return
			}
		}
	}
}

func compareString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Capabilities says what a channel can render, so that the core chooses a
// message kind, or falls back (buttons to numbered text, cards to a
// list), without knowing which channel it talks to. A zero limit means
// none is known.
type Capabilities struct {
	Buttons        bool // Message.Buttons and Card.Buttons with a Value
	Lists          bool // a list of up to MaxListRows choices
	Pages          bool // a Pager's buttons
	Edits          bool // Message.Replaces edits the earlier message in place
	Cards          bool // MessageCards, with images
	Images         bool // an image with a caption
	Comparison     bool // MessageComparison
	Menus          bool // a menu of up to MaxMenuItems choices in one message
	Articles       bool // articles with a picture and a link
	NativePayments bool // MessagePayment becomes the platform's own invoice
	PaymentLinks   bool // MessagePayment with a URL

	MaxButtons      int // the most buttons one message or card should carry
	MaxListRows     int
	MaxMenuItems    int
	MaxTextRunes    int // the longest text, in characters
	MaxTextBytes    int // the longest text, in UTF-8 bytes (WeChat counts bytes)
	MaxCallbackData int // the longest button value sent as it is
}

// Describer is a channel that declares what it can render. A channel
// without it is assumed to render plain text only.
type Describer interface {
	// Capabilities is constant for the channel's life; it does no I/O.
	Capabilities() Capabilities
}

// Receiver is a channel that takes its platform's webhooks at
// POST /webhooks/{bot}/{channel}, when verifying and decoding are all they
// need; a platform with more (a subscription handshake, replies in the
// HTTP answer) is a WebhookServer instead. webhooks owns the route, the
// body limit, the status codes, the acknowledgement and de-duplication.
type Receiver interface {
	// Receive is called once per request, before anything is stored. It
	// checks the request's signature or secret over the raw body first,
	// then decodes the body into events. It must not block on the
	// network. An error with CodeUnauthorized answers 401 and CodeInvalid
	// 400, storing nothing; the platform then retries or gives up.
	Receive(ctx context.Context, header http.Header, body []byte) ([]Event, error)
}

// MediaFetcher is a channel that can download a file a customer sent
// (see Media). The media fetcher calls it from a background loop, never
// inside a request; it may block on the network and must honour ctx. An
// error wrapping ErrMediaTooLarge or ErrMediaGone is final; any other is
// retried later. A channel without it has its customers' files marked
// failed.
type MediaFetcher interface {
	FetchMedia(ctx context.Context, ref string, max int64) (Media, error)
}

// ReplyWindower is a channel that lets a business write freely only for
// a while after the customer's last message, and after it only with
// templates the merchant had approved (WhatsApp's 24 hours). The inbox
// asks it when it shows a conversation and before a person's message is
// queued; it may read storage, and an error fails the page or the
// message. A channel without it always takes free text.
type ReplyWindower interface {
	ReplyWindow(ctx context.Context, conv ConversationID) (ReplyWindow, error)
}

// ReplyWindow is what a person may send a customer now.
type ReplyWindow struct {
	// Closed means free text is refused; only Templates may be sent.
	Closed bool
	// Why says, for the people of the inbox, why the window is closed.
	Why string
	// Last is when the customer last wrote; zero if never.
	Last time.Time
	// Templates are the approved templates a person may send.
	Templates []ReplyTemplate
}

// ReplyTemplate is an approved message template a person may send.
type ReplyTemplate struct {
	Name     string
	Language string
	Preview  string   // its approved text, to show before sending
	Params   int      // how many variables it takes
	Labels   []string // what each variable is, for the form
}

// Refunder is a payment provider that can give money back. Refund is
// called by checkout when people in the inbox approved a refund, outside
// any transaction; it may block on the network and must honour ctx.
// r.Key makes the call idempotent: the same key refunds once however often
// it is retried. The Refund returned is recorded as it is (its Status may
// say the refund is still processing). A CodeInvalid error means this
// refund can never be made; any other may succeed when tried again.
type Refunder interface {
	Refund(ctx context.Context, r RefundRequest) (Refund, error)
}

// RefundRequest is one refund asked of a provider.
type RefundRequest struct {
	Order  *Order
	Chat   ChatID  // the chat the order was placed in (Telegram refunds Stars to its user)
	Paid   Payment // the order's recorded payment through this provider
	Amount Money   // what people decided to give back, at most Paid.Amount
	Reason string  // RefundRequestedByCustomer, or a provider's own word
	Key    string
}

// RefundRequestedByCustomer is the reason of a refund people approved
// after the customer asked for it.
const RefundRequestedByCustomer = "requested_by_customer"

// RefundChecker is an optional capability of a Refunder: before an
// approval is recorded, it says whether amount of what was paid can be
// refunded, so that a refund the provider could never make (part of a
// payment whose provider refunds only whole ones) is refused at decision
// time rather than failing afterwards. It does no I/O; a CodeInvalid
// error is shown to the person as it is.
type RefundChecker interface {
	CheckRefund(o *Order, paid []Payment, amount Money) error
}

// Reconciler is a payment provider whose notifications may be lost (WeChat
// Pay's): checkout's sweep asks it what became of each of its orders
// still pending a minute after they were made, under a lease shared by
// the replicas. Reconcile may block on the network; checkout bounds each
// call and the whole pass. An error that is a CodeInvalid *Error concerns
// this order only (the provider refused the query); any other means the
// provider cannot be reached, and the pass ends until the next sweep.
type Reconciler interface {
	Reconcile(ctx context.Context, o *Order, now time.Time) (Reconciled, error)
}

// Reconciled is what a Reconciler found out about a pending order.
type Reconciled struct {
	// Paid is the payment the notification would have brought, applied
	// as it would have been (exactly once on provider and ref).
	Paid *Payment
	// Closed says that the provider will never take this order's payment
	// now: its reservation ran out and it was closed there; checkout
	// expires it and releases its stock.
	Closed bool
}

// The statuses of a Refund that checkout settles.
const (
	RefundProcessing = "processing" // asked for; the provider refunds later
	RefundSucceeded  = "succeeded"
	RefundFailed     = "failed" // the money did not go back; people refund by hand
)

// RefundKeyPrefix starts the key (the provider's out-refund number) of
// every refund Concierge asks for: handoff.RefundKey makes them from the
// proposal. A refund whose key lacks it was made by hand at the provider.
const RefundKeyPrefix = "proposal-"

// RefundOutcome is how a refund the provider was processing ended, from
// its notification or a query.
type RefundOutcome struct {
	Provider string
	Ref      string  // the provider's refund id (Refund.ProviderRef)
	Key      string  // the key it was asked with
	Order    OrderID // as the provider reports it; "" if it did not say
	Amount   Money
	Status   string // RefundProcessing, RefundSucceeded or RefundFailed
	State    string // the provider's own word, for logs
	// Why says, for people, why a failed refund failed and what to do.
	Why string
}

// RefundQuerier is a Refunder whose refunds end after Refund returns
// (WeChat Pay's): checkout's sweep asks it about the refunds still
// processing whose notification never came. RefundOutcome may block on
// the network and must honour ctx.
type RefundQuerier interface {
	RefundOutcome(ctx context.Context, ref string) (RefundOutcome, error)
}

// PaymentNotifier is a payment provider whose notifications arrive by
// webhook at POST /webhooks/{bot}/{provider name}, when verifying and
// decoding are all they need (Stripe's, the sandbox's); a provider with
// more (WeChat Pay's encrypted bodies and answers of its own) is a
// WebhookServer instead. webhooks owns the route, the body limit, the status
// codes and applying the notice once.
type PaymentNotifier interface {
	// Notice is called once per request, before anything changes. It
	// checks the signature over the raw body first (an error with
	// CodeUnauthorized answers 401 and nothing is applied), then decodes
	// the body. It does no I/O.
	Notice(header http.Header, body []byte) (PaymentNotice, error)
}

// NoticeKind says what a payment notification asks of Concierge.
type NoticeKind string

// The kinds of payment notifications.
const (
	NoticePaid     NoticeKind = "paid"     // Payment was made: the order is paid once
	NoticeFailed   NoticeKind = "failed"   // an attempt failed (Failure); the order waits on
	NoticeExpired  NoticeKind = "expired"  // the provider will never take Order's payment
	NoticeRefunded NoticeKind = "refunded" // Refunds were made, perhaps at the provider's dashboard
	NoticeIgnored  NoticeKind = "ignored"  // verified, of no use: acknowledged, nothing changes
)

// PaymentNotice is a verified payment notification, reduced to what
// Concierge applies.
type PaymentNotice struct {
	Kind NoticeKind
	// Event and Type are the provider's event id and its own word for
	// the event, for logs.
	Event, Type string
	// Bot is the bot the provider says the event is for; "" when it did
	// not say. A notice for another bot than the route's changes nothing.
	Bot     BotID
	Order   OrderID
	Payment Payment        // NoticePaid
	Failure PaymentFailure // NoticeFailed
	Refunds []Refund       // NoticeRefunded
}

// EachChannel calls fn with each of bot's channels, by name.
func (r *Registry) EachChannel(bot BotID, fn func(ch Channel, s Sender)) {
	if r == nil {
		return
	}
	var names []Channel
	for k := range r.channels {
		if k.bot == bot {
			names = append(names, k.ch)
		}
	}
	slices.Sort(names)
	for _, ch := range names {
		fn(ch, r.channels[channelKey{bot, ch}])
	}
}

// EachProvider calls fn with each of bot's payment providers, by name.
func (r *Registry) EachProvider(bot BotID, fn func(p PaymentProvider)) {
	for b, p := range r.Providers() {
		if b == bot {
			fn(p)
		}
	}
}
