package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/config"
)

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
	fmt.Fprintf(stdout, "with the secret_token of the bot file in the %s header; a request without it gets 401.\n", telegram.HeaderTelegramSecret)
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
