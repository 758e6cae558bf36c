package server

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/internal/httpclient"
	"github.com/conciergehq/concierge/livecatalog"
	"github.com/conciergehq/concierge/offers"
)

// reportCatalogSources logs what each bot's catalog sources gave and the
// bad rows they skipped, and exposes the count as a metric, so that a
// merchant whose feed went bad finds out without reading every log line.
func (m *Main) reportCatalogSources() {
	skipped := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "concierge_catalog_rows_skipped",
		Help: "Rows of a catalog source (a product feed) skipped at load because they were bad; concierge validate lists them.",
	}, []string{"bot", "source"})
	m.Prom.MustRegister(skipped, newCatalogCollector(m))
	for _, f := range m.Files {
		for _, r := range f.Feeds() {
			skipped.WithLabelValues(f.ID, r.Path).Set(float64(r.Skipped))
		}
	}
	if m.Log == nil {
		return
	}
	for _, f := range m.Files {
		for _, r := range f.Feeds() {
			if r.Skipped == 0 {
				m.Log.Info("catalog source loaded", "bot", f.ID, "source", r.Path, "products", r.Products)
				continue
			}
			first := ""
			if len(r.Problems) > 0 {
				first = r.Problems[0].String()
			}
			m.Log.Warn("catalog source: bad rows skipped", "bot", f.ID, "source", r.Path, "products", r.Products, "skipped", r.Skipped, "first", first)
		}
	}
}

// catalogParts are the bots' live catalogs (see package livecatalog).
type catalogParts struct {
	live []*livecatalog.Catalog
	api  *livecatalog.API
}

// wireCatalog builds bot f's live catalog over shop, loads it (fetching
// its url sources, applying the changes kept in the database and seeding
// the stock) and serves its API when the bot file sets catalog.api_token.
func (m *Main) wireCatalog(ctx context.Context, f *config.File, bot *concierge.Bot, shop *agent.Shop) error {
	var layers []livecatalog.Layer
	for _, l := range f.CatalogLayers() {
		layer := livecatalog.Layer{Name: l.Name, Items: l.Items}
		if s := l.Source; s != nil && s.URL != "" {
			layer.Remote = &livecatalog.Remote{URL: s.URL, Every: s.RefreshEvery(), Strict: s.Strict, Options: catalogfeed.Options{
				Format: catalogfeed.Format(s.Format), Locale: concierge.Locale(s.Locale), Currency: bot.Currency, Columns: s.Columns, InStock: s.InStock}}
		}
		layers = append(layers, layer)
	}
	if m.CatalogClient == nil {
		m.CatalogClient = httpclient.New(30 * time.Second)
	}
	lc := livecatalog.New(livecatalog.Config{
		Bot: bot.ID, Currency: bot.Currency, Locales: bot.Locales, Layers: layers,
		Sink: m.catalogSink(bot.ID, shop), Store: m.DB, Client: m.CatalogClient, Poll: m.CatalogPoll, Log: m.Log,
	})
	if err := lc.Load(ctx); err != nil {
		return err
	}
	m.catalog.live = append(m.catalog.live, lc)
	if m.catalog.api == nil {
		m.catalog.api = livecatalog.NewAPI(m.Log)
	}
	m.catalog.api.Add(lc, f.Catalog.APIToken)
	return nil
}

// wireSuppliers gives shop the clients of f's supplier sources.
func (m *Main) wireSuppliers(f *config.File, shop *agent.Shop) error {
	srcs := f.Suppliers()
	if len(srcs) == 0 {
		return nil
	}
	if m.SupplierClient == nil {
		m.SupplierClient = httpclient.New(offers.MaxTimeout)
	}
	var clients []*offers.Client
	for _, s := range srcs {
		c, err := offers.New(s, m.SupplierClient, m.Log)
		if err != nil {
			return fmt.Errorf("bot %s: %w", f.ID, err)
		}
		clients = append(clients, c)
	}
	sup, err := offers.NewSuppliers(clients...)
	if err != nil {
		return fmt.Errorf("bot %s: %w", f.ID, err)
	}
	shop.Offers = sup
	return nil
}

// runCatalogs refreshes the url sources and applies other replicas'
// changes until ctx ends.
func (m *Main) runCatalogs(ctx context.Context) {
	var wg sync.WaitGroup
	for _, lc := range m.catalog.live {
		wg.Go(func() { lc.Run(ctx) })
	}
	wg.Wait()
}

// catalogAPI returns the catalog API's handler, or nil when no bot has a
// token.
func (m *Main) catalogAPI() http.Handler {
	if m.catalog.api == nil || m.catalog.api.Len() == 0 {
		return nil
	}
	return m.catalog.api
}

// catalogDetails says, for /readyz, which url sources failed their last
// refresh: the server keeps serving their last good feed.
func (m *Main) catalogDetails() []string {
	var out []string
	for _, lc := range m.catalog.live {
		for _, s := range lc.Status() {
			if s.LastError == "" {
				continue
			}
			since := "never fetched: its products are missing"
			if !s.LastSuccess.IsZero() {
				since = "serving the feed of " + s.LastSuccess.UTC().Format(time.RFC3339)
			}
			out = append(out, fmt.Sprintf("catalog %s: %s: last refresh failed (%s), %d failures; %s", s.Bot, s.Source, s.LastError, s.Failures, since))
		}
	}
	return out
}

// catalogCollector exposes each url source's last good refresh and its
// failures.
type catalogCollector struct {
	m                     *Main
	lastSuccess, failures *prometheus.Desc
}

func newCatalogCollector(m *Main) catalogCollector {
	return catalogCollector{m: m,
		lastSuccess: prometheus.NewDesc("concierge_catalog_source_last_success_timestamp_seconds",
			"When a url catalog source was last fetched and read, or found unchanged (0: never).", []string{"bot", "source"}, nil),
		failures: prometheus.NewDesc("concierge_catalog_source_failures_total",
			"Failed refreshes of a url catalog source (HTTP error, timeout, unreadable or too large feed); the last good feed is kept.", []string{"bot", "source"}, nil),
	}
}

func (c catalogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastSuccess
	ch <- c.failures
}

func (c catalogCollector) Collect(ch chan<- prometheus.Metric) {
	for _, lc := range c.m.catalog.live {
		for _, s := range lc.Status() {
			var ts float64
			if !s.LastSuccess.IsZero() {
				ts = float64(s.LastSuccess.UnixMilli()) / 1000
			}
			ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, ts, string(s.Bot), s.Source)
			ch <- prometheus.MustNewConstMetric(c.failures, prometheus.CounterValue, float64(s.Failures), string(s.Bot), s.Source)
		}
	}
}

// LiveCatalog returns bot's live catalog, or nil.
func (m *Main) LiveCatalog(bot concierge.BotID) *livecatalog.Catalog {
	for _, lc := range m.catalog.live {
		if lc.Bot() == bot {
			return lc
		}
	}
	return nil
}
