package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

const cartQuery = `SELECT sku, quantity, offer FROM cart_lines WHERE conversation_id = ? ORDER BY added_at, sku`

// Cart returns a conversation's cart lines in the order they were added.
func (tx *Tx) Cart(ctx context.Context, conv concierge.ConversationID) ([]concierge.CartLine, error) {
	rows, err := tx.query(ctx, cartQuery, conv)
	if err != nil {
		return nil, fmt.Errorf("store: cart: %w", err)
	}
	return scanCart(rows)
}

func scanCart(rows *sql.Rows) ([]concierge.CartLine, error) {
	defer rows.Close()
	var out []concierge.CartLine
	for rows.Next() {
		var l concierge.CartLine
		var sku, offer string
		if err := rows.Scan(&sku, &l.Quantity, &offer); err != nil {
			return nil, fmt.Errorf("store: cart: %w", err)
		}
		l.SKU = concierge.SKU(sku)
		if offer != "" {
			l.Offer = new(concierge.Offer)
			if err := json.Unmarshal([]byte(offer), l.Offer); err != nil {
				return nil, fmt.Errorf("store: cart line %s: %w", sku, err)
			}
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetCartLine sets the quantity of sku in the cart; zero removes it.
func (tx *Tx) SetCartLine(ctx context.Context, conv concierge.ConversationID, sku concierge.SKU, qty int) error {
	var err error
	if qty <= 0 {
		_, err = tx.exec(ctx, `DELETE FROM cart_lines WHERE conversation_id = ? AND sku = ?`, conv, string(sku))
	} else {
		_, err = tx.exec(ctx, `INSERT INTO cart_lines (conversation_id, sku, quantity, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (conversation_id, sku) DO UPDATE SET quantity = excluded.quantity`,
			conv, string(sku), qty, tx.db.millis(tx.now))
	}
	if err != nil {
		return fmt.Errorf("store: set cart line: %w", err)
	}
	return nil
}

// SetCartOffer sets the cart line of a supplier's offer: its quantity and
// the offer as it is now (its price); zero removes it.
func (tx *Tx) SetCartOffer(ctx context.Context, conv concierge.ConversationID, o concierge.Offer, qty int) error {
	if !o.SKU.IsOffer() {
		return fmt.Errorf("store: set cart offer: %q is not an offer's SKU", o.SKU)
	}
	if qty <= 0 {
		return tx.SetCartLine(ctx, conv, o.SKU, 0)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("store: set cart offer: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO cart_lines (conversation_id, sku, quantity, added_at, offer) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (conversation_id, sku) DO UPDATE SET quantity = excluded.quantity, offer = excluded.offer`,
		conv, string(o.SKU), qty, tx.db.millis(tx.now), string(b))
	if err != nil {
		return fmt.Errorf("store: set cart offer: %w", err)
	}
	return nil
}

// ClearCart empties a conversation's cart.
func (tx *Tx) ClearCart(ctx context.Context, conv concierge.ConversationID) error {
	if _, err := tx.exec(ctx, `DELETE FROM cart_lines WHERE conversation_id = ?`, conv); err != nil {
		return fmt.Errorf("store: clear cart: %w", err)
	}
	return nil
}

// SeedStock records the merchant's starting stock of each product the first
// time the store sees it; later starts leave the live count alone. A SKU
// listed twice keeps its first count. It runs at every start for every
// product of every bot, so the products go in batches, one statement each
// (see seedStockQuery), where one INSERT per product took 0.2 CPU-s at
// 10,000 products.
func (db *DB) SeedStock(ctx context.Context, bot concierge.BotID, products []concierge.Product) error {
	query, batch := db.seedStockQuery()
	return db.InTx(ctx, func(tx *Tx) error {
		for len(products) > 0 {
			n := min(len(products), batch)
			if _, err := tx.exec(ctx, query, db.seedArgs(bot, products[:n], batch)...); err != nil {
				return fmt.Errorf("store: seed stock: %w", err)
			}
			products = products[n:]
		}
		return nil
	})
}

// seedStockQuery returns the statement that inserts a batch of products'
// stock in the batch's order, leaving the rows that exist alone, and how
// many products it takes. PostgreSQL reads the batch as two arrays, a
// text[] of SKUs and a bigint[] of counts (10,000 at a time, to bound
// their size); SQLite, which has no arrays, as 500 rows of VALUES (1,500
// parameters, well below its limit of 32,766). Either way every batch is
// the same cached statement.
func (db *DB) seedStockQuery() (string, int) {
	if db.dialect == Postgres {
		return `INSERT INTO stock (bot, sku, quantity)
SELECT ?, s.sku, s.quantity FROM unnest(CAST(? AS text[]), CAST(? AS bigint[])) WITH ORDINALITY AS s(sku, quantity, n)
ORDER BY s.n ON CONFLICT (bot, sku) DO NOTHING`, pgSeedBatch
	}
	return `INSERT INTO stock (bot, sku, quantity) VALUES (?, ?, ?)` + strings.Repeat(", (?, ?, ?)", sqliteSeedBatch-1) +
		` ON CONFLICT (bot, sku) DO NOTHING`, sqliteSeedBatch
}

// The batches of SeedStock.
const (
	pgSeedBatch     = 10000
	sqliteSeedBatch = 500
)

// seedArgs returns the arguments of seedStockQuery for a batch of products.
// On SQLite a shorter batch is padded with its last product, as Stocks
// pads its SKUs: the copies conflict with the first and do nothing.
func (db *DB) seedArgs(bot concierge.BotID, products []concierge.Product, batch int) []any {
	if db.dialect == Postgres {
		skus := make([]string, len(products))
		counts := make([]int64, len(products))
		for i, p := range products {
			skus[i], counts[i] = string(p.SKU), int64(p.Stock)
		}
		return []any{string(bot), skus, counts}
	}
	args := make([]any, 0, 3*batch)
	for i := range batch {
		p := products[min(i, len(products)-1)]
		args = append(args, string(bot), string(p.SKU), p.Stock)
	}
	return args
}

// Stock returns the live stock of sku.
func (tx *Tx) Stock(ctx context.Context, bot concierge.BotID, sku concierge.SKU) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT quantity FROM stock WHERE bot = ? AND sku = ?`, string(bot), string(sku)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: stock: %w", err)
	}
	return n, nil
}

// stockBatch is how many SKUs one Stocks query reads (a search's most
// results). Shorter lists are padded with their last SKU, so every call is
// the same cached prepared statement.
const stockBatch = 20

var stocksQuery = `SELECT sku, quantity FROM stock WHERE bot = ? AND sku IN (?` + strings.Repeat(", ?", stockBatch-1) + `)`

// Stocks returns the stock of each of skus (0 for a product without a
// stock row) with one query per 20 SKUs, where a search showing 20
// products would otherwise make 20.
func (tx *Tx) Stocks(ctx context.Context, bot concierge.BotID, skus []concierge.SKU) (map[concierge.SKU]int, error) {
	out := make(map[concierge.SKU]int, len(skus))
	args := make([]any, stockBatch+1)
	for len(skus) > 0 {
		n := min(len(skus), stockBatch)
		args[0] = string(bot)
		for i := range stockBatch {
			args[i+1] = string(skus[min(i, n-1)])
		}
		rows, err := tx.query(ctx, stocksQuery, args...)
		if err != nil {
			return nil, fmt.Errorf("store: stocks: %w", err)
		}
		for rows.Next() {
			var sku string
			var q int
			if err := rows.Scan(&sku, &q); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: stocks: %w", err)
			}
			out[concierge.SKU(sku)] = q
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: stocks: %w", err)
		}
		for _, s := range skus[:n] {
			if _, ok := out[s]; !ok {
				out[s] = 0
			}
		}
		skus = skus[n:]
	}
	return out, nil
}

// StockLevels returns the live stock of every product of bot.
func (db *DB) StockLevels(ctx context.Context, bot concierge.BotID) (map[concierge.SKU]int, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT sku, quantity FROM stock WHERE bot = ?`), string(bot))
	if err != nil {
		return nil, fmt.Errorf("store: stock levels: %w", err)
	}
	defer rows.Close()
	out := map[concierge.SKU]int{}
	for rows.Next() {
		var sku string
		var n int
		if err := rows.Scan(&sku, &n); err != nil {
			return nil, fmt.Errorf("store: stock levels: %w", err)
		}
		out[concierge.SKU(sku)] = n
	}
	return out, rows.Err()
}

// adjustStock adds delta to sku's stock; a negative delta fails with
// ErrOutOfStock rather than going below zero.
func (tx *Tx) adjustStock(ctx context.Context, bot concierge.BotID, sku concierge.SKU, delta int) error {
	if sku.IsOffer() {
		return nil // the supplier keeps its own count; checkout asked it
	}
	res, err := tx.exec(ctx, `UPDATE stock SET quantity = quantity + ? WHERE bot = ? AND sku = ? AND quantity + ? >= 0`,
		delta, string(bot), string(sku), delta)
	if err != nil {
		return fmt.Errorf("store: stock: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: stock of %s: %w", sku, concierge.ErrOutOfStock)
	}
	if delta != 0 {
		tx.stockChanged(bot)
	}
	return nil
}

// CreateOrder stores a new order and reserves its stock, all or nothing. An
// error wrapping ErrOutOfStock names the first product short of stock.
func (tx *Tx) CreateOrder(ctx context.Context, o *concierge.Order) error {
	for i, l := range o.Lines {
		if err := tx.adjustStock(ctx, o.Bot, l.SKU, -l.Quantity); err != nil {
			// Give back what the earlier lines took: the caller may well
			// handle the refusal and commit the transaction.
			for _, back := range o.Lines[:i] {
				if rerr := tx.adjustStock(ctx, o.Bot, back.SKU, back.Quantity); rerr != nil {
					return errors.Join(err, rerr)
				}
			}
			return err
		}
	}
	lines, err := json.Marshal(o.Lines)
	if err != nil {
		return fmt.Errorf("store: create order: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO orders (id, bot, conversation_id, state, lines, total_minor, currency, provider, created_at, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(o.ID), string(o.Bot), o.Conversation, string(o.State), string(lines), o.Total.Minor, o.Total.Currency, o.Provider,
		tx.db.millis(o.CreatedAt), tx.db.millis(o.ExpiresAt), tx.db.millis(tx.now))
	if err != nil {
		return fmt.Errorf("store: create order: %w", err)
	}
	return nil
}

const orderCols = `id, bot, conversation_id, state, lines, total_minor, currency, provider, created_at, expires_at, paid_at`

func scanOrder(row interface{ Scan(...any) error }) (*concierge.Order, error) {
	var (
		o                      concierge.Order
		id, bot, state, lines  string
		created, expires, paid int64
	)
	if err := row.Scan(&id, &bot, &o.Conversation, &state, &lines, &o.Total.Minor, &o.Total.Currency, &o.Provider, &created, &expires, &paid); err != nil {
		return nil, err
	}
	o.ID, o.Bot, o.State = concierge.OrderID(id), concierge.BotID(bot), concierge.OrderState(state)
	o.CreatedAt, o.ExpiresAt, o.PaidAt = fromMillis(created), fromMillis(expires), fromMillis(paid)
	if err := json.Unmarshal([]byte(lines), &o.Lines); err != nil {
		return nil, fmt.Errorf("order %s lines: %w", id, err)
	}
	return &o, nil
}

// Order returns an order by id, or an error wrapping ErrNotFound.
func (tx *Tx) Order(ctx context.Context, id concierge.OrderID) (*concierge.Order, error) {
	o, err := scanOrder(tx.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE id = ?`, string(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: order %s: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: order %s: %w", id, err)
	}
	return o, nil
}

// GetOrder reads an order outside a transaction.
func (db *DB) GetOrder(ctx context.Context, id concierge.OrderID) (*concierge.Order, error) {
	o, err := scanOrder(db.r.QueryRowContext(ctx, db.q(`SELECT `+orderCols+` FROM orders WHERE id = ?`), string(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: order %s: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: order %s: %w", id, err)
	}
	return o, nil
}

const ordersQuery = `SELECT ` + orderCols + ` FROM orders WHERE conversation_id = ? ORDER BY created_at DESC, id DESC`

// Orders returns a conversation's orders, newest first.
func (tx *Tx) Orders(ctx context.Context, conv concierge.ConversationID) ([]*concierge.Order, error) {
	rows, err := tx.query(ctx, ordersQuery, conv)
	if err != nil {
		return nil, fmt.Errorf("store: orders: %w", err)
	}
	return scanOrders(rows)
}

func scanOrders(rows *sql.Rows) ([]*concierge.Order, error) {
	out, err := collect(rows, scanOrder)
	if err != nil {
		return nil, fmt.Errorf("store: orders: %w", err)
	}
	return out, nil
}

// TransitionOrder moves an order from one state to another following the
// order state machine, releasing its stock when the new state no longer
// holds it. It fails with ErrBadTransition if the order is not in from (it
// changed meanwhile) or the move is not allowed.
func (tx *Tx) TransitionOrder(ctx context.Context, o *concierge.Order, to concierge.OrderState) error {
	if err := o.State.Transition(to); err != nil {
		return fmt.Errorf("store: order %s: %w", o.ID, err)
	}
	paidAt := int64(0)
	if to == concierge.OrderPaid {
		paidAt = tx.db.millis(tx.now)
	}
	res, err := tx.exec(ctx, `UPDATE orders SET state = ?, paid_at = CASE WHEN CAST(? AS BIGINT) > 0 THEN CAST(? AS BIGINT) ELSE paid_at END, updated_at = ? WHERE id = ? AND state = ?`,
		string(to), paidAt, paidAt, tx.db.millis(tx.now), string(o.ID), string(o.State))
	if err != nil {
		return fmt.Errorf("store: order %s: %w", o.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: order %s changed meanwhile: %w", o.ID, concierge.ErrBadTransition)
	}
	if o.State.HoldsStock() && !to.HoldsStock() && to != concierge.OrderRefunded {
		for _, l := range o.Lines {
			if err := tx.adjustStock(ctx, o.Bot, l.SKU, l.Quantity); err != nil {
				return err
			}
		}
	}
	o.State = to
	if paidAt > 0 {
		o.PaidAt = tx.now
	}
	return nil
}

// RecordPayment stores a verified payment. It returns false, and changes
// nothing, when the same (provider, provider ref) was recorded before: that
// is what makes a repeated notification harmless.
func (tx *Tx) RecordPayment(ctx context.Context, p concierge.Payment) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO payments (provider, provider_ref, order_id, amount_minor, currency, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (provider, provider_ref) DO NOTHING`,
		p.Provider, p.ProviderRef, string(p.Order), p.Amount.Minor, p.Amount.Currency, tx.db.millis(p.At))
	if err != nil {
		return false, fmt.Errorf("store: record payment: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const paymentsQuery = `SELECT provider, provider_ref, amount_minor, currency, at FROM payments WHERE order_id = ? ORDER BY at`

// Payments lists the payments recorded for an order.
func (db *DB) Payments(ctx context.Context, order concierge.OrderID) ([]concierge.Payment, error) {
	rows, err := db.r.QueryContext(ctx, db.q(paymentsQuery), string(order))
	if err != nil {
		return nil, fmt.Errorf("store: payments: %w", err)
	}
	return scanPayments(rows, order)
}

func scanPayments(rows *sql.Rows, order concierge.OrderID) ([]concierge.Payment, error) {
	defer rows.Close()
	var out []concierge.Payment
	for rows.Next() {
		p := concierge.Payment{Order: order}
		var at int64
		if err := rows.Scan(&p.Provider, &p.ProviderRef, &p.Amount.Minor, &p.Amount.Currency, &at); err != nil {
			return nil, fmt.Errorf("store: payments: %w", err)
		}
		p.At = fromMillis(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ExpiredOrders returns up to limit orders still pending payment whose
// reservation ran out before now.
func (tx *Tx) ExpiredOrders(ctx context.Context, now time.Time, limit int) ([]*concierge.Order, error) {
	rows, err := tx.query(ctx, `SELECT `+orderCols+` FROM orders WHERE state = ? AND expires_at < ? ORDER BY expires_at LIMIT ?`,
		string(concierge.OrderPending), tx.db.millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: expired orders: %w", err)
	}
	out, err := collect(rows, scanOrder)
	if err != nil {
		return nil, fmt.Errorf("store: expired orders: %w", err)
	}
	return out, nil
}

// PendingOrdersOf returns up to limit orders of provider still pending
// payment, created before createdBefore and expiring before expiresBefore,
// soonest to expire first: the orders whose payment notification may have
// been lost, for the provider's reconciliation.
func (db *DB) PendingOrdersOf(ctx context.Context, provider string, createdBefore, expiresBefore time.Time, limit int) ([]*concierge.Order, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT `+orderCols+` FROM orders WHERE state = ? AND provider = ? AND created_at < ? AND expires_at < ?
		ORDER BY expires_at, id LIMIT ?`), string(concierge.OrderPending), provider, db.millis(createdBefore), db.millis(expiresBefore), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending orders: %w", err)
	}
	out, err := collect(rows, scanOrder)
	if err != nil {
		return nil, fmt.Errorf("store: pending orders: %w", err)
	}
	return out, nil
}

// OrderCounts returns the number of orders in each state, for metrics.
func (db *DB) OrderCounts(ctx context.Context) (map[concierge.OrderState]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT state, count(*) FROM orders GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("store: order counts: %w", err)
	}
	defer rows.Close()
	out := map[concierge.OrderState]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("store: order counts: %w", err)
		}
		out[concierge.OrderState(s)] = n
	}
	return out, rows.Err()
}
