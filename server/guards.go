package server

import (
	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/checkout"
	tgpay "github.com/conciergehq/concierge/checkout/telegram"
	"github.com/conciergehq/concierge/handoff/mediafetch"
	"github.com/conciergehq/concierge/seller"
	"github.com/conciergehq/concierge/store"
)

// The agent and checkout find some of the store's methods on a
// concierge.Tx by type assertion, so that a store without them still
// works (with less). These guards make a renamed store method fail to
// compile here rather than silently drop what the assertion guards
// (refund proposals, hand-offs, stock answers). The store cannot name
// the agent's interfaces itself: it may not import the agent.
var (
	_ concierge.Tx          = (*store.Tx)(nil)
	_ agent.HandoffStore    = (*store.Tx)(nil)
	_ agent.PaymentRecords  = (*store.Tx)(nil)
	_ agent.StockReader     = (*store.Tx)(nil)
	_ checkout.ExpiryTx     = (*store.Tx)(nil)
	_ checkout.RefundTx     = (*store.Tx)(nil)
	_ checkout.RefundReader = (*store.DB)(nil)
	_ mediafetch.Store      = (*store.DB)(nil)
	_ seller.LinkStore      = (*store.DB)(nil)
)

// Telegram payments call the Bot API through the channel's client.
var _ tgpay.Caller = (*telegram.Client)(nil)
