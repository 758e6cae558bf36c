package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"golang.org/x/time/rate"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	tgpay "github.com/conciergehq/concierge/checkout/telegram"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/webhooks"
)

// telegramParts are the Telegram pieces of the server: each bot's
// adapter, and the pollers of bots in polling mode.
type telegramParts struct {
	polling []*telegram.Adapter
}

// wireTelegram builds bot's Telegram adapter and payment provider from its
// file, when it has a Telegram channel.
func (m *Main) wireTelegram(f *config.File, bot *concierge.Bot, providers map[concierge.BotID]concierge.PaymentProvider) error {
	ch := f.Channels.Telegram
	if ch == nil {
		return nil
	}
	limits := m.TelegramLimits
	if ch.RatePerSecond > 0 {
		limits.Global, limits.GlobalBurst = rate.Limit(ch.RatePerSecond), max(ch.RatePerSecond, limits.GlobalBurst)
	}
	if ch.ChatRatePerSecond > 0 {
		limits.PerChat, limits.PerChatBurst = rate.Limit(ch.ChatRatePerSecond), max(5*ch.ChatRatePerSecond, limits.PerChatBurst)
	}
	cfg := telegram.Config{Bot: bot.ID, Token: ch.Token, APIEndpoint: ch.APIEndpoint, Tokens: m.DB, Limits: limits, Log: m.Log}
	polling := ch.Mode == "polling"
	if !polling {
		cfg.WebhookSecret = ch.SecretToken
	}
	pay := f.Payments.Telegram
	if pay != nil {
		cfg.ProviderToken = pay.ProviderToken
	}
	a := telegram.New(cfg)
	m.Registry.AddChannel(bot.ID, concierge.ChannelTelegram, a)
	if polling {
		m.telegram.polling = append(m.telegram.polling, a)
	}
	if pay != nil {
		p, err := tgpay.New(tgpay.Config{Bot: bot, ProviderToken: pay.ProviderToken, StarsForDigital: pay.StarsForDigital,
			StarsPerUnit: int64(pay.StarsPerUnit), Client: a.Client(), Token: ch.Token, APIEndpoint: ch.APIEndpoint})
		if err != nil {
			return fmt.Errorf("bot %s: %w", bot.ID, err)
		}
		providers[bot.ID] = p
		m.Registry.AddProvider(bot.ID, p)
	}
	return nil
}

// TelegramPay returns bot's Telegram payment provider, or nil.
func (m *Main) TelegramPay(bot concierge.BotID) *tgpay.Provider {
	p, _ := m.Registry.Provider(bot, tgpay.ProviderName).(*tgpay.Provider)
	return p
}

// TelegramAdapter returns bot's Telegram adapter, or nil.
func (m *Main) TelegramAdapter(bot concierge.BotID) *telegram.Adapter {
	a, _ := m.Registry.Channel(bot, concierge.ChannelTelegram).(*telegram.Adapter)
	return a
}

// startPolling runs the long-polling loops of bots in polling mode, through
// the same path as the webhook; stop ends them and waits.
func (m *Main) startPolling(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, a := range m.telegram.polling {
		p := &telegram.Poller{Adapter: a, Log: m.Log, Timeout: m.TelegramPollTimeout}
		bot := a.Bot()
		p.Handle = func(ctx context.Context, body []byte) (telegram.Answer, error) {
			return m.Server.TelegramUpdate(ctx, bot, body)
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.Run(ctx) }()
	}
	return func() { cancel(); wg.Wait() }
}

const telegramUsage = `Usage:
  concierge telegram set-webhook --config PATH --url https://HOST[/PATH] [--bot NAME] [--max-connections 40] [--drop-pending]
  concierge telegram delete-webhook --config PATH [--bot NAME]
  concierge telegram new-secret

set-webhook registers https://HOST/webhooks/{bot}/telegram (or the full URL
given) with the bot file's secret_token, the update kinds Concierge handles
and the number of connections Telegram may open. new-secret prints a fresh
random secret_token to put in the bot file (or its ${VAR}).
`

// telegramCommand runs "concierge telegram …".
func telegramCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, telegramUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("telegram "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "bot file or folder of bot files")
	botName := fs.String("bot", "", "bot (default: the only one with a Telegram channel)")
	rawURL := fs.String("url", "", "public https URL of this server, or the full webhook URL")
	maxConn := fs.Int("max-connections", 40, "connections Telegram may open at once (1-100)")
	drop := fs.Bool("drop-pending", false, "discard the updates Telegram holds")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	switch sub {
	case "new-secret":
		fmt.Fprintln(stdout, newTelegramSecret())
		return 0
	case "set-webhook", "delete-webhook":
		err = telegramWebhook(ctx, sub, *path, *botName, *rawURL, *maxConn, *drop, stdout, getenv)
	default:
		fmt.Fprintf(stderr, "concierge telegram: unknown command %q\n\n%s", sub, telegramUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "concierge telegram %s: %v\n", sub, err)
		return 1
	}
	return 0
}

// newTelegramSecret is 256 random bits in the alphabet secret_token allows.
func newTelegramSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func telegramWebhook(ctx context.Context, sub, path, botName, rawURL string, maxConn int, drop bool, stdout io.Writer, getenv func(string) string) error {
	f, err := pickBot(path, botName, getenv, "channels.telegram", func(f *config.File) bool { return f.Channels.Telegram != nil })
	if err != nil {
		return err
	}
	ch := f.Channels.Telegram
	c := telegram.NewClient(ch.Token, ch.APIEndpoint, nil, telegram.Limits{})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if sub == "delete-webhook" {
		if _, err := c.Call(ctx, "deleteWebhook", nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: webhook removed; use mode: polling, or set-webhook again\n", f.ID)
		return nil
	}
	if ch.Mode == "polling" {
		return fmt.Errorf("bot %s is in polling mode; set channels.telegram.mode: webhook first (a webhook stops getUpdates)", f.ID)
	}
	hook, err := webhookURL(rawURL, f.ID)
	if err != nil {
		return err
	}
	if maxConn < 1 || maxConn > 100 {
		return errors.New("--max-connections must be between 1 and 100")
	}
	if err := c.SetWebhook(ctx, telegram.WebhookConfig{URL: hook, SecretToken: ch.SecretToken, MaxConnections: maxConn, DropPending: drop}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: Telegram now sends updates (%s) to %s\n", f.ID, strings.Join(telegram.AllowedUpdates, ", "), hook)
	fmt.Fprintf(stdout, "with the secret_token of the bot file in the %s header; a request without it gets 401.\n", webhooks.HeaderTelegramSecret)
	if wi, err := c.GetWebhookInfo(ctx); err == nil {
		fmt.Fprintf(stdout, "pending updates: %d, max connections: %d", wi.PendingUpdateCount, wi.MaxConnections)
		if wi.LastErrorMessage != "" {
			fmt.Fprintf(stdout, ", last delivery error: %s", wi.LastErrorMessage)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// webhookURL is the full webhook URL: base with /webhooks/{bot}/telegram
// when base has no path. Telegram wants https on port 443, 80, 88 or 8443.
func webhookURL(base, bot string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("--url must be an https:// URL, got %q", base)
	}
	switch u.Port() {
	case "", "443", "80", "88", "8443":
	default:
		return "", fmt.Errorf("Telegram sends webhooks to ports 443, 80, 88 and 8443 only, not %s", u.Port())
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/webhooks/" + bot + "/telegram"
	}
	return u.String(), nil
}

// pickBot loads the bot files at path and returns the one bot that has
// what a channel command needs (named by --bot when several have it).
func pickBot(path, botName string, getenv func(string) string, what string, has func(*config.File) bool) (*config.File, error) {
	if path == "" {
		return nil, errors.New("--config is required")
	}
	files, err := config.Load(path, getenv)
	if err != nil {
		return nil, fmt.Errorf("bot files are not valid:\n%w", err)
	}
	var f *config.File
	for _, x := range files {
		if !has(x) || (botName != "" && x.ID != botName) {
			continue
		}
		if f != nil {
			return nil, fmt.Errorf("several bots have %s; choose one with --bot", what)
		}
		f = x
	}
	if f == nil {
		return nil, fmt.Errorf("no bot with %s in %s", what, path)
	}
	return f, nil
}
