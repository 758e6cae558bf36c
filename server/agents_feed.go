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
