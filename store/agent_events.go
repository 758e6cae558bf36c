package store

import (
	"context"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// AgentEvent is one order event owed to an agent's webhook (table
// agent_events), as leased by ClaimAgentEvents.
type AgentEvent struct {
	ID       int64  // stable: the receivers' dedupe key
	Token    string // the lease's owner; FinishAgentEvent needs it
	Attempts int    // sends tried before this one

	Bot        concierge.BotID
	Protocol   string
	Session    string
	Order      concierge.OrderID
	Type       string // order_create, order_update
	OrderState concierge.OrderState
	CreatedAt  time.Time
}

// AddAgentEvent queues an event of session's order, reporting state, in
// the transaction of the change it reports. A state already reported for
// the session is not queued again.
func (tx *Tx) AddAgentEvent(ctx context.Context, bot concierge.BotID, protocol, session string, order concierge.OrderID, typ string, state concierge.OrderState) error {
	now := tx.db.millis(tx.now)
	_, err := tx.exec(ctx, `INSERT INTO agent_events (bot, protocol, session_id, order_id, type, order_state, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, order_state) DO NOTHING`,
		string(bot), protocol, session, string(order), typ, string(state), now, now)
	if err != nil {
		return fmt.Errorf("store: add agent event: %w", err)
	}
	return nil
}

// WatchAgentOrders queues an order_update for every order that agents
// were sent events of and whose state changed since the last one (paid,
// then fulfilled, refunded or cancelled by the inbox, the seller or a
// provider's notification). It returns how many it queued. Two watchers
// at once queue each change once: (session_id, order_state) is unique.
func (db *DB) WatchAgentOrders(ctx context.Context) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		now := db.millis(tx.now)
		res, err := tx.exec(ctx, `INSERT INTO agent_events (bot, protocol, session_id, order_id, type, order_state, next_at, created_at)
			SELECT e.bot, e.protocol, e.session_id, e.order_id, 'order_update', o.state, ?, ?
			FROM agent_events e JOIN orders o ON o.id = e.order_id
			WHERE e.id IN (SELECT MAX(id) FROM agent_events GROUP BY session_id) AND o.state <> e.order_state
			ON CONFLICT (session_id, order_state) DO NOTHING`, now, now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: watch agent orders: %w", err)
	}
	return n, nil
}

// ClaimAgentEvents leases, for lease, up to limit due pending events of
// protocol, oldest first. An event is not returned while an older event
// of its session is pending, so a receiver gets one order's events in
// order. On PostgreSQL the candidates are row-locked with SKIP LOCKED and
// the update re-checks the lease, so two senders never hold the same
// event.
func (db *DB) ClaimAgentEvents(ctx context.Context, protocol string, limit int, lease time.Duration) ([]AgentEvent, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []AgentEvent
	var at time.Time
	err := db.InTx(ctx, func(tx *Tx) error {
		out = nil
		at = tx.now
		now := db.millis(tx.now)
		token := db.leaseToken()
		lock := ""
		if db.dialect == Postgres {
			lock = " FOR UPDATE OF e SKIP LOCKED"
		}
		rows, err := tx.query(ctx, `UPDATE agent_events SET lease_until = ?, lease_owner = ?
			WHERE status = 'pending' AND lease_until < ? AND id IN (
				SELECT e.id FROM agent_events e
				WHERE e.status = 'pending' AND e.protocol = ? AND e.next_at <= ? AND e.lease_until < ?
				  AND NOT EXISTS (SELECT 1 FROM agent_events p WHERE p.session_id = e.session_id
					AND p.status = 'pending' AND p.id < e.id)
				ORDER BY e.id LIMIT ?`+lock+`)
			RETURNING id`, now+lease.Milliseconds(), token, now, protocol, now, now, limit)
		if err != nil {
			return err
		}
		ids, err := scanIDs(rows)
		if err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.query(ctx, `SELECT id, attempts, bot, protocol, session_id, order_id, type, order_state, created_at
			FROM agent_events WHERE `+db.inIDs("id")+` AND lease_owner = ? ORDER BY id`, db.idList(ids), token)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(row interface{ Scan(...any) error }) (AgentEvent, error) {
			e := AgentEvent{Token: token}
			var bot, order, state string
			var at int64
			err := row.Scan(&e.ID, &e.Attempts, &bot, &e.Protocol, &e.Session, &order, &e.Type, &state, &at)
			e.Bot, e.Order, e.OrderState, e.CreatedAt = concierge.BotID(bot), concierge.OrderID(order), concierge.OrderState(state), fromMillis(at)
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim agent events: %w", err)
	}
	for i := range out {
		db.hold(out[i].held(), at, lease)
	}
	return out, nil
}

func (e *AgentEvent) held() heldKey { return heldKey{kind: leaseAgentEvent, id: e.ID, owner: e.Token} }

// FinishAgentEvent records what became of a send of e and releases its
// lease: status is HookSent, HookFailed (attempts used up) or HookPending
// (retry at next; counted false for a send cut short by a stop, which uses
// no attempt). It reports false, changing nothing, when the lease is no
// longer e's.
func (db *DB) FinishAgentEvent(ctx context.Context, e *AgentEvent, status string, next time.Time, counted bool, errText string) (bool, error) {
	db.drop(e.held())
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		now := db.millis(tx.now)
		c := 0
		if counted {
			c = 1
		}
		var q string
		args := []any{c}
		switch status {
		case HookSent, HookFailed:
			q = `UPDATE agent_events SET status = ?, attempts = attempts + ?, done_at = ?, error = ?,
				lease_until = 0, lease_owner = '' WHERE id = ? AND lease_owner = ?`
			args = []any{status, c, now, trim(errText), e.ID, e.Token}
		case HookPending:
			q = `UPDATE agent_events SET attempts = attempts + ?, next_at = ?, error = ?,
				lease_until = 0, lease_owner = '' WHERE id = ? AND lease_owner = ?`
			args = append(args, db.millis(next), trim(errText), e.ID, e.Token)
		default:
			return fmt.Errorf("unknown status %q", status)
		}
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: finish agent event %d: %w", e.ID, err)
	}
	return n == 1, nil
}

// AgentEventCounts returns, by protocol, how many order events wait to be
// sent (HookPending) and how many were given up on (HookFailed), for the
// metrics: a platform that no longer receives its order events shows as
// failed events. Each status is counted on its own, so that the index on
// (status, next_at) serves it and sent events are never read.
func (db *DB) AgentEventCounts(ctx context.Context) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	for _, status := range []string{HookPending, HookFailed} {
		rows, err := db.r.QueryContext(ctx, db.q(`SELECT protocol, count(*) FROM agent_events WHERE status = ? GROUP BY protocol`), status)
		if err != nil {
			return nil, fmt.Errorf("store: agent event counts: %w", err)
		}
		for rows.Next() {
			var protocol string
			var n int
			if err := rows.Scan(&protocol, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: agent event counts: %w", err)
			}
			if out[protocol] == nil {
				out[protocol] = map[string]int{}
			}
			out[protocol][status] = n
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: agent event counts: %w", err)
		}
		rows.Close()
	}
	return out, nil
}

// AgentEventStatus returns the status, attempts and last error of event
// id, for tests and the operator.
func (db *DB) AgentEventStatus(ctx context.Context, id int64) (status string, attempts int, errText string, err error) {
	err = db.r.QueryRowContext(ctx, db.q(`SELECT status, attempts, error FROM agent_events WHERE id = ?`), id).Scan(&status, &attempts, &errText)
	if err != nil {
		return "", 0, "", fmt.Errorf("store: agent event %d: %w", id, err)
	}
	return status, attempts, errText, nil
}

// AgentEventStates returns the order states reported for session's order
// by its events with an id up to upTo (all when upTo is 0), with when
// each was queued: the order's history as its agent was told it, so that
// a later snapshot still shows an earlier shipment.
func (tx *Tx) AgentEventStates(ctx context.Context, session string, upTo int64) (map[concierge.OrderState]time.Time, error) {
	q, args := `SELECT order_state, created_at FROM agent_events WHERE session_id = ?`, []any{session}
	if upTo > 0 {
		q, args = q+` AND id <= ?`, append(args, upTo)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: agent event states: %w", err)
	}
	defer rows.Close()
	out := map[concierge.OrderState]time.Time{}
	for rows.Next() {
		var st string
		var at int64
		if err := rows.Scan(&st, &at); err != nil {
			return nil, fmt.Errorf("store: agent event states: %w", err)
		}
		out[concierge.OrderState(st)] = fromMillis(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: agent event states: %w", err)
	}
	return out, nil
}
