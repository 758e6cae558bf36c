package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/conciergehq/concierge"
)

// The news pushed to linked sellers is read from where it is already
// recorded (handoffs, proposals, payment_failures, stock), after a mark
// per source kept in seller_push_marks; moving a mark is a compare and
// swap, so of two replicas pushing at once one does and the other's
// transaction changes nothing.

// newsQueries read each source after a mark, oldest first.
var newsQueries = map[string]string{
	concierge.NewsHandoff: `SELECT h.id, c.bot, h.conversation_id, h.reason FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE h.id > ? AND h.to_state = 'waiting' ORDER BY h.id LIMIT ?`,
	concierge.NewsPayment: `SELECT f.at, o.bot, o.conversation_id, f.order_id, f.provider || ': ' || f.reason FROM payment_failures f JOIN orders o ON o.id = f.order_id
		WHERE f.at > ? ORDER BY f.at LIMIT ?`,
}

// newsLatest is where a source stands now: a first pass starts there,
// so that a server linking its first seller does not push its history.
var newsLatest = map[string]string{
	concierge.NewsHandoff: `SELECT COALESCE(MAX(id), 0) FROM handoffs`,
	concierge.NewsRefund:  `SELECT COALESCE(MAX(id), 0) FROM proposals`,
	concierge.NewsPayment: `SELECT COALESCE(MAX(at), 0) FROM payment_failures`,
}

// PushMark returns how far kind was pushed; ok is false before the
// first pass, which then starts from where the source stands now.
func (tx *Tx) PushMark(ctx context.Context, kind string) (mark int64, ok bool, err error) {
	err = tx.queryRow(ctx, `SELECT mark FROM seller_push_marks WHERE kind = ?`, kind).Scan(&mark)
	if errors.Is(err, sql.ErrNoRows) {
		q, known := newsLatest[kind]
		if !known {
			return 0, false, fmt.Errorf("store: push mark: unknown kind %q", kind)
		}
		err = tx.queryRow(ctx, q).Scan(&mark)
		return mark, false, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: push mark: %w", err)
	}
	return mark, true, nil
}

// MovePushMark moves kind's mark from from (had: whether one was stored)
// to to; false when another pass moved it first.
func (tx *Tx) MovePushMark(ctx context.Context, kind string, from int64, had bool, to int64) (bool, error) {
	var res sql.Result
	var err error
	if had {
		res, err = tx.exec(ctx, `UPDATE seller_push_marks SET mark = ? WHERE kind = ? AND mark = ?`, to, kind, from)
	} else {
		res, err = tx.exec(ctx, `INSERT INTO seller_push_marks (kind, mark) VALUES (?, ?) ON CONFLICT (kind) DO NOTHING`, kind, to)
	}
	if err != nil {
		return false, fmt.Errorf("store: move push mark: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// NewsAfter reads up to limit news of kind after mark, oldest first.
func (tx *Tx) NewsAfter(ctx context.Context, kind string, mark int64, limit int) ([]concierge.SellerNews, error) {
	if kind == concierge.NewsRefund {
		rows, err := tx.query(ctx, `SELECT `+proposalCols+` FROM proposals WHERE id > ? ORDER BY id LIMIT ?`, mark, limit)
		if err != nil {
			return nil, fmt.Errorf("store: news: %w", err)
		}
		ps, err := collect(rows, scanProposal)
		if err != nil {
			return nil, fmt.Errorf("store: news: %w", err)
		}
		out := make([]concierge.SellerNews, len(ps))
		for i, p := range ps {
			out[i] = concierge.SellerNews{Kind: kind, Mark: p.ID, Bot: p.Bot, Conversation: p.Conversation, Proposal: p, Order: p.Order}
		}
		return out, nil
	}
	q, ok := newsQueries[kind]
	if !ok {
		return nil, fmt.Errorf("store: news: unknown kind %q", kind)
	}
	rows, err := tx.query(ctx, q, mark, limit)
	if err != nil {
		return nil, fmt.Errorf("store: news: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (concierge.SellerNews, error) {
		n := concierge.SellerNews{Kind: kind}
		var bot, order string
		var err error
		if kind == concierge.NewsPayment {
			err = r.Scan(&n.Mark, &bot, &n.Conversation, &order, &n.Reason)
		} else {
			err = r.Scan(&n.Mark, &bot, &n.Conversation, &n.Reason)
		}
		n.Bot, n.Order = concierge.BotID(bot), concierge.OrderID(order)
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: news: %w", err)
	}
	return out, nil
}

// NewZeroStock returns the products whose stock reached zero since the
// last call, and forgets those stocked again, so each time a product
// runs out is news once.
func (tx *Tx) NewZeroStock(ctx context.Context) ([]concierge.SellerNews, error) {
	if _, err := tx.exec(ctx, `DELETE FROM seller_zero_stock WHERE EXISTS
		(SELECT 1 FROM stock s WHERE s.bot = seller_zero_stock.bot AND s.sku = seller_zero_stock.sku AND s.quantity > 0)`); err != nil {
		return nil, fmt.Errorf("store: zero stock: %w", err)
	}
	rows, err := tx.query(ctx, `SELECT s.bot, s.sku FROM stock s WHERE s.quantity <= 0
		AND NOT EXISTS (SELECT 1 FROM seller_zero_stock z WHERE z.bot = s.bot AND z.sku = s.sku) ORDER BY s.bot, s.sku`)
	if err != nil {
		return nil, fmt.Errorf("store: zero stock: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (concierge.SellerNews, error) {
		var bot, sku string
		err := r.Scan(&bot, &sku)
		return concierge.SellerNews{Kind: concierge.NewsStock, Bot: concierge.BotID(bot), SKU: concierge.SKU(sku)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: zero stock: %w", err)
	}
	for _, n := range out {
		if _, err := tx.exec(ctx, `INSERT INTO seller_zero_stock (bot, sku) VALUES (?, ?) ON CONFLICT (bot, sku) DO NOTHING`, string(n.Bot), string(n.SKU)); err != nil {
			return nil, fmt.Errorf("store: zero stock: %w", err)
		}
	}
	return out, nil
}

// SellerLinks lists every linked chat inside tx.
func (tx *Tx) SellerLinks(ctx context.Context) ([]concierge.SellerLink, error) {
	rows, err := tx.query(ctx, `SELECT `+sellerLinkCols+sellerLinkFrom+` ORDER BY u.name`)
	if err != nil {
		return nil, fmt.Errorf("store: seller links: %w", err)
	}
	out, err := collect(rows, scanSellerLink)
	if err != nil {
		return nil, fmt.Errorf("store: seller links: %w", err)
	}
	return out, nil
}
