package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// The seller's assistant: link codes, linked chats, the
// changes asked from a chat, the audit log and the reads behind a
// seller's everyday questions.

// CreateLinkCode stores a new one-time code for a person; the person's
// earlier codes that were not used stop working, so only the last code
// printed links.
func (db *DB) CreateLinkCode(ctx context.Context, c concierge.LinkCode) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM seller_codes WHERE person_id = ? AND used_at = 0`, c.Person); err != nil {
			return fmt.Errorf("store: create link code: %w", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO seller_codes (hash, person_id, channel, account, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.Hash, c.Person, string(c.Channel), c.Account, db.millis(tx.now), db.millis(c.ExpiresAt))
		if err != nil {
			return fmt.Errorf("store: create link code: %w", err)
		}
		return nil
	})
}

// LinkCode reads a code by its hash, used or not, or an error wrapping
// concierge.ErrNotFound.
func (tx *Tx) LinkCode(ctx context.Context, hash string) (*concierge.LinkCode, error) {
	var c concierge.LinkCode
	var ch string
	var created, expires, used int64
	err := tx.queryRow(ctx, `SELECT hash, person_id, channel, account, created_at, expires_at, used_at FROM seller_codes WHERE hash = ?`, hash).
		Scan(&c.Hash, &c.Person, &ch, &c.Account, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: link code: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: link code: %w", err)
	}
	c.Channel, c.CreatedAt, c.ExpiresAt, c.UsedAt = concierge.Channel(ch), fromMillis(created), fromMillis(expires), fromMillis(used)
	return &c, nil
}

// UseLinkCode marks a live code used; false when it was used before or
// has expired, so that of two chats sending one code, one links.
func (tx *Tx) UseLinkCode(ctx context.Context, hash string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE seller_codes SET used_at = ? WHERE hash = ? AND used_at = 0 AND expires_at > ?`,
		tx.db.millis(tx.now), hash, tx.db.millis(tx.now))
	if err != nil {
		return false, fmt.Errorf("store: use link code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// LinkFailures counts the failed link attempts recorded under key at or
// after since.
func (tx *Tx) LinkFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM seller_link_attempts WHERE key = ? AND at >= ?`, key, tx.db.millis(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: link failures: %w", err)
	}
	return n, nil
}

// RecordLinkFailure records a failed attempt under each key and forgets
// every attempt older than prune.
func (tx *Tx) RecordLinkFailure(ctx context.Context, keys []string, prune time.Time) error {
	for _, k := range keys {
		if _, err := tx.exec(ctx, `INSERT INTO seller_link_attempts (key, at) VALUES (?, ?)`, k, tx.db.millis(tx.now)); err != nil {
			return fmt.Errorf("store: record link failure: %w", err)
		}
	}
	if _, err := tx.exec(ctx, `DELETE FROM seller_link_attempts WHERE at < ?`, tx.db.millis(prune)); err != nil {
		return fmt.Errorf("store: record link failure: %w", err)
	}
	return nil
}

// LinkChat makes l's chat the person's linked chat, in place of any
// other they had.
func (tx *Tx) LinkChat(ctx context.Context, l concierge.SellerLink) error {
	if _, err := tx.exec(ctx, `DELETE FROM seller_links WHERE person_id = ?`, l.Person); err != nil {
		return fmt.Errorf("store: link chat: %w", err)
	}
	_, err := tx.exec(ctx, `INSERT INTO seller_links (person_id, bot, channel, chat, conversation_id, linked_at) VALUES (?, ?, ?, ?, ?, ?)`,
		l.Person, string(l.Bot), string(l.Channel), string(l.Chat), l.Conversation, tx.db.millis(tx.now))
	if err != nil {
		return fmt.Errorf("store: link chat: %w", err)
	}
	return nil
}

const sellerLinkCols = `l.person_id, u.name, l.bot, l.channel, l.chat, l.conversation_id, l.linked_at, COALESCE(s.pushes_off, ''), l.shop`

const sellerLinkFrom = ` FROM seller_links l JOIN inbox_users u ON u.id = l.person_id LEFT JOIN seller_settings s ON s.person_id = l.person_id`

func scanSellerLink(row interface{ Scan(...any) error }) (concierge.SellerLink, error) {
	var l concierge.SellerLink
	var bot, ch, chat, off, shop string
	var at int64
	if err := row.Scan(&l.Person, &l.Name, &bot, &ch, &chat, &l.Conversation, &at, &off, &shop); err != nil {
		return l, err
	}
	l.Shop = concierge.BotID(shop)
	l.Bot, l.Channel, l.Chat, l.LinkedAt = concierge.BotID(bot), concierge.Channel(ch), concierge.ChatID(chat), fromMillis(at)
	for _, k := range strings.Split(off, ",") {
		if k != "" {
			l.PushesOff = append(l.PushesOff, k)
		}
	}
	return l, nil
}

// SellerLinkOf returns the link of a chat, or nil when the chat is not
// linked to anyone.
func (tx *Tx) SellerLinkOf(ctx context.Context, bot concierge.BotID, ch concierge.Channel, chat concierge.ChatID) (*concierge.SellerLink, error) {
	l, err := scanSellerLink(tx.queryRow(ctx, `SELECT `+sellerLinkCols+sellerLinkFrom+` WHERE l.bot = ? AND l.channel = ? AND l.chat = ?`,
		string(bot), string(ch), string(chat)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: seller link: %w", err)
	}
	return &l, nil
}

// SetSellerShop records the shop person's commands apply to from their
// linked chat ("" for the chat's own bot); a person with no link changes
// nothing.
func (tx *Tx) SetSellerShop(ctx context.Context, person int64, shop concierge.BotID) error {
	if _, err := tx.exec(ctx, `UPDATE seller_links SET shop = ? WHERE person_id = ?`, string(shop), person); err != nil {
		return fmt.Errorf("store: seller shop: %w", err)
	}
	return nil
}

// SellerLinks lists every linked chat, by person name.
func (db *DB) SellerLinks(ctx context.Context) ([]concierge.SellerLink, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT `+sellerLinkCols+sellerLinkFrom+` ORDER BY u.name`))
	if err != nil {
		return nil, fmt.Errorf("store: seller links: %w", err)
	}
	out, err := collect(rows, scanSellerLink)
	if err != nil {
		return nil, fmt.Errorf("store: seller links: %w", err)
	}
	return out, nil
}

// Unlink forgets the person's linked chat and their unused codes; false
// when they had no link.
func (db *DB) Unlink(ctx context.Context, name string) (bool, error) {
	var linked bool
	err := db.InTx(ctx, func(tx *Tx) error {
		id, err := tx.personID(ctx, name)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM seller_links WHERE person_id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: unlink: %w", err)
		}
		n, _ := res.RowsAffected()
		linked = n > 0
		if _, err := tx.exec(ctx, `DELETE FROM seller_codes WHERE person_id = ?`, id); err != nil {
			return fmt.Errorf("store: unlink: %w", err)
		}
		return nil
	})
	return linked, err
}

// forgetSeller deletes everything of the seller's assistant kept for a
// person; RemoveInboxUser calls it, so a person removed from the inbox
// is unlinked in the same transaction.
func (tx *Tx) forgetSeller(ctx context.Context, person int64) error {
	for _, q := range []string{
		`DELETE FROM seller_links WHERE person_id = ?`,
		`DELETE FROM seller_codes WHERE person_id = ?`,
		`DELETE FROM seller_settings WHERE person_id = ?`,
		`UPDATE seller_changes SET state = 'cancelled', result = 'the person was removed from the inbox' WHERE person_id = ? AND state IN ('proposed', 'confirmed')`,
	} {
		if _, err := tx.exec(ctx, q, person); err != nil {
			return fmt.Errorf("store: unlink removed person: %w", err)
		}
	}
	return nil
}

func (tx *Tx) personID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM inbox_users WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: person %q: %w", name, concierge.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: person: %w", err)
	}
	return id, nil
}

// PersonByID reads a person, or an error wrapping concierge.ErrNotFound
// (removed since).
func (tx *Tx) PersonByID(ctx context.Context, id int64) (*concierge.Person, error) {
	p, err := scanPerson(tx.queryRow(ctx, `SELECT `+personCols+` FROM inbox_users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: person: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: person: %w", err)
	}
	return p, nil
}

// SetPushesOff records which pushes a person switched off (replacing the
// earlier list).
func (db *DB) SetPushesOff(ctx context.Context, name string, kinds []string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		id, err := tx.personID(ctx, name)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO seller_settings (person_id, pushes_off) VALUES (?, ?)
			ON CONFLICT (person_id) DO UPDATE SET pushes_off = excluded.pushes_off`, id, strings.Join(kinds, ","))
		if err != nil {
			return fmt.Errorf("store: set pushes: %w", err)
		}
		return nil
	})
}

// PushesOff returns the pushes a person switched off.
func (db *DB) PushesOff(ctx context.Context, name string) ([]string, error) {
	var off string
	err := db.r.QueryRowContext(ctx, db.q(`SELECT COALESCE(s.pushes_off, '') FROM inbox_users u LEFT JOIN seller_settings s ON s.person_id = u.id WHERE u.name = ?`), name).Scan(&off)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: pushes of %q: %w", name, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: pushes: %w", err)
	}
	var out []string
	for _, k := range strings.Split(off, ",") {
		if k != "" {
			out = append(out, k)
		}
	}
	return out, nil
}
