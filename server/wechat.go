package server

import (
	"context"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat"
	"github.com/conciergehq/concierge/adapters/wechat/redistoken"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/store"
)

// wechatParts is what the WeChat adapters share.
type wechatParts struct {
	// skew moves the WeChat adapters' clock ahead; tests use it to step
	// outside the 48-hour window.
	skew time.Duration
	// tokenCaches are the Redis connections of channels.wechat.token_cache
	// by URL, so that bots naming the same server share one pool.
	tokenCaches map[string]*redistoken.Tokens
	// tokenPrefix, when set, starts the Redis keys; tests use their own.
	tokenPrefix string
}

// wireWeChat builds bot's Official Account adapter and WeChat Pay
// provider from its file. WeChat Pay is the bot's provider when it has no
// other; otherwise it serves the bot's WeChat conversations only
// (Main.byChannel).
func (m *Main) wireWeChat(f *config.File, bot *concierge.Bot, providers map[concierge.BotID]concierge.PaymentProvider) error {
	w := f.Channels.WeChat
	if w != nil {
		a, err := m.wechatAdapter(bot.ID, w)
		if err != nil {
			return fmt.Errorf("bot %s: %w", bot.ID, err)
		}
		m.Registry.AddChannel(bot.ID, concierge.ChannelWeChat, a)
	}
	if wp := f.Payments.WeChatPay; wp != nil {
		if w == nil {
			return fmt.Errorf("bot %s: payments.wechatpay needs channels.wechat (its app_id is the payment's appid)", bot.ID)
		}
		pc := wechatpay.Config{AppID: w.AppID, MchID: wp.MchID, APIKey: wp.APIKey, APIBase: wp.APIBase, BaseURL: m.BaseURL, Client: m.WeChatPayClient,
			Payer: wechatpay.PayerOf(m.DB)}
		// The config checked the certificate; read again here, a file that
		// went missing since is still a clear startup error.
		switch {
		case wp.CertP12 != "":
			cert, err := wechatpay.LoadPKCS12(wp.CertP12, wp.CertP12Password)
			if err != nil {
				return fmt.Errorf("bot %s: payments.wechatpay.cert_p12: %w", bot.ID, err)
			}
			pc.Certificate = &cert
		case wp.CertFile != "":
			cert, err := wechatpay.LoadCertificate(wp.CertFile, wp.KeyFile)
			if err != nil {
				return fmt.Errorf("bot %s: payments.wechatpay.cert_file: %w", bot.ID, err)
			}
			pc.Certificate = &cert
		}
		p, err := wechatpay.New(pc)
		if err != nil {
			return fmt.Errorf("bot %s: %w", bot.ID, err)
		}
		m.Registry.AddProvider(bot.ID, p)
		if providers[bot.ID] == nil {
			providers[bot.ID] = p
		} else {
			m.byChannel = append(m.byChannel, channelProvider{bot.ID, concierge.ChannelWeChat, p})
		}
	}
	return nil
}

func (m *Main) wechatAdapter(bot concierge.BotID, w *config.WeChat) (*wechat.Adapter, error) {
	cfg := wechat.Config{Bot: bot, AppID: w.AppID, AppSecret: w.AppSecret, Token: w.Token, EncodingAESKey: w.EncodingAESKey,
		AccountID: w.OriginalID, APIBase: w.APIBase, BaseURL: m.BaseURL, Log: m.Log,
		Now: func() time.Time { return time.Now().Add(m.wechat.skew) }}
	if m.DB != nil {
		cfg.Window, cfg.Tokens, cfg.AccessTokens = windowGlue{m.DB}, m.DB, m.DB
	}
	if w.TokenCache != "" {
		tc, err := m.wechatTokenCache(w.TokenCache)
		if err != nil {
			return nil, fmt.Errorf("channels.wechat.token_cache: %w", err)
		}
		cfg.AccessTokens = tc
	}
	return wechat.New(cfg)
}

// wechatTokenCache returns the Redis token cache at rawURL, opened on
// first use. Opening checks that Redis answers, so a wrong address or
// password stops the server at startup rather than at the first send.
func (m *Main) wechatTokenCache(rawURL string) (*redistoken.Tokens, error) {
	if tc := m.wechat.tokenCaches[rawURL]; tc != nil {
		return tc, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tc, err := redistoken.Open(ctx, rawURL, m.wechat.tokenPrefix)
	if err != nil {
		return nil, err
	}
	if m.wechat.tokenCaches == nil {
		m.wechat.tokenCaches = map[string]*redistoken.Tokens{}
	}
	m.wechat.tokenCaches[rawURL] = tc
	return tc, nil
}

// closeWeChat closes the Redis token caches.
func (m *Main) closeWeChat() {
	for u, tc := range m.wechat.tokenCaches {
		tc.Close()
		delete(m.wechat.tokenCaches, u)
	}
}

// WeChatAdapter returns bot's WeChat adapter, or nil.
func (m *Main) WeChatAdapter(bot concierge.BotID) *wechat.Adapter {
	a, _ := m.Registry.Channel(bot, concierge.ChannelWeChat).(*wechat.Adapter)
	return a
}

// PublishWeChatMenu publishes the custom menu of f's Official Account
// (channels.wechat.menu, or the default one) with the access token the
// servers share through db, or the Redis server of
// channels.wechat.token_cache, so that it does not invalidate theirs. It
// returns the number of top-level buttons.
func PublishWeChatMenu(ctx context.Context, db *store.DB, f *config.File) (int, error) {
	m := &Main{DB: db}
	defer m.closeWeChat()
	a, err := m.wechatAdapter(concierge.BotID(f.ID), f.Channels.WeChat)
	if err != nil {
		return 0, err
	}
	buttons, err := menuButtons(f)
	if err != nil {
		return 0, err
	}
	if err := a.PublishMenu(ctx, buttons); err != nil {
		return 0, err
	}
	return len(buttons), nil
}

// menuButtons is the bot file's menu, or the default one.
func menuButtons(f *config.File) ([]wechat.MenuButton, error) {
	var conv func(b config.WeChatMenuButton) wechat.MenuButton
	conv = func(b config.WeChatMenuButton) wechat.MenuButton {
		mb := wechat.MenuButton{Name: b.Name}
		switch {
		case len(b.SubButtons) > 0:
			for _, sb := range b.SubButtons {
				mb.SubButton = append(mb.SubButton, conv(sb))
			}
		case b.URL != "":
			mb.Type, mb.URL = "view", b.URL
		default:
			mb.Type, mb.Key = "click", b.Key
		}
		return mb
	}
	var out []wechat.MenuButton
	for _, b := range f.Channels.WeChat.Menu {
		out = append(out, conv(b))
	}
	if len(out) > 0 {
		return out, nil
	}
	texts, err := agent.LoadTexts()
	if err != nil {
		return nil, err
	}
	bot := f.Bot()
	browse := wechat.MenuButton{Name: "逛逛商品"}
	for _, c := range catalog.New(bot.Products, bot.Locales).Categories() {
		if len(browse.SubButton) == 5 {
			break
		}
		browse.SubButton = append(browse.SubButton, wechat.MenuButton{Type: "click", Name: texts.T("zh", "cat_"+c, nil), Key: agent.ValueBrowse + c})
	}
	if len(browse.SubButton) == 0 {
		browse = wechat.MenuButton{Type: "click", Name: "逛逛商品", Key: "browse"}
	}
	return []wechat.MenuButton{browse,
		{Type: "click", Name: "我的订单", Key: agent.ValueOrders},
		{Type: "click", Name: "人工客服", Key: agent.ValueHuman}}, nil
}

// WeChatPayProvider returns bot's WeChat Pay provider, or nil.
func (m *Main) WeChatPayProvider(bot concierge.BotID) *wechatpay.Provider {
	p, _ := m.Registry.Provider(bot, wechatpay.ProviderName).(*wechatpay.Provider)
	return p
}
