package web

import (
	"sync"

	"github.com/conciergehq/concierge"
)

// hubBuffer is how many entries a subscriber may fall behind before the Hub
// drops it. An agent turn produces a handful of messages, so a healthy
// stream never comes close.
const hubBuffer = 64

// Hub carries entries from Send to the event streams open on them, in
// memory, keyed by (bot, chat). One customer may have several streams (two
// tabs); each gets every entry. Publish never blocks: a subscriber that
// does not keep up is dropped and its channel closed, and the widget
// catches up from History when it reconnects.
//
// The zero Hub is ready to use. It is safe for concurrent use.
type Hub struct {
	mu     sync.Mutex
	subs   map[hubKey]map[chan Entry]struct{}
	closed bool
}

type hubKey struct {
	bot  concierge.BotID
	chat concierge.ChatID
}

// NewHub returns an empty Hub.
func NewHub() *Hub { return &Hub{} }

// Subscribe returns a channel of the entries published for (bot, chat) from
// now on, and a cancel func that stops them and closes the channel. The
// channel is also closed when the subscriber falls behind. cancel may be
// called more than once, and after the channel was closed. After Close,
// the channel comes closed.
func (h *Hub) Subscribe(bot concierge.BotID, chat concierge.ChatID) (<-chan Entry, func()) {
	k := hubKey{bot, chat}
	ch := make(chan Entry, hubBuffer)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(ch)
		return ch, func() {}
	}
	if h.subs == nil {
		h.subs = make(map[hubKey]map[chan Entry]struct{})
	}
	if h.subs[k] == nil {
		h.subs[k] = make(map[chan Entry]struct{})
	}
	h.subs[k][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.remove(k, ch)
	}
}

// Publish hands e to every subscriber of (bot, chat) without waiting.
func (h *Hub) Publish(bot concierge.BotID, chat concierge.ChatID, e Entry) {
	k := hubKey{bot, chat}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[k] {
		select {
		case ch <- e:
		default:
			h.remove(k, ch)
		}
	}
}

// Close closes every subscriber's channel and makes later subscriptions
// come closed, so that every event stream ends: the server calls it when
// it starts shutting down, and the widgets reconnect to another replica or
// to the restarted server. Publish after Close reaches no one.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for k, set := range h.subs {
		for ch := range set {
			h.remove(k, ch)
		}
	}
}

// remove closes ch unless it is already gone. Sends and closes happen only
// under h.mu, so a send never meets a closed channel.
func (h *Hub) remove(k hubKey, ch chan Entry) {
	set, ok := h.subs[k]
	if !ok {
		return
	}
	if _, ok := set[ch]; !ok {
		return
	}
	delete(set, ch)
	close(ch)
	if len(set) == 0 {
		delete(h.subs, k)
	}
}

// subscribers reports how many streams watch (bot, chat).
func (h *Hub) subscribers(bot concierge.BotID, chat concierge.ChatID) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[hubKey{bot, chat}])
}
