// Package webhooks owns Concierge's HTTP ingress (echo v4): routing, body
// limits, signature checks through the adapters and providers, status
// codes, fast acknowledgement and de-duplication, plus the operations
// surface (/healthz, /readyz, /metrics). A webhook is acknowledged only
// after its events are durably stored; the agent runs later, never inside a
// request.
//
// Adapters and providers translate; this package decides what HTTP answers.
// It finds channels and providers in the registry and names none: a
// concierge.Receiver or concierge.PaymentNotifier is served at
// /webhooks/{bot}/{name}, and a concierge.WebhookServer (Telegram,
// WhatsApp, WeChat, WeChat Pay, the sandbox's page) at the routes it
// declares (platform.go). It reaches storage and checkout through the
// interfaces in Config, which server supplies, and never calls a brain.
// Only server and cmd import it.
package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/web"
)

// Ingester stores inbound events durably and says which were seen before.
type Ingester interface {
	Ingest(ctx context.Context, evs []concierge.Event) (duplicates []bool, err error)
}

// Transcripts reads a conversation's entries for the web widget.
type Transcripts interface {
	WebTranscript(ctx context.Context, bot concierge.BotID, chat concierge.ChatID, after int64, limit int) ([]web.Entry, error)
}

// Payments applies verified payment notifications and reads orders.
type Payments interface {
	// ApplyPayment marks the order paid exactly once (see checkout.Service.Paid)
	// and returns what happened: "paid", "duplicate" or "problem".
	ApplyPayment(ctx context.Context, bot concierge.BotID, p concierge.Payment) (string, error)
	Order(ctx context.Context, id concierge.OrderID) (*concierge.Order, error)
}

// Bot is what the server needs to know of one bot beyond its registry
// entries, which it finds in Config.Channels.
type Bot struct {
	Bot *concierge.Bot
	Web bool // the web widget is enabled
}

// Config is everything the server needs.
type Config struct {
	Bots map[concierge.BotID]*Bot
	// Channels is the registry of the bots' channels and providers; one
	// that is a concierge.Receiver or PaymentNotifier takes webhooks at
	// /webhooks/{bot}/{name} (receive.go), one that is a
	// concierge.WebhookServer at its own routes (platform.go).
	Channels    *concierge.Registry
	Ingest      Ingester
	Transcripts Transcripts
	Payments    Payments
	Web         *web.Adapter
	Hub         *web.Hub
	Ready       func(ctx context.Context) error
	Log         *slog.Logger
	Registry    *prometheus.Registry
	Now         func() time.Time
	// Deliveries applies delivery statuses (WebhookHost.ApplyStatus); nil
	// records none.
	Deliveries Deliveries
	// Orders applies payment providers' expiries and refunds (see
	// notice.go).
	Orders ProviderOrders
	// SettleRefund applies how a refund of bot ended, exactly once
	// however often it is reported, and returns what it did (for the
	// log); an error asks the provider to report it again (as it does
	// when this is nil).
	SettleRefund func(ctx context.Context, bot concierge.BotID, r concierge.RefundOutcome) (string, error)
	// Failures applies failed payment attempts (see failures.go); nil
	// acknowledges them and changes nothing.
	Failures PaymentFailures
	// Texts returns message id of the locale catalogs in loc, with data
	// filled in: what HTTP answers show customers (Telegram's answer to
	// an expired button or a refused payment). Nil shows the ids.
	Texts func(loc concierge.Locale, id string, data map[string]any) string
	// MaxBody is the largest webhook body accepted (default 1 MiB).
	MaxBody int64
	// Inbox, if set, serves /inbox and below (package handoff): its own
	// sign-in, pages and errors.
	Inbox http.Handler
	// Catalog, if set, serves /api/catalog/ and below (package
	// livecatalog): its own bearer tokens and JSON errors.
	Catalog http.Handler
	// ReadyDetails, if set, adds lines to a ready /readyz: what works in
	// a degraded way (a catalog feed whose refresh failed).
	ReadyDetails func() []string
	// Traces records a "webhook" span for each ingress request (see
	// trace.go); nil records nothing.
	Traces trace.TracerProvider
}

// Server is the HTTP ingress.
type Server struct {
	cfg     Config
	echo    *echo.Echo
	metrics *httpMetrics
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{cfg: cfg, echo: e, metrics: newHTTPMetrics(cfg.Registry)}
	e.HTTPErrorHandler = s.errorHandler
	e.Use(middleware.Recover())
	e.Use(s.instrument)
	e.Use(s.trace)

	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{})))

	e.GET("/chat/static/*", echo.WrapHandler(http.StripPrefix("/chat/static/", http.FileServerFS(web.Static()))))
	e.GET("/chat/:bot", s.widgetPage)
	e.POST("/chat/:bot/api/messages", s.widgetPost, middleware.BodyLimit(bodyLimit(web.MaxBodyBytes)))
	e.GET("/chat/:bot/api/messages", s.widgetHistory)
	e.GET("/chat/:bot/api/events", s.widgetEvents)

	s.platformRoutes(e)
	// Any other channel that is a concierge.Receiver, and every payment
	// provider that is a concierge.PaymentNotifier (Stripe, the sandbox);
	// the routes above, whose last segment is fixed, take precedence.
	e.POST("/webhooks/:bot/:name", s.receive, middleware.BodyLimit(bodyLimit(cfg.MaxBody)))
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, s.firstChat()) })
	if cfg.Catalog != nil {
		// The handler bounds its bodies itself (and says so in JSON).
		e.Any("/api/catalog/*", echo.WrapHandler(cfg.Catalog))
	}
	if cfg.Inbox != nil {
		e.Any("/inbox", echo.WrapHandler(cfg.Inbox), middleware.BodyLimit(bodyLimit(inboxMaxBody)))
		e.Any("/inbox/*", echo.WrapHandler(cfg.Inbox), middleware.BodyLimit(bodyLimit(inboxMaxBody)))
	}
	return s
}

// text is message id in loc from the catalogs, or id without them.
func (s *Server) text(loc concierge.Locale, id string, data map[string]any) string {
	if s.cfg.Texts == nil {
		return id
	}
	return s.cfg.Texts(loc, id, data)
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

func (s *Server) firstChat() string {
	var first concierge.BotID
	for id, b := range s.cfg.Bots {
		if b.Web && (first == "" || id < first) {
			first = id
		}
	}
	return "/chat/" + string(first)
}

// inboxMaxBody bounds a request to the inbox: its largest form is a
// person's reply (handoff.MaxReply characters, at most 4 bytes each, URL
// encoded) with room to spare.
const inboxMaxBody = 64 << 10

// bodyLimit writes n bytes as echo's BodyLimit reads it. echo reads "1M"
// as 10^6 bytes and "64K" as 64 000, not as powers of two, so the limit is
// written in bytes.
func bodyLimit(n int64) string { return strconv.FormatInt(n, 10) + "B" }

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Ready(ctx); err != nil {
		return c.String(http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
	}
	msg := "ready\n"
	if s.cfg.ReadyDetails != nil {
		for _, d := range s.cfg.ReadyDetails() {
			msg += d + "\n"
		}
	}
	return c.String(http.StatusOK, msg)
}

// bot returns the route's bot or a 404 error.
func (s *Server) bot(c echo.Context) (*Bot, error) {
	b := s.cfg.Bots[concierge.BotID(c.Param("bot"))]
	if b == nil {
		return nil, concierge.Errorf(concierge.CodeNotFound, "webhooks", "unknown bot")
	}
	return b, nil
}

// errorHandler maps errors to HTTP in one place: domain codes to statuses,
// echo's own errors as they are, anything else to 500 without details.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	var ce *concierge.Error
	if se, ok := statusError(err); ok {
		err = se
	}
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(status)
		}
	case errors.As(err, &ce):
		status = statusOf(ce.Code)
		msg = concierge.ErrorMessage(err)
	}
	if status >= 500 {
		s.cfg.Log.Error("http", "method", c.Request().Method, "path", c.Path(), "err", err)
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	c.JSON(status, map[string]string{"error": msg})
}

func statusOf(code concierge.Code) int {
	switch code {
	case concierge.CodeInvalid:
		return http.StatusBadRequest
	case concierge.CodeNotFound:
		return http.StatusNotFound
	case concierge.CodeConflict:
		return http.StatusConflict
	case concierge.CodeUnauthorized:
		return http.StatusUnauthorized
	case concierge.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
