// Package handoff is the human side of Concierge: the queue of
// conversations handed off by the bot, the state machine people drive
// (waiting → human → bot, or closed), and the inbox web app at /inbox where
// they sign in, claim conversations, answer customers in their own channel,
// leave private notes, decide refund proposals and hand conversations back
// to the bot.
//
// It reaches storage only through the Store and Tx interfaces below, which
// cmd/concierge satisfies with the SQL store; it imports no adapter, no
// brain, no store and no config (see deps_test.go). A person's reply is
// appended to the conversation's outbox with concierge.Tx.Emit, so it goes
// out through the customer's channel adapter like any bot message, in
// order. Only cmd/concierge imports this package.
package handoff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// Tx is a write transaction as the hand-off state machine sees it: the
// shared concierge.Tx plus what only the inbox writes.
type Tx interface {
	concierge.Tx
	// LockPerson reads a person; on PostgreSQL the row is locked so that
	// one person's claims are counted one at a time.
	LockPerson(ctx context.Context, id int64) (*concierge.Person, error)
	// Owner returns the id and name of conv's owner, or zero and "".
	Owner(ctx context.Context, conv concierge.ConversationID) (int64, string, error)
	// Owned counts the conversations user owns.
	Owned(ctx context.Context, user int64) (int, error)
	// Assign makes user conv's owner; false when someone already is.
	Assign(ctx context.Context, conv *concierge.Conversation, user int64, queued time.Time) (bool, error)
	// Reassign makes user conv's owner in place of from (0: nobody);
	// false when the owner is no longer from.
	Reassign(ctx context.Context, conv *concierge.Conversation, from, user int64, queued time.Time) (bool, error)
	// PersonNamed reads a person by name, locked as LockPerson does, or
	// an error wrapping concierge.ErrNotFound.
	PersonNamed(ctx context.Context, name string) (*concierge.Person, error)
	// OrderPayments lists the payments recorded for an order.
	OrderPayments(ctx context.Context, order concierge.OrderID) ([]concierge.Payment, error)
	// Unassign removes conv's owner.
	Unassign(ctx context.Context, conv concierge.ConversationID) error
	// HandedOffAt is when conv last moved to waiting.
	HandedOffAt(ctx context.Context, conv concierge.ConversationID) (time.Time, error)
	AddNote(ctx context.Context, n concierge.Note) error
	Proposal(ctx context.Context, id int64) (*concierge.Proposal, error)
	// DecideProposal records a decision on an open proposal, with the
	// amount decided (zero for a refusal); false when it was decided
	// before.
	DecideProposal(ctx context.Context, id int64, status concierge.ProposalStatus, amount concierge.Money, by, note string) (bool, error)
	// RecordRefund records a refund of an order; false for one recorded
	// before (same provider and provider ref).
	RecordRefund(ctx context.Context, r concierge.Refund) (bool, error)
	// RefundExecuted marks an approved proposal's refund done; false when
	// it was marked before.
	RefundExecuted(ctx context.Context, id int64, ref string) (bool, error)
	// RefundFailed records why an approved proposal's refund failed.
	RefundFailed(ctx context.Context, id int64, why string) error
}

// Refunder gives an approved refund's money back through the payment
// provider of its order; cmd/concierge implements it over the checkout
// providers. key is the same for every attempt on one proposal, so the
// provider refunds once however often it is retried.
type Refunder interface {
	Refund(ctx context.Context, pr *concierge.Proposal, key string) (concierge.Refund, error)
}

// RefundChecker is an optional capability of a Refunder: before an
// approval is recorded, it says whether the order's provider can refund
// amount of what was paid, so a refund it could never make (part of a
// payment whose provider refunds only whole ones) is refused at decision
// time rather than failing afterwards. An error is shown as it is; a
// CodeInvalid one answers 400.
type RefundChecker interface {
	CheckRefund(ctx context.Context, o *concierge.Order, paid []concierge.Payment, amount concierge.Money) error
}

// ReplyRules tells what a person may send a customer now. Some channels
// let a business write freely only for a while after the customer's last
// message and, after it, only with templates the merchant had approved
// (WhatsApp's 24-hour window); cmd/concierge implements it from the
// channel's rules so that this package names no channel. Without it,
// free text is always allowed.
type ReplyRules interface {
	// ReplyRules is called when a conversation page is made and before
	// a person's message is queued; it may read storage. An error fails
	// the page or the message.
	ReplyRules(ctx context.Context, conv *concierge.Conversation) (Rules, error)
}

// Rules is what may be sent to one conversation's customer now.
type Rules struct {
	// Closed is true when free text cannot be sent now; Why says why,
	// in a sentence for people.
	Closed bool
	Why    string
	// Templates are the approved templates the merchant offers for
	// this conversation; with Closed, the only messages that may be sent.
	Templates []Template
}

// Template is an approved message template a person may send.
type Template struct {
	Name     string
	Language string
	// Preview is its body as people read it, with {{1}}, {{2}} … where
	// its Params variables go.
	Preview string
	Params  int
	// Labels name the variables for the person filling them in, in
	// order; fewer than Params (or none) leaves the rest unnamed.
	Labels []string
}

// Label is the name of variable n (from 1) for the person filling it in.
func (t Template) Label(n int) string {
	if n >= 1 && n <= len(t.Labels) && t.Labels[n-1] != "" {
		return t.Labels[n-1]
	}
	return "{{" + strconv.Itoa(n) + "}}"
}

// CheckParams says what is wrong with params as t's variables, or nil:
// one per variable, each 1 to MaxParam characters on one line without
// tabs or more than 4 spaces in a row (WhatsApp refuses those).
func (t Template) CheckParams(params []string) error {
	const op = "send template"
	if len(params) != t.Params {
		return concierge.Errorf(concierge.CodeInvalid, op, "template %s has %d variables, %d were given; nothing was sent", t.Name, t.Params, len(params))
	}
	for i, v := range params {
		what := t.Label(i + 1)
		switch {
		case v == "":
			return concierge.Errorf(concierge.CodeInvalid, op, "%s is required; nothing was sent", what)
		case utf8.RuneCountInString(v) > MaxParam:
			return concierge.Errorf(concierge.CodeInvalid, op, "%s is longer than %d characters; nothing was sent", what, MaxParam)
		case strings.ContainsAny(v, "\n\r\t"):
			return concierge.Errorf(concierge.CodeInvalid, op, "%s must be on one line, without tabs; nothing was sent", what)
		case strings.Contains(v, "     "):
			return concierge.Errorf(concierge.CodeInvalid, op, "%s has more than 4 spaces in a row, which WhatsApp refuses; nothing was sent", what)
		}
	}
	return nil
}

// Key is how a form names the template: its name and language.
func (t Template) Key() string { return t.Name + "|" + t.Language }

// Fill returns the preview with the variables replaced by params.
// It reads the preview once, so a value that itself looks like {{2}} is
// kept as typed.
func (t Template) Fill(params []string) string {
	var b strings.Builder
	rest := t.Preview
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(rest[:i])
		if n, err := strconv.Atoi(strings.TrimSpace(rest[i+2 : i+j])); err == nil && n >= 1 && n <= len(params) {
			b.WriteString(params[n-1])
		} else {
			b.WriteString(rest[i : i+j+2])
		}
		rest = rest[i+j+2:]
	}
	b.WriteString(rest)
	return b.String()
}

// Announcer tells the customer in their chat, in their language, that
// their order changed (here: "refunded"); the agent implements it.
type Announcer interface {
	OrderChanged(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, o *concierge.Order, event string, handedOff bool) error
}

// EventRefunded is the order event announced once a refund is executed.
const EventRefunded = "refunded"

// Store is the inbox's view of storage. Reads may lag writes by nothing
// more than a commit; every write goes through InTx.
type Store interface {
	// InTx runs fn in one write transaction, committed if fn returns nil.
	InTx(ctx context.Context, fn func(tx Tx) error) error

	Person(ctx context.Context, name string) (*concierge.Person, error)
	CreateSession(ctx context.Context, tokenHash string, user int64, csrf string, expires time.Time) error
	// Session returns the person and CSRF token of a live session, or
	// an error wrapping concierge.ErrNotFound.
	Session(ctx context.Context, tokenHash string) (*concierge.Person, string, error)
	DeleteSession(ctx context.Context, tokenHash string) error

	// Cases lists the conversations in people's hands, or just conv.
	Cases(ctx context.Context, conv concierge.ConversationID) ([]concierge.Case, error)
	Transcript(ctx context.Context, conv concierge.ConversationID, limit int) ([]Entry, error)
	Handoffs(ctx context.Context, conv concierge.ConversationID) ([]concierge.Handoff, error)
	Packet(ctx context.Context, conv concierge.ConversationID) (*concierge.HandoffPacket, error)
	Proposals(ctx context.Context, conv concierge.ConversationID) ([]*concierge.Proposal, error)
	DecidedProposals(ctx context.Context, limit int) ([]*concierge.Proposal, error)
	Notes(ctx context.Context, conv concierge.ConversationID) ([]concierge.Note, error)
	// People lists everyone who may sign in, by name.
	People(ctx context.Context) ([]*concierge.Person, error)
	Cart(ctx context.Context, conv concierge.ConversationID) ([]concierge.CartLine, error)
	Orders(ctx context.Context, conv concierge.ConversationID) ([]*concierge.Order, error)
	Payments(ctx context.Context, order concierge.OrderID) ([]concierge.Payment, error)
	// Version changes whenever something the inbox shows may have.
	Version(ctx context.Context) (string, error)

	// Failed sign-ins are kept in storage, so that every replica counts
	// the same ones. A key is "ip:ADDRESS" or "name:NAME".
	//
	// SignInFailures counts key's failures at or after since.
	SignInFailures(ctx context.Context, key string, since time.Time) (int, error)
	// RecordSignInFailure records a failure at at under each key and
	// may forget every failure older than prune.
	RecordSignInFailure(ctx context.Context, keys []string, at, prune time.Time) error
	// ClearSignInFailures forgets key's failures.
	ClearSignInFailures(ctx context.Context, key string) error

	// Files customers sent, served by GET /inbox/media/{id}.
	MediaStore
}

// Entry is one transcript entry as the inbox shows it.
type Entry struct {
	Seq      int64
	Dir      string // "in" or "out"
	Author   string // "customer", "bot", "agent:NAME", "system"
	Kind     string
	Status   string // the outbox's: pending, sent, failed, undeliverable; "done" for inbound
	Delivery string // what the platform reported: delivered, read, failed … or ""
	Error    string
	At       time.Time
	Event    *concierge.Event
	Message  *concierge.Message
	// Media is the file of a customer's media message, or nil.
	Media *Media
}

// Service is the hand-off state machine. Every transition is one
// transaction that checks the state it starts from, so two people acting
// at once on one conversation get one success and one conflict.
type Service struct {
	store Store
	// wake tells the outbox a person's message is waiting to be sent.
	wake func()
	// refunds and announce execute approved refunds; without refunds an
	// approval is only recorded.
	refunds  Refunder
	announce Announcer
	// rules, when set, says what may be sent to a customer now.
	rules ReplyRules
	// hooks, when set, has the hand-off webhook's deliveries;
	// hookWake tells its sender a resent event waits.
	hooks    HookDeliveries
	hookWake func()
	// agentEvents, when set, has agents' order events' deliveries;
	// agentEventWake tells their senders a retried event waits.
	agentEvents    AgentEventDeliveries
	agentEventWake func()
	// log and unrecorded report a refund the provider made that could
	// not be recorded here (see execute).
	log        *slog.Logger
	unrecorded Counter
}

// Counter is a metric that counts up; prometheus.Counter is one.
type Counter interface{ Inc() }

// CountUnrecordedRefunds makes c count the refunds a provider made that
// could not be recorded here: money moved and the database does not say
// so until the refund is retried. Each is also logged at error level.
func (s *Service) CountUnrecordedRefunds(c Counter) { s.unrecorded = c }

// UseReplyRules makes replies follow r: free text is refused while r says
// it cannot be sent, and templates are checked against what r offers.
func (s *Service) UseReplyRules(r ReplyRules) { s.rules = r }

// Rules returns what may be sent to conv's customer now; free text
// always, without ReplyRules.
func (s *Service) Rules(ctx context.Context, conv *concierge.Conversation) (Rules, error) {
	if s.rules == nil {
		return Rules{}, nil
	}
	return s.rules.ReplyRules(ctx, conv)
}

// freeText refuses free text to conv's customer when the rules say it
// cannot be sent now.
func (s *Service) freeText(ctx context.Context, c *concierge.Conversation, op string) error {
	r, err := s.Rules(ctx, c)
	if err != nil {
		return err
	}
	if r.Closed {
		return concierge.Errorf(concierge.CodeConflict, op, "%s; only an approved template can be sent now, and nothing was sent", r.Why)
	}
	return nil
}

// UseRefunds makes approved refunds execute through r, and the customer
// told through a.
func (s *Service) UseRefunds(r Refunder, a Announcer) { s.refunds, s.announce = r, a }

// NewService returns the state machine over store; wake, if not nil, is
// called after a person's message is committed.
func NewService(store Store, wake func()) *Service {
	if wake == nil {
		wake = func() {}
	}
	return &Service{store: store, wake: wake, log: slog.New(slog.DiscardHandler), unrecorded: noCounter{}}
}

type noCounter struct{}

func (noCounter) Inc() {}

// MaxReply bounds what a person may send in one message.
const MaxReply = 4000

func visible(p *concierge.Person, c *concierge.Conversation, op string) error {
	if !p.Sees(c.Bot) {
		// Hidden, not forbidden: another bot's conversations do not exist
		// for this person.
		return concierge.Errorf(concierge.CodeNotFound, op, "no such conversation")
	}
	return nil
}

// Claim makes p the owner of a waiting conversation, within p's capacity.
// Of two people claiming at once, one wins; the other gets a conflict that
// names the winner.
func (s *Service) Claim(ctx context.Context, p *concierge.Person, conv concierge.ConversationID) error {
	const op = "claim"
	return s.store.InTx(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, conv)
		if err != nil {
			return err
		}
		if err := visible(p, c, op); err != nil {
			return err
		}
		_, owner, err := tx.Owner(ctx, conv)
		if err != nil {
			return err
		}
		switch {
		case c.State == concierge.StateHuman && owner == p.Name:
			return nil // already theirs: a double click
		case c.State == concierge.StateHuman && owner != "":
			return concierge.Errorf(concierge.CodeConflict, op, "%s has already claimed this conversation", owner)
		case c.State != concierge.StateWaiting && c.State != concierge.StateHuman:
			return concierge.Errorf(concierge.CodeConflict, op, "this conversation is no longer waiting for a person (it is %s)", c.State)
		}
		me, err := tx.LockPerson(ctx, p.ID)
		if err != nil {
			return err
		}
		n, err := tx.Owned(ctx, p.ID)
		if err != nil {
			return err
		}
		if me.Capacity > 0 && n >= me.Capacity {
			return concierge.Errorf(concierge.CodeConflict, op, "you already have %d conversations, your limit; hand one back first", n)
		}
		since, err := tx.HandedOffAt(ctx, conv)
		if err != nil {
			return err
		}
		ok, err := tx.Assign(ctx, c, p.ID, since)
		if err != nil {
			return err
		}
		if !ok {
			return concierge.Errorf(concierge.CodeConflict, op, "someone else has just claimed this conversation")
		}
		if err := tx.RecordHandoff(ctx, concierge.Handoff{Conversation: conv, From: c.State, To: concierge.StateHuman,
			Reason: concierge.HandoffClaimed, By: p.Author(), At: tx.Now()}); err != nil {
			return err
		}
		c.State = concierge.StateHuman
		return tx.SaveConversation(ctx, c)
	})
}

// owned loads conv for an action only its owner may take.
func owned(ctx context.Context, tx Tx, p *concierge.Person, conv concierge.ConversationID, op string) (*concierge.Conversation, error) {
	c, err := tx.Conversation(ctx, conv)
	if err != nil {
		return nil, err
	}
	if err := visible(p, c, op); err != nil {
		return nil, err
	}
	_, owner, err := tx.Owner(ctx, conv)
	if err != nil {
		return nil, err
	}
	switch {
	case c.State == concierge.StateBot || c.State == concierge.StateClosed:
		return nil, concierge.Errorf(concierge.CodeConflict, op, "this conversation was handed back (it is %s); nothing was sent", c.State)
	case c.State == concierge.StateWaiting || owner == "":
		return nil, concierge.Errorf(concierge.CodeConflict, op, "claim this conversation first")
	case owner != p.Name:
		return nil, concierge.Errorf(concierge.CodeConflict, op, "%s owns this conversation", owner)
	}
	return c, nil
}

// Reply sends text to the customer from p, through the customer's channel
// (the outbox delivers it). Only the owner may reply, and only while the
// conversation is in people's hands.
func (s *Service) Reply(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, text string) error {
	const op = "reply"
	text = strings.TrimSpace(text)
	if text == "" {
		return concierge.Errorf(concierge.CodeInvalid, op, "the message is empty")
	}
	if utf8.RuneCountInString(text) > MaxReply {
		return concierge.Errorf(concierge.CodeInvalid, op, "the message is longer than %d characters", MaxReply)
	}
	return s.reply(ctx, p, conv, op, func(*concierge.Conversation) (string, error) { return text, nil })
}

// ReplyCanned sends p's reply in the customer's language: text picks it
// for the conversation (its bot and locale), as a canned reply of the bot
// file does. Ownership is checked first, so a reply to a conversation
// handed back is refused the same way as with Reply.
func (s *Service) ReplyCanned(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, text func(*concierge.Conversation) (string, error)) error {
	const op = "reply"
	return s.reply(ctx, p, conv, op, func(c *concierge.Conversation) (string, error) {
		t, err := text(c)
		if err != nil {
			return "", err
		}
		if t = strings.TrimSpace(t); t == "" || utf8.RuneCountInString(t) > MaxReply {
			return "", concierge.Errorf(concierge.CodeInvalid, op, "a message has 1 to %d characters", MaxReply)
		}
		return t, nil
	})
}

func (s *Service) reply(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, op string, text func(*concierge.Conversation) (string, error)) error {
	err := s.store.InTx(ctx, func(tx Tx) error {
		c, err := owned(ctx, tx, p, conv, op)
		if err != nil {
			return err
		}
		t, err := text(c)
		if err != nil {
			return err
		}
		if err := s.freeText(ctx, c, op); err != nil {
			return err
		}
		_, err = tx.Emit(ctx, c, p.Author(), concierge.Message{Kind: concierge.MessageText, Text: t})
		return err
	})
	if err == nil {
		s.wake()
	}
	return err
}

// MaxParam bounds one template variable's value.
const MaxParam = 500

// SendTemplate sends the customer one of the approved templates the
// rules offer for the conversation (key is Template.Key), with params as
// its variables. It is how a person writes once the channel allows free
// text no more; only the owner may send it, as with Reply.
func (s *Service) SendTemplate(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, key string, params []string) error {
	const op = "send template"
	for i := range params {
		params[i] = strings.TrimSpace(params[i])
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		c, err := owned(ctx, tx, p, conv, op)
		if err != nil {
			return err
		}
		r, err := s.Rules(ctx, c)
		if err != nil {
			return err
		}
		var t *Template
		for i := range r.Templates {
			if r.Templates[i].Key() == key {
				t = &r.Templates[i]
			}
		}
		if t == nil {
			return concierge.Errorf(concierge.CodeInvalid, op, "no such template for this conversation")
		}
		if err := t.CheckParams(params); err != nil {
			return err
		}
		m := concierge.Message{Kind: concierge.MessageText, Text: t.Fill(params),
			Template: &concierge.TemplateMessage{Name: t.Name, Language: t.Language, Params: params}}
		_, err = tx.Emit(ctx, c, p.Author(), m)
		return err
	})
	if err == nil {
		s.wake()
	}
	return err
}

// Assign gives a waiting or claimed conversation to the person named to,
// a supervisor's decision recorded with why in the conversation's
// history; the previous owner, if any, loses it. to must see the
// conversation's bot and be under their capacity.
func (s *Service) Assign(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, to, why string) error {
	const op = "assign"
	if p.Role != concierge.RoleSupervisor {
		return errForbidden("only a supervisor assigns conversations")
	}
	to, why = strings.TrimSpace(to), strings.Join(strings.Fields(why), " ")
	if to == "" {
		return concierge.Errorf(concierge.CodeInvalid, op, "choose the person to assign this conversation to")
	}
	if utf8.RuneCountInString(why) > 500 {
		return concierge.Errorf(concierge.CodeInvalid, op, "the reason is longer than 500 characters")
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, conv)
		if err != nil {
			return err
		}
		if err := visible(p, c, op); err != nil {
			return err
		}
		if c.State != concierge.StateWaiting && c.State != concierge.StateHuman {
			return concierge.Errorf(concierge.CodeConflict, op, "this conversation is no longer in people's hands (it is %s)", c.State)
		}
		fromID, from, err := tx.Owner(ctx, conv)
		if err != nil {
			return err
		}
		target, err := tx.PersonNamed(ctx, to)
		if concierge.ErrorCode(err) == concierge.CodeNotFound {
			return concierge.Errorf(concierge.CodeInvalid, op, "there is no person named %q", to)
		}
		if err != nil {
			return err
		}
		if from == target.Name {
			return nil // already theirs: a double click
		}
		if !target.Sees(c.Bot) {
			return concierge.Errorf(concierge.CodeConflict, op, "%s cannot see this bot's conversations; nothing changed", target.Name)
		}
		n, err := tx.Owned(ctx, target.ID)
		if err != nil {
			return err
		}
		if target.Capacity > 0 && n >= target.Capacity {
			return concierge.Errorf(concierge.CodeConflict, op, "%s already has %d conversations, their limit; nothing changed", target.Name, n)
		}
		since, err := tx.HandedOffAt(ctx, conv)
		if err != nil {
			return err
		}
		ok, err := tx.Reassign(ctx, c, fromID, target.ID, since)
		if err != nil {
			return err
		}
		if !ok {
			return concierge.Errorf(concierge.CodeConflict, op, "someone else has just claimed or reassigned this conversation; nothing changed")
		}
		note := "to " + target.Name
		if from != "" {
			note += " (was " + from + ")"
		}
		if why != "" {
			note += ": " + why
		}
		if err := tx.RecordHandoff(ctx, concierge.Handoff{Conversation: conv, From: c.State, To: concierge.StateHuman,
			Reason: concierge.HandoffAssigned, Note: note, By: p.Author(), At: tx.Now()}); err != nil {
			return err
		}
		c.State = concierge.StateHuman
		return tx.SaveConversation(ctx, c)
	})
}

// Note leaves a private note on a conversation p can see.
func (s *Service) Note(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, text string) error {
	const op = "note"
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > MaxReply {
		return concierge.Errorf(concierge.CodeInvalid, op, "a note has 1 to %d characters", MaxReply)
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, conv)
		if err != nil {
			return err
		}
		if err := visible(p, c, op); err != nil {
			return err
		}
		return tx.AddNote(ctx, concierge.Note{Conversation: conv, Author: p.Name, Text: text, At: tx.Now()})
	})
}

// HandBack resolves a conversation p owns and gives it back to the bot
// (to = StateBot) or closes it (to = StateClosed: a supervisor's choice
// for spam or abuse, after which the bot stays silent and nothing reaches
// the queue). closing, when not empty, is sent to
// the customer first. The bot then knows a person was there:
// Memory.HandedBack is set and the handoffs table has the stretch.
func (s *Service) HandBack(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, to concierge.ConversationState, closing string) error {
	const op = "hand back"
	if to != concierge.StateBot && to != concierge.StateClosed {
		return concierge.Errorf(concierge.CodeInvalid, op, "a conversation goes back to the bot or is closed")
	}
	closing = strings.TrimSpace(closing)
	if utf8.RuneCountInString(closing) > MaxReply {
		return concierge.Errorf(concierge.CodeInvalid, op, "the message is longer than %d characters", MaxReply)
	}
	if to == concierge.StateClosed && p.Role != concierge.RoleSupervisor {
		return errForbidden("only a supervisor closes a conversation")
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		c, err := owned(ctx, tx, p, conv, op)
		if err != nil {
			return err
		}
		if closing != "" {
			if err := s.freeText(ctx, c, op); err != nil {
				return err
			}
			if _, err := tx.Emit(ctx, c, p.Author(), concierge.Message{Kind: concierge.MessageText, Text: closing}); err != nil {
				return err
			}
		}
		if err := tx.Unassign(ctx, conv); err != nil {
			return err
		}
		if err := tx.RecordHandoff(ctx, concierge.Handoff{Conversation: conv, From: c.State, To: to,
			Reason: concierge.HandoffResolved, By: p.Author(), At: tx.Now()}); err != nil {
			return err
		}
		c.State = to
		c.Memory.HandedBack = true
		c.Memory.FailedTurns = 0
		c.Memory.Pending = ""
		return tx.SaveConversation(ctx, c)
	})
	if err == nil && closing != "" {
		s.wake()
	}
	return err
}

// Decision is a supervisor's decision on a proposal. Change, when not
// empty, approves another amount than proposed, written in the major unit
// of the proposal's currency ("25.50"); it must be more than zero and at
// most what was paid for the order.
type Decision struct {
	Approve bool
	Change  string
	Note    string
}

// Decide records a supervisor's decision on a proposal, once: a replayed
// or concurrent second decision is a conflict that changes nothing. An
// approved refund is then executed through the order's payment provider
// for the decided amount (see execute); a provider failure leaves it
// approved with the error on the proposal, for RetryRefund.
func (s *Service) Decide(ctx context.Context, p *concierge.Person, id int64, d Decision) (*concierge.Proposal, error) {
	const op = "decide"
	if p.Role != concierge.RoleSupervisor {
		return nil, errForbidden("only a supervisor decides refunds")
	}
	note := strings.TrimSpace(d.Note)
	change := strings.TrimSpace(d.Change)
	if change != "" && !d.Approve {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "a refusal has no amount")
	}
	var out *concierge.Proposal
	err := s.store.InTx(ctx, func(tx Tx) error {
		pr, err := tx.Proposal(ctx, id)
		if err != nil {
			return err
		}
		if !p.Sees(pr.Bot) {
			return concierge.Errorf(concierge.CodeNotFound, op, "no such proposal")
		}
		if pr.Status != concierge.ProposalOpen {
			return concierge.Errorf(concierge.CodeConflict, op, "this proposal was already decided (%s by %s)", pr.Status, pr.DecidedBy)
		}
		status, amount := concierge.ProposalRefused, concierge.Money{}
		if d.Approve {
			status, amount = concierge.ProposalApproved, pr.Amount
			if amount, err = s.approvedAmount(ctx, tx, pr, change); err != nil {
				return err
			}
		}
		ok, err := tx.DecideProposal(ctx, id, status, amount, p.Name, note)
		if err != nil {
			return err
		}
		if !ok {
			return concierge.Errorf(concierge.CodeConflict, op, "this proposal was already decided")
		}
		pr.Status, pr.Decided, pr.DecidedBy, pr.DecidedAt, pr.Note = status, amount, p.Name, tx.Now(), note
		out = pr
		return nil
	})
	if err != nil || !d.Approve {
		return out, err
	}
	return s.execute(ctx, out)
}

// approvedAmount is the amount a refund or dispute proposal is approved
// for: the proposed one, or change parsed in the proposal's currency (a
// dispute to investigate has none, so change is required). A changed
// amount is more than zero and at most what was paid for the order; and
// the order's provider must be able to refund it (RefundChecker).
func (s *Service) approvedAmount(ctx context.Context, tx Tx, pr *concierge.Proposal, change string) (concierge.Money, error) {
	const op = "decide"
	amount := pr.Amount
	if change == "" && pr.Refunds() && amount.Minor <= 0 {
		// A dispute to investigate proposes no amount: the person who
		// approves says how much.
		return amount, concierge.Errorf(concierge.CodeInvalid, op, "this proposal has no amount: enter the amount to refund; nothing was decided")
	}
	if change != "" {
		if !pr.Refunds() {
			return amount, concierge.Errorf(concierge.CodeInvalid, op, "only a refund's amount can be changed")
		}
		var err error
		if amount, err = parseAmount(change, pr.Amount.Currency); err != nil {
			return amount, concierge.Errorf(concierge.CodeInvalid, op, "the refund amount %s; nothing was decided", err)
		}
		if amount.Minor <= 0 {
			return amount, concierge.Errorf(concierge.CodeInvalid, op, "the refund amount must be more than zero; nothing was decided")
		}
	}
	if !pr.Refunds() {
		return amount, nil
	}
	pays, err := tx.OrderPayments(ctx, pr.Order)
	if err != nil {
		return amount, err
	}
	if change != "" {
		paid := concierge.Money{Currency: amount.Currency}
		for _, x := range pays {
			if x.Amount.Currency == amount.Currency {
				paid.Minor += x.Amount.Minor
			}
		}
		if amount.Minor > paid.Minor {
			return amount, concierge.Errorf(concierge.CodeInvalid, op, "the refund amount %s is more than the %s paid for order %s; nothing was decided",
				money.Format(amount, "en"), money.Format(paid, "en"), pr.Order)
		}
	}
	if c, ok := s.refunds.(RefundChecker); ok && len(pays) > 0 {
		o, err := tx.Order(ctx, pr.Order)
		if err != nil {
			return amount, err
		}
		if err := c.CheckRefund(ctx, o, pays, amount); err != nil {
			return amount, err
		}
	}
	return amount, nil
}

// parseAmount reads an amount in the major unit of currency ("25.50"
// EUR), as a price in a bot file is written. A currency the money package
// does not know has no minor unit (Telegram Stars), so it is read as a
// whole number.
func parseAmount(text, currency string) (concierge.Money, error) {
	if _, ok := money.Digits(currency); ok {
		m, err := money.Parse(text, currency)
		var pe *money.ParseError
		if errors.As(err, &pe) {
			return m, errors.New(pe.Reason)
		}
		return m, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || n < 0 {
		return concierge.Money{}, fmt.Errorf("is not a whole number of %s", currency)
	}
	return concierge.Money{Minor: n, Currency: currency}, nil
}

// RetryRefund executes an approved proposal's refund again after a failure,
// with the same idempotency key; once it is done, it changes nothing.
func (s *Service) RetryRefund(ctx context.Context, p *concierge.Person, id int64) (*concierge.Proposal, error) {
	const op = "refund"
	if p.Role != concierge.RoleSupervisor {
		return nil, errForbidden("only a supervisor executes refunds")
	}
	var pr *concierge.Proposal
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if pr, err = tx.Proposal(ctx, id); err != nil {
			return err
		}
		if !p.Sees(pr.Bot) {
			return concierge.Errorf(concierge.CodeNotFound, op, "no such proposal")
		}
		if pr.Status != concierge.ProposalApproved {
			return concierge.Errorf(concierge.CodeConflict, op, "only an approved refund is executed (this one is %s)", pr.Status)
		}
		return nil
	})
	if err != nil || pr.RefundRef != "" {
		return pr, err
	}
	return s.execute(ctx, pr)
}

// RefundKey is the idempotency key of a proposal's refund: the same for
// every attempt, so a retry or a double click refunds once.
func RefundKey(pr *concierge.Proposal) string { return "proposal-" + strconv.FormatInt(pr.ID, 10) }

// execute refunds an approved proposal through the order's provider, then
// in one transaction records the refund, moves the order to refunded and
// tells the customer. A provider failure is recorded on the proposal for
// people to see and retry; the decision itself stands.
func (s *Service) execute(ctx context.Context, pr *concierge.Proposal) (*concierge.Proposal, error) {
	if s.refunds == nil || !pr.Refunds() || pr.RefundRef != "" {
		return pr, nil
	}
	r, err := s.refunds.Refund(ctx, pr, RefundKey(pr))
	if err != nil {
		why := err.Error()
		if ferr := s.store.InTx(ctx, func(tx Tx) error { return tx.RefundFailed(ctx, pr.ID, why) }); ferr != nil {
			return pr, ferr
		}
		pr.RefundError = why
		return pr, nil
	}
	// The money has moved: record it even if the request that asked is
	// gone (the browser closed, the server shutting down).
	ctx = context.WithoutCancel(ctx)
	told := false
	err = s.store.InTx(ctx, func(tx Tx) error {
		fresh, err := tx.RefundExecuted(ctx, pr.ID, r.ProviderRef)
		if err != nil || !fresh {
			return err // done by a concurrent attempt
		}
		if _, err := tx.RecordRefund(ctx, r); err != nil {
			return err
		}
		o, err := tx.Order(ctx, pr.Order)
		if err != nil {
			return err
		}
		if o.State != concierge.OrderRefunded {
			if err := tx.TransitionOrder(ctx, o, concierge.OrderRefunded); err != nil {
				return err
			}
		}
		if s.announce != nil {
			conv, err := tx.Conversation(ctx, pr.Conversation)
			if err != nil {
				return err
			}
			if err := s.announce.OrderChanged(ctx, tx, conv, o, EventRefunded, false); err != nil {
				return err
			}
			told = true
		}
		return nil
	})
	if err != nil {
		return s.unrecordedRefund(ctx, pr, r, err)
	}
	pr.RefundRef, pr.RefundError = r.ProviderRef, ""
	if told {
		s.wake()
	}
	return pr, nil
}

// unrecordedRefund reports a refund the provider made that could not be
// recorded (err): it is logged at error level and counted, and the
// proposal keeps the reason for the supervisor to see. A retry asks the
// provider again with the same key, which refunds nothing twice, and
// records it then. When even the reason cannot be stored, the supervisor
// is shown it as the answer to their request instead.
func (s *Service) unrecordedRefund(ctx context.Context, pr *concierge.Proposal, r concierge.Refund, err error) (*concierge.Proposal, error) {
	s.unrecorded.Inc()
	s.log.Error("handoff: REFUND MADE BUT NOT RECORDED; retry it from the inbox to record it",
		"proposal", pr.ID, "order", pr.Order, "provider", r.Provider, "provider_ref", r.ProviderRef, "amount", r.Amount, "err", err)
	why := "the refund was made (" + r.ProviderRef + ") but could not be recorded: " + err.Error()
	if ferr := s.store.InTx(ctx, func(tx Tx) error { return tx.RefundFailed(ctx, pr.ID, why) }); ferr != nil {
		s.log.Error("handoff: the unrecorded refund's reason could not be stored either", "proposal", pr.ID, "err", ferr)
		return pr, concierge.Errorf(concierge.CodeUnavailable, "refund",
			"the refund was made (%s) but could not be recorded; retry it to record it, the provider will not refund twice", r.ProviderRef)
	}
	pr.RefundError = why
	return pr, nil
}

// errorf is fmt.Errorf with the package's prefix.
func errorf(format string, args ...any) error { return fmt.Errorf("handoff: "+format, args...) }
