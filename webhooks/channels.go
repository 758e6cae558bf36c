package webhooks

import (

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/checkout/sandbox"
	tgpay "github.com/conciergehq/concierge/checkout/telegram"
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

func (s *Server) sandboxOf(b *Bot) *sandbox.Provider {
	p, _ := s.cfg.Channels.Provider(b.Bot.ID, sandbox.ProviderName).(*sandbox.Provider)
	return p
}
