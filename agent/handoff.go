package agent

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
)

// HandoffStore is an optional capability of the turn's concierge.Tx: a
// store that keeps the inbox's records implements it, and the tools then
// leave people a packet, a refund proposal and the customer's place in the
// queue. Without it a hand-off still happens; the inbox just has less to
// show. The store's Tx implements it.
type HandoffStore interface {
	// RecordPacket stores the packet written at a hand-off.
	RecordPacket(ctx context.Context, p concierge.HandoffPacket) error
	// RecordProposal stores a proposal for people to decide and sets its ID.
	RecordProposal(ctx context.Context, p *concierge.Proposal) error
	// QueuePosition returns conv's place among its bot's waiting
	// conversations (1 is next) and the expected wait, estimated from
	// recent claims; wait is zero when there is no history to go by.
	QueuePosition(ctx context.Context, conv *concierge.Conversation) (position int, wait time.Duration, err error)
}

// maxIntents is how many understood intents a conversation remembers for
// the hand-off packet.
const maxIntents = 5

// Understood records what the brain understood of this turn, for the
// hand-off packet people read.
func (t *Turn) Understood(intent string) {
	m := &t.Conv.Memory
	m.Intents = append(m.Intents, intent)
	if n := len(m.Intents); n > maxIntents {
		m.Intents = append([]string(nil), m.Intents[n-maxIntents:]...)
	}
}

// packet writes the hand-off packet: the structured summary of the rules
// side, from the conversation's memory and this turn.
func (tl *Tools) packet(reason concierge.HandoffReason) concierge.HandoffPacket {
	mem := &tl.conv.Memory
	p := concierge.HandoffPacket{
		Conversation: tl.conv.ID, Reason: reason, By: "bot", At: tl.tx.Now(),
		Intents: append([]string(nil), mem.Intents...), Shown: append([]concierge.SKU(nil), mem.Shown...),
		Focus: mem.Focus, LastOrder: mem.LastOrder, FailedTurns: mem.FailedTurns, Locale: tl.conv.Locale,
	}
	if mem.LastQuery != "" || mem.LastCategory != "" {
		p.LastSearch = mem.LastQuery
		if mem.LastCategory != "" {
			p.LastSearch = fmt.Sprintf("%s (category %s)", mem.LastQuery, mem.LastCategory)
		}
	}
	if tl.turn != nil && tl.turn.Event != nil {
		p.CustomerSaid = tl.turn.Event.Text
	}
	why := map[concierge.HandoffReason]string{
		concierge.HandoffAsked:   "The customer asked for a person",
		concierge.HandoffKeyword: "The customer used a hand-off word",
		concierge.HandoffFailed:  fmt.Sprintf("The bot did not understand %d messages in a row", mem.FailedTurns),
		concierge.HandoffRefund:  "The customer asked for a refund",
		concierge.HandoffDispute: "The customer disputes a charge or an order",
		concierge.HandoffPayment: "A payment did not match its order",
	}[reason]
	if why == "" {
		why = "Handed off (" + string(reason) + ")"
	}
	p.Summary = why + "."
	if p.LastSearch != "" {
		p.Summary += " Last search: " + p.LastSearch + "."
	}
	if p.Focus != "" {
		if pr := tl.shop.Bot.Product(p.Focus); pr != nil {
			p.Summary += " Looking at " + pr.Title("en", tl.shop.Bot.DefaultLocale()) + " (" + string(p.Focus) + ")."
		}
	}
	if p.LastOrder != "" {
		p.Summary += " Last order: " + string(p.LastOrder) + "."
	}
	if tl.turn != nil && strings.TrimSpace(tl.turn.HandoffNote) != "" {
		note := strings.TrimSpace(tl.turn.HandoffNote)
		if r := []rune(note); len(r) > 600 {
			note = string(r[:600]) + "…"
		}
		p.Summary = "Assistant's note: " + note + "\n" + p.Summary
	}
	return p
}

// refundProposal builds the proposal people decide on: approve inside the
// refund window for a paid order, refuse outside it, with the evidence.
func (tl *Tools) refundProposal(ctx context.Context, rp *RefundProposal) *concierge.Proposal {
	o, pol := rp.Order, tl.shop.Bot.Policies
	p := &concierge.Proposal{
		Conversation: tl.conv.ID, Bot: tl.conv.Bot, Kind: concierge.ProposalRefund,
		Order: o.ID, Amount: o.Total, At: tl.tx.Now(), Status: concierge.ProposalOpen,
		Evidence: concierge.Evidence{
			OrderState: o.State, PaidAt: o.PaidAt, WindowDays: pol.RefundWindowDays,
			WithinWindow: rp.Within, AutoApprove: pol.RefundAutoApproveBelow, CustomerSaid: rp.Reason,
		},
	}
	if os, err := tl.tx.Orders(ctx, tl.conv.ID); err == nil {
		for _, x := range os {
			if x.ID == o.ID && !x.PaidAt.IsZero() {
				p.Evidence.Payments = 1
			}
		}
	}
	days := int(tl.tx.Now().Sub(o.PaidAt).Hours() / 24)
	money := tl.shop.Text.Money("en", o.Total)
	switch {
	case rp.Within:
		p.Suggest = concierge.SuggestApprove
		p.Why = fmt.Sprintf("Order %s (%s) was paid %d days ago, inside the %d-day refund window; a refund of %s is above the auto-approve limit of %s, so a person decides.",
			o.ID, o.State, days, pol.RefundWindowDays, money, tl.shop.Text.Money("en", pol.RefundAutoApproveBelow))
	default:
		p.Suggest = concierge.SuggestRefuse
		p.Why = fmt.Sprintf("Order %s was paid %d days ago, outside the %d-day refund window.", o.ID, days, pol.RefundWindowDays)
	}
	// A brain's own reasoning replaces the sentence above when it is
	// usable; the amount, the window and the suggestion stay the code's.
	if tl.turn != nil {
		if why, ok := refundReason(tl.turn.RefundNote); ok {
			p.Why = why
		}
	}
	return p
}

// maxRefundReason is the longest reasoning, in characters, a brain may
// give a refund proposal; a longer one is not cut but replaced by the
// code's sentence, since its end may be what matters.
const maxRefundReason = 400

// refundReason returns note on one line, or false when it is empty or
// longer than maxRefundReason.
func refundReason(note string) (string, bool) {
	why := strings.Join(strings.Fields(note), " ")
	if why == "" || utf8.RuneCountInString(why) > maxRefundReason {
		return "", false
	}
	return why, true
}

// handoffRecords leaves people the packet and learns the customer's place
// in the queue, when the store can.
func (tl *Tools) handoffRecords(ctx context.Context, reason concierge.HandoffReason) error {
	hs, ok := tl.tx.(HandoffStore)
	if !ok {
		return nil
	}
	if err := hs.RecordPacket(ctx, tl.packet(reason)); err != nil {
		return err
	}
	pos, wait, err := hs.QueuePosition(ctx, tl.conv)
	if err != nil {
		return err
	}
	if tl.turn != nil {
		tl.turn.queuePos, tl.turn.queueWait = pos, wait
	}
	return nil
}

// recordProposal stores the refund proposal for people, when the store can.
func (tl *Tools) recordProposal(ctx context.Context, rp *RefundProposal) error {
	hs, ok := tl.tx.(HandoffStore)
	if !ok || rp == nil || rp.Order == nil {
		return nil
	}
	return hs.RecordProposal(ctx, tl.refundProposal(ctx, rp))
}

// queueText says where the customer is in the queue, or "" when unknown.
func (t *Turn) queueText() string {
	if t.queuePos <= 0 {
		return ""
	}
	mins := int((t.queueWait + time.Minute - 1) / time.Minute)
	if t.queueWait <= 0 {
		return t.T("handoff_queue", map[string]any{"Position": t.queuePos})
	}
	return t.T("handoff_queue_wait", map[string]any{"Position": t.queuePos, "Minutes": mins})
}
