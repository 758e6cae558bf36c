// Package whatsapp is the WhatsApp Cloud API channel: one business phone
// number of a Meta app, reached through the Graph API.
//
// It owns the platform's side and nothing else. Decode turns a webhook
// notification into events (text, reply-button and list choices, media,
// locations, delivery statuses); the Adapter checks a notification's
// X-Hub-Signature-256 and Meta's subscription challenge, and is the
// channel's concierge.Sender: Render turns each outbound message into
// WhatsApp's own kinds (text, reply buttons, lists, an image with a
// caption, a CTA URL button for a payment link) within WhatsApp's limits,
// and a small typed client (client.go) posts them to
// {graph_api_url}/{phone_number_id}/messages. Routing, body limits, status
// codes, de-duplication (on the wamid) and storage belong to webhooks and
// the store; the adapter reaches storage only through the small
// interfaces it is given (Window, Receipts and Tokens). It imports the standard
// library and the root package only (see deps_test.go); cmd/concierge
// wires it and webhooks calls it.
//
// # The 24-hour window
//
// WhatsApp lets a business write freely only within 24 hours of the
// customer's last message. Send asks Window when that was; outside the
// window, a message about an order whose new state the merchant named a
// template for (Config.Templates, by "order_paid", "order_fulfilled" …) is
// sent as that template with the order number as its one variable, and any
// other message is refused with an error wrapping
// concierge.ErrUndeliverable, so the outbox records it as undeliverable
// with the reason — never silently dropped. A message that names its
// template (concierge.Message.Template: a person's choice in the inbox)
// is sent as that template, in the window or not; InWindow tells the
// inbox when to offer templates instead of free text.
//
// # Choice ids
//
// A reply button's id holds 256 bytes and a list row's 200. A button
// whose value fits in 200 bytes (add:LAMP-01) is its own id, readable in
// Meta's logs and needing no storage; a longer one (a pager's, which
// carries its whole list of SKUs) is sent as a token (see Tokenize),
// stored with its value through Tokens before the message is sent, and
// Resolve looks it up when the choice comes back. A token that is not
// found (a choice made with another database, or a forged id) is an
// expired choice: the press is stored with concierge.ExpiredChoice as its
// value and the agent tells the customer.
package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/httpclient"
)

// DefaultGraphAPIURL is the Graph API base used when none is configured.
const DefaultGraphAPIURL = "https://graph.facebook.com/v21.0"

// ServiceWindow is how long after a customer's last message a business may
// write to them freely.
const ServiceWindow = 24 * time.Hour

// Window tells when a conversation's customer last wrote.
type Window interface {
	// LastInbound returns the time of the conversation's latest inbound
	// message, or the zero time. An error makes the send retry.
	LastInbound(ctx context.Context, conv concierge.ConversationID) (time.Time, error)
}

// Receipts remembers which platform message ids an outbound message was
// sent as, so that delivery statuses can be applied to it. An error is
// logged, not returned: the message was sent.
type Receipts interface {
	RecordSent(ctx context.Context, bot concierge.BotID, ch concierge.Channel, id int64, platformIDs []string) error
}

// Tokens keeps the values behind choice tokens. The store implements it
// (the button_tokens table that Telegram and WeChat use too).
type Tokens interface {
	// SaveButtonTokens stores token → value pairs of bot; a pair stored
	// before is left as it is. It is called before a message carrying
	// tokens is sent.
	SaveButtonTokens(ctx context.Context, bot concierge.BotID, tokens map[string]string) error
	// ButtonValue returns the value of a token, or an error wrapping
	// concierge.ErrNotFound.
	ButtonValue(ctx context.Context, bot concierge.BotID, token string) (string, error)
}

// TemplateRef names an approved message template.
type TemplateRef struct {
	Name     string // as approved in WhatsApp Manager
	Language string // its language code, such as en_US or fr
	Text     string // its approved text, shown in the inbox before sending; "" if not given
}

// Config configures an Adapter for one phone number.
type Config struct {
	PhoneNumberID string
	AccessToken   string // a system user token; never logged
	AppSecret     string // signs notifications; never logged
	VerifyToken   string // answers Meta's subscription challenge
	GraphAPIURL   string // with its version; "" means DefaultGraphAPIURL
	// Templates are the approved templates to use outside the 24-hour
	// window, by purpose: "order_" + the order's new state (order_paid,
	// order_fulfilled, order_expired, order_refunded, order_cancelled).
	Templates map[string]TemplateRef
	// InboxTemplates are the approved templates people in the inbox may
	// send outside the window; without them they are offered the order
	// Templates (see ReplyWindow).
	InboxTemplates []concierge.ReplyTemplate
	// BaseURL is this server's public base; it makes product images given
	// as paths (/chat/static/…) absolute. "" leaves such images out.
	BaseURL  string
	Window   Window   // nil: the window is not checked
	Receipts Receipts // nil: statuses cannot be matched to messages
	// Tokens keeps the values of choices too long to be their id; nil
	// leaves such choices out (the pager's, with long SKUs).
	Tokens Tokens
	Client *http.Client
	Now    func() time.Time
	Log    *slog.Logger
}

// Capabilities is what a channel declares it renders (see
// concierge.Capabilities).
type Capabilities = concierge.Capabilities

// Adapter is one WhatsApp number's concierge.Sender.
type Adapter struct {
	cfg    Config
	client *client
	now    func() time.Time
	log    *slog.Logger
}

var (
	_ concierge.Sender        = (*Adapter)(nil)
	_ concierge.Describer     = (*Adapter)(nil)
	_ concierge.MediaFetcher  = (*Adapter)(nil)
	_ concierge.ReplyWindower = (*Adapter)(nil)
)

// New returns an Adapter, or a CodeInvalid error when cfg is unusable.
func New(cfg Config) (*Adapter, error) {
	const op = "whatsapp: new"
	if cfg.PhoneNumberID == "" || cfg.AccessToken == "" || cfg.AppSecret == "" || cfg.VerifyToken == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "phone_number_id, access_token, app_secret and verify_token are required")
	}
	base := cfg.GraphAPIURL
	if base == "" {
		base = DefaultGraphAPIURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "graph_api_url %q must be an absolute http(s) URL", cfg.GraphAPIURL)
	}
	hc := cfg.Client
	if hc == nil {
		hc = httpclient.New(10 * time.Second)
	}
	a := &Adapter{cfg: cfg, now: cfg.Now, log: cfg.Log,
		client: &client{base: strings.TrimRight(base, "/"), phoneID: cfg.PhoneNumberID, token: cfg.AccessToken, http: hc,
			secrets: []string{cfg.AccessToken, cfg.AppSecret, cfg.VerifyToken}}}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a, nil
}

// Capabilities reports what WhatsApp renders.
func (a *Adapter) Capabilities() Capabilities {
	return Capabilities{Buttons: true, Lists: true, Images: true, PaymentLinks: true,
		MaxButtons: MaxButtons, MaxListRows: MaxRows, MaxTextRunes: MaxTextRunes}
}

// PhoneNumberID is the business phone number this adapter speaks for.
func (a *Adapter) PhoneNumberID() string { return a.cfg.PhoneNumberID }

// VerifySignature checks a notification's X-Hub-Signature-256 header
// against the raw body, in constant time; CodeUnauthorized otherwise.
func (a *Adapter) VerifySignature(header string, body []byte) error {
	return verifySignature(a.cfg.AppSecret, header, body)
}

// Challenge answers Meta's subscription check (GET with hub.mode,
// hub.verify_token and hub.challenge): the challenge to echo, or a
// CodeUnauthorized error when the token is wrong.
func (a *Adapter) Challenge(q url.Values) (string, error) {
	return challenge(a.cfg.VerifyToken, q)
}

// Send delivers m: it checks the 24-hour window, renders m and posts each
// part in order. An error wrapping concierge.ErrUndeliverable means the
// customer cannot be reached with this message (outside the window without
// a template, or WhatsApp said so); other errors are retried by the
// outbox, which re-sends the parts already sent (at least once).
func (a *Adapter) Send(ctx context.Context, m *concierge.Outbound) error {
	if m == nil || m.Chat == "" {
		return concierge.Errorf(concierge.CodeInvalid, "whatsapp: send", "outbound message has no chat")
	}
	payloads, err := a.payloads(ctx, m)
	if err != nil {
		return err
	}
	var ids []string
	var sendErr error
	for i := range payloads {
		id, err := a.client.send(ctx, &payloads[i])
		if err != nil {
			sendErr = err
			break
		}
		ids = append(ids, id)
	}
	if a.cfg.Receipts != nil && len(ids) > 0 {
		if err := a.cfg.Receipts.RecordSent(context.WithoutCancel(ctx), m.Bot, concierge.ChannelWhatsApp, m.ID, ids); err != nil {
			a.log.Error("whatsapp: record sent message ids", "bot", m.Bot, "message", m.ID, "err", err)
		}
	}
	return sendErr
}

// Resolve replaces the token of a reply-button or list choice (an
// EventButton whose value has a token's shape) with the choice's value;
// any other event is left as it is. ev.Bot must be set, as tokens are
// kept per bot. An unknown token (the choice expired, or was forged)
// becomes concierge.ExpiredChoice. An error means the store could not
// answer.
func (a *Adapter) Resolve(ctx context.Context, ev *concierge.Event) error {
	if ev.Kind != concierge.EventButton || !isToken(ev.Value) {
		return nil
	}
	if a.cfg.Tokens == nil {
		ev.Value = concierge.ExpiredChoice
		return nil
	}
	v, err := a.cfg.Tokens.ButtonValue(ctx, ev.Bot, ev.Value)
	if errors.Is(err, concierge.ErrNotFound) {
		ev.Value = concierge.ExpiredChoice
		return nil
	}
	if err != nil {
		return fmt.Errorf("whatsapp: resolve choice: %w", err)
	}
	ev.Value = v
	return nil
}

// InWindow reports whether the business may write freely to conv's
// customer now (within ServiceWindow of their last message), and when
// they last wrote (zero if never). Without a Window it is always open.
// Send checks the same; the inbox asks it to offer templates instead of
// free text.
func (a *Adapter) InWindow(ctx context.Context, conv concierge.ConversationID) (bool, time.Time, error) {
	if a.cfg.Window == nil {
		return true, time.Time{}, nil
	}
	last, err := a.cfg.Window.LastInbound(ctx, conv)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("whatsapp: window: %w", err)
	}
	return !last.IsZero() && a.now().Sub(last) < ServiceWindow, last, nil
}

// Templates returns the approved templates configured, by purpose.
func (a *Adapter) Templates() map[string]TemplateRef { return a.cfg.Templates }

// payloads renders m, or its template when the window is closed. A message
// that names its template (a person's choice in the inbox) is always sent
// as that template.
func (a *Adapter) payloads(ctx context.Context, m *concierge.Outbound) ([]Payload, error) {
	if t := m.Message.Template; t != nil {
		return []Payload{chosenTemplate(m, t)}, nil
	}
	open, last, err := a.InWindow(ctx, m.Conversation)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: send: %w", err)
	}
	if open {
		r := render(m, a.cfg.BaseURL, a.cfg.Tokens != nil)
		if len(r.tokens) > 0 {
			if err := a.cfg.Tokens.SaveButtonTokens(ctx, m.Bot, r.tokens); err != nil {
				return nil, fmt.Errorf("whatsapp: send: save choice tokens: %w", err)
			}
		}
		return r.out, nil
	}
	p, purpose, ok := a.template(m)
	if !ok {
		reason := "the customer last wrote more than 24 hours ago"
		if last.IsZero() {
			reason = "the customer never wrote"
		}
		if purpose != "" {
			reason += " and no template is named for " + purpose + " (channels.whatsapp.templates)"
		} else {
			reason += "; only an approved template may be sent, and this message has none"
		}
		return nil, fmt.Errorf("whatsapp: send: outside the 24-hour window: %s: %w", reason, concierge.ErrUndeliverable)
	}
	return []Payload{p}, nil
}

// chosenTemplate is the payload of the template m names, its parameters
// the body's variables in order.
func chosenTemplate(m *concierge.Outbound, t *concierge.TemplateMessage) Payload {
	lang := t.Language
	if lang == "" {
		lang = "en"
	}
	tm := &Template{Name: t.Name, Language: TemplateLanguage{Code: lang}}
	if len(t.Params) > 0 {
		ps := make([]TemplateParameter, len(t.Params))
		for i, v := range t.Params {
			ps[i] = TemplateParameter{Type: "text", Text: v}
		}
		tm.Components = []TemplateComponent{{Type: "body", Parameters: ps}}
	}
	return Payload{MessagingProduct: "whatsapp", RecipientType: "individual", To: string(m.Chat), Type: "template", Template: tm}
}

// template returns the template payload for m, and the purpose it looked
// for.
func (a *Adapter) template(m *concierge.Outbound) (Payload, string, bool) {
	o := m.Message.Order
	if o == nil || (m.Message.Kind != concierge.MessageOrder && m.Message.Kind != concierge.MessagePayment) {
		return Payload{}, "", false
	}
	purpose := "order_" + string(o.State)
	t, ok := a.cfg.Templates[purpose]
	if !ok || t.Name == "" {
		return Payload{}, purpose, false
	}
	lang := t.Language
	if lang == "" {
		lang = "en"
	}
	return Payload{MessagingProduct: "whatsapp", RecipientType: "individual", To: string(m.Chat), Type: "template",
		Template: &Template{Name: t.Name, Language: TemplateLanguage{Code: lang},
			Components: []TemplateComponent{{Type: "body", Parameters: []TemplateParameter{{Type: "text", Text: string(o.ID)}}}}}}, purpose, true
}
