package concierge

import "time"

// EventKind says what happened on a platform.
type EventKind string

// The kinds of inbound events.
const (
	EventText        EventKind = "text"        // the customer wrote something
	EventButton      EventKind = "button"      // the customer pressed a button; Value holds its payload
	EventMedia       EventKind = "media"       // image, audio, document; Text holds a caption or transcript
	EventLocation    EventKind = "location"    // the customer shared a place
	EventSubscribe   EventKind = "subscribe"   // the customer started or followed the bot
	EventUnsubscribe EventKind = "unsubscribe" // the customer blocked or unfollowed the bot
	EventStatus      EventKind = "status"      // delivery status of an outbound message
	EventPayment     EventKind = "payment"     // a payment happening reported through the channel
)

// ExpiredChoice is the Value of an EventButton whose button's real value
// is gone: a channel that keeps long values behind short tokens (WhatsApp)
// could not find the token any more. The event is stored like any press,
// so a redelivery is recognised, and the agent tells the customer the
// choice expired through the outbox, after the webhook has answered.
const ExpiredChoice = "choice:expired"

// Event is one normalised happening on a platform. Adapters produce events;
// webhooks stores them; the agent consumes them in order, per conversation.
type Event struct {
	Kind    EventKind `json:"kind"`
	Bot     BotID     `json:"bot"`
	Channel Channel   `json:"channel"`
	// Chat is where to answer; User is who spoke (often equal to Chat).
	Chat ChatID `json:"chat"`
	User string `json:"user,omitempty"`
	// UserName is the display name the platform gave, if any.
	UserName string `json:"user_name,omitempty"`
	// DedupeKey is the platform's identifier of this happening (Telegram
	// update_id, WhatsApp wamid, WeChat MsgId, a web client's message id).
	// It is unique within (bot, channel); a second event with the same key is
	// a platform retry and is dropped.
	DedupeKey string    `json:"dedupe_key"`
	Locale    Locale    `json:"locale,omitempty"`
	Text      string    `json:"text,omitempty"`
	Value     string    `json:"value,omitempty"`
	Time      time.Time `json:"time"`
	// Raw is the platform payload, kept for audit and for the adapter that
	// produced it; the core never reads it.
	Raw []byte `json:"-"`
	// Ref is the platform's id of the message this event is about: for an
	// EventStatus, the outbound message whose delivery it reports (a
	// WhatsApp wamid); for an EventButton, the message the button was on
	// when the platform says (a Telegram message_id), so that an answer
	// may replace it. Empty for most events.
	Ref string `json:"ref,omitempty"`
	// Speech marks an EventMedia that is a voice note: SpeechHeard when
	// Text is what the customer said (the platform's recognition or our
	// transcript), another Speech when nothing may be read from it.
	// Empty for everything else.
	Speech Speech `json:"speech,omitempty"`
	// TraceParent is the W3C traceparent of the span that stored this
	// event (the ingest), set by the store when it hands the event to a
	// turn, so that the turn's span can link to it; "" when tracing is
	// off. It is kept in its own column, not in the event's body.
	TraceParent string `json:"-"`
}

// Speech is what became of the words of a customer's voice note.
type Speech string

// The outcomes of a voice note. Every one but SpeechHeard leaves Text
// empty: the bot asks the customer to write, or offers a person, and
// never guesses.
const (
	SpeechHeard     Speech = "heard"      // Text is the transcript
	SpeechUnheard   Speech = "unheard"    // no transcriber, the fetch or the transcription failed, or the transcript was empty or unsure
	SpeechTooLarge  Speech = "too_large"  // the file is over the size the bot downloads or transcribes
	SpeechWrongType Speech = "wrong_type" // the file is not audio the transcriber takes
)

// Hearing is what the media fetcher learned of a voice note that held its
// conversation (see MediaJob.Hear): the store writes it into the
// message's event and lets the turn runner take it.
type Hearing struct {
	Speech Speech
	Text   string // the transcript, for SpeechHeard
	Locale Locale // the language the transcriber heard, when it said
	Error  string // why it was not heard, for the log and the inbox
}
