package web

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// From says who wrote an Entry; the widget styles each differently.
type From string

// The authors of transcript entries.
const (
	FromCustomer From = "customer"
	FromBot      From = "bot"
	FromAgent    From = "agent" // a person answering from the inbox
)

// Entry is one line of a web conversation's transcript, as the widget reads
// it from History and from the event stream. Seq orders the entries of one
// conversation and is unique in it; the widget de-duplicates by it.
type Entry struct {
	Seq     int64             `json:"seq"`
	From    From              `json:"from"`
	Message concierge.Message `json:"message"`
	At      time.Time         `json:"at"`
	// ID is the client message id of a customer entry (the event's
	// DedupeKey). The widget uses it to put the stored copy in place of
	// the bubble it showed while sending; without it, it matches by text.
	ID string `json:"id,omitempty"`
}

// OutboundEntry is the entry of a message the agent produced.
func OutboundEntry(m *concierge.Outbound, at time.Time) Entry {
	from := FromBot
	if strings.HasPrefix(m.Author, "agent:") {
		from = FromAgent // a person's reply from the inbox
	}
	return Entry{Seq: m.Seq, From: from, Message: m.Message, At: at}
}

// EventEntry is the entry of something the customer wrote or pressed, as
// stored with its sequence number; a button press shows as its label.
func EventEntry(seq int64, e *concierge.Event) Entry {
	return Entry{
		Seq:     seq,
		From:    FromCustomer,
		Message: concierge.Message{Kind: concierge.MessageText, Text: e.Text},
		At:      e.Time,
		ID:      clientID(e.DedupeKey),
	}
}

// History is the answer to GET /chat/{bot}/api/messages.
type History struct {
	Messages []Entry `json:"messages"`
}

// MarshalJSON writes an empty list rather than null when there is nothing.
func (h History) MarshalJSON() ([]byte, error) {
	if h.Messages == nil {
		h.Messages = []Entry{}
	}
	type plain History
	return json.Marshal(plain(h))
}

// Ack is the answer to POST /chat/{bot}/api/messages (status 202).
// Duplicate is true when the message id was already accepted.
type Ack struct {
	Accepted  bool `json:"accepted"`
	Duplicate bool `json:"duplicate"`
}

// PingInterval is how often the event stream writes a comment, so that
// proxies keep it open and a dead connection is noticed.
const PingInterval = 15 * time.Second

// WriteSSE writes e as one Server-Sent Event named "message" whose id is
// its Seq. The caller flushes.
func WriteSSE(w io.Writer, e Entry) error {
	data, err := json.Marshal(e) // JSON never contains a raw newline, so one data line suffices
	if err != nil {
		return fmt.Errorf("web: encode entry %d: %w", e.Seq, err)
	}
	if _, err := fmt.Fprintf(w, "event: message\nid: %d\ndata: %s\n\n", e.Seq, data); err != nil {
		return fmt.Errorf("web: write event: %w", err)
	}
	return nil
}

// WritePing writes an SSE comment that the browser ignores.
func WritePing(w io.Writer) error {
	if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
		return fmt.Errorf("web: write ping: %w", err)
	}
	return nil
}

// clientID is the client message id inside a web DedupeKey ("session/id").
func clientID(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[i+1:]
	}
	return key
}
