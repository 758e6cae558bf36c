// Package wechat is the WeChat Official Account (公众号, a 服务号) channel.
//
// It owns the platform's side and nothing else. Open checks a request's
// signature (and in safe mode its msg_signature), decrypts safe-mode
// messages (AES-256-CBC with the app id check) and parses the XML with
// DTDs refused; Decode turns a message into an event (text, menu-message
// choices, voice with WeChat's recognition, image, location, link,
// subscribe, unsubscribe, menu clicks); the Adapter is the channel's
// concierge.Sender, which renders outbound messages as customer-service
// messages (text, news articles, msgmenu menus) and posts them with the
// account's access token, shared between replicas through AccessTokens.
// Routing, acknowledgement ("success" at once, WeChat's 5-second rule),
// de-duplication (on MsgId, or FromUserName+CreateTime for events) and
// storage belong to webhooks and the store. It imports the standard
// library and the root package only (see deps_test.go); cmd/concierge
// wires it and webhooks calls it.
//
// The protocol is written here against WeChat's documentation rather than
// through github.com/silenceper/wechat/v2: see docs/wechat.md for why.
//
// # The 48-hour window
//
// WeChat accepts customer-service messages only within 48 hours of the
// customer's last interaction. Send asks Window when that was and refuses
// outside the window with an error wrapping concierge.ErrUndeliverable, as
// it does when WeChat answers 45015 (or another "cannot reach" code), so
// the outbox records the message as undeliverable — never silently lost.
package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/httpclient"
)

// DefaultAPIBase is the WeChat API used when none is configured.
const DefaultAPIBase = "https://api.weixin.qq.com"

// ServiceWindow is how long after a customer's last interaction the
// account may send them customer-service messages.
const ServiceWindow = 48 * time.Hour

// DefaultMaxSkew is how far a request's timestamp may be from the clock.
// The URL signature covers no body in plaintext mode, so a captured
// signature must not stay usable for long.
const DefaultMaxSkew = 10 * time.Minute

// Window tells when a conversation's customer last wrote.
type Window interface {
	// LastInbound returns the time of the conversation's latest inbound
	// event, or the zero time. An error makes the send retry.
	LastInbound(ctx context.Context, conv concierge.ConversationID) (time.Time, error)
}

// Tokens keeps the button values behind menu-message item ids. The store
// implements it.
type Tokens interface {
	// SaveButtonTokens stores token → value pairs of bot.
	SaveButtonTokens(ctx context.Context, bot concierge.BotID, tokens map[string]string) error
	// ButtonValue returns a token's value, or an error wrapping
	// concierge.ErrNotFound.
	ButtonValue(ctx context.Context, bot concierge.BotID, token string) (string, error)
}

// Config configures an Adapter for one Official Account.
type Config struct {
	Bot            concierge.BotID
	AppID          string
	AppSecret      string // never logged
	Token          string // signs WeChat's requests; never logged
	EncodingAESKey string // 43 characters; "" is plaintext mode
	// AccountID is the account's original id (gh_…); when set, messages
	// addressed to another account are refused.
	AccountID string
	APIBase   string // "" means DefaultAPIBase
	// BaseURL is this server's public base; it makes image paths and
	// article links absolute.
	BaseURL      string
	Window       Window       // nil: the window is not checked
	Tokens       Tokens       // nil: menu items carry the values themselves
	AccessTokens AccessTokens // nil: the token is kept in this process only
	MaxSkew      time.Duration
	Client       *http.Client
	Now          func() time.Time
	Log          *slog.Logger
}

// Capabilities is what a channel declares it renders (see
// concierge.Capabilities).
type Capabilities = concierge.Capabilities

// Adapter is one Official Account's concierge.Sender.
type Adapter struct {
	cfg    Config
	key    cipherKey // nil in plaintext mode
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
	const op = "wechat: new"
	if cfg.AppID == "" || cfg.AppSecret == "" || cfg.Token == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "app_id, app_secret and token are required")
	}
	a := &Adapter{cfg: cfg, now: cfg.Now, log: cfg.Log}
	if cfg.EncodingAESKey != "" {
		k, err := parseAESKey(cfg.EncodingAESKey)
		if err != nil {
			return nil, concierge.Errorf(concierge.CodeInvalid, op, "%v", err)
		}
		a.key = k
	}
	base := cfg.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "api_base %q must be an absolute http(s) URL", cfg.APIBase)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.cfg.MaxSkew == 0 {
		a.cfg.MaxSkew = DefaultMaxSkew
	}
	hc := cfg.Client
	if hc == nil {
		hc = httpclient.New(10 * time.Second)
	}
	a.client = &client{base: strings.TrimRight(base, "/"), appID: cfg.AppID, appSecret: cfg.AppSecret, http: hc, now: a.now, shared: cfg.AccessTokens,
		secrets: []string{cfg.AppSecret, cfg.Token, cfg.EncodingAESKey}}
	return a, nil
}

// Capabilities reports what WeChat renders.
func (a *Adapter) Capabilities() Capabilities {
	return Capabilities{Menus: true, Articles: true, PaymentLinks: true, MaxMenuItems: MaxMenuItems, MaxTextBytes: MaxTextBytes}
}

// AppID is the account's AppID.
func (a *Adapter) AppID() string { return a.cfg.AppID }

// SafeMode reports whether an EncodingAESKey is configured.
func (a *Adapter) SafeMode() bool { return a.key != nil }

func unauthorized(format string, args ...any) error {
	return concierge.Errorf(concierge.CodeUnauthorized, "wechat", format, args...)
}

// checkURL checks the URL signature and the timestamp's freshness.
func (a *Adapter) checkURL(q url.Values) error {
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !checkSignature(q.Get("signature"), a.cfg.Token, ts, nonce) {
		return unauthorized("bad signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return unauthorized("bad timestamp")
	}
	if a.cfg.MaxSkew > 0 {
		if d := a.now().Sub(time.Unix(sec, 0)); d > a.cfg.MaxSkew || d < -a.cfg.MaxSkew {
			return unauthorized("timestamp too far from now")
		}
	}
	return nil
}

// VerifyURL answers WeChat's server check (GET with signature, timestamp,
// nonce and echostr): the echostr to send back verbatim, or a
// CodeUnauthorized error.
func (a *Adapter) VerifyURL(q url.Values) (string, error) {
	if err := a.checkURL(q); err != nil {
		return "", err
	}
	return q.Get("echostr"), nil
}

// Open authenticates and reads one message POST: the URL signature always;
// in safe or compatible mode (encrypt_type=aes, or an Encrypt element)
// the msg_signature over the ciphertext, the decryption and the app id
// inside; with an EncodingAESKey configured, a plaintext message is
// refused, since nothing signs its body. A forged, undecryptable or
// misaddressed message is a CodeUnauthorized or CodeInvalid error.
func (a *Adapter) Open(q url.Values, body []byte) (*Message, error) {
	if err := a.checkURL(q); err != nil {
		return nil, err
	}
	outer, err := ParseMessage(body)
	if err != nil {
		return nil, concierge.Errorf(concierge.CodeInvalid, "wechat", "%v", err)
	}
	m := outer
	if q.Get("encrypt_type") == "aes" || outer.Encrypt != "" {
		if a.key == nil {
			return nil, unauthorized("an encrypted message, but no encoding_aes_key is configured")
		}
		if outer.Encrypt == "" || !checkSignature(q.Get("msg_signature"), a.cfg.Token, q.Get("timestamp"), q.Get("nonce"), outer.Encrypt) {
			return nil, unauthorized("bad msg_signature")
		}
		plain, appID, err := a.key.decrypt(outer.Encrypt)
		if err != nil {
			return nil, unauthorized("cannot decrypt the message")
		}
		if appID != a.cfg.AppID {
			return nil, unauthorized("the message is for another app id")
		}
		if m, err = ParseMessage(plain); err != nil {
			return nil, concierge.Errorf(concierge.CodeInvalid, "wechat", "%v", err)
		}
	} else if a.key != nil {
		return nil, unauthorized("a plaintext message, but the account is in safe mode")
	}
	if a.cfg.AccountID != "" && m.ToUserName != a.cfg.AccountID {
		return nil, concierge.Errorf(concierge.CodeInvalid, "wechat", "the message is for another account")
	}
	return m, nil
}

// Resolve turns a menu-message choice's item id back into the button's
// value. An unknown token (an old menu, or a forged id) makes the event a
// plain text with the item's content; a menu CLICK key is left as it is.
func (a *Adapter) Resolve(ctx context.Context, ev *concierge.Event) error {
	if ev.Kind != concierge.EventButton || a.cfg.Tokens == nil ||
		!strings.HasPrefix(ev.Value, tokenPrefix) || len(ev.Value) != len(Tokenize("", "")) {
		return nil
	}
	v, err := a.cfg.Tokens.ButtonValue(ctx, a.cfg.Bot, ev.Value)
	if errors.Is(err, concierge.ErrNotFound) {
		ev.Kind, ev.Value = concierge.EventText, ""
		return nil
	}
	if err != nil {
		return fmt.Errorf("wechat: resolve menu choice: %w", err)
	}
	ev.Value = v
	return nil
}

// InWindow reports whether the business may send customer-service
// messages to conv's customer now (within ServiceWindow of their last
// interaction), and when that was (zero if never). Without a Window it
// is always open. Send checks the same.
func (a *Adapter) InWindow(ctx context.Context, conv concierge.ConversationID) (bool, time.Time, error) {
	if a.cfg.Window == nil {
		return true, time.Time{}, nil
	}
	last, err := a.cfg.Window.LastInbound(ctx, conv)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("wechat: window: %w", err)
	}
	return !last.IsZero() && a.now().Sub(last) < ServiceWindow, last, nil
}

// ReplyWindow tells the inbox whether a person may write to conv's
// customer now. Outside the 48 hours WeChat takes no customer-service
// message at all, and this adapter sends no template messages, so a
// closed window offers nothing to send: the person waits for the
// customer to write again.
func (a *Adapter) ReplyWindow(ctx context.Context, conv concierge.ConversationID) (concierge.ReplyWindow, error) {
	open, last, err := a.InWindow(ctx, conv)
	if err != nil {
		return concierge.ReplyWindow{}, err
	}
	w := concierge.ReplyWindow{Last: last}
	if !open {
		w.Closed = true
		w.Why = "The customer has never written on WeChat"
		if !last.IsZero() {
			w.Why = "The customer last wrote on WeChat more than 48 hours ago (" + last.UTC().Format("2006-01-02 15:04 UTC") + "); WeChat takes no message until they write again"
		}
	}
	return w, nil
}

// Send delivers m as customer-service messages: it checks the 48-hour
// window, renders m, stores its menu tokens and posts each part in order.
// An error wrapping concierge.ErrUndeliverable means the customer cannot
// be reached with it; other errors are retried by the outbox, which
// re-sends the parts already sent (at least once).
func (a *Adapter) Send(ctx context.Context, m *concierge.Outbound) error {
	if m == nil || m.Chat == "" {
		return concierge.Errorf(concierge.CodeInvalid, "wechat: send", "outbound message has no chat")
	}
	open, last, err := a.InWindow(ctx, m.Conversation)
	if err != nil {
		return fmt.Errorf("wechat: send: %w", err)
	}
	if !open {
		reason := "the customer last wrote more than 48 hours ago"
		if last.IsZero() {
			reason = "the customer never wrote"
		}
		return fmt.Errorf("wechat: send: outside the 48-hour customer-service window: %s: %w", reason, concierge.ErrUndeliverable)
	}
	r := Render(m, a.cfg.BaseURL)
	if len(r.Tokens) > 0 {
		if a.cfg.Tokens == nil {
			// Without a token store the item ids are the values.
			for i := range r.Payloads {
				if mm := r.Payloads[i].MsgMenu; mm != nil {
					for j := range mm.List {
						mm.List[j].ID = r.Tokens[mm.List[j].ID]
					}
				}
			}
		} else if err := a.cfg.Tokens.SaveButtonTokens(ctx, m.Bot, r.Tokens); err != nil {
			return fmt.Errorf("wechat: save menu tokens: %w", err)
		}
	}
	for i := range r.Payloads {
		if err := a.client.post(ctx, "/cgi-bin/message/custom/send", &r.Payloads[i]); err != nil {
			return fmt.Errorf("wechat: send: %w", err)
		}
	}
	return nil
}

// MenuButton is one button of the account's custom menu (at most three at
// the top, five under each).
type MenuButton struct {
	Type      string       `json:"type,omitempty"` // click or view; empty for a button with sub-buttons
	Name      string       `json:"name"`
	Key       string       `json:"key,omitempty"`
	URL       string       `json:"url,omitempty"`
	SubButton []MenuButton `json:"sub_button,omitempty"`
}

// PublishMenu replaces the account's custom menu (POST
// /cgi-bin/menu/create).
func (a *Adapter) PublishMenu(ctx context.Context, buttons []MenuButton) error {
	if len(buttons) == 0 || len(buttons) > 3 {
		return concierge.Errorf(concierge.CodeInvalid, "wechat: menu", "a menu has one to three buttons, got %d", len(buttons))
	}
	for _, b := range buttons {
		if len(b.SubButton) > 5 {
			return concierge.Errorf(concierge.CodeInvalid, "wechat: menu", "%q has %d sub-buttons; at most 5", b.Name, len(b.SubButton))
		}
	}
	if err := a.client.post(ctx, "/cgi-bin/menu/create", map[string]any{"button": buttons}); err != nil {
		return fmt.Errorf("wechat: publish menu: %w", err)
	}
	return nil
}
