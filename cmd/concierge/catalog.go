package main

import (
	"github.com/prometheus/client_golang/prometheus"
)

// reportCatalogSources logs what each bot's catalog sources gave and the
// bad rows they skipped, and exposes the count as a metric, so that a
// merchant whose feed went bad finds out without reading every log line.
func (m *Main) reportCatalogSources() {
	skipped := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "concierge_catalog_rows_skipped",
		Help: "Rows of a catalog source (a product feed) skipped at load because they were bad; concierge validate lists them.",
	}, []string{"bot", "source"})
	m.Prom.MustRegister(skipped)
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
