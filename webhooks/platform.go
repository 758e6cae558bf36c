package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/conciergehq/concierge"
)

// platformRoutes mounts the routes of every channel and provider of the
// registry that is a concierge.WebhookServer, each pattern once whatever
// the number of bots: a request is served by the route of its bot's entry
// of that name, and is 404 for a bot without one. These routes, whose
// segments are fixed, take precedence over receive's /webhooks/:bot/:name.
func (s *Server) platformRoutes(e *echo.Echo) {
	type mount struct {
		method, pattern string
	}
	seen := map[mount]bool{}
	add := func(kind string, name string, ws concierge.WebhookServer) {
		for _, rt := range ws.WebhookRoutes() {
			k := mount{rt.Method, rt.Pattern}
			if seen[k] {
				continue
			}
			seen[k] = true
			var mw []echo.MiddlewareFunc
			if rt.Method == http.MethodPost {
				max := rt.MaxBody
				if max <= 0 {
					max = s.cfg.MaxBody
				}
				mw = append(mw, middleware.BodyLimit(bodyLimit(max)))
			}
			e.Add(rt.Method, echoPattern(rt.Pattern), s.platform(kind, name, k.method, k.pattern), mw...)
		}
	}
	for _, id := range s.botIDs() {
		s.cfg.Channels.EachChannel(id, func(ch concierge.Channel, snd concierge.Sender) {
			if ws, ok := snd.(concierge.WebhookServer); ok {
				add("channel", string(ch), ws)
			}
		})
		s.cfg.Channels.EachProvider(id, func(p concierge.PaymentProvider) {
			if ws, ok := p.(concierge.WebhookServer); ok {
				add("provider", p.Name(), ws)
			}
		})
	}
}

// platform serves one mounted route with the route of the same method
// and pattern of the path's bot's entry.
func (s *Server) platform(kind, name, method, pattern string) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, err := s.bot(c)
		if err != nil {
			return err
		}
		var entry any
		if kind == "channel" {
			entry = s.cfg.Channels.Channel(b.Bot.ID, concierge.Channel(name))
		} else {
			entry = s.cfg.Channels.Provider(b.Bot.ID, name)
		}
		ws, _ := entry.(concierge.WebhookServer)
		if ws == nil {
			return concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no %s %q that takes webhooks", kind, name)
		}
		for _, rt := range ws.WebhookRoutes() {
			if rt.Method != method || rt.Pattern != pattern {
				continue
			}
			r := c.Request()
			for _, p := range c.ParamNames() {
				r.SetPathValue(p, c.Param(p))
			}
			return rt.Serve(c.Response(), r, &host{s: s, b: b, c: c})
		}
		return concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot's %s %q has no such route", kind, name)
	}
}

// echoPattern turns ServeMux wildcards ({bot}) into echo's (:bot).
func echoPattern(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = ":" + strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
		}
	}
	return strings.Join(segs, "/")
}

func (s *Server) botIDs() []concierge.BotID {
	ids := make([]concierge.BotID, 0, len(s.cfg.Bots))
	for id := range s.cfg.Bots {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Host is what a channel's or provider's routes get for bot, for a
// request that does not come through this server: Telegram's long
// polling hands each update to the path its webhook takes. It is nil for
// a bot the server does not serve.
func (s *Server) Host(bot concierge.BotID) concierge.WebhookHost {
	b := s.cfg.Bots[bot]
	if b == nil {
		return nil
	}
	return &host{s: s, b: b}
}

// locale is l when the bot speaks it, else the bot's default.
func (s *Server) locale(b *Bot, l concierge.Locale) concierge.Locale {
	for _, x := range b.Bot.Locales {
		if x == l {
			return l
		}
	}
	return b.Bot.DefaultLocale()
}

// host is the concierge.WebhookHost of one request.
type host struct {
	s *Server
	b *Bot
	c echo.Context // for ClientIP: echo's RealIP is the server's policy; nil outside a request
}

var _ concierge.WebhookHost = (*host)(nil)

func (h *host) Bot() *concierge.Bot { return h.b.Bot }

func (h *host) Peers(ch concierge.Channel) func(yield func(*concierge.Bot, concierge.Sender) bool) {
	return func(yield func(*concierge.Bot, concierge.Sender) bool) {
		for _, id := range h.s.botIDs() {
			if id == h.b.Bot.ID {
				continue
			}
			if snd := h.s.cfg.Channels.Channel(id, ch); snd != nil && !yield(h.s.cfg.Bots[id].Bot, snd) {
				return
			}
		}
	}
}

func (h *host) Provider(name string) concierge.PaymentProvider {
	return h.s.cfg.Channels.Provider(h.b.Bot.ID, name)
}

func (h *host) Ingest(ctx context.Context, evs []concierge.Event) ([]bool, error) {
	return h.s.cfg.Ingest.Ingest(ctx, evs)
}

func (h *host) ApplyStatus(ctx context.Context, ev concierge.Event) (string, error) {
	if h.s.cfg.Deliveries == nil {
		return "", nil
	}
	return h.s.cfg.Deliveries.ApplyStatus(ctx, ev)
}

func (h *host) Order(ctx context.Context, id concierge.OrderID) (*concierge.Order, error) {
	return h.s.cfg.Payments.Order(ctx, id)
}

func (h *host) ApplyPayment(ctx context.Context, p concierge.Payment) (string, error) {
	return h.s.cfg.Payments.ApplyPayment(ctx, h.b.Bot.ID, p)
}

func (h *host) PaymentFailed(ctx context.Context, f concierge.PaymentFailure) (string, error) {
	return h.s.applyFailure(ctx, h.b, f)
}

func (h *host) RecordRefunds(ctx context.Context, rs []concierge.Refund) (int, int, error) {
	if h.s.cfg.Orders == nil {
		return 0, len(rs), nil
	}
	return h.s.cfg.Orders.RecordRefunds(ctx, h.b.Bot.ID, rs)
}

func (h *host) SettleRefund(ctx context.Context, r concierge.RefundOutcome) (string, error) {
	if h.s.cfg.SettleRefund == nil {
		return "", concierge.Errorf(concierge.CodeNotFound, "webhooks", "refunds are not handled for this bot")
	}
	return h.s.cfg.SettleRefund(ctx, h.b.Bot.ID, r)
}

func (h *host) Text(loc concierge.Locale, id string, data map[string]any) string {
	return h.s.text(h.s.locale(h.b, loc), id, data)
}

func (h *host) ClientIP(r *http.Request) string {
	if h.c == nil {
		return ""
	}
	return h.c.RealIP()
}

func (h *host) Log() *slog.Logger { return h.s.cfg.Log }
func (h *host) Now() time.Time    { return h.s.cfg.Now() }

// statusError answers a concierge.WebhookStatus as echo's own errors are.
func statusError(err error) (*echo.HTTPError, bool) {
	var ws *concierge.WebhookStatus
	if errors.As(err, &ws) {
		return echo.NewHTTPError(ws.Status, ws.Message), true
	}
	return nil, false
}

// Deliveries applies delivery statuses (EventStatus) to the outbound
// messages they report on.
type Deliveries interface {
	// ApplyStatus records ev for the message whose platform id is ev.Ref
	// and returns "applied", "stale" (older than what is known, or a
	// repeat) or "unknown" (not a message of ours). An error means it was
	// not recorded and the notification must come again.
	ApplyStatus(ctx context.Context, ev concierge.Event) (string, error)
}
