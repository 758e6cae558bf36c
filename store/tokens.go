package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/conciergehq/concierge"
)

// SaveButtonTokens stores the values behind a channel's button tokens
// (Telegram's callback_data); a token stored before keeps its value.
func (db *DB) SaveButtonTokens(ctx context.Context, bot concierge.BotID, tokens map[string]string) error {
	keys := make([]string, 0, len(tokens))
	for k := range tokens {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same lock order in every transaction
	err := db.InTx(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.exec(ctx, `INSERT INTO button_tokens (bot, token, value, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (bot, token) DO NOTHING`,
				string(bot), k, tokens[k], db.millis(tx.now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save button tokens: %w", err)
	}
	return nil
}

// ButtonValue returns the value behind a button token, or an error
// wrapping concierge.ErrNotFound.
func (db *DB) ButtonValue(ctx context.Context, bot concierge.BotID, token string) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, db.q(`SELECT value FROM button_tokens WHERE bot = ? AND token = ?`), string(bot), token).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: button token: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: button token: %w", err)
	}
	return v, nil
}
