package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// Media statuses, in media.status (see concierge.MediaStatus).
const (
	MediaPending  = concierge.MediaPending
	MediaFetched  = concierge.MediaFetched
	MediaFailed   = concierge.MediaFailed
	MediaTooLarge = concierge.MediaTooLarge
	MediaGone     = concierge.MediaGone
)

// mediaKinds are the KINDs of an EventMedia's "KIND:REF" value
// (concierge.Media) that name a file: the channels' own words (Telegram's
// photo, video_note and animation among them). The list is closed on
// purpose: values that name no file — a WeChat "link:URL", WhatsApp's
// "unsupported:TYPE" — must not be fetched.
var mediaKinds = map[string]bool{"image": true, "photo": true, "audio": true, "voice": true, "video": true,
	"video_note": true, "animation": true, "document": true, "sticker": true}

// ParseMediaValue splits an EventMedia's Value into its kind and the
// reference its adapter fetches it with; ok is false when the value names
// no file (a location, a link, an adapter that gives no reference).
func ParseMediaValue(v string) (kind, ref string, ok bool) {
	kind, ref, found := strings.Cut(v, ":")
	if !found || ref == "" || !mediaKinds[kind] {
		return "", "", false
	}
	return kind, ref, true
}

// ingestMedia records the file of ev, an inbound message just stored, as
// pending, in ingest's transaction: one insert, for media events only.
func (tx *Tx) ingestMedia(ctx context.Context, ev *concierge.Event, now int64) error {
	kind, ref, ok := ParseMediaValue(ev.Value)
	if !ok {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO media (message_id, conversation_id, bot, channel, kind, ref, created_at)
		SELECT id, conversation_id, bot, channel, ?, ?, ? FROM messages WHERE bot = ? AND channel = ? AND dedupe_key = ?`,
		kind, ref, now, string(ev.Bot), string(ev.Channel), ev.DedupeKey)
	if err != nil {
		return fmt.Errorf("store: ingest: media: %w", err)
	}
	if needsHearing(kind, ev) {
		// The voice note holds its conversation until the fetcher has
		// heard it (FinishMedia): the turn runner takes no event of the
		// conversation from this one on.
		if _, err := tx.exec(ctx, `UPDATE messages SET status = 'hearing' WHERE bot = ? AND channel = ? AND dedupe_key = ?`,
			string(ev.Bot), string(ev.Channel), ev.DedupeKey); err != nil {
			return fmt.Errorf("store: ingest: media: %w", err)
		}
	}
	return nil
}

// needsHearing reports whether ev, naming a file of kind, is a voice note
// with no words yet: no caption and no recognition by the platform.
func needsHearing(kind string, ev *concierge.Event) bool {
	return (kind == "voice" || kind == "audio") && ev.Speech == "" && strings.TrimSpace(ev.Text) == ""
}

// waitsForHearing is the condition that keeps the turn runners off every
// inbound event that comes after a voice note not heard yet, in the
// conversation of the messages row named alias; the partial index
// messages_hearing answers it.
func waitsForHearing(alias string) string {
	return ` AND NOT EXISTS (SELECT 1 FROM messages h WHERE h.conversation_id = ` + alias + `.conversation_id
		AND h.status = 'hearing' AND h.seq < ` + alias + `.seq)`
}

// MediaJob is one pending file leased for fetching.
type MediaJob = concierge.MediaJob

// ClaimMedia leases, for lease, up to limit pending files of bots that
// are due and not leased, oldest first. On PostgreSQL the candidates are
// row-locked with SKIP LOCKED and the update re-checks the lease, so two
// fetchers never hold the same file.
func (db *DB) ClaimMedia(ctx context.Context, bots []concierge.BotID, limit int, lease time.Duration) ([]MediaJob, error) {
	if len(bots) == 0 || limit <= 0 {
		return nil, nil
	}
	var out []MediaJob
	var at time.Time
	err := db.InTx(ctx, func(tx *Tx) error {
		out = nil
		at = tx.now
		now := db.millis(tx.now)
		token := db.leaseToken()
		args := []any{now, now}
		for _, b := range bots {
			args = append(args, string(b))
		}
		args = append(args, limit, now+lease.Milliseconds(), token, now)
		lock := ""
		if db.dialect == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		// The candidates are picked once, in a materialized CTE: as a
		// plain IN subquery PostgreSQL may run it again per row, and a
		// rerun sees the rows already leased by this very update and
		// picks the next ones, past the limit.
		rows, err := tx.queryOnce(ctx, `WITH picked AS MATERIALIZED (
				SELECT message_id FROM media
				WHERE status = 'pending' AND next_attempt_at <= ? AND lease_until < ?
				  AND bot IN (`+placeholders(len(bots))+`)
				ORDER BY message_id LIMIT ?`+lock+`)
			UPDATE media SET lease_until = ?, lease_owner = ?
			WHERE status = 'pending' AND lease_until < ? AND message_id IN (SELECT message_id FROM picked)
			RETURNING message_id, attempts, bot, conversation_id, channel, kind, ref`, args...)
		if err != nil {
			return fmt.Errorf("store: claim media: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			j := MediaJob{Token: token}
			var bot, channel string
			if err := rows.Scan(&j.ID, &j.Attempts, &bot, &j.Conversation, &channel, &j.Kind, &j.Ref); err != nil {
				return fmt.Errorf("store: claim media: %w", err)
			}
			j.Bot, j.Channel = concierge.BotID(bot), concierge.Channel(channel)
			out = append(out, j)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: claim media: %w", err)
		}
		// RETURNING gives no order.
		slices.SortFunc(out, func(a, b MediaJob) int { return cmp.Compare(a.ID, b.ID) })
		return tx.markHear(ctx, out)
	})
	if err == nil {
		for _, j := range out {
			db.hold(mediaHeld(&j), at, lease)
		}
	}
	return out, err
}

func mediaHeld(j *MediaJob) heldKey { return heldKey{kind: leaseMedia, id: j.ID, owner: j.Token} }

// markHear sets Hear on the jobs whose message waits for its words.
func (tx *Tx) markHear(ctx context.Context, jobs []MediaJob) error {
	if len(jobs) == 0 {
		return nil
	}
	args := make([]any, len(jobs))
	for i, j := range jobs {
		args[i] = j.ID
	}
	rows, err := tx.query(ctx, `SELECT id FROM messages WHERE status = 'hearing' AND id IN (`+placeholders(len(jobs))+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: claim media: %w", err)
	}
	defer rows.Close()
	hear := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("store: claim media: %w", err)
		}
		hear[id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: claim media: %w", err)
	}
	for i := range jobs {
		jobs[i].Hear = hear[jobs[i].ID]
	}
	return nil
}

// MediaResult is what became of one fetch of a leased file.
type MediaResult = concierge.MediaResult

// FinishMedia records what became of a fetch of j and releases its
// lease; every outcome counts an attempt. It reports false, and changes
// nothing, when the lease is no longer j's (it ran out and another
// fetcher took the file).
func (db *DB) FinishMedia(ctx context.Context, j *MediaJob, r MediaResult) (bool, error) {
	db.drop(mediaHeld(j))
	var res sql.Result
	err := db.InTx(ctx, func(tx *Tx) error {
		now := db.millis(tx.now)
		var err error
		switch r.Status {
		case MediaFetched:
			if r.Media == nil {
				return fmt.Errorf("store: finish media %d: fetched without a file", j.ID)
			}
			m := r.Media
			res, err = tx.exec(ctx, `UPDATE media SET status = 'fetched', attempts = attempts + 1, content_type = ?, name = ?,
				size = ?, data = ?, fetched_at = ?, last_error = '', lease_until = 0, lease_owner = ''
				WHERE message_id = ? AND lease_owner = ?`,
				trim(m.ContentType), trim(m.Name), int64(len(m.Data)), m.Data, now, j.ID, j.Token)
		case MediaFailed, MediaTooLarge, MediaGone:
			res, err = tx.exec(ctx, `UPDATE media SET status = ?, attempts = attempts + 1, last_error = ?,
				lease_until = 0, lease_owner = '' WHERE message_id = ? AND lease_owner = ?`,
				r.Status, trim(r.Error), j.ID, j.Token)
		case MediaPending:
			res, err = tx.exec(ctx, `UPDATE media SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
				lease_until = 0, lease_owner = '' WHERE message_id = ? AND lease_owner = ?`,
				db.millis(r.Next), trim(r.Error), j.ID, j.Token)
		default:
			err = fmt.Errorf("unknown status %q", r.Status)
		}
		if err != nil {
			return fmt.Errorf("store: finish media %d: %w", j.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: finish media %d: %w", j.ID, err)
		}
		if n == 1 && r.Heard != nil {
			return tx.hear(ctx, j.ID, r.Heard)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: finish media %d: %w", j.ID, err)
	}
	return n == 1, nil
}

// hear writes what was heard of voice note id into its event and hands
// it to the turn runner; a message no longer waiting (heard before, by a
// fetcher whose lease ran out) is left as it is.
func (tx *Tx) hear(ctx context.Context, id int64, h *concierge.Hearing) error {
	var body string
	err := tx.queryRow(ctx, `SELECT body FROM messages WHERE id = ? AND status = 'hearing'`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: hear %d: %w", id, err)
	}
	var ev concierge.Event
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		return fmt.Errorf("store: hear %d: %w", id, err)
	}
	ev.Speech, ev.Text = h.Speech, ""
	if h.Speech == concierge.SpeechHeard {
		ev.Text = h.Text
		if h.Locale != "" {
			ev.Locale = h.Locale
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("store: hear %d: %w", id, err)
	}
	if _, err := tx.exec(ctx, `UPDATE messages SET body = ?, status = 'pending', last_error = ? WHERE id = ?`,
		string(b), trim(h.Error), id); err != nil {
		return fmt.Errorf("store: hear %d: %w", id, err)
	}
	return nil
}

// MediaInfo is where one file stands, without its bytes.
type MediaInfo struct {
	ID           int64 // the inbound message's id
	Conversation concierge.ConversationID
	Bot          concierge.BotID
	Kind         string
	Status       concierge.MediaStatus
	Attempts     int
	ContentType  string
	Name         string
	Size         int64
	Error        string
	At           time.Time // when the message came
	FetchedAt    time.Time
}

const mediaInfoCols = `message_id, conversation_id, bot, kind, status, attempts, content_type, name, size, last_error, created_at, fetched_at`

func scanMediaInfo(s interface{ Scan(...any) error }, extra ...any) (*MediaInfo, error) {
	var mi MediaInfo
	var bot string
	var at, fetched int64
	dst := append([]any{&mi.ID, &mi.Conversation, &bot, &mi.Kind, &mi.Status, &mi.Attempts, &mi.ContentType, &mi.Name,
		&mi.Size, &mi.Error, &at, &fetched}, extra...)
	if err := s.Scan(dst...); err != nil {
		return nil, err
	}
	mi.Bot, mi.At, mi.FetchedAt = concierge.BotID(bot), fromMillis(at), fromMillis(fetched)
	return &mi, nil
}

// ConversationMedia lists the files of conv, oldest first.
func (db *DB) ConversationMedia(ctx context.Context, conv concierge.ConversationID) ([]*MediaInfo, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT `+mediaInfoCols+` FROM media WHERE conversation_id = ? ORDER BY message_id`), conv)
	if err != nil {
		return nil, fmt.Errorf("store: conversation media: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (*MediaInfo, error) { return scanMediaInfo(r) })
	if err != nil {
		return nil, fmt.Errorf("store: conversation media: %w", err)
	}
	return out, nil
}

// MediaFile returns file id with its bytes (nil unless fetched), or an
// error wrapping concierge.ErrNotFound.
func (db *DB) MediaFile(ctx context.Context, id int64) (*MediaInfo, []byte, error) {
	var data []byte
	mi, err := scanMediaInfo(db.r.QueryRowContext(ctx, db.q(`SELECT `+mediaInfoCols+`, data FROM media WHERE message_id = ?`), id), &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("store: media %d: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: media %d: %w", id, err)
	}
	return mi, data, nil
}

// PendingMedia counts files not yet fetched or given up.
func (db *DB) PendingMedia(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM media WHERE status = 'pending'`).Scan(&n)
	return n, err
}
