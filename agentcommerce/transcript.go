package agentcommerce

import (
	"context"
	"encoding/json"
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
// total. A refused call rolls back; Do then writes its line apart
// (recordRefusal). Reads leave none.
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

// maxRefusalText bounds what a refusal's line quotes of the core's
// message, which may quote a value the agent sent (an unknown SKU).
const maxRefusalText = 200

// recordRefusal writes into the transcript of the session e is about that
// its agent's call was refused and why: the reason, the field and the
// core's message, never the request (its body may carry the buyer's
// details or a payment token). It runs in a transaction of its own, after
// the call's rolled back, so that the refusal still changes nothing else;
// a failure is logged, and the agent still gets its answer.
func (s *Service) recordRefusal(ctx context.Context, e *Error) {
	err := s.store.InTx(ctx, func(tx Tx) error {
		body, err := tx.AgentSession(ctx, e.bot, e.session)
		if err != nil {
			return err
		}
		var sess Session
		if err := json.Unmarshal(body, &sess); err != nil {
			return err
		}
		conv, err := tx.Conversation(ctx, sess.Conversation)
		if err != nil {
			return err
		}
		msg := e.Message
		if r := []rune(msg); len(r) > maxRefusalText {
			msg = string(r[:maxRefusalText]) + "…"
		}
		text := strings.ToUpper(string(sess.Protocol)) + " agent's call to " + e.action + " was refused — " + string(e.Reason) + ": " + msg
		if e.Path != "" {
			text += " (" + e.Path + ")"
		}
		_, err = tx.Emit(ctx, conv, sess.Protocol.Author(), concierge.Message{Kind: concierge.MessageText, Text: text})
		return err
	})
	if err != nil && s.Log != nil {
		s.Log.Warn("agentcommerce: transcript of a refused call", "bot", e.bot, "session", e.session, "err", err)
	}
}
