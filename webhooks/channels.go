package webhooks

import (
	"context"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/checkout/sandbox"
	tgpay "github.com/conciergehq/concierge/checkout/telegram"
	"github.com/conciergehq/concierge/checkout/wechatpay"
)

// The platform routes whose protocol is more than verify-then-decode
// (receive.go) find their bot's adapter or provider in the registry,
// by channel or provider name; each returns nil when the bot has none.

// telegramRoute is what the Telegram routes need of one bot.
type telegramRoute struct {
	Adapter *telegram.Adapter
	Secret  string          // "" in polling mode: the webhook route is 404
	Pay     *tgpay.Provider // nil without Telegram payments
}

func (s *Server) telegramOf(b *Bot) *telegramRoute {
	a, _ := s.cfg.Channels.Channel(b.Bot.ID, concierge.ChannelTelegram).(*telegram.Adapter)
	if a == nil {
		return nil
	}
	pay, _ := s.cfg.Channels.Provider(b.Bot.ID, tgpay.ProviderName).(*tgpay.Provider)
	return &telegramRoute{Adapter: a, Secret: a.WebhookSecret(), Pay: pay}
}

// wechatPayRoute is what the WeChat Pay routes need of one bot.
type wechatPayRoute struct {
	Provider     *wechatpay.Provider
	Payer        func(ctx context.Context, o *concierge.Order) (string, error)
	SettleRefund func(ctx context.Context, r *wechatpay.RefundResult) (string, error)
}

func (s *Server) wechatPayOf(b *Bot) *wechatPayRoute {
	p, _ := s.cfg.Channels.Provider(b.Bot.ID, wechatpay.ProviderName).(*wechatpay.Provider)
	if p == nil {
		return nil
	}
	r := &wechatPayRoute{Provider: p, Payer: s.cfg.WeChatPayer}
	if settle := s.cfg.SettleRefund; settle != nil {
		r.SettleRefund = func(ctx context.Context, res *wechatpay.RefundResult) (string, error) {
			return settle(ctx, b.Bot.ID, res.Outcome())
		}
	}
	return r
}

func (s *Server) sandboxOf(b *Bot) *sandbox.Provider {
	p, _ := s.cfg.Channels.Provider(b.Bot.ID, sandbox.ProviderName).(*sandbox.Provider)
	return p
}
