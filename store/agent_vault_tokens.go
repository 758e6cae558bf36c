package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// keepVaultTokens is how long a vault token is kept after it expired, so
// that an agent's late use of it is refused as expired rather than as
// unknown.
const keepVaultTokens = 48 * time.Hour

// SaveVaultToken stores a vault token that pays session of bot once, up
// to max, before expires. It holds no card data. Tokens of any bot that
// expired more than two days ago are forgotten on the way.
func (tx *Tx) SaveVaultToken(ctx context.Context, id string, bot concierge.BotID, session string, max concierge.Money, expires time.Time) error {
	now := tx.db.millis(tx.now)
	if _, err := tx.exec(ctx, `DELETE FROM agent_vault_tokens WHERE expires_at < ?`, tx.db.millis(tx.now.Add(-keepVaultTokens))); err != nil {
		return fmt.Errorf("store: prune vault tokens: %w", err)
	}
	_, err := tx.exec(ctx, `INSERT INTO agent_vault_tokens (id, bot, session_id, max_minor, currency, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, string(bot), session, max.Minor, max.Currency, tx.db.millis(expires), now)
	if err != nil {
		return fmt.Errorf("store: save vault token: %w", err)
	}
	return nil
}

// VaultToken returns vault token id of bot: the session it pays, its
// allowance, when it expires and the order it paid ("" while unused),
// locked for the rest of the transaction on PostgreSQL (SQLite has one
// writer). An unknown token, or another bot's, wraps
// concierge.ErrNotFound.
func (tx *Tx) VaultToken(ctx context.Context, bot concierge.BotID, id string) (session string, max concierge.Money, expires time.Time, usedBy concierge.OrderID, err error) {
	q := `SELECT session_id, max_minor, currency, expires_at, used_order FROM agent_vault_tokens WHERE id = ? AND bot = ?`
	if tx.db.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var exp int64
	var used string
	err = tx.queryRow(ctx, q, id, string(bot)).Scan(&session, &max.Minor, &max.Currency, &exp, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return "", concierge.Money{}, time.Time{}, "", fmt.Errorf("store: vault token: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return "", concierge.Money{}, time.Time{}, "", fmt.Errorf("store: vault token: %w", err)
	}
	return session, max, fromMillis(exp), concierge.OrderID(used), nil
}

// UseVaultToken records that vault token id of bot paid order. It
// reports false when the token was already used (or does not exist), so
// that two completions never both spend it.
func (tx *Tx) UseVaultToken(ctx context.Context, bot concierge.BotID, id string, order concierge.OrderID) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE agent_vault_tokens SET used_order = ?, used_at = ? WHERE id = ? AND bot = ? AND used_order = ''`,
		string(order), tx.db.millis(tx.now), id, string(bot))
	if err != nil {
		return false, fmt.Errorf("store: use vault token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: use vault token: %w", err)
	}
	return n == 1, nil
}
