package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/tracing"
)

// Ingested is what happened to one inbound event.
type Ingested struct {
	Conversation concierge.ConversationID
	Seq          int64
	Duplicate    bool // an event with the same dedupe key was stored before
}

// Ingest stores inbound events in one transaction: each becomes a pending
// row of the transactional inbox, de-duplicated on (bot, channel, dedupe
// key), in its conversation's order. When Ingest returns nil, every event is
// durable and may be acknowledged to the platform.
func (db *DB) Ingest(ctx context.Context, evs []concierge.Event) ([]Ingested, error) {
	out := make([]Ingested, len(evs))
	err := db.InTx(ctx, func(tx *Tx) error {
		for i := range evs {
			r, err := tx.ingest(ctx, &evs[i], tracing.TraceParent(ctx))
			if err != nil {
				return err
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ingest stores one event; traceparent is the ingest span's (see
// Ingester.Ingest), kept so that the turn can link to it.
func (tx *Tx) ingest(ctx context.Context, ev *concierge.Event, traceparent string) (Ingested, error) {
	if ev.DedupeKey == "" {
		return Ingested{}, concierge.Errorf(concierge.CodeInvalid, "store: ingest", "event has no dedupe key")
	}
	now := tx.db.millis(tx.now)
	var r Ingested
	err := tx.queryRow(ctx, `INSERT INTO conversations (bot, channel, chat, customer, locale, state, memory, next_seq, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'bot', '{}', 1, ?, ?)
		ON CONFLICT (bot, channel, chat) DO UPDATE SET next_seq = conversations.next_seq + 1, updated_at = excluded.updated_at
		RETURNING id, next_seq`,
		string(ev.Bot), string(ev.Channel), string(ev.Chat), ev.User, string(ev.Locale), now, now).Scan(&r.Conversation, &r.Seq)
	if err != nil {
		return Ingested{}, fmt.Errorf("store: ingest: conversation: %w", err)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return Ingested{}, fmt.Errorf("store: ingest: %w", err)
	}
	res, err := tx.exec(ctx, `INSERT INTO messages (conversation_id, seq, dir, bot, channel, dedupe_key, kind, author, body, status, created_at, traceparent)
		VALUES (?, ?, 'in', ?, ?, ?, ?, 'customer', ?, 'pending', ?, ?)
		ON CONFLICT (bot, channel, dedupe_key) DO NOTHING`,
		r.Conversation, r.Seq, string(ev.Bot), string(ev.Channel), ev.DedupeKey, string(ev.Kind), string(body), now, traceparent)
	if err != nil {
		return Ingested{}, fmt.Errorf("store: ingest: message: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Seen before (a platform retry). The sequence number taken
		// above stays unused: a gap in seq is harmless, and checking
		// first would cost a query on every message for a rare case.
		return Ingested{Conversation: r.Conversation, Duplicate: true}, nil
	}
	if ev.Kind == concierge.EventMedia {
		// The file is recorded with its message, so a file to fetch
		// exists exactly when the message was acknowledged; a scan
		// for new media messages could miss one committed late.
		if err := tx.ingestMedia(ctx, ev, now); err != nil {
			return Ingested{}, err
		}
	}
	return r, nil
}
