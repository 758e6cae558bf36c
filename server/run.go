// Package server assembles Concierge. Main loads the bot files, opens the
// database, builds every package from them (each bot's channels and
// payment providers into the registry, the agent, checkout, the inbox,
// the outbox and the background jobs), adapts the store to each package's
// own interfaces, and serves HTTP until it is stopped. It holds no domain
// logic: what it decides on belongs to the package that owns the noun.
//
// cmd/concierge parses the command line and runs Main; the end-to-end
// tests there build one on a temporary database. Nothing else imports
// this package.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/cli"
	"github.com/conciergehq/concierge/adapters/outbox"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/adapters/web"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/langid"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/handoff/mediafetch"
	"github.com/conciergehq/concierge/internal/buildinfo"
	"github.com/conciergehq/concierge/speech"
	"github.com/conciergehq/concierge/store"
	"github.com/conciergehq/concierge/webhooks"
)

// Main is the whole server, wired. Tests build one with a temporary
// database and drive it through its HTTP handler.
type Main struct {
	ConfigPath string
	DBURL      string
	Addr       string
	BaseURL    string
	Log        *slog.Logger
	Getenv     func(string) string
	Stdout     io.Writer
	Stderr     io.Writer
	// Traces is the tracer provider that the roots of the pipeline's
	// traces (webhook, turn, send) start their spans from; serve builds
	// it from the OTEL_* variables (see tracing.go). Nil: no traces.
	Traces trace.TracerProvider
	// IndexDir is where each bot's search index is saved once built
	// and loaded from at the next start when its products and this
	// executable are the same (see catalogindex.go); "" builds it at
	// every start and saves nothing. serve and chat default it to beside
	// a SQLite database (DefaultIndexDir).
	IndexDir string
	indexes  indexParts
	// Build is the build that runs, on /metrics as concierge_build_info
	// (zero: what the Go toolchain recorded).
	Build buildinfo.Info

	DB         *store.DB
	Bots       []*concierge.Bot
	Files      []*config.File
	Agent      *agent.Agent
	Checkout   *checkout.Service
	Ingester   *store.Ingester
	Runner     *agent.Runner
	Dispatcher *outbox.Dispatcher
	Server     *webhooks.Server
	Hub        *web.Hub
	Web        *web.Adapter
	CLI        *cli.Adapter
	Prom       *prometheus.Registry
	// Registry holds every bot's channels and payment providers; the
	// outbox, the media fetcher, the inbox and checkout find what they
	// need in it through capability interfaces.
	Registry *concierge.Registry
	Metrics  *metrics

	// Listener, if set before Start, is used instead of listening on Addr
	// (tests listen on port 0 first so the base URL is known).
	Listener net.Listener

	// MaxHold is how long the lease of one piece of work in progress
	// is renewed at most (zero: store.MaxHold); serve's --max-hold,
	// checked by store.CheckMaxHold.
	MaxHold time.Duration
	// WorkPoll is how often the turn runners and the outbox look for
	// work when not woken (zero: 250 ms); tests lengthen it to show that
	// a NOTIFY wakes them (see replicas.go).
	WorkPoll time.Duration
	replicas replicaParts

	// SweepEvery is how often the sweep looks for orders whose
	// reservation ran out (zero: 5s); tests of expiry shorten it.
	SweepEvery time.Duration

	// Telegram: outbound rates (zero: Telegram's documented
	// ones) and the long poll of polling mode (zero: 50 s); tests and
	// the benchmark change them.
	TelegramLimits      telegram.Limits
	TelegramPollTimeout time.Duration
	telegram            telegramParts
	waStripe            whatsappStripeParts // see whatsapp_stripe.go
	// byChannel are the payment providers that serve one channel of a
	// bot only: Telegram's invoices next to Stripe, WeChat Pay next to
	// another provider.
	byChannel []channelProvider
	wechat    wechatParts // see wechat.go
	// WeChatPayClient, when set, is the WeChat Pay providers' HTTP
	// client; tests use it to trust a TLS fake's certificate.
	WeChatPayClient *http.Client

	// Inbox is the human inbox at /inbox (see inbox.go);
	// InboxPoll is how often its live stream looks for changes (zero: 1s
	// on SQLite; on PostgreSQL, which announces changes, a 15 s safety
	// poll, see inbox_live.go).
	Inbox     *handoff.Inbox
	InboxPoll time.Duration

	// Planned runs the turns of LLM bots (see llm.go).
	Planned *agent.PlannedRunner
	llm     llmParts
	// LLMLimits shrinks the LLM brain's bounds (zero: the defaults);
	// tests use it.
	LLMLimits LLMLimits

	// HandoffHooks tunes the hand-off webhooks' sender (see
	// handoff_hooks.go); its Endpoints come from the bot files.
	HandoffHooks handoffHooksConfig
	handoffHooks handoffHookParts
	// AgentWebhooks tunes the senders of agents' order events (see
	// agents.go): its MaxAttempts, BaseDelay, MaxDelay, Poll, Lease and
	// Timeout (zero: the defaults); tests use it.
	AgentWebhooks agentcommerce.WebhookConfig

	// Media tunes the download of customers' files (see media.go).
	Media mediafetch.Config
	media *mediafetch.Fetcher
	// hearers transcribe the voice notes of the bots with a speech
	// section (see media.go).
	hearers map[concierge.BotID]*speech.Transcriber

	agents agentParts  // outside AI agents, see agents.go
	seller sellerParts // the seller's assistant, see seller.go

	// CatalogClient fetches url catalog sources (nil: a client with a
	// 30 s timeout); CatalogPoll is how often a replica looks for catalog
	// changes made on another (zero: 250 ms). See catalog.go.
	CatalogClient *http.Client
	// SupplierClient asks suppliers' availability APIs (nil: a client of
	// the server's own; each request has its source's timeout).
	SupplierClient *http.Client
	CatalogPoll    time.Duration
	catalog        catalogParts

	// langs are the language detectors, one per set of locales: building
	// one loads statistical models, which bots with the same locales share.
	langs map[string]*langid.Detector
}

// languageDetector returns the detector for a bot's locales, built once.
func (m *Main) languageDetector(locales []concierge.Locale) *langid.Detector {
	key := fmt.Sprint(locales)
	if d, ok := m.langs[key]; ok {
		return d
	}
	if m.langs == nil {
		m.langs = map[string]*langid.Detector{}
	}
	// The models are loaded once the server listens (loadLanguages), or
	// by the first message that needs them.
	d := langid.NewLazy(locales)
	m.langs[key] = d
	return d
}

// loadLanguages loads the language detectors' models on goroutines of
// their own, which end when they are loaded. Start calls it once the
// server listens: loaded during start-up, the models took 0.5-1 s of it
// (half a second of CPU per language) from a bot file of any size.
func (m *Main) loadLanguages() {
	for _, d := range m.langs {
		go d.Load()
	}
}

// languageDetails is the line of a ready /readyz while language models are
// still loading: the server answers meanwhile, and a message that needs
// the models waits for them (see langid.NewLazy).
func (m *Main) languageDetails() []string {
	var loading []string
	for key, d := range m.langs {
		select {
		case <-d.Loaded():
		default:
			loading = append(loading, key)
		}
	}
	if len(loading) == 0 {
		return nil
	}
	slices.Sort(loading)
	return []string{"language models loading for " + strings.Join(loading, ", ") + ": the first messages that need them wait"}
}

// Open loads the bot files, opens and migrates the database, and builds
// every part. A bot file that fails validation stops it with the file's
// line:col errors. Files set before Open are used instead of loading
// ConfigPath (`concierge test` changes them first, see test.go).
func (m *Main) Open(ctx context.Context) error {
	if m.Getenv == nil {
		m.Getenv = func(string) string { return "" }
	}
	if m.IndexDir != "" {
		go m.identifyBuild() // beside the reading of the bot files; catalogIndex waits for it
	}
	files := m.Files
	if files == nil {
		if m.ConfigPath == "" {
			return errors.New("--config is required")
		}
		var err error
		if files, err = config.Load(m.ConfigPath, m.Getenv); err != nil {
			return fmt.Errorf("bot files are not valid:\n%w", err)
		}
	}
	m.Files = files
	var err error
	if m.BaseURL == "" {
		m.BaseURL = baseURL(m.Addr)
	}
	if m.DB, err = store.Open(ctx, m.DBURL); err != nil {
		return err
	}
	// Each bot's search index is loaded (or built) beside the migration
	// and the wiring of its channels; the loop below waits for it. Open
	// returns only once every load has ended, also on an error, so that
	// none writes to IndexDir or the log after it.
	bots := make([]*concierge.Bot, len(files))
	indexes := make([]chan *catalog.Index, len(files))
	var loading sync.WaitGroup
	defer loading.Wait()
	for i, f := range files {
		bots[i] = f.Bot()
		indexes[i] = make(chan *catalog.Index, 1)
		loading.Go(func() { indexes[i] <- m.catalogIndex(bots[i]) })
	}
	if err := m.DB.Migrate(ctx); err != nil {
		return err
	}
	if err := m.DB.TakeOver(ctx); err != nil { // SQLite: one server, see store/takeover.go
		return err
	}
	texts, err := agent.LoadTexts()
	if err != nil {
		return err
	}
	m.Prom = prometheus.NewRegistry()
	m.Prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if m.Build == (buildinfo.Info{}) {
		m.Build = buildinfo.Read(buildinfo.Info{})
	}
	m.Metrics = newMetrics(m.Prom, m.DB, m.Build)
	m.reportCatalogSources() // bad feed rows skipped, see catalog.go

	providers := map[concierge.BotID]concierge.PaymentProvider{}
	hooks := map[concierge.BotID]*webhooks.Bot{}
	m.Registry = &concierge.Registry{}
	m.Hub = web.NewHub()
	m.Web = web.New(m.Hub)
	m.CLI = cli.New(m.Stdout)
	var shops []*agent.Shop
	for i, f := range files {
		bot := bots[i]
		m.Bots = append(m.Bots, bot)
		hb := &webhooks.Bot{Bot: bot, Web: f.Channels.Web != nil && f.Channels.Web.Enabled}
		if hb.Web {
			m.Registry.AddChannel(bot.ID, concierge.ChannelWeb, m.Web)
		}
		m.Registry.AddChannel(bot.ID, concierge.ChannelCLI, m.CLI)
		if sb := f.Payments.Sandbox; sb != nil && sb.Enabled {
			secret := sb.Secret
			if secret == "" {
				// Generated once and kept in the database, so payment
				// links survive restarts and work on every replica.
				secret, err = m.DB.Setting(ctx, "sandbox_secret:"+string(bot.ID), func() (string, error) {
					var b [32]byte
					_, err := rand.Read(b[:])
					return hex.EncodeToString(b[:]), err
				})
				if err != nil {
					return err
				}
			}
			p, err := sandbox.New(sandbox.Config{Secret: []byte(secret), BaseURL: m.BaseURL})
			if err != nil {
				return fmt.Errorf("bot %s: sandbox: %w", bot.ID, err)
			}
			providers[bot.ID] = p
			m.Registry.AddProvider(bot.ID, p)
			// Outside agents pay with the sandbox's test tokens.
			m.Registry.AddAgentPayer(bot.ID, agentcommerce.SandboxHandler, agentcommerce.Sandbox{})
		}
		// Telegram channel and payments, see telegram.go.
		if err := m.wireTelegram(f, bot, providers); err != nil {
			return err
		}
		// WhatsApp channel and Stripe payments, see whatsapp_stripe.go.
		if err := m.wireWhatsAppStripe(f, bot, providers); err != nil {
			return err
		}
		// WeChat Official Account and WeChat Pay, see wechat.go.
		if err := m.wireWeChat(f, bot, providers); err != nil {
			return err
		}
		hooks[bot.ID] = hb
		// Voice notes' transcriber, see media.go.
		if err := m.wireSpeech(f, bot); err != nil {
			return err
		}
		// The rules brain, or the LLM brain (see llm.go).
		brain, err := m.brainFor(f, bot)
		if err != nil {
			return err
		}
		// The search index, loaded from its snapshot when one matches
		// (see catalogindex.go), started above.
		shop, err := agent.NewShopIndexed(bot, brain, texts, <-indexes[i])
		if err != nil {
			return err
		}
		shop.Lang = m.languageDetector(bot.Locales)
		shops = append(shops, shop)
		// The live catalog: url sources, the API's changes, the stock
		// (see catalog.go).
		if err := m.wireCatalog(ctx, f, bot, shop); err != nil {
			return err
		}
		// Suppliers asked at each search (catalog sources of format
		// http, see catalog.go).
		if err := m.wireSuppliers(f, shop); err != nil {
			return err
		}
	}
	m.Checkout = checkout.New(providers, nil)
	m.Checkout.UseRefunds(m.Registry, m.DB)
	for _, cp := range m.byChannel {
		m.Checkout.UseFor(cp.bot, cp.ch, cp.p)
	}
	m.Agent = agent.New(shops, m.Checkout, m.Log)
	m.Checkout.SetAnnouncer(m.Agent)

	m.Dispatcher = outbox.New(m.DB, m.Registry.Channel, outbox.Config{Poll: m.WorkPoll, Traces: m.Traces}, m.Log, m.Metrics)
	m.Runner = agent.NewRunner(m.Agent, m.DB, m.Log, func(done, failed int) {
		m.Metrics.turns.WithLabelValues("done").Add(float64(done))
		m.Metrics.turns.WithLabelValues("failed").Add(float64(failed))
		m.Dispatcher.Wake()
	})
	// LLM bots' turns are planned outside transactions by their own
	// runner; the batch runner leaves them alone.
	m.Runner.Skip = m.llm.bots
	m.Runner.Traces = m.Traces
	m.Planned = agent.NewPlannedRunner(m.Agent, planGlue{m.DB}, m.llm.bots, m.Log, m.Runner.Handled)
	m.Planned.Traces = m.Traces
	m.Ingester = store.NewIngester(m.DB, 256, func() { m.Runner.Wake(); m.Planned.Wake() })
	m.Ingester.WakeOnMedia(m.wakeMedia) // not on every message: a claim query each time costs
	if err := m.wireInbox(); err != nil {
		return err
	}
	m.Inbox.Service().CountUnrecordedRefunds(m.Metrics.refundsUnrecorded)
	m.wireSeller()       // the seller's assistant, see seller.go
	m.wireHandoffHooks() // see handoff_hooks.go
	m.wireMedia()        // customers' files, see media.go
	m.wireReplicas()     // heartbeats and NOTIFY wake-ups, see replicas.go
	m.Server = webhooks.New(webhooks.Config{
		Bots:     hooks,
		Channels: m.Registry,
		SettleRefund: func(ctx context.Context, bot concierge.BotID, r concierge.RefundOutcome) (string, error) {
			return m.Checkout.SettleRefund(ctx, checkoutStore{m.DB}, m.Log, bot, r)
		},
		Ingest:       ingestGlue{m.Ingester},
		Transcripts:  transcriptGlue{m.DB},
		Payments:     paymentsGlue{m.DB, m.Checkout},
		Web:          m.Web,
		Hub:          m.Hub,
		Ready:        m.DB.Ready,
		ReadyDetails: func() []string { return append(m.catalogDetails(), m.languageDetails()...) },
		Catalog:      m.catalogAPI(),
		Log:          m.Log,
		Registry:     m.Prom,
		Inbox:        m.Inbox,
		Traces:       m.Traces,
		Texts:        texts.T,

		// WhatsApp statuses and Stripe's expiries and refunds.
		Deliveries: deliveriesGlue{m.DB},
		Orders:     providerOrdersGlue{m.DB, m.Checkout},
		Failures:   failuresGlue{m.DB, m.Checkout},
	})
	// Outside AI agents: UCP, ACP and MCP, see agents.go.
	return m.wireAgents(ctx)
}

func baseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Start runs the background loops and the HTTP server; it returns once the
// server listens. Stop (via ctx) with Wait.
func (m *Main) Start(ctx context.Context) (wait func() error, err error) {
	if err := m.registerReplica(ctx); err != nil { // see replicas.go
		return nil, err
	}
	ln := m.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", m.Addr); err != nil {
			return nil, err
		}
		m.Listener = ln
	}
	srv := m.newHTTPServer() // see shutdown.go

	// Loops stop in order on shutdown: HTTP first (no new acks, no
	// handler left running), then ingestion, then turns, then the
	// outbox, each finishing its work.
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Serve(ln) }()
	ingestCtx, stopIngest := context.WithCancel(context.WithoutCancel(ctx))
	runCtx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
	sendCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	var ingestWG, runWG, sendWG, beatWG sync.WaitGroup
	// The heartbeat outlives the workers: this replica holds leases
	// until they stop (see replicas.go).
	beatCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	beatWG.Add(1)
	go func() { defer beatWG.Done(); m.runHeartbeat(beatCtx) }()
	ingestWG.Add(1)
	go func() { defer ingestWG.Done(); m.Ingester.Run(ingestCtx) }()
	// SQLite has one writer, so one runner; on PostgreSQL several take
	// different conversations at once (row locks with SKIP LOCKED).
	runners := 1
	if m.DB.Dialect() == store.Postgres {
		runners = 4
	}
	runWG.Add(runners + 5)
	go func() { defer runWG.Done(); m.runCatalogs(runCtx) }() // see catalog.go
	go func() { defer runWG.Done(); m.listenWork(runCtx) }()  // see replicas.go
	for range runners {
		go func() { defer runWG.Done(); m.Runner.Run(runCtx) }()
	}
	go func() { defer runWG.Done(); m.Planned.Run(runCtx) }()
	go func() { defer runWG.Done(); m.sweep(runCtx) }()
	go func() { defer runWG.Done(); m.listenInbox(runCtx) }() // see inbox_live.go
	sendWG.Add(2)
	go func() { defer sendWG.Done(); m.Dispatcher.Run(sendCtx) }()
	// Hand-off webhooks, see handoff_hooks.go.
	go func() { defer sendWG.Done(); m.runHandoffHooks(sendCtx) }()
	// Order events to agents' webhooks, see agents.go.
	sendWG.Add(1)
	go func() { defer sendWG.Done(); m.runAgentWebhooks(sendCtx) }()
	// Customers' files, see media.go.
	sendWG.Add(1)
	go func() { defer sendWG.Done(); m.runMedia(sendCtx) }()
	// Sellers' confirmed changes and pushes, see seller.go.
	sendWG.Add(1)
	go func() { defer sendWG.Done(); m.runSeller(sendCtx) }()
	stopPolling := m.startPolling(context.WithoutCancel(ctx)) // Telegram bots in polling mode
	m.loadLanguages()
	m.Log.Info("concierge listening", "addr", ln.Addr().String(), "bots", len(m.Bots), "db", m.DB.Dialect())

	return func() error {
		var err error
		select {
		case <-ctx.Done():
		case err = <-httpDone:
		}
		srv.shutdown(m.Log) // streams end at once, other requests get a grace period
		stopPolling()
		stopIngest()
		ingestWG.Wait()
		stopRunner()
		runWG.Wait()
		stopSender()
		sendWG.Wait()
		stopBeat()
		beatWG.Wait()
		if err := m.DB.Close(); err != nil {
			m.Log.Error("close database", "err", err)
		}
		m.closeWeChat() // Redis token caches, when a bot file names one
		m.Log.Info("concierge stopped")
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		return err
	}, nil
}

// Run serves until ctx ends.
func (m *Main) Run(ctx context.Context) error {
	wait, err := m.Start(ctx)
	if err != nil {
		return err
	}
	for _, b := range m.Bots {
		for _, f := range m.Files {
			if f.ID == string(b.ID) && f.Channels.Web != nil && f.Channels.Web.Enabled {
				fmt.Fprintf(m.Stdout, "%s: open %s/chat/%s\n", b.Name, m.BaseURL, b.ID)
			}
		}
	}
	return wait()
}

// SandboxProvider returns bot's sandbox provider, or nil.
func (m *Main) SandboxProvider(bot concierge.BotID) *sandbox.Provider {
	p, _ := m.Registry.Provider(bot, sandbox.ProviderName).(*sandbox.Provider)
	return p
}

// Addr is the address the server listens on once started.
func (m *Main) ListenAddr() string { return m.Listener.Addr().String() }

// ingestGlue adapts the store's group committer to webhooks.Ingester.
type ingestGlue struct{ in *store.Ingester }

func (g ingestGlue) Ingest(ctx context.Context, evs []concierge.Event) ([]bool, error) {
	res, err := g.in.Ingest(ctx, evs)
	if err != nil {
		return nil, err
	}
	dup := make([]bool, len(res))
	for i, r := range res {
		dup[i] = r.Duplicate
	}
	return dup, nil
}

// transcriptGlue turns the store's transcript into the widget's entries.
type transcriptGlue struct{ db *store.DB }

func (g transcriptGlue) WebTranscript(ctx context.Context, bot concierge.BotID, chat concierge.ChatID, after int64, limit int) ([]web.Entry, error) {
	es, err := g.db.Transcript(ctx, bot, concierge.ChannelWeb, chat, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]web.Entry, 0, len(es))
	for _, e := range es {
		switch {
		case e.Event != nil:
			if e.Event.Kind != concierge.EventText && e.Event.Kind != concierge.EventButton {
				continue
			}
			out = append(out, web.EventEntry(e.Seq, e.Event))
		case e.Message != nil:
			from := web.FromBot
			if strings.HasPrefix(e.Author, "agent") {
				from = web.FromAgent
			}
			out = append(out, web.Entry{Seq: e.Seq, From: from, Message: *e.Message, At: e.At})
		}
	}
	return out, nil
}

// paymentsGlue applies payments in a store transaction.
type paymentsGlue struct {
	db *store.DB
	co *checkout.Service
}

func (g paymentsGlue) ApplyPayment(ctx context.Context, bot concierge.BotID, p concierge.Payment) (string, error) {
	var res checkout.Applied
	err := g.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = g.co.Paid(ctx, tx, bot, p)
		return err
	})
	return string(res), err
}

func (g paymentsGlue) Order(ctx context.Context, id concierge.OrderID) (*concierge.Order, error) {
	return g.db.GetOrder(ctx, id)
}
