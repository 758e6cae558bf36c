package ucp

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// errNotShippable is a simulated shipment of an order that is not paid.
var errNotShippable = errors.New("ucp: the order is not paid")

// simulateShipping serves the conformance suite's POST
// /testing/simulate-shipping/{order_id} (its webhook test ships an order
// this way and waits for the order event): with the bot's
// Simulation-Secret, a paid agent order becomes fulfilled, as the
// seller's fulfilment makes it, so the order events that follow any
// change of state (the webhook senders' next pass, woken here) carry the
// shipment. It exists only for bots in test mode with a simulation
// secret (Config.SimulationSecrets); elsewhere it is 404. Shipping a
// fulfilled order again answers the order unchanged.
func (h *Handler) simulateShipping(w http.ResponseWriter, r *http.Request) {
	bot, ok := h.bot(r)
	secret := h.cfg.SimulationSecrets[bot]
	if !ok || secret == "" {
		protocolError(w, http.StatusNotFound, "not_found", "not found")
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Simulation-Secret")), []byte(secret)) != 1 {
		protocolError(w, http.StatusForbidden, "forbidden", "invalid or missing Simulation-Secret")
		return
	}
	ctx := r.Context()
	id := concierge.OrderID(r.PathValue("id"))
	var sess *agentcommerce.Session
	var state concierge.OrderState
	var history map[concierge.OrderState]time.Time
	changed := false
	err := h.cfg.Service.InTx(ctx, func(tx agentcommerce.Tx) error {
		var err error
		if sess, state, err = h.cfg.Service.SessionOfOrder(ctx, tx, bot, id); err != nil {
			return err
		}
		switch state {
		case concierge.OrderFulfilled:
		case concierge.OrderPaid:
			o, err := tx.Order(ctx, id)
			if err != nil {
				return err
			}
			if err := tx.TransitionOrder(ctx, o, concierge.OrderFulfilled); err != nil {
				return err
			}
			state, changed = concierge.OrderFulfilled, true
		default:
			return errNotShippable
		}
		history, err = tx.AgentEventStates(ctx, sess.ID, 0)
		return err
	})
	if e := agentcommerce.AsError(err); e != nil && e.Reason == agentcommerce.ReasonNotFound {
		protocolError(w, http.StatusNotFound, "not_found", "Order not found.")
		return
	}
	if errors.Is(err, errNotShippable) {
		protocolError(w, http.StatusConflict, "invalid_state", "the order is "+string(state)+": only a paid order can be shipped")
		return
	}
	if err != nil {
		h.cfg.Log.Error("ucp: simulate shipping", "bot", bot, "err", err)
		protocolError(w, http.StatusInternalServerError, "internal_error", "internal error")
		return
	}
	if changed && h.cfg.Shipped != nil {
		h.cfg.Shipped()
	}
	writeJSON(w, http.StatusOK, h.order(sess, state, history, h.now()))
}
