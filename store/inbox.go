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

// This file is the human inbox's storage: people and their
// sessions, who owns which conversation, hand-off packets, proposals and
// private notes. The handoff package reaches it through interfaces of its
// own, which cmd/concierge satisfies with these methods.

// People.

func joinBots(bots []concierge.BotID) string {
	s := make([]string, len(bots))
	for i, b := range bots {
		s[i] = string(b)
	}
	return strings.Join(s, ",")
}

func splitBots(s string) []concierge.BotID {
	var out []concierge.BotID
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, concierge.BotID(b))
		}
	}
	return out
}

const personCols = `id, name, password_hash, role, bots, capacity, created_at`

func scanPerson(row interface{ Scan(...any) error }) (*concierge.Person, error) {
	var p concierge.Person
	var role, bots string
	var created int64
	if err := row.Scan(&p.ID, &p.Name, &p.PasswordHash, &role, &bots, &p.Capacity, &created); err != nil {
		return nil, err
	}
	p.Role, p.Bots, p.CreatedAt = concierge.Role(role), splitBots(bots), fromMillis(created)
	return &p, nil
}

// AddInboxUser stores a new person; a taken name is a conflict.
func (db *DB) AddInboxUser(ctx context.Context, p *concierge.Person) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM inbox_users WHERE name = ?`, p.Name).Scan(&n); err != nil {
			return fmt.Errorf("store: add inbox user: %w", err)
		}
		if n > 0 {
			return concierge.Errorf(concierge.CodeConflict, "store: add inbox user", "there is already a person named %q", p.Name)
		}
		p.CreatedAt = tx.now
		err := tx.queryRow(ctx, `INSERT INTO inbox_users (name, password_hash, role, bots, capacity, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			p.Name, p.PasswordHash, string(p.Role), joinBots(p.Bots), p.Capacity, tx.db.millis(tx.now)).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("store: add inbox user: %w", err)
		}
		return nil
	})
}

// RemoveInboxUser deletes a person and their sessions. The conversations
// they owned go back to the queue, recorded as such.
func (db *DB) RemoveInboxUser(ctx context.Context, name string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		p, err := scanPerson(tx.queryRow(ctx, `SELECT `+personCols+` FROM inbox_users WHERE name = ?`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: remove inbox user %q: %w", name, concierge.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: remove inbox user: %w", err)
		}
		rows, err := tx.query(ctx, `SELECT conversation_id FROM inbox_assignments WHERE user_id = ?`, p.ID)
		if err != nil {
			return fmt.Errorf("store: remove inbox user: %w", err)
		}
		owned, err := collect(rows, func(r interface{ Scan(...any) error }) (id concierge.ConversationID, err error) {
			return id, r.Scan(&id)
		})
		if err != nil {
			return fmt.Errorf("store: remove inbox user: %w", err)
		}
		for _, id := range owned {
			c, err := tx.Conversation(ctx, id)
			if err != nil {
				return err
			}
			if c.State == concierge.StateHuman {
				if err := tx.RecordHandoff(ctx, concierge.Handoff{Conversation: id, From: c.State, To: concierge.StateWaiting,
					Reason: concierge.HandoffOwnerRemoved, By: "system", At: tx.now}); err != nil {
					return err
				}
				c.State = concierge.StateWaiting
				if err := tx.SaveConversation(ctx, c); err != nil {
					return err
				}
			}
		}
		// Their linked chat stops reaching the seller's assistant now.
		if err := tx.forgetSeller(ctx, p.ID); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM inbox_assignments WHERE user_id = ?`, `DELETE FROM inbox_sessions WHERE user_id = ?`, `DELETE FROM inbox_users WHERE id = ?`} {
			if _, err := tx.exec(ctx, q, p.ID); err != nil {
				return fmt.Errorf("store: remove inbox user: %w", err)
			}
		}
		return nil
	})
}

// InboxUsers lists every person, by name.
func (db *DB) InboxUsers(ctx context.Context) ([]*concierge.Person, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+personCols+` FROM inbox_users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: inbox users: %w", err)
	}
	out, err := collect(rows, scanPerson)
	if err != nil {
		return nil, fmt.Errorf("store: inbox users: %w", err)
	}
	return out, nil
}

// InboxUser returns the person named name, or an error wrapping ErrNotFound.
func (db *DB) InboxUser(ctx context.Context, name string) (*concierge.Person, error) {
	p, err := scanPerson(db.r.QueryRowContext(ctx, db.q(`SELECT `+personCols+` FROM inbox_users WHERE name = ?`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: inbox user: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: inbox user: %w", err)
	}
	return p, nil
}

// Sessions.

// CreateInboxSession stores a session by the hash of its cookie token.
func (db *DB) CreateInboxSession(ctx context.Context, tokenHash string, user int64, csrf string, expires time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		// Old sessions go when new ones come; no sweeper needed.
		if _, err := tx.exec(ctx, `DELETE FROM inbox_sessions WHERE expires_at < ?`, tx.db.millis(tx.now)); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO inbox_sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			tokenHash, user, csrf, tx.db.millis(tx.now), tx.db.millis(expires))
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return nil
	})
}

// InboxSession returns the person and CSRF token of a live session, or an
// error wrapping ErrNotFound for an unknown or expired one.
func (db *DB) InboxSession(ctx context.Context, tokenHash string) (*concierge.Person, string, error) {
	var csrf string
	var expires int64
	row := db.r.QueryRowContext(ctx, db.q(`SELECT s.csrf, s.expires_at, u.id, u.name, u.password_hash, u.role, u.bots, u.capacity, u.created_at
		FROM inbox_sessions s JOIN inbox_users u ON u.id = s.user_id WHERE s.token_hash = ?`), tokenHash)
	var p concierge.Person
	var role, bots string
	var created int64
	err := row.Scan(&csrf, &expires, &p.ID, &p.Name, &p.PasswordHash, &role, &bots, &p.Capacity, &created)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && fromMillis(expires).Before(db.now())) {
		return nil, "", fmt.Errorf("store: inbox session: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: inbox session: %w", err)
	}
	p.Role, p.Bots, p.CreatedAt = concierge.Role(role), splitBots(bots), fromMillis(created)
	return &p, csrf, nil
}

// DeleteInboxSession ends a session.
func (db *DB) DeleteInboxSession(ctx context.Context, tokenHash string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM inbox_sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
}

// Packets, proposals and the queue position: the agent's HandoffStore.

// RecordPacket stores the packet written at a hand-off.
func (tx *Tx) RecordPacket(ctx context.Context, p concierge.HandoffPacket) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("store: record packet: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO handoff_packets (conversation_id, reason, body, at) VALUES (?, ?, ?, ?)`,
		p.Conversation, string(p.Reason), string(body), tx.db.millis(p.At))
	if err != nil {
		return fmt.Errorf("store: record packet: %w", err)
	}
	return nil
}

// RecordProposal stores a proposal for people to decide and sets its ID.
func (tx *Tx) RecordProposal(ctx context.Context, p *concierge.Proposal) error {
	ev, err := json.Marshal(p.Evidence)
	if err != nil {
		return fmt.Errorf("store: record proposal: %w", err)
	}
	if p.Status == "" {
		p.Status = concierge.ProposalOpen
	}
	err = tx.queryRow(ctx, `INSERT INTO proposals (conversation_id, bot, kind, order_id, amount_minor, currency, suggest, why, evidence, at, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Conversation, string(p.Bot), string(p.Kind), string(p.Order), p.Amount.Minor, p.Amount.Currency, string(p.Suggest), p.Why, string(ev),
		tx.db.millis(p.At), string(p.Status)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("store: record proposal: %w", err)
	}
	return nil
}

// QueuePosition returns conv's place among its bot's waiting conversations
// (it counts itself last, as it is being handed off) and an expected wait:
// the average wait of the bot's last 20 claims times the position, or
// zero without history.
func (tx *Tx) QueuePosition(ctx context.Context, conv *concierge.Conversation) (int, time.Duration, error) {
	var ahead int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM conversations WHERE bot = ? AND state = 'waiting' AND id <> ?`,
		string(conv.Bot), conv.ID).Scan(&ahead); err != nil {
		return 0, 0, fmt.Errorf("store: queue position: %w", err)
	}
	var avg sql.NullFloat64
	if err := tx.queryRow(ctx, `SELECT avg(waited_ms) FROM (SELECT waited_ms FROM inbox_claims WHERE bot = ? ORDER BY id DESC LIMIT 20) AS recent`,
		string(conv.Bot)).Scan(&avg); err != nil {
		return 0, 0, fmt.Errorf("store: queue position: %w", err)
	}
	pos := ahead + 1
	var wait time.Duration
	if avg.Valid {
		wait = time.Duration(avg.Float64*float64(pos)) * time.Millisecond
	}
	return pos, wait, nil
}

// Ownership.

// LockPerson reads a person inside the transaction; on PostgreSQL the row
// is locked, so that one person's claims are counted one at a time.
func (tx *Tx) LockPerson(ctx context.Context, id int64) (*concierge.Person, error) {
	lock := ""
	if tx.db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	p, err := scanPerson(tx.queryRow(ctx, `SELECT `+personCols+` FROM inbox_users WHERE id = ?`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: person %d: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: person %d: %w", id, err)
	}
	return p, nil
}

// Owner returns who owns conv (the person's id and name), or zero and "".
func (tx *Tx) Owner(ctx context.Context, conv concierge.ConversationID) (int64, string, error) {
	var id int64
	var name string
	err := tx.queryRow(ctx, `SELECT u.id, u.name FROM inbox_assignments a JOIN inbox_users u ON u.id = a.user_id WHERE a.conversation_id = ?`, conv).Scan(&id, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("store: owner: %w", err)
	}
	return id, name, nil
}

// Owned counts the conversations a person owns.
func (tx *Tx) Owned(ctx context.Context, user int64) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM inbox_assignments WHERE user_id = ?`, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: owned: %w", err)
	}
	return n, nil
}

// Assign makes user the owner of conv, queued since queued; it returns
// false, changing nothing, when someone already owns it.
func (tx *Tx) Assign(ctx context.Context, conv *concierge.Conversation, user int64, queued time.Time) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO inbox_assignments (conversation_id, user_id, queued_at, claimed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (conversation_id) DO NOTHING`, conv.ID, user, tx.db.millis(queued), tx.db.millis(tx.now))
	if err != nil {
		return false, fmt.Errorf("store: assign: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	waited := max(tx.now.Sub(queued), 0)
	if _, err := tx.exec(ctx, `INSERT INTO inbox_claims (bot, conversation_id, waited_ms, at) VALUES (?, ?, ?, ?)`,
		string(conv.Bot), conv.ID, waited.Milliseconds(), tx.db.millis(tx.now)); err != nil {
		return false, fmt.Errorf("store: assign: %w", err)
	}
	return true, nil
}

// Reassign makes user the owner of conv in place of from, the owner the
// caller read (0 when it was waiting); it returns false, changing nothing,
// when the owner is no longer from (someone claimed or handed it back
// meanwhile).
func (tx *Tx) Reassign(ctx context.Context, conv *concierge.Conversation, from, user int64, queued time.Time) (bool, error) {
	if from == 0 {
		return tx.Assign(ctx, conv, user, queued)
	}
	res, err := tx.exec(ctx, `UPDATE inbox_assignments SET user_id = ?, claimed_at = ? WHERE conversation_id = ? AND user_id = ?`,
		user, tx.db.millis(tx.now), conv.ID, from)
	if err != nil {
		return false, fmt.Errorf("store: reassign: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// PersonNamed reads a person by name inside the transaction, locked on
// PostgreSQL as LockPerson does, or an error wrapping ErrNotFound.
func (tx *Tx) PersonNamed(ctx context.Context, name string) (*concierge.Person, error) {
	lock := ""
	if tx.db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	p, err := scanPerson(tx.queryRow(ctx, `SELECT `+personCols+` FROM inbox_users WHERE name = ?`+lock, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: person %q: %w", name, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: person %q: %w", name, err)
	}
	return p, nil
}

// OrderPayments lists the payments recorded for an order, inside the
// transaction (what a refund may give back at most).
func (tx *Tx) OrderPayments(ctx context.Context, order concierge.OrderID) ([]concierge.Payment, error) {
	rows, err := tx.query(ctx, paymentsQuery, string(order))
	if err != nil {
		return nil, fmt.Errorf("store: order payments: %w", err)
	}
	return scanPayments(rows, order)
}

// Unassign removes conv's owner.
func (tx *Tx) Unassign(ctx context.Context, conv concierge.ConversationID) error {
	if _, err := tx.exec(ctx, `DELETE FROM inbox_assignments WHERE conversation_id = ?`, conv); err != nil {
		return fmt.Errorf("store: unassign: %w", err)
	}
	return nil
}

// HandedOffAt returns when conv was last handed off to people (its last
// move into waiting), or the zero time.
func (tx *Tx) HandedOffAt(ctx context.Context, conv concierge.ConversationID) (time.Time, error) {
	var at sql.NullInt64
	if err := tx.queryRow(ctx, `SELECT max(at) FROM handoffs WHERE conversation_id = ? AND to_state = 'waiting'`, conv).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("store: handed off at: %w", err)
	}
	return fromMillis(at.Int64), nil
}

// AddNote stores a private note.
func (tx *Tx) AddNote(ctx context.Context, n concierge.Note) error {
	if _, err := tx.exec(ctx, `INSERT INTO inbox_notes (conversation_id, author, body, at) VALUES (?, ?, ?, ?)`,
		n.Conversation, n.Author, n.Text, tx.db.millis(tx.now)); err != nil {
		return fmt.Errorf("store: add note: %w", err)
	}
	return nil
}

// Proposal loads one proposal.
func (tx *Tx) Proposal(ctx context.Context, id int64) (*concierge.Proposal, error) {
	p, err := scanProposal(tx.queryRow(ctx, `SELECT `+proposalCols+` FROM proposals WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: proposal %d: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: proposal %d: %w", id, err)
	}
	return p, nil
}

// DecideProposal records a person's decision on an open proposal, with
// the amount decided (zero for a refusal); it returns false, changing
// nothing, when the proposal was already decided (a replayed approval
// decides nothing twice). The amount is in the proposal's currency;
// the caller checks it.
func (tx *Tx) DecideProposal(ctx context.Context, id int64, status concierge.ProposalStatus, amount concierge.Money, by, note string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE proposals SET status = ?, decided_minor = ?, decided_by = ?, decided_at = ?, note = ?
		WHERE id = ? AND status = 'proposed'`,
		string(status), amount.Minor, by, tx.db.millis(tx.now), note, id)
	if err != nil {
		return false, fmt.Errorf("store: decide proposal: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RefundExecuted marks an approved proposal's refund done with the
// provider's refund id; it returns false, changing nothing, when it was
// marked before (a concurrent retry got there first).
func (tx *Tx) RefundExecuted(ctx context.Context, id int64, ref string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE proposals SET refund_ref = ?, refund_error = '' WHERE id = ? AND status = 'approved' AND refund_ref = ''`, ref, id)
	if err != nil {
		return false, fmt.Errorf("store: refund executed: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RefundFailed records why an approved proposal's refund failed, for
// people to see and retry; it changes nothing once the refund is done.
func (tx *Tx) RefundFailed(ctx context.Context, id int64, why string) error {
	if _, err := tx.exec(ctx, `UPDATE proposals SET refund_error = ? WHERE id = ? AND refund_ref = ''`, why, id); err != nil {
		return fmt.Errorf("store: refund failed: %w", err)
	}
	return nil
}

// Reads for the inbox's pages.

const proposalCols = `id, conversation_id, bot, kind, order_id, amount_minor, currency, suggest, why, evidence, at, status, decided_by, decided_at, note, refund_ref, refund_error, decided_minor`

func scanProposal(row interface{ Scan(...any) error }) (*concierge.Proposal, error) {
	var p concierge.Proposal
	var bot, order, ev, status string
	var at, decided int64
	if err := row.Scan(&p.ID, &p.Conversation, &bot, &p.Kind, &order, &p.Amount.Minor, &p.Amount.Currency, &p.Suggest, &p.Why, &ev, &at,
		&status, &p.DecidedBy, &decided, &p.Note, &p.RefundRef, &p.RefundError, &p.Decided.Minor); err != nil {
		return nil, err
	}
	if p.Decided.Minor > 0 {
		p.Decided.Currency = p.Amount.Currency
	}
	p.Bot, p.Order, p.Status = concierge.BotID(bot), concierge.OrderID(order), concierge.ProposalStatus(status)
	p.At, p.DecidedAt = fromMillis(at), fromMillis(decided)
	if err := json.Unmarshal([]byte(ev), &p.Evidence); err != nil {
		return nil, fmt.Errorf("proposal %d evidence: %w", p.ID, err)
	}
	return &p, nil
}

// Proposals lists a conversation's proposals, oldest first.
func (db *DB) Proposals(ctx context.Context, conv concierge.ConversationID) ([]*concierge.Proposal, error) {
	return db.proposals(ctx, `SELECT `+proposalCols+` FROM proposals WHERE conversation_id = ? ORDER BY id`, conv)
}

// DecidedProposals lists the last limit decisions, newest first: the audit
// log a supervisor reads.
func (db *DB) DecidedProposals(ctx context.Context, limit int) ([]*concierge.Proposal, error) {
	return db.proposals(ctx, `SELECT `+proposalCols+` FROM proposals WHERE status <> 'proposed' ORDER BY decided_at DESC, id DESC LIMIT ?`, limit)
}

func (db *DB) proposals(ctx context.Context, query string, args ...any) ([]*concierge.Proposal, error) {
	rows, err := db.r.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: proposals: %w", err)
	}
	out, err := collect(rows, scanProposal)
	if err != nil {
		return nil, fmt.Errorf("store: proposals: %w", err)
	}
	return out, nil
}

// Packet returns the latest hand-off packet of conv, or nil.
func (db *DB) Packet(ctx context.Context, conv concierge.ConversationID) (*concierge.HandoffPacket, error) {
	var body string
	err := db.r.QueryRowContext(ctx, db.q(`SELECT body FROM handoff_packets WHERE conversation_id = ? ORDER BY id DESC LIMIT 1`), conv).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: packet: %w", err)
	}
	var p concierge.HandoffPacket
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		return nil, fmt.Errorf("store: packet: %w", err)
	}
	return &p, nil
}

// Notes lists a conversation's private notes, oldest first.
func (db *DB) Notes(ctx context.Context, conv concierge.ConversationID) ([]concierge.Note, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT id, author, body, at FROM inbox_notes WHERE conversation_id = ? ORDER BY id`), conv)
	if err != nil {
		return nil, fmt.Errorf("store: notes: %w", err)
	}
	defer rows.Close()
	var out []concierge.Note
	for rows.Next() {
		n := concierge.Note{Conversation: conv}
		var at int64
		if err := rows.Scan(&n.ID, &n.Author, &n.Text, &at); err != nil {
			return nil, fmt.Errorf("store: notes: %w", err)
		}
		n.At = fromMillis(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// CartOf returns a conversation's cart lines, outside a transaction.
func (db *DB) CartOf(ctx context.Context, conv concierge.ConversationID) ([]concierge.CartLine, error) {
	rows, err := db.r.QueryContext(ctx, db.q(cartQuery), conv)
	if err != nil {
		return nil, fmt.Errorf("store: cart: %w", err)
	}
	return scanCart(rows)
}

// OrdersOf returns a conversation's orders, newest first, outside a
// transaction.
func (db *DB) OrdersOf(ctx context.Context, conv concierge.ConversationID) ([]*concierge.Order, error) {
	rows, err := db.r.QueryContext(ctx, db.q(ordersQuery), conv)
	if err != nil {
		return nil, fmt.Errorf("store: orders: %w", err)
	}
	return scanOrders(rows)
}

// InboxEntry is one transcript entry as the inbox shows it, with what the
// platform last said of an outbound message's delivery.
type InboxEntry struct {
	TranscriptEntry
	Delivery string // accepted, delivered, read, failed … or "" when the platform reports none
	Error    string
	// Media is the file of a customer's media message, or nil.
	Media *MediaInfo
}

// InboxTranscript returns the last limit entries of conv, oldest first.
func (db *DB) InboxTranscript(ctx context.Context, conv concierge.ConversationID, limit int) ([]InboxEntry, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT m.seq, m.dir, m.author, m.kind, m.status, m.created_at, m.body, m.last_error,
			coalesce((SELECT d.status FROM deliveries d WHERE d.message_id = m.id ORDER BY d.updated_at DESC LIMIT 1), ''),
			coalesce(f.message_id, 0), coalesce(f.kind, ''), coalesce(f.status, ''), coalesce(f.attempts, 0),
			coalesce(f.content_type, ''), coalesce(f.name, ''), coalesce(f.size, 0), coalesce(f.last_error, ''), coalesce(f.fetched_at, 0)
		FROM messages m LEFT JOIN media f ON f.message_id = m.id
		WHERE m.conversation_id = ? ORDER BY m.seq DESC LIMIT ?`), conv, limit)
	if err != nil {
		return nil, fmt.Errorf("store: inbox transcript: %w", err)
	}
	defer rows.Close()
	var out []InboxEntry
	for rows.Next() {
		var e InboxEntry
		var at int64
		var body string
		var f MediaInfo
		var fetched int64
		if err := rows.Scan(&e.Seq, &e.Dir, &e.Author, &e.Kind, &e.Status, &at, &body, &e.Error, &e.Delivery,
			&f.ID, &f.Kind, &f.Status, &f.Attempts, &f.ContentType, &f.Name, &f.Size, &f.Error, &fetched); err != nil {
			return nil, fmt.Errorf("store: inbox transcript: %w", err)
		}
		if f.ID != 0 {
			f.Conversation, f.At, f.FetchedAt = conv, fromMillis(at), fromMillis(fetched)
			e.Media = &f
		}
		if err := e.decode(at, body); err != nil {
			return nil, fmt.Errorf("store: inbox transcript: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// Cases lists the conversations in people's hands (waiting or owned),
// oldest hand-off first, or only conv when conv is not zero.
func (db *DB) Cases(ctx context.Context, conv concierge.ConversationID) ([]concierge.Case, error) {
	where := `c.state IN ('waiting', 'human')`
	var args []any
	if conv != 0 {
		where = `c.id = ?`
		args = append(args, conv)
	}
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT `+prefixed("c.", conversationCols)+`,
			coalesce((SELECT h.reason FROM handoffs h WHERE h.conversation_id = c.id AND h.to_state = 'waiting' ORDER BY h.id DESC LIMIT 1), ''),
			coalesce((SELECT max(h.at) FROM handoffs h WHERE h.conversation_id = c.id AND h.to_state = 'waiting'), 0),
			coalesce(u.name, ''), coalesce(a.claimed_at, 0),
			coalesce((SELECT m.seq FROM messages m WHERE m.conversation_id = c.id AND m.dir = 'in' ORDER BY m.seq DESC LIMIT 1), 0),
			coalesce((SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id AND m.dir = 'in' ORDER BY m.seq DESC LIMIT 1), 0),
			coalesce((SELECT m.body FROM messages m WHERE m.conversation_id = c.id AND m.dir = 'in' ORDER BY m.seq DESC LIMIT 1), '')
		FROM conversations c
		LEFT JOIN inbox_assignments a ON a.conversation_id = c.id
		LEFT JOIN inbox_users u ON u.id = a.user_id
		WHERE `+where+` ORDER BY c.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: cases: %w", err)
	}
	defer rows.Close()
	var out []concierge.Case
	for rows.Next() {
		var (
			k                      concierge.Case
			c                      concierge.Conversation
			memory                 string
			undeliverable          int
			created, updated       int64
			bot, channel, chat     string
			locale, state          string
			since, claimed, lastAt int64
			body                   string
		)
		if err := rows.Scan(&c.ID, &bot, &channel, &chat, &c.Customer, &locale, &state, &memory, &undeliverable, &created, &updated,
			&k.Reason, &since, &k.Assignee, &claimed, &k.LastInbound, &lastAt, &body); err != nil {
			return nil, fmt.Errorf("store: cases: %w", err)
		}
		c.Bot, c.Channel, c.Chat = concierge.BotID(bot), concierge.Channel(channel), concierge.ChatID(chat)
		c.Locale, c.State = concierge.Locale(locale), concierge.ConversationState(state)
		c.Undeliverable = undeliverable != 0
		c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
		json.Unmarshal([]byte(memory), &c.Memory)
		k.Conversation = c
		k.Since, k.ClaimedAt, k.LastInboundAt = fromMillis(since), fromMillis(claimed), fromMillis(lastAt)
		if body != "" {
			var ev concierge.Event
			if json.Unmarshal([]byte(body), &ev) == nil {
				k.Preview = ev.Text
			}
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Oldest hand-off first: who waited longest is served first.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Since.Before(out[j-1].Since); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// InboxVersion changes whenever something the inbox shows may have: a
// hand-off, a message in a conversation in people's hands, a note or a
// decision. The inbox's live stream polls it.
func (db *DB) InboxVersion(ctx context.Context) (string, error) {
	var h, m, n, p, out, media int64
	err := db.r.QueryRowContext(ctx, `SELECT
		coalesce((SELECT max(id) FROM handoffs), 0),
		coalesce((SELECT max(m.id) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.state IN ('waiting', 'human')), 0),
		coalesce((SELECT max(id) FROM inbox_notes), 0),
		coalesce((SELECT max(decided_at) FROM proposals), 0),
		(SELECT count(*) FROM messages WHERE status = 'pending' AND dir = 'out'),
		(SELECT count(*) FROM media WHERE status = 'pending')`).Scan(&h, &m, &n, &p, &out, &media)
	if err != nil {
		return "", fmt.Errorf("store: inbox version: %w", err)
	}
	// The count of unsent messages moves when a reply goes out, so its
	// delivery status shows without a reload; the count of files to
	// fetch, so that a customer's photo shows once downloaded.
	return fmt.Sprintf("%d.%d.%d.%d.%d.%d", h, m, n, p, out, media), nil
}
