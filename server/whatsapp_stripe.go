package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/whatsapp"
	"github.com/conciergehq/concierge/agentcommerce/stripepay"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/stripe"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/store"
)

// whatsappStripeParts is what the WhatsApp adapters share.
type whatsappStripeParts struct {
	// skew moves the WhatsApp adapters' clock ahead; tests use it to
	// step outside the 24-hour window.
	skew atomic.Int64
}

// channelProvider is a payment provider that serves one channel of a bot.
type channelProvider struct {
	bot concierge.BotID
	ch  concierge.Channel
	p   concierge.PaymentProvider
}

// wireWhatsAppStripe builds bot's WhatsApp adapter and Stripe provider
// from its file. Stripe, when configured, is the bot's payment provider
// (web, WhatsApp, and Telegram unless Telegram payments are configured
// too, in which case Telegram chats keep Telegram's invoices).
func (m *Main) wireWhatsAppStripe(f *config.File, bot *concierge.Bot, providers map[concierge.BotID]concierge.PaymentProvider) error {
	if w := f.Channels.WhatsApp; w != nil {
		templates := map[string]whatsapp.TemplateRef{}
		for purpose, t := range w.Templates {
			templates[purpose] = whatsapp.TemplateRef{Name: t.Name, Language: t.Language, Text: t.Text}
		}
		var inboxTemplates []concierge.ReplyTemplate
		for _, t := range w.InboxTemplates {
			inboxTemplates = append(inboxTemplates, concierge.ReplyTemplate{Name: t.Name, Language: t.Language, Preview: t.Text, Params: len(t.Params), Labels: t.Params})
		}
		a, err := whatsapp.New(whatsapp.Config{
			PhoneNumberID: w.PhoneNumberID, AccessToken: w.AccessToken, AppSecret: w.AppSecret, VerifyToken: w.VerifyToken,
			GraphAPIURL: w.GraphAPIURL, Templates: templates, InboxTemplates: inboxTemplates, BaseURL: m.BaseURL,
			Window: windowGlue{m.DB}, Receipts: m.DB, Tokens: m.DB, Log: m.Log,
			Now: func() time.Time { return time.Now().Add(time.Duration(m.waStripe.skew.Load())) },
		})
		if err != nil {
			return fmt.Errorf("bot %s: %w", bot.ID, err)
		}
		m.Registry.AddChannel(bot.ID, concierge.ChannelWhatsApp, a)
	}
	if s := f.Payments.Stripe; s != nil {
		ret := s.ReturnURL
		if ret == "" {
			ret = m.BaseURL + "/chat/" + string(bot.ID)
		}
		p, err := stripe.New(stripe.Config{SecretKey: s.SecretKey, WebhookSecret: s.WebhookSecret, APIBase: s.APIBase,
			ReturnURL: func(concierge.BotID, *concierge.Order) string { return ret }})
		if err != nil {
			return fmt.Errorf("bot %s: %w", bot.ID, err)
		}
		if prev := providers[bot.ID]; prev != nil && m.TelegramAdapter(bot.ID) != nil {
			m.byChannel = append(m.byChannel, channelProvider{bot.ID, concierge.ChannelTelegram, prev})
		}
		providers[bot.ID] = p
		m.Registry.AddProvider(bot.ID, p)
		// Outside agents pay with Stripe PaymentMethods on the same
		// account.
		ap, err := stripepay.New(stripepay.Config{SecretKey: s.SecretKey, APIBase: s.APIBase})
		if err != nil {
			return fmt.Errorf("bot %s: stripe for agents: %w", bot.ID, err)
		}
		m.Registry.AddAgentPayer(bot.ID, stripepay.Handler, ap)
	}
	return nil
}

// SkewWhatsAppClock moves the WhatsApp adapters' clock d ahead, while the
// server runs; tests use it to step outside the 24-hour window.
func (m *Main) SkewWhatsAppClock(d time.Duration) { m.waStripe.skew.Store(int64(d)) }

// WhatsAppAdapter returns bot's WhatsApp adapter, or nil.
func (m *Main) WhatsAppAdapter(bot concierge.BotID) *whatsapp.Adapter {
	a, _ := m.Registry.Channel(bot, concierge.ChannelWhatsApp).(*whatsapp.Adapter)
	return a
}

// StripeProvider returns bot's Stripe provider, or nil.
func (m *Main) StripeProvider(bot concierge.BotID) *stripe.Provider {
	p, _ := m.Registry.Provider(bot, stripe.ProviderName).(*stripe.Provider)
	return p
}

// windowGlue tells the WhatsApp adapter when a customer last wrote.
type windowGlue struct{ db *store.DB }

func (g windowGlue) LastInbound(ctx context.Context, conv concierge.ConversationID) (time.Time, error) {
	return g.db.LastInbound(ctx, conv)
}

// deliveriesGlue applies WhatsApp delivery statuses in the store.
type deliveriesGlue struct{ db *store.DB }

func (g deliveriesGlue) ApplyStatus(ctx context.Context, ev concierge.Event) (string, error) {
	r, err := g.db.ApplyStatus(ctx, ev)
	return string(r), err
}

// providerOrdersGlue applies payment providers' expiries and refunds
// (Stripe's) in store transactions.
type providerOrdersGlue struct {
	db *store.DB
	co *checkout.Service
}

func (g providerOrdersGlue) ProviderExpired(ctx context.Context, bot concierge.BotID, id concierge.OrderID) (bool, error) {
	var ended bool
	err := g.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		ended, err = g.co.ProviderExpired(ctx, tx, bot, id)
		return err
	})
	return ended, err
}

func (g providerOrdersGlue) RecordRefunds(ctx context.Context, bot concierge.BotID, rs []concierge.Refund) (int, int, error) {
	return g.db.RecordRefunds(ctx, bot, rs)
}
