package server

import (
	"net/http"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/livecatalog"
)

// acpFeedPushes are the ACP feeds bot pushes to agents' Feed APIs, one
// per language its bot file gives (agents.acp.feed or agents.acp.feeds):
// each is pushed in its own locale to its own feed, which the pusher
// creates when the bot file gives no feed_id.
func acpFeedPushes(bot concierge.BotID, a *config.AgentACP) []acp.FeedPush {
	var pushes []acp.FeedPush
	for _, fd := range a.PushedFeeds() {
		pushes = append(pushes, acp.FeedPush{Bot: bot, Locale: concierge.Locale(fd.Locale), FeedID: fd.FeedID,
			TargetCountry: fd.TargetCountry, Every: fd.Period(),
			API: &acp.FeedAPI{BaseURL: fd.URL, Token: fd.Token, Client: &http.Client{Timeout: time.Minute}}})
	}
	return pushes
}

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
