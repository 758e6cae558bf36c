package seller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/jobloop"
	"github.com/conciergehq/concierge/internal/money"
)

// PushKinds are the pushes, each of which a person may switch off.
var PushKinds = []string{concierge.NewsHandoff, concierge.NewsRefund, concierge.NewsPayment, concierge.NewsStock}

// ParsePushKinds reads a comma-separated list of push kinds ("" is none).
func ParsePushKinds(s string) ([]string, error) {
	var out []string
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !slices.Contains(PushKinds, k) {
			return nil, fmt.Errorf("unknown push %q (pushes: %s)", k, strings.Join(PushKinds, ", "))
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// PushTx is the pusher's transaction.
type PushTx interface {
	concierge.Tx
	PushMark(ctx context.Context, kind string) (mark int64, ok bool, err error)
	MovePushMark(ctx context.Context, kind string, from int64, had bool, to int64) (bool, error)
	NewsAfter(ctx context.Context, kind string, mark int64, limit int) ([]concierge.SellerNews, error)
	NewZeroStock(ctx context.Context) ([]concierge.SellerNews, error)
	SellerLinks(ctx context.Context) ([]concierge.SellerLink, error)
	PersonByID(ctx context.Context, id int64) (*concierge.Person, error)
}

// PushStore runs the pusher's transactions.
type PushStore interface {
	InTx(ctx context.Context, fn func(tx PushTx) error) error
}

// Pusher tells linked sellers what happened in their shop: a new
// hand-off waiting, a refund proposal (to supervisors, who decide it), a
// failed payment, a product out of stock. It reads each from where it is
// recorded, after a mark moved in the same transaction as the messages
// it queues, so each is pushed once across restarts and replicas.
type Pusher struct {
	store   PushStore
	catalog Catalog
	log     *slog.Logger
	sent    func()
	// Poll is how often it looks (default 2s).
	Poll time.Duration
}

// NewPusher returns a Pusher; sent is called after pushes were queued.
func NewPusher(st PushStore, c Catalog, log *slog.Logger, sent func()) *Pusher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if sent == nil {
		sent = func() {}
	}
	return &Pusher{store: st, catalog: c, log: log, sent: sent, Poll: 2 * time.Second}
}

// Run pushes until ctx ends.
func (p *Pusher) Run(ctx context.Context) {
	jobloop.Run(ctx, jobloop.Config{Name: "seller pushes", Poll: p.Poll, Log: p.log}, p.Pass)
}

// errRaced undoes a pass whose marks another pass moved first.
var errRaced = errors.New("seller: another pass pushed first")

const newsBatch = 100

// Pass pushes what happened since the last pass.
func (p *Pusher) Pass(ctx context.Context) (more bool, err error) {
	queued := 0
	err = p.store.InTx(ctx, func(tx PushTx) error {
		queued = 0
		var news []concierge.SellerNews
		for _, kind := range []string{concierge.NewsHandoff, concierge.NewsRefund, concierge.NewsPayment} {
			mark, had, err := tx.PushMark(ctx, kind)
			if err != nil {
				return err
			}
			var ns []concierge.SellerNews
			if had {
				if ns, err = tx.NewsAfter(ctx, kind, mark, newsBatch); err != nil {
					return err
				}
			}
			more = more || len(ns) == newsBatch
			to := mark
			if len(ns) > 0 {
				to = ns[len(ns)-1].Mark
			}
			if !had || to != mark {
				ok, err := tx.MovePushMark(ctx, kind, mark, had, to)
				if err != nil {
					return err
				}
				if !ok {
					return errRaced
				}
			}
			news = append(news, ns...)
		}
		zero, err := tx.NewZeroStock(ctx)
		if err != nil {
			return err
		}
		news = append(news, zero...)
		if len(news) == 0 {
			return nil
		}
		links, err := tx.SellerLinks(ctx)
		if err != nil {
			return err
		}
		for _, l := range links {
			n, err := p.pushTo(ctx, tx, l, news)
			if err != nil {
				return err
			}
			queued += n
		}
		return nil
	})
	if errors.Is(err, errRaced) {
		return true, nil
	}
	if err == nil && queued > 0 {
		p.sent()
	}
	return more, err
}

// pushTo queues to l's chat the news that the person sees and has not
// switched off: of the chat's shop, and, when the catalog lists the
// server's shops (ShopLister), of the other shops the person sees, named
// before the news.
func (p *Pusher) pushTo(ctx context.Context, tx PushTx, l concierge.SellerLink, news []concierge.SellerNews) (int, error) {
	var person *concierge.Person
	var conv *concierge.Conversation
	n := 0
	for _, x := range news {
		if slices.Contains(l.PushesOff, x.Kind) {
			continue
		}
		if _, several := p.catalog.(ShopLister); x.Bot != l.Bot && !several {
			continue
		}
		if person == nil {
			var err error
			if person, err = tx.PersonByID(ctx, l.Person); err != nil {
				return n, err
			}
			if conv, err = tx.Conversation(ctx, l.Conversation); err != nil {
				return n, err
			}
		}
		if !person.Sees(x.Bot) || (x.Kind == concierge.NewsRefund && person.Role != concierge.RoleSupervisor) {
			continue
		}
		if x.Kind == concierge.NewsRefund && (x.Proposal == nil || !x.Proposal.Refunds() || x.Proposal.Status != concierge.ProposalOpen) {
			continue
		}
		if x.Kind == concierge.NewsStock && !p.physical(x) {
			continue // a digital product or one no longer sold runs out of nothing
		}
		t := p.text(x, localeOfConv(conv))
		if x.Bot != l.Bot {
			name := string(x.Bot)
			if b := p.catalog.Bot(x.Bot); b != nil && b.Name != "" {
				name = b.Name
			}
			t = name + ": " + t
		}
		if _, err := tx.Emit(ctx, conv, Author, concierge.Message{Kind: concierge.MessageText, Text: t}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func localeOfConv(c *concierge.Conversation) concierge.Locale {
	switch l := string(c.Locale); {
	case strings.HasPrefix(l, "zh"):
		return "zh"
	case strings.HasPrefix(l, "fr"):
		return "fr"
	}
	return "en"
}

// physical reports whether x's product is in the bot's catalog and not
// digital.
func (p *Pusher) physical(x concierge.SellerNews) bool {
	b := p.catalog.Bot(x.Bot)
	if b == nil {
		return false
	}
	pr := b.Product(x.SKU)
	return pr != nil && !pr.Digital
}

func (p *Pusher) text(x concierge.SellerNews, loc concierge.Locale) string {
	switch x.Kind {
	case concierge.NewsHandoff:
		return text(loc, "push_handoff", x.Conversation, x.Reason)
	case concierge.NewsRefund:
		return text(loc, "push_proposal", x.Proposal.ID, x.Order, money.Format(x.Proposal.Amount, loc), x.Proposal.Suggest)
	case concierge.NewsPayment:
		return text(loc, "push_payment", x.Order, fmt.Sprintf("#%d", x.Conversation), x.Reason)
	}
	name := string(x.SKU)
	if b := p.catalog.Bot(x.Bot); b != nil {
		if pr := b.Product(x.SKU); pr != nil {
			name = pr.Title(loc, b.DefaultLocale())
		}
	}
	return text(loc, "push_stock", name, x.SKU)
}
