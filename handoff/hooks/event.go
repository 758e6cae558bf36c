package hooks

import (
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// Type is the kind of a hand-off event.
type Type string

// The hand-off events.
const (
	// Requested: the conversation now waits for a person (the bot or
	// checkout handed it off, or its owner was removed from the inbox).
	Requested Type = "handoff.requested"
	// Claimed: a person took the conversation.
	Claimed Type = "handoff.claimed"
	// Resolved: the conversation left people's hands, back to the bot or
	// closed.
	Resolved Type = "handoff.resolved"
)

// TypeOf returns the event a move from → to is, or "" when it is none.
func TypeOf(from, to concierge.ConversationState) Type {
	switch {
	case to == concierge.StateWaiting:
		return Requested
	case to == concierge.StateHuman:
		return Claimed
	case from == concierge.StateHuman || from == concierge.StateWaiting:
		return Resolved
	}
	return ""
}

// Hook is one hand-off to send, leased from the Store.
type Hook struct {
	ID       int64  // the hand-off's row; the event id derives from it
	Lease    string // the Store's lease token
	Attempts int    // sends tried before this one

	Bot          concierge.BotID
	Conversation concierge.ConversationID
	Channel      concierge.Channel
	Locale       concierge.Locale
	From, To     concierge.ConversationState
	Reason       concierge.HandoffReason
	Note         string // free text beside the reason (concierge.Handoff.Note)
	By           string // "bot", "checkout", "system" or "agent:NAME"
	At           time.Time
	Packet       *concierge.HandoffPacket // with a request, when the brain wrote one
}

// Payload is the JSON body of a webhook request. Its fields never change
// between retries of one event.
type Payload struct {
	// ID is the event's id, the same on every retry: receivers dedupe on it.
	ID           string    `json:"id"`
	Type         Type      `json:"type"`
	Time         time.Time `json:"time"` // when the move committed
	Bot          string    `json:"bot"`
	Conversation int64     `json:"conversation"`
	Channel      string    `json:"channel"`
	Language     string    `json:"language,omitempty"`
	From         string    `json:"from"`
	To           string    `json:"to"`
	// Reason is a concierge.HandoffReason, sent as its string so that
	// receivers need nothing of Go; Note is the free text people wrote
	// beside it (a supervisor's assignment: "to dan (was bob): why").
	Reason string `json:"reason"`
	Note   string `json:"note,omitempty"`
	// By is who made the move: "bot", "checkout", "system" or
	// "agent:NAME"; Person is NAME when a person did.
	By     string  `json:"by"`
	Person string  `json:"person,omitempty"`
	Packet *Packet `json:"packet,omitempty"`
}

// Packet is the part of the hand-off packet a request carries.
type Packet struct {
	Reason  string `json:"reason"`
	Summary string `json:"summary"`
}

// EventID is the id of the event of hand-off row id.
func EventID(id int64) string { return "evt_handoff_" + strconv.FormatInt(id, 10) }

// payload builds h's body.
func payload(h *Hook, t Type) Payload {
	p := Payload{
		ID: EventID(h.ID), Type: t, Time: h.At.UTC(), Bot: string(h.Bot), Conversation: int64(h.Conversation),
		Channel: string(h.Channel), Language: string(h.Locale), From: string(h.From), To: string(h.To),
		Reason: string(h.Reason), Note: h.Note, By: h.By,
	}
	if name, ok := strings.CutPrefix(h.By, "agent:"); ok {
		p.Person = name
	}
	if t == Requested && h.Packet != nil {
		p.Packet = &Packet{Reason: string(h.Packet.Reason), Summary: h.Packet.Summary}
	}
	return p
}
