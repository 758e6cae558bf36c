package server

import (
	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/livecatalog"
)

// catalogSink is bot's live catalog's sink: the chat's shop, which
// swaps the products in, and then the ACP feed pusher, told that bot's
// catalog changed so that the agents' feeds get it without waiting for
// their period.
func (m *Main) catalogSink(bot concierge.BotID, shop livecatalog.Sink) livecatalog.Sink {
	return feedSink{Sink: shop, changed: func() {
		if p := m.agents.feeds.Load(); p != nil {
			p.Changed(bot)
		}
	}}
}

type feedSink struct {
	livecatalog.Sink
	changed func()
}

func (s feedSink) SetProducts(products []concierge.Product) {
	s.Sink.SetProducts(products)
	s.changed()
}

// stockChanged is told by the store of a bot whose stock an order
// changed (placed, canceled, expired) on this replica: the feed's
// availability may have changed, so its pusher looks at once, as after
// a catalog change (it pushes only when what the agent holds differs).
func (m *Main) stockChanged(bot concierge.BotID) {
	if p := m.agents.feeds.Load(); p != nil {
		p.Changed(bot)
	}
}
