package server

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/time/rate"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	tgpay "github.com/conciergehq/concierge/checkout/telegram"
	"github.com/conciergehq/concierge/config"
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
		h := m.Server.Host(a.Bot())
		p.Handle = func(ctx context.Context, body []byte) (telegram.Answer, error) {
			return a.Update(ctx, h, body)
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.Run(ctx) }()
	}
	return func() { cancel(); wg.Wait() }
}
