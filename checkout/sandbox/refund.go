package sandbox

import (
	"context"

	"github.com/conciergehq/concierge"
)

// SimulatedRefund is the status of a sandbox refund: the sandbox moves no
// money, so its refund is only recorded, marked as such.
const SimulatedRefund = "simulated"

// Refund records that r would have been refunded: the sandbox has no
// money to give back, and its refund's status says so.
func (p *Provider) Refund(ctx context.Context, r concierge.RefundRequest) (concierge.Refund, error) {
	return concierge.Refund{Order: r.Order.ID, Provider: ProviderName, ProviderRef: "simulated-" + r.Key,
		Amount: r.Amount, Reason: "simulated sandbox refund", Status: SimulatedRefund, At: p.now()}, nil
}
