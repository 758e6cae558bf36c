// Package web is the web chat channel: a chat widget served by Concierge
// itself, for shops that want an assistant on their own site, and the
// channel that works with no platform account at all.
//
// It owns the browser side (an html/template page, plain CSS and JavaScript
// and product illustrations, all embedded) and the Go pieces that the HTTP
// routes call: Decode turns a widget POST into a concierge.Event, Adapter is
// the channel's concierge.Sender, and Hub carries sent messages to the open
// Server-Sent Events streams. It imports only the standard library and the
// root package; server wires it and webhooks calls it (see
// deps_test.go). Routing, body limits, status codes, de-duplication and
// storage belong to webhooks, not here.
//
// # The HTTP contract
//
// The webhooks package serves these routes; the page and the widget name
// them by absolute path, so they must be mounted exactly here:
//
//	GET  /chat/{bot}                  the widget page: Adapter.Page(w, PageData{…})
//	GET  /chat/static/{path}          Static(); widget.js, widget.css, img/<category>.svg
//	POST /chat/{bot}/api/messages     a customer message → 202 Ack
//	GET  /chat/{bot}/api/messages     ?session=S&after=N → 200 History
//	GET  /chat/{bot}/api/events       ?session=S&after=N → text/event-stream
//
// /chat/static/ overlaps /chat/{bot}/… for a bot named "static", so that
// bot id must be refused (or the static prefix matched first).
//
// POST /chat/{bot}/api/messages takes a JSON body of at most MaxBodyBytes:
//
//	{"session":"…","id":"…","text":"…","value":"…","locale":"fr"}
//
// session is the customer's chat id: the widget makes 128 random bits once
// and keeps them in localStorage per bot. It is the only credential of a web
// conversation (whoever knows it reads the transcript), so it is never
// logged or shown. id is a fresh client message id per send; a retried POST
// reuses it, and webhooks drops the second one by DedupeKey, answering
// {"accepted":true,"duplicate":true}. text is what the customer typed, or the
// label of the button pressed when value is set. locale is the base language
// the widget uses (navigator.language or the picker). Decode validates all
// of it and returns an *concierge.Error with CodeInvalid (→ 400) otherwise.
// The answer is 202 with Ack.
//
// GET /chat/{bot}/api/messages answers History, the conversation's entries
// with Seq > after in Seq order (ParseQuery reads and checks the query). An
// Entry is a customer message (From "customer", Message.Kind "text", ID the
// client message id), a bot message (From "bot") or a person's reply from
// the inbox (From "agent"). Seq must be unique and increasing within one
// conversation across all three, because the widget orders and
// de-duplicates by it; EventEntry and OutboundEntry build entries from what
// the store keeps. Live entries say "agent" for a person's reply too, from
// the Outbound's Author.
//
// GET /chat/{bot}/api/events is a Server-Sent Events stream of the entries
// with Seq > after, each written by WriteSSE as
//
//	event: message
//	id: <seq>
//	data: <Entry JSON>
//
// with a WritePing comment every PingInterval. To leave no gap, the handler
// subscribes to the Hub first, then writes the stored entries after the
// cursor, then forwards what the subscription delivers, skipping Seq it has
// already written. When the subscription channel closes (the Hub dropped a
// slow reader) the handler ends the response; the widget reconnects with
// after= the last Seq it saw and loads the gap from History.
//
// The Hub is in memory and per process. With several replicas behind a load
// balancer the outbox may Send on one replica while the stream is open on
// another, so webhooks must also feed Publish from the database (LISTEN/
// NOTIFY or polling); otherwise the widget sees such a message only when
// it next reconnects and reads History. Publishing the customer's own entry
// once stored is optional: it shows the message in the customer's other
// tabs, and the sending tab swaps its pending bubble for it by ID.
//
// # The widget
//
// The page has no inline script or style and a Content-Security-Policy of
// 'self': it makes no request to another origin, so product images must be
// served by Concierge (the sample catalog uses /chat/static/img/<category>.svg;
// other images show a placeholder). Every value from a message is inserted
// with textContent, never as HTML. Links (Button.URL, PaymentRequest.URL)
// are followed only when they are http or https.
package web

import (
	"context"
	"fmt"
	"html/template"
	"time"

	"github.com/conciergehq/concierge"
)

// Capabilities is what a channel declares it renders (see
// concierge.Capabilities).
type Capabilities = concierge.Capabilities

// Adapter is the web channel's concierge.Sender. Sending a message hands it
// to the Hub for the widget's open streams; the message itself is already
// in the store, which is where a widget that is not connected finds it.
type Adapter struct {
	// Now is the clock stamped on sent entries; nil means time.Now.
	Now func() time.Time

	hub  *Hub
	page *template.Template
}

var (
	_ concierge.Sender    = (*Adapter)(nil)
	_ concierge.Describer = (*Adapter)(nil)
)

// New returns an Adapter that publishes to hub.
func New(hub *Hub) *Adapter {
	return &Adapter{hub: hub, page: parsePage()}
}

// Capabilities reports what the widget renders.
func (a *Adapter) Capabilities() Capabilities {
	return Capabilities{
		Buttons:      true,
		Cards:        true,
		Comparison:   true,
		PaymentLinks: true,
		MaxButtons:   8,
	}
}

// Send publishes m to the widgets watching its conversation. It does not
// block on them and succeeds when nobody watches: the customer sees the
// message in History when the widget next loads. It fails only when ctx is
// done or m is not addressed.
func (a *Adapter) Send(ctx context.Context, m *concierge.Outbound) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("web: send: %w", err)
	}
	if m == nil || m.Bot == "" || m.Chat == "" {
		return concierge.Errorf(concierge.CodeInvalid, "web: send", "outbound message has no bot or chat")
	}
	a.hub.Publish(m.Bot, m.Chat, OutboundEntry(m, a.now()))
	return nil
}

func (a *Adapter) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
