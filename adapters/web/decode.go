package web

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
)

// Limits of a widget POST. webhooks should refuse a larger body before
// reading it; Decode checks again so that it is safe on its own.
const (
	MaxBodyBytes = 64 << 10 // room for 4000 runes even when each is sent as a \uXXXX\uXXXX pair
	MaxTextRunes = 4000
	// MaxValueBytes leaves room for the longest value the agent puts on
	// a button: a pager's "page:<n>:" and the list's SKUs, up to 20 of
	// 64 bytes each with their commas (about 1,310 bytes).
	MaxValueBytes = 2048
)

// post is the body of POST /chat/{bot}/api/messages. Unknown fields are
// ignored, so that an older server accepts a newer widget.
type post struct {
	Session string `json:"session"`
	ID      string `json:"id"`
	Text    string `json:"text"`
	Value   string `json:"value"`
	Locale  string `json:"locale"`
}

// Decode turns the body of a widget POST into an Event: EventButton when
// value is set (text is then the button's label), EventText otherwise. The
// session is both Chat and User; the DedupeKey is session/id, since the
// client message id is unique only within its session.
// Text is trimmed and otherwise kept verbatim (HTML and all): escaping is
// the business of whoever displays it. Raw is body itself, not a copy.
//
// Bad input gives an *concierge.Error with CodeInvalid whose message says
// which field is wrong and why.
func Decode(bot concierge.BotID, body []byte, now time.Time) (concierge.Event, error) {
	const op = "web: decode"
	if len(body) > MaxBodyBytes {
		return concierge.Event{}, concierge.Errorf(concierge.CodeInvalid, op, "body is larger than %d bytes", MaxBodyBytes)
	}
	var p post
	if err := json.Unmarshal(body, &p); err != nil {
		return concierge.Event{}, &concierge.Error{Code: concierge.CodeInvalid, Op: op, Message: "body is not a JSON object", Err: err}
	}
	if err := p.validate(); err != nil {
		return concierge.Event{}, &concierge.Error{Code: concierge.CodeInvalid, Op: op, Message: err.Error()}
	}
	kind := concierge.EventText
	if p.Value != "" {
		kind = concierge.EventButton
	}
	return concierge.Event{
		Kind:    kind,
		Bot:     bot,
		Channel: concierge.ChannelWeb,
		Chat:    concierge.ChatID(p.Session),
		User:    p.Session,
		// Client ids are unique only within a session; the store wants
		// a key unique within the channel.
		DedupeKey: p.Session + "/" + p.ID,
		Locale:    concierge.Locale(p.Locale),
		Text:      p.Text,
		Value:     p.Value,
		Time:      now,
		Raw:       body,
	}, nil
}

// validate checks p and trims its text in place.
func (p *post) validate() error {
	if !isToken(p.Session, 16, 64) {
		return fieldError("session must be 16 to 64 characters among A-Z a-z 0-9 _ -")
	}
	if !isToken(p.ID, 1, 64) {
		return fieldError("id must be 1 to 64 characters among A-Z a-z 0-9 _ -")
	}
	p.Text = strings.TrimSpace(p.Text)
	if p.Text == "" && p.Value == "" {
		return fieldError("text or value is required")
	}
	if n := utf8.RuneCountInString(p.Text); n > MaxTextRunes {
		return fieldError("text is " + strconv.Itoa(n) + " characters long; the limit is " + strconv.Itoa(MaxTextRunes))
	}
	if len(p.Value) > MaxValueBytes {
		return fieldError("value is longer than " + strconv.Itoa(MaxValueBytes) + " bytes")
	}
	// PostgreSQL cannot store NUL in text, and no keyboard types it.
	if strings.ContainsRune(p.Text, 0) || strings.ContainsRune(p.Value, 0) {
		return fieldError("text and value must not contain NUL characters")
	}
	if p.Locale != "" && !isLocale(p.Locale) {
		return fieldError("locale must be a base language of 2 or 3 lowercase letters, such as fr")
	}
	return nil
}

type fieldError string

func (e fieldError) Error() string { return string(e) }

// Query is the query of GET /chat/{bot}/api/messages and /api/events.
type Query struct {
	Chat  concierge.ChatID // the session
	After int64            // entries with a greater Seq are wanted
}

// ParseQuery reads session and after (optional, default 0) from q, with
// the rules Decode applies, so that a stream is never opened for a session
// no widget could have made.
func ParseQuery(q url.Values) (Query, error) {
	const op = "web: query"
	s := q.Get("session")
	if !isToken(s, 16, 64) {
		return Query{}, concierge.Errorf(concierge.CodeInvalid, op, "session must be 16 to 64 characters among A-Z a-z 0-9 _ -")
	}
	var after int64
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return Query{}, concierge.Errorf(concierge.CodeInvalid, op, "after must be a sequence number (0 or more)")
		}
		after = n
	}
	return Query{Chat: concierge.ChatID(s), After: after}, nil
}

// isToken reports whether s matches ^[A-Za-z0-9_-]{min,max}$.
func isToken(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isLocale reports whether s matches ^[a-z]{2,3}$.
func isLocale(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}
