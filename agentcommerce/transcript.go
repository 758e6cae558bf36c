package agentcommerce

import (
	"context"
	"fmt"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// Author is the transcript author of p's calls ("call:ucp").
func (p Protocol) Author() string { return concierge.CallAuthorPrefix + string(p) }

// record writes what an agent's call did to sess into its conversation's
// transcript, in the call's transaction, so that the inbox shows an agent
// order's history as it shows a chat's: what was asked, the status, the
// total. A refused call rolls back and leaves no line; reads leave none.
// The line goes through the outbox like any message of the conversation,
// where the agents' Sender marks it delivered.
func (s *Service) record(ctx context.Context, tx Tx, shop *Shop, sess *Session, did string) error {
	conv, err := tx.Conversation(ctx, sess.Conversation)
	if err != nil {
		return fmt.Errorf("agentcommerce: transcript: %w", err)
	}
	var items []string
	for _, l := range sess.Lines {
		items = append(items, fmt.Sprintf("%d × %s (%s)", l.Quantity, l.Title, l.SKU))
	}
	text := strings.ToUpper(string(sess.Protocol)) + " agent " + did + " — " + string(sess.Status)
	if len(items) > 0 {
		text += "; " + strings.Join(items, ", ")
	}
	if sess.ShippingID != "" {
		text += "; shipping " + sess.ShippingID
	}
	loc := sess.Locale
	if shop != nil && loc == "" {
		loc = shop.Bot.DefaultLocale()
	}
	text += "; total " + money.Format(sess.Total, loc)
	if sess.Order != "" {
		text += "; order " + string(sess.Order)
	}
	_, err = tx.Emit(ctx, conv, sess.Protocol.Author(), concierge.Message{Kind: concierge.MessageText, Text: text})
	if err != nil {
		return fmt.Errorf("agentcommerce: transcript: %w", err)
	}
	return nil
}
