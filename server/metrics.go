package server

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/buildinfo"
	"github.com/conciergehq/concierge/store"
)

// metrics are the pipeline's Prometheus metrics; webhooks registers its
// own HTTP ones.
type metrics struct {
	sent       *prometheus.CounterVec
	sendFailed *prometheus.CounterVec
	turns      *prometheus.CounterVec
	// refundsUnrecorded counts refunds a provider made that could not be
	// recorded (see handoff.Service.CountUnrecordedRefunds): money moved
	// and the database does not say so. Alert on any increase.
	refundsUnrecorded prometheus.Counter
}

func newMetrics(reg *prometheus.Registry, db *store.DB, build buildinfo.Info) *metrics {
	m := &metrics{
		sent:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_messages_sent_total", Help: "Outbound messages delivered, by channel."}, []string{"channel"}),
		sendFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_send_failures_total", Help: "Failed send attempts, by channel and outcome (retry, failed, undeliverable)."}, []string{"channel", "status"}),
		turns:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_turns_total", Help: "Inbound events handled by the agent, by result."}, []string{"result"}),
		refundsUnrecorded: prometheus.NewCounter(prometheus.CounterOpts{Name: "concierge_refunds_unrecorded_total",
			Help: "Refunds the payment provider made that could not be recorded; retry them from the inbox to record them."}),
	}
	count := func(f func(context.Context) (int, error)) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := f(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}
	}
	reg.MustRegister(m.sent, m.sendFailed, m.turns, m.refundsUnrecorded, buildInfoCollector(build),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concierge_inbox_pending", Help: "Inbound events stored and not yet handled (queue depth)."}, count(db.PendingInbound)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concierge_outbox_pending", Help: "Outbound messages not yet delivered."}, count(db.PendingOutbound)),
		&orderCollector{db: db, desc: prometheus.NewDesc("concierge_orders", "Orders by state.", []string{"state"}, nil)},
		&agentEventCollector{db: db, desc: prometheus.NewDesc("concierge_agent_events",
			"Order events owed to AI agents' platforms, by protocol and status: pending (waiting or being retried) or failed (given up on after the last attempt).",
			[]string{"protocol", "status"}, nil)},
	)
	return m
}

func (m *metrics) Sent(ch concierge.Channel) { m.sent.WithLabelValues(string(ch)).Inc() }
func (m *metrics) SendFailed(ch concierge.Channel, st concierge.DeliveryStatus) {
	m.sendFailed.WithLabelValues(string(ch), string(st)).Inc()
}

// orderCollector reads order counts from the store at scrape time.
type orderCollector struct {
	db   *store.DB
	desc *prometheus.Desc
}

func (c *orderCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *orderCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.db.OrderCounts(ctx)
	if err != nil {
		return
	}
	for _, s := range []concierge.OrderState{concierge.OrderPending, concierge.OrderPaid, concierge.OrderFulfilled, concierge.OrderCancelled, concierge.OrderExpired, concierge.OrderRefunded} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
}

// agentEventCollector reads the agents' order-event queue at scrape time:
// failed events are order updates a platform never received.
type agentEventCollector struct {
	db   *store.DB
	desc *prometheus.Desc
}

func (c *agentEventCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *agentEventCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.db.AgentEventCounts(ctx)
	if err != nil {
		return
	}
	for _, protocol := range slices.Sorted(maps.Keys(counts)) {
		for _, status := range []string{store.HookPending, store.HookFailed} {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[protocol][status]), protocol, status)
		}
	}
}

// buildInfoCollector is the concierge_build_info gauge, always 1, whose
// labels say which build is running (to tell replicas apart during a
// rolling upgrade).
func buildInfoCollector(b buildinfo.Info) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "concierge_build_info",
		Help:        "Always 1; the labels say which build of concierge runs (version, VCS revision, commit or build time, Go version).",
		ConstLabels: b.Labels(),
	})
	g.Set(1)
	return g
}
