package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// OpenConversation returns the conversation of (bot, ch, chat), creating
// it when there is none. Agents' checkout sessions use it: their
// conversations start with a call, not an inbound message.
func (tx *Tx) OpenConversation(ctx context.Context, bot concierge.BotID, ch concierge.Channel, chat concierge.ChatID, locale concierge.Locale) (*concierge.Conversation, error) {
	now := tx.db.millis(tx.now)
	var id concierge.ConversationID
	err := tx.queryRow(ctx, `INSERT INTO conversations (bot, channel, chat, customer, locale, state, memory, next_seq, created_at, updated_at)
		VALUES (?, ?, ?, '', ?, 'bot', '{}', 0, ?, ?)
		ON CONFLICT (bot, channel, chat) DO UPDATE SET updated_at = excluded.updated_at
		RETURNING id`, string(bot), string(ch), string(chat), string(locale), now, now).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("store: open conversation: %w", err)
	}
	return tx.Conversation(ctx, id)
}

// SaveAgentSession stores an agent's checkout session (body is its JSON),
// creating or replacing it.
func (tx *Tx) SaveAgentSession(ctx context.Context, id string, bot concierge.BotID, protocol string, conv concierge.ConversationID, body []byte) error {
	now := tx.db.millis(tx.now)
	_, err := tx.exec(ctx, `INSERT INTO agent_sessions (id, bot, protocol, conversation_id, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
		id, string(bot), protocol, conv, string(body), now, now)
	if err != nil {
		return fmt.Errorf("store: save agent session: %w", err)
	}
	return nil
}

// AgentSession returns the body of the session id of bot, locked for the
// rest of the transaction on PostgreSQL (SQLite has one writer). A
// session of another bot is not found, as an unknown one is.
func (tx *Tx) AgentSession(ctx context.Context, bot concierge.BotID, id string) ([]byte, error) {
	q := `SELECT body FROM agent_sessions WHERE id = ? AND bot = ?`
	if tx.db.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var body string
	err := tx.queryRow(ctx, q, id, string(bot)).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: agent session %s: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: agent session %s: %w", id, err)
	}
	return []byte(body), nil
}

// ClaimIdempotencyKey records that a request with key, in scope, whose
// body hashes to hash is being handled. fresh is true when the key is
// new: the caller handles the request in this transaction and calls
// FinishIdempotencyKey. Otherwise the key's first request is returned:
// its hash and, once it finished, its response. A concurrent claim of the
// same key waits for the first transaction to end (SQLite's one writer,
// PostgreSQL's unique index), so two identical requests are handled once.
func (tx *Tx) ClaimIdempotencyKey(ctx context.Context, scope, key, hash string) (fresh bool, prevHash string, status int, response []byte, err error) {
	res, err := tx.exec(ctx, `INSERT INTO agent_idempotency (scope, key, request_hash, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (scope, key) DO NOTHING`, scope, key, hash, tx.db.millis(tx.now))
	if err != nil {
		return false, "", 0, nil, fmt.Errorf("store: idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, hash, 0, nil, nil
	}
	var body string
	err = tx.queryRow(ctx, `SELECT request_hash, status, response FROM agent_idempotency WHERE scope = ? AND key = ?`, scope, key).
		Scan(&prevHash, &status, &body)
	if err != nil {
		return false, "", 0, nil, fmt.Errorf("store: idempotency key: %w", err)
	}
	return false, prevHash, status, []byte(body), nil
}

// FinishIdempotencyKey stores the response to the request that claimed
// key.
func (tx *Tx) FinishIdempotencyKey(ctx context.Context, scope, key string, status int, response []byte) error {
	_, err := tx.exec(ctx, `UPDATE agent_idempotency SET status = ?, response = ? WHERE scope = ? AND key = ?`,
		status, string(response), scope, key)
	if err != nil {
		return fmt.Errorf("store: idempotency key: %w", err)
	}
	return nil
}

// PruneIdempotencyKeys deletes the keys claimed before before and returns
// how many, and the claims of requests in flight that ran out before it.
func (db *DB) PruneIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM agent_idempotency WHERE created_at < ?`, db.millis(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		// Claims of requests in flight end with their request; one left by
		// a process that crashed on SQLite (no replica reaps it) is taken
		// over at the key's next use, or forgotten here.
		_, err = tx.exec(ctx, `DELETE FROM agent_flights WHERE lease_until < ?`, db.millis(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune idempotency keys: %w", err)
	}
	return n, nil
}

// CommittedAgentSession returns the body of the session id of bot as
// last committed, read through the read pool without a lock: an answer
// about a session another request is changing, which must not wait for
// it. A session of another bot is not found.
func (db *DB) CommittedAgentSession(ctx context.Context, bot concierge.BotID, id string) ([]byte, error) {
	var body string
	err := db.r.QueryRowContext(ctx, db.q(`SELECT body FROM agent_sessions WHERE id = ? AND bot = ?`), id, string(bot)).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: agent session %s: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: agent session %s: %w", id, err)
	}
	return []byte(body), nil
}
