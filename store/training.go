package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// This file is the staff-training simulator's storage (docs/training.md,
// migration 00019): sandboxed copies of past hand-offs, trainees' sessions
// and their messages. Nothing here writes a conversation, a message of the
// outbox, an order, a payment or a refund.

// PastHandoffs lists up to limit conversations that were handed to people
// and are back with the bot (or closed), newest hand-off first, with the
// reason of their last hand-off: the cases a supervisor may train people
// on. Erased conversations are left out.
func (db *DB) PastHandoffs(ctx context.Context, limit int) ([]concierge.Case, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT c.id, c.bot, c.channel, c.locale, c.state, h.reason, h.at,
			coalesce((SELECT m.body FROM messages m WHERE m.conversation_id = c.id AND m.dir = 'in' AND m.created_at <= h.at ORDER BY m.seq DESC LIMIT 1), '')
		FROM conversations c
		JOIN handoffs h ON h.id = (SELECT max(x.id) FROM handoffs x WHERE x.conversation_id = c.id AND x.to_state = 'waiting')
		WHERE c.state IN ('bot', 'closed') AND c.chat NOT LIKE 'erased-%'
		ORDER BY h.at DESC, c.id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("store: past handoffs: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (concierge.Case, error) {
		var k concierge.Case
		var bot, channel, locale, state, body string
		var at int64
		if err := r.Scan(&k.Conversation.ID, &bot, &channel, &locale, &state, &k.Reason, &at, &body); err != nil {
			return k, fmt.Errorf("store: past handoffs: %w", err)
		}
		k.Conversation.Bot, k.Conversation.Channel = concierge.BotID(bot), concierge.Channel(channel)
		k.Conversation.Locale, k.Conversation.State = concierge.Locale(locale), concierge.ConversationState(state)
		k.Since = fromMillis(at)
		var ev concierge.Event
		if body != "" && json.Unmarshal([]byte(body), &ev) == nil {
			k.Preview = ev.Text
		}
		return k, nil
	})
}

// AssignTraining stores cases (already anonymised) and, for each, the
// session of the same index that assigns it to a trainee, in one
// transaction: IDs are set, and each session starts assigned with nothing
// played.
func (db *DB) AssignTraining(ctx context.Context, cases []*concierge.TrainingCase, sessions []*concierge.TrainingSession) error {
	if len(cases) != len(sessions) {
		return fmt.Errorf("store: assign training: %d cases, %d sessions", len(cases), len(sessions))
	}
	return db.InTx(ctx, func(tx *Tx) error {
		for i, c := range cases {
			if c.CreatedAt.IsZero() {
				c.CreatedAt = tx.now
			}
			body, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("store: assign training: %w", err)
			}
			err = tx.queryRow(ctx, `INSERT INTO training_cases (bot, source, kind, body, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
				string(c.Bot), c.Source, c.Kind, string(body), c.CreatedBy, db.millis(c.CreatedAt)).Scan(&c.ID)
			if err != nil {
				return fmt.Errorf("store: assign training: %w", err)
			}
			s := sessions[i]
			if s.AssignedAt.IsZero() {
				s.AssignedAt = tx.now
			}
			s.Case, s.Status, s.Next = c.ID, concierge.TrainingAssigned, 0
			err = tx.queryRow(ctx, `INSERT INTO training_sessions (case_id, trainee, assigned_by, status, assigned_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
				s.Case, s.Trainee, s.AssignedBy, s.Status, db.millis(s.AssignedAt)).Scan(&s.ID)
			if err != nil {
				return fmt.Errorf("store: assign training: %w", err)
			}
		}
		return nil
	})
}

// TrainingCase reads a case, or an error wrapping concierge.ErrNotFound.
func (db *DB) TrainingCase(ctx context.Context, id int64) (*concierge.TrainingCase, error) {
	var body string
	err := db.r.QueryRowContext(ctx, db.q(`SELECT body FROM training_cases WHERE id = ?`), id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: training case %d: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: training case: %w", err)
	}
	var c concierge.TrainingCase
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return nil, fmt.Errorf("store: training case %d: %w", id, err)
	}
	c.ID = id
	return &c, nil
}

const trainingSessionCols = `id, case_id, trainee, assigned_by, status, next_line, done_lines, assigned_at, started_at, first_answer_at, finished_at,
	decision, decided_minor, decided_currency, decision_note, score`

func scanTrainingSession(r interface{ Scan(...any) error }) (*concierge.TrainingSession, error) {
	var s concierge.TrainingSession
	var assigned, started, first, finished int64
	var decision, score, done string
	if err := r.Scan(&s.ID, &s.Case, &s.Trainee, &s.AssignedBy, &s.Status, &s.Next, &done, &assigned, &started, &first, &finished,
		&decision, &s.Decided.Minor, &s.Decided.Currency, &s.DecisionNote, &score); err != nil {
		return nil, err
	}
	d, err := parseLines(done)
	if err != nil {
		return nil, fmt.Errorf("session %d's lines: %w", s.ID, err)
	}
	s.Done = d
	s.AssignedAt, s.StartedAt, s.FirstAnswerAt, s.FinishedAt = fromMillis(assigned), fromMillis(started), fromMillis(first), fromMillis(finished)
	s.Decision = concierge.ProposalStatus(decision)
	if score != "" {
		s.Score = &concierge.TrainingScore{}
		if err := json.Unmarshal([]byte(score), s.Score); err != nil {
			return nil, fmt.Errorf("session %d's score: %w", s.ID, err)
		}
	}
	return &s, nil
}

// TrainingSession reads a session, or an error wrapping
// concierge.ErrNotFound.
func (db *DB) TrainingSession(ctx context.Context, id int64) (*concierge.TrainingSession, error) {
	s, err := scanTrainingSession(db.r.QueryRowContext(ctx, db.q(`SELECT `+trainingSessionCols+` FROM training_sessions WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: training session %d: %w", id, concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: training session: %w", err)
	}
	return s, nil
}

// TrainingSessions lists trainee's sessions, or everyone's when trainee
// is "", newest first.
func (db *DB) TrainingSessions(ctx context.Context, trainee string) ([]*concierge.TrainingSession, error) {
	q, args := `SELECT `+trainingSessionCols+` FROM training_sessions ORDER BY id DESC`, []any(nil)
	if trainee != "" {
		q, args = `SELECT `+trainingSessionCols+` FROM training_sessions WHERE trainee = ? ORDER BY id DESC`, []any{trainee}
	}
	rows, err := db.r.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: training sessions: %w", err)
	}
	out, err := collect(rows, scanTrainingSession)
	if err != nil {
		return nil, fmt.Errorf("store: training sessions: %w", err)
	}
	return out, nil
}

// TrainingMessages lists a session's messages in order.
func (db *DB) TrainingMessages(ctx context.Context, session int64) ([]concierge.TrainingMessage, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT seq, role, text, at, media FROM training_messages WHERE session_id = ? ORDER BY seq`), session)
	if err != nil {
		return nil, fmt.Errorf("store: training messages: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (concierge.TrainingMessage, error) {
		var m concierge.TrainingMessage
		var at int64
		err := r.Scan(&m.Seq, &m.Role, &m.Text, &at, &m.Media)
		m.At = fromMillis(at)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: training messages: %w", err)
	}
	return out, nil
}

// addTrainingMessages appends msgs to a session after its last message.
func (tx *Tx) addTrainingMessages(ctx context.Context, session int64, msgs []concierge.TrainingMessage) error {
	var last int64
	if err := tx.queryRow(ctx, `SELECT coalesce(max(seq), 0) FROM training_messages WHERE session_id = ?`, session).Scan(&last); err != nil {
		return err
	}
	for _, m := range msgs {
		last++
		if _, err := tx.exec(ctx, `INSERT INTO training_messages (session_id, seq, role, text, at, media) VALUES (?, ?, ?, ?, ?, ?)`,
			session, last, m.Role, m.Text, tx.db.millis(m.At), m.Media); err != nil {
			return err
		}
	}
	return nil
}

// StartTrainingSession marks an assigned session active at at, with the
// first shown messages and next, the case's lines now played; false when
// it was started before (two tabs opening it at once start it once).
func (db *DB) StartTrainingSession(ctx context.Context, id int64, at time.Time, shown []concierge.TrainingMessage, next int) (bool, error) {
	ok := false
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE training_sessions SET status = 'active', started_at = ?, next_line = ? WHERE id = ? AND status = 'assigned'`,
			db.millis(at), next, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ok = true
		return tx.addTrainingMessages(ctx, id, shown)
	})
	if err != nil {
		return false, fmt.Errorf("store: start training session: %w", err)
	}
	return ok, nil
}

// AddTrainingTurn records a trainee's reply and the simulated customer's
// answer (none when answer is nil) in one transaction, moving the replay
// of the case's lines from from to to. The first reply sets the time to
// first answer. False when the session is not active or another turn
// moved the replay first (a double post), and nothing is written.
func (db *DB) AddTrainingTurn(ctx context.Context, id int64, from, to concierge.TrainingReplay, reply concierge.TrainingMessage, answer *concierge.TrainingMessage) (bool, error) {
	ok := false
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE training_sessions SET next_line = ?, done_lines = ?,
				first_answer_at = CASE WHEN first_answer_at = 0 THEN ? ELSE first_answer_at END
			WHERE id = ? AND status = 'active' AND next_line = ? AND done_lines = ?`,
			to.Next, formatLines(to.Done), db.millis(reply.At), id, from.Next, formatLines(from.Done))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ok = true
		msgs := []concierge.TrainingMessage{reply}
		if answer != nil {
			msgs = append(msgs, *answer)
		}
		return tx.addTrainingMessages(ctx, id, msgs)
	})
	if err != nil {
		return false, fmt.Errorf("store: training turn: %w", err)
	}
	return ok, nil
}

// formatLines writes a replay's Done as done_lines: sorted, so that the
// same set compares equal.
func formatLines(done []int) string {
	d := slices.Clone(done)
	slices.Sort(d)
	d = slices.Compact(d)
	parts := make([]string, len(d))
	for i, n := range d {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func parseLines(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// DecideTraining records a trainee's decision on the case's proposal, once
// and only while the session is active; false otherwise.
func (db *DB) DecideTraining(ctx context.Context, id int64, status concierge.ProposalStatus, amount concierge.Money, note string) (bool, error) {
	ok := false
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE training_sessions SET decision = ?, decided_minor = ?, decided_currency = ?, decision_note = ?
			WHERE id = ? AND status = 'active' AND decision = ''`, string(status), amount.Minor, amount.Currency, note, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n > 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: decide training: %w", err)
	}
	return ok, nil
}

// FinishTraining ends an active session at at with its score; false when
// it was not active.
func (db *DB) FinishTraining(ctx context.Context, id int64, at time.Time, score concierge.TrainingScore) (bool, error) {
	body, err := json.Marshal(score)
	if err != nil {
		return false, fmt.Errorf("store: finish training: %w", err)
	}
	ok := false
	err = db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE training_sessions SET status = 'finished', finished_at = ?, score = ? WHERE id = ? AND status = 'active'`,
			db.millis(at), string(body), id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n > 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: finish training: %w", err)
	}
	return ok, nil
}
