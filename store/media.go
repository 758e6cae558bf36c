package store

import (
	"cmp"
	"context"
	"database/sql"
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
	return nil
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
	err := db.InTx(ctx, func(tx *Tx) error {
		out = nil
		now := db.millis(tx.now)
		token := newToken()
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
		return nil
	})
	return out, err
}

// MediaResult is what became of one fetch of a leased file.
type MediaResult = concierge.MediaResult

// FinishMedia records what became of a fetch of j and releases its
// lease; every outcome counts an attempt. It reports false, and changes
// nothing, when the lease is no longer j's (it ran out and another
// fetcher took the file).
func (db *DB) FinishMedia(ctx context.Context, j *MediaJob, r MediaResult) (bool, error) {
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
