package seller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/jobloop"
	"github.com/conciergehq/concierge/internal/money"
)

// Inbox is the inbox's state machine as the applier uses it; server wires
// handoff.Service, so a decision from chat is taken by the very code of
// the inbox's forms, with its checks (role, grants, single decision,
// refund execution, ownership).
type Inbox interface {
	Claim(ctx context.Context, p *concierge.Person, conv concierge.ConversationID) error
	HandBack(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, to concierge.ConversationState, closing string) error
	Decide(ctx context.Context, p *concierge.Person, id int64, approve bool, note string) (*concierge.Proposal, error)
}

// CatalogWriter changes the live catalog: the same code as the catalog
// API (POST /api/catalog), so a change from chat is kept and spread to
// every replica like one from the merchant's systems. Stock is the
// merchant's count on hand; open orders' reservations are taken from it
// for the live count. Optional: without it, prices are not changed from
// chat and stock is set in the store (StockTx.SetStock).
type CatalogWriter interface {
	SetPrice(ctx context.Context, bot concierge.BotID, sku concierge.SKU, price concierge.Money) (before concierge.Money, err error)
	SetStock(ctx context.Context, bot concierge.BotID, sku concierge.SKU, n int) (before int, err error)
}

// StockTx is the applier's transaction: the assistant's, plus the one
// place a stock count is set.
type StockTx interface {
	Tx
	SetStock(ctx context.Context, bot concierge.BotID, sku concierge.SKU, n int) (before int, err error)
}

// ApplyStore is the applier's view of storage.
type ApplyStore interface {
	// ClaimSellerChanges takes confirmed changes for lease.
	ClaimSellerChanges(ctx context.Context, limit int, lease time.Duration) ([]concierge.SellerChange, error)
	InTx(ctx context.Context, fn func(tx StockTx) error) error
}

// Applier applies confirmed changes after the turn that confirmed them
// has committed: the inbox's code runs its own transactions and moves
// money through providers, which a turn's transaction must not wait on.
type Applier struct {
	Store   ApplyStore
	Inbox   Inbox
	Catalog CatalogWriter // nil: prices are not changed from chat
	Log     *slog.Logger
	// Poll is how often it looks when not woken (default 1s); Sent is
	// called after answers were queued (to wake the outbox).
	Poll time.Duration
	Sent func()

	wake chan struct{}
}

// NewApplier returns an Applier with defaults.
func NewApplier(st ApplyStore, in Inbox, cw CatalogWriter, log *slog.Logger, sent func()) *Applier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if sent == nil {
		sent = func() {}
	}
	return &Applier{Store: st, Inbox: in, Catalog: cw, Log: log, Poll: time.Second, Sent: sent, wake: make(chan struct{}, 1)}
}

// Wake makes the applier look now; it never blocks.
func (ap *Applier) Wake() {
	select {
	case ap.wake <- struct{}{}:
	default:
	}
}

// Run applies confirmed changes until ctx ends.
func (ap *Applier) Run(ctx context.Context) {
	jobloop.Run(ctx, jobloop.Config{Name: "seller", Poll: ap.Poll, Wake: ap.wake, Log: ap.Log}, ap.Pass)
}

// Pass applies the confirmed changes waiting now.
func (ap *Applier) Pass(ctx context.Context) (bool, error) {
	const batch = 16
	cs, err := ap.Store.ClaimSellerChanges(ctx, batch, time.Minute)
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if err := ap.apply(ctx, c); err != nil {
			return false, fmt.Errorf("seller: apply change %d: %w", c.ID, err)
		}
	}
	if len(cs) > 0 {
		ap.Sent()
	}
	return len(cs) == batch, nil
}

// apply makes one change and, in one transaction, records its outcome,
// writes the audit log and tells the seller. A stock count is set in
// that same transaction; refund decisions and hand-backs go through the
// inbox first, which commits them itself.
func (ap *Applier) apply(ctx context.Context, c concierge.SellerChange) error {
	var a args
	if err := json.Unmarshal([]byte(c.Args), &a); err != nil {
		return ap.finish(ctx, c, nil, "", fmt.Errorf("unreadable change: %w", err))
	}
	var p *concierge.Person
	err := ap.Store.InTx(ctx, func(tx StockTx) error {
		var err error
		p, err = tx.PersonByID(ctx, c.Person)
		return err
	})
	if errors.Is(err, concierge.ErrNotFound) {
		return ap.finish(ctx, c, nil, "", errors.New("the person was removed from the inbox"))
	}
	if err != nil {
		return err
	}
	if !p.Sees(c.Bot) {
		return ap.finish(ctx, c, p, "", fmt.Errorf("%s no longer sees this shop", p.Name))
	}
	switch Kind(c.Action) {
	case SetStock:
		if ap.Catalog == nil {
			return ap.finish(ctx, c, p, "", nil, func(tx StockTx) error {
				n, err := tx.SetStock(ctx, c.Bot, a.SKU, a.N)
				c.Before = strconv.Itoa(n) // the count it really had
				return err
			})
		}
		var n int
		if n, err = ap.Catalog.SetStock(ctx, c.Bot, a.SKU, a.N); err == nil {
			c.Before = strconv.Itoa(n)
		}
	case SetPrice:
		if ap.Catalog == nil {
			err = errors.New("prices cannot be changed from chat on this server")
			break
		}
		var old concierge.Money
		if old, err = ap.Catalog.SetPrice(ctx, c.Bot, a.SKU, a.Price); err == nil {
			c.Before = money.Format(old, c.Locale)
		}
	case Approve, Refuse:
		var pr *concierge.Proposal
		pr, err = ap.Inbox.Decide(ctx, p, a.Proposal, Kind(c.Action) == Approve, a.Note)
		if err == nil && pr != nil && pr.RefundError != "" {
			return ap.finish(ctx, c, p, "the refund was approved but not made yet: "+pr.RefundError+" (retry it in the inbox)", nil)
		}
	case HandBack:
		err = ap.handBack(ctx, p, a.Conv)
	default:
		err = fmt.Errorf("unknown change %q", c.Action)
	}
	return ap.finish(ctx, c, p, "", err)
}

// handBack claims a waiting conversation for p first, as a person does
// in the inbox before handing one back, then hands it back.
func (ap *Applier) handBack(ctx context.Context, p *concierge.Person, conv concierge.ConversationID) error {
	if err := ap.Inbox.Claim(ctx, p, conv); err != nil && concierge.ErrorCode(err) != concierge.CodeConflict {
		return err
	}
	return ap.Inbox.HandBack(ctx, p, conv, concierge.StateBot, "")
}

// finish records c's outcome once: applied (with the audit entry) or
// failed with why; also runs first, in the same transaction, when given.
func (ap *Applier) finish(ctx context.Context, c concierge.SellerChange, p *concierge.Person, note string, failure error, also ...func(tx StockTx) error) error {
	return ap.Store.InTx(ctx, func(tx StockTx) error {
		for _, f := range also {
			if err := f(tx); err != nil {
				failure = err
			}
		}
		state, result := concierge.ChangeApplied, note
		if failure != nil {
			state, result = concierge.ChangeFailed, failure.Error()
		}
		fresh, err := tx.FinishSellerChange(ctx, c.ID, state, result)
		if err != nil || !fresh {
			return err // finished by another worker
		}
		conv, err := tx.Conversation(ctx, c.Conversation)
		if err != nil {
			return err
		}
		if state == concierge.ChangeApplied {
			if err := tx.RecordAudit(ctx, concierge.AuditEntry{Person: p.Name, Bot: c.Bot, Action: c.Action, Target: c.Target,
				Before: c.Before, After: c.After, Via: string(conv.Channel), Detail: note}); err != nil {
				return err
			}
			msg := text(c.Locale, "done", c.Target, c.Before, c.After)
			if note != "" {
				msg += "\n" + note
			}
			_, err = tx.Emit(ctx, conv, Author, concierge.Message{Kind: concierge.MessageText, Text: msg})
			return err
		}
		_, err = tx.Emit(ctx, conv, Author, concierge.Message{Kind: concierge.MessageText, Text: text(c.Locale, "failed", result)})
		return err
	})
}
