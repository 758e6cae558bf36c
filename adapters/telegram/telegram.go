// Package telegram is the Telegram channel: a bot made with @BotFather,
// reached through the Bot API with go-telegram-bot-api v5.5.1, with native
// invoices (a payment provider's token, or Telegram Stars).
//
// Decode turns an update (a webhook POST body, or one element of
// getUpdates) into an Update: at most one concierge.Event, keyed by
// update_id, and what else the update asks for (a button press to
// acknowledge, a pre-checkout query to answer, a payment to apply).
// Adapter is the channel's concierge.Sender: Encode renders each message
// kind as Bot API calls, and Client makes them within Telegram's rates.
// Poller is the long-polling mode for servers Telegram cannot reach.
//
// The package imports the standard library, the root package, the client
// library and golang.org/x/time/rate; server wires it and webhooks
// calls it (see deps_test.go). Routing, the secret-token check, status
// codes, de-duplication, storage and payments belong to webhooks and
// checkout, not here.
//
// # Button values
//
// callback_data holds at most 64 bytes and can be forged by a modified
// client, so buttons never carry their value: each carries a token (see
// Tokenize) stored with its value through Tokens before the message is
// sent, and Resolve looks the value up when the button is pressed. A token
// that is not found (a button from another database, or made by something
// else) is an expired choice: the customer is told so in the callback's
// answer and nothing is stored.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge"
)

// Tokens keeps the values behind button tokens. The store implements it.
type Tokens interface {
	// SaveButtonTokens stores token → value pairs of bot; a pair stored
	// before is left as it is. It is called before a message with
	// buttons is sent.
	SaveButtonTokens(ctx context.Context, bot concierge.BotID, tokens map[string]string) error
	// ButtonValue returns the value of a token, or an error wrapping
	// concierge.ErrNotFound.
	ButtonValue(ctx context.Context, bot concierge.BotID, token string) (string, error)
}

// Config configures an Adapter.
type Config struct {
	Bot         concierge.BotID
	Token       string // the bot token from @BotFather
	APIEndpoint string // the Bot API server; DefaultAPIEndpoint when empty
	// ProviderToken is payments.telegram.provider_token, sent with
	// invoices in a real currency; invoices in Stars go without it. It is
	// kept here rather than in the stored message so that it never
	// reaches the database.
	ProviderToken string
	// WebhookSecret is channels.telegram.secret_token, which Telegram
	// sends with every webhook; "" in polling mode, where the webhook
	// route answers 404.
	WebhookSecret string
	Tokens        Tokens
	HTTPClient    *http.Client // nil: a client with a 60 s timeout
	Limits        Limits
	Log           *slog.Logger
}

// Capabilities is what a channel declares it renders (see
// concierge.Capabilities).
type Capabilities = concierge.Capabilities

// Adapter is the Telegram channel of one bot.
type Adapter struct {
	cfg    Config
	client *Client
	log    *slog.Logger

	// saved remembers tokens stored by this process, so that a button
	// shown a thousand times is written once.
	mu    sync.Mutex
	saved map[string]bool
}

var (
	_ concierge.Sender       = (*Adapter)(nil)
	_ concierge.Describer    = (*Adapter)(nil)
	_ concierge.MediaFetcher = (*Adapter)(nil)
)

// New returns an Adapter. It makes no request.
func New(cfg Config) *Adapter {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := NewClient(cfg.Token, cfg.APIEndpoint, cfg.HTTPClient, cfg.Limits)
	c.secrets = append(c.secrets, cfg.ProviderToken)
	return &Adapter{cfg: cfg, client: c, log: log, saved: map[string]bool{}}
}

// Bot is the bot the adapter speaks for.
func (a *Adapter) Bot() concierge.BotID { return a.cfg.Bot }

// WebhookSecret is the secret_token webhooks must carry; "" in polling
// mode.
func (a *Adapter) WebhookSecret() string { return a.cfg.WebhookSecret }

// Client returns the adapter's Bot API client.
func (a *Adapter) Client() *Client { return a.client }

// Capabilities reports what Telegram renders.
func (a *Adapter) Capabilities() Capabilities {
	return Capabilities{Buttons: true, Pages: true, Edits: true, Cards: true, Comparison: true, NativePayments: true,
		MaxButtons: maxKeyboardButtons, MaxTextRunes: MaxTextLen, MaxCallbackData: MaxCallbackData}
}

// Send renders m and makes its calls in order. Its button tokens are
// stored first. An error wraps concierge.ErrUndeliverable when the
// customer blocked the bot, and is a *RetryError when Telegram asked to
// wait longer than ctx allows. A message of several calls (a long text
// split in parts) that fails half way is sent again whole on retry. A
// message that Replaces another (a page of a list) is an edit of that
// message when Telegram allows it, and a new message otherwise.
func (a *Adapter) Send(ctx context.Context, m *concierge.Outbound) error {
	chat, err := chatNumber(m.Chat)
	if err != nil {
		return concierge.Errorf(concierge.CodeInvalid, "telegram: send", "%v", err)
	}
	if ref := m.Message.Replaces; ref != "" {
		done, err := a.edit(ctx, chat, ref, &m.Message)
		if done || err != nil {
			return err
		}
	}
	calls, tokens := Encode(a.cfg.Bot, chat, a.cfg.ProviderToken, &m.Message)
	if err := a.saveTokens(ctx, tokens); err != nil {
		return err
	}
	for _, c := range calls {
		if _, err := a.client.Request(ctx, chat, c); err != nil {
			return fmt.Errorf("telegram: send %s: %w", m.Message.Kind, err)
		}
	}
	return nil
}

// edit replaces the message ref of chat with m (a next page replacing
// the list whose button was pressed) with editMessageText. done is false,
// with no error, when m must be sent as a new message instead: ref is not
// a message id, m is not one text message, or Telegram will not edit that
// message (older than 48 hours, deleted, a photo). An edit to exactly
// what the message already shows ("message is not modified": the same
// page pressed twice, or a retry after an edit whose answer was lost) is
// done: the customer sees the right page.
func (a *Adapter) edit(ctx context.Context, chat int64, ref string, m *concierge.Message) (done bool, err error) {
	id, err := strconv.Atoi(ref)
	if err != nil || id <= 0 {
		return false, nil
	}
	edit, tokens, ok := EncodeEdit(a.cfg.Bot, chat, id, m)
	if !ok {
		return false, nil
	}
	if err := a.saveTokens(ctx, tokens); err != nil {
		return false, err
	}
	_, err = a.client.Request(ctx, chat, edit)
	switch {
	case err == nil, badRequest(err, "message is not modified"):
		return true, nil
	case badRequest(err, "message can't be edited", "message to edit not found", "there is no text in the message to edit"):
		a.log.InfoContext(ctx, "telegram: cannot edit, sending a new message", "chat", chat, "message_id", id, "error", err)
		return false, nil
	}
	return false, fmt.Errorf("telegram: edit message %d: %w", id, err)
}

func (a *Adapter) saveTokens(ctx context.Context, tokens map[string]string) error {
	if len(tokens) == 0 {
		return nil
	}
	a.mu.Lock()
	fresh := map[string]string{}
	for t, v := range tokens {
		if !a.saved[t] {
			fresh[t] = v
		}
	}
	a.mu.Unlock()
	if len(fresh) == 0 {
		return nil
	}
	if a.cfg.Tokens == nil {
		return errors.New("telegram: no token store to keep button values")
	}
	if err := a.cfg.Tokens.SaveButtonTokens(ctx, a.cfg.Bot, fresh); err != nil {
		return fmt.Errorf("telegram: save button tokens: %w", err)
	}
	a.mu.Lock()
	if len(a.saved) > 100000 {
		a.saved = map[string]bool{}
	}
	for t := range fresh {
		a.saved[t] = true
	}
	a.mu.Unlock()
	return nil
}

// Resolve replaces the token of a button press with the button's value.
// It returns false, changing nothing, when the token is unknown: the
// choice expired, and the update must not be stored.
func (a *Adapter) Resolve(ctx context.Context, u *Update) (bool, error) {
	if u.Callback == nil || u.Event == nil || u.Event.Kind != concierge.EventButton {
		return true, nil
	}
	data := u.Callback.Data
	if !strings.HasPrefix(data, tokenPrefix) || len(data) != len(Tokenize("", "")) || a.cfg.Tokens == nil {
		return false, nil
	}
	v, err := a.cfg.Tokens.ButtonValue(ctx, a.cfg.Bot, data)
	if errors.Is(err, concierge.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("telegram: resolve button: %w", err)
	}
	u.Event.Value = v
	if u.Event.Text == "" {
		u.Event.Text = v
	}
	return true, nil
}

// CallbackAnswer is the answerCallbackQuery of a button press: text is
// shown as a small notice ("" shows nothing; the button stops spinning
// either way).
func CallbackAnswer(queryID, text string) tgbotapi.CallbackConfig {
	return tgbotapi.NewCallback(queryID, truncate(text, 200))
}

// Answer makes the call a webhook could also return in its response body.
func (a *Adapter) Answer(ctx context.Context, c tgbotapi.Chattable) error {
	_, err := a.client.Request(ctx, 0, c)
	return err
}

// AnswerPreCheckout answers a pre-checkout query: ok, or a refusal whose
// reason the customer reads in Telegram's payment form. Telegram waits 10
// seconds for it.
//
// v5.5.1's PreCheckoutConfig drops ok when it is false (AddBool), so a
// refusal would reach Telegram without its required ok field; the call
// goes through the generic MakeRequest with ok always written.
func (a *Adapter) AnswerPreCheckout(ctx context.Context, queryID string, ok bool, reason string) error {
	p := tgbotapi.Params{"pre_checkout_query_id": queryID, "ok": strconv.FormatBool(ok)}
	if !ok {
		p["error_message"] = truncate(reason, 200)
	}
	_, err := a.client.Call(ctx, "answerPreCheckoutQuery", p)
	if badRequest(err, "query is too old", "query id is invalid") {
		return fmt.Errorf("telegram: answer pre-checkout %s: %w: %w", queryID, ErrQueryExpired, err)
	}
	return err
}

// ErrQueryExpired is Telegram refusing to answer a query: its time ran
// out (10 seconds for a pre-checkout query) or it was answered already.
// No retry can answer it, so the update that carried it is done.
var ErrQueryExpired = errors.New("query expired or already answered")

// defaultTimeout bounds one call made outside the outbox.
const defaultTimeout = 10 * time.Second
