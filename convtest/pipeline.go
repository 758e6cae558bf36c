package convtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/store"
)

// Pipeline is one bot's real conversation pipeline on a database of its
// own, as server wires it for `concierge serve`, minus the HTTP
// listener, the outbox and the background loops: the runner stores each
// event, runs its turn at once and reads the replies from the transcript.
type Pipeline struct {
	Bot *concierge.Bot
	// DB is the pipeline's own database; the runner sets its clock.
	DB *store.DB
	// Turns run the stored events' turns now: the batch runner of rules
	// bots and the planned runner of LLM bots.
	Turns []TurnRunner
	// Webhooks is the server's HTTP handler: the sandbox's signed payment
	// notifications go through it as they do in production.
	Webhooks http.Handler
	// Sandbox signs those notifications as the bot's sandbox provider.
	Sandbox Signer
	// Close releases the pipeline; nil when there is nothing to release.
	Close func() error
}

// TurnRunner runs the pending turns of stored events now, in the caller's
// goroutine, and reports how many were done and how many failed (the
// customer got an apology). agent.Runner and agent.PlannedRunner are
// TurnRunners.
type TurnRunner interface {
	RunPending(ctx context.Context) (done, failed int, err error)
}

// Signer signs a sandbox notification body as the provider does
// (*sandbox.Provider).
type Signer interface {
	Sign(body []byte, t time.Time) string
}

// defaultClock is when cases run unless their file says: a Wednesday at
// 10:00 in Paris, inside the usual business hours, so that what the bot
// says about people being available does not depend on when the tests run.
var defaultClock = time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)

// clock is the store's clock during a file's cases. It moves a
// millisecond at every read, so that each transaction happens strictly
// after the previous one, as the store's millisecond timestamps need.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

// chat is one case's customer: a web chat of its own.
type chat struct {
	p      *Pipeline
	clock  *clock
	id     concierge.ChatID
	locale concierge.Locale
	sent   int   // events sent, for unique dedupe keys
	seen   int64 // transcript read up to this seq
}

// send stores ev as the customer's, runs its turn and returns the bot's
// replies. A turn that failed (the customer got an apology) is reported
// in failed; err is for a pipeline that does not work at all.
func (c *chat) send(ctx context.Context, ev concierge.Event) (replies []concierge.Message, failed bool, err error) {
	c.sent++
	ev.Bot, ev.Channel, ev.Chat, ev.User, ev.Locale = c.p.Bot.ID, concierge.ChannelWeb, c.id, string(c.id), c.locale
	ev.DedupeKey = fmt.Sprintf("%s-%d", c.id, c.sent)
	ev.Time = c.clock.Now()
	if _, err := c.p.DB.Ingest(ctx, []concierge.Event{ev}); err != nil {
		return nil, false, err
	}
	for {
		var n int
		for _, tr := range c.p.Turns {
			done, f, err := tr.RunPending(ctx)
			if err != nil {
				return nil, false, err
			}
			n += done + f
			failed = failed || f > 0
		}
		if n == 0 {
			break
		}
	}
	replies, err = c.replies(ctx)
	return replies, failed, err
}

// replies returns the bot's messages not read yet.
func (c *chat) replies(ctx context.Context) ([]concierge.Message, error) {
	var out []concierge.Message
	for {
		es, err := c.p.DB.Transcript(ctx, c.p.Bot.ID, concierge.ChannelWeb, c.id, c.seen, 500)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			c.seen = e.Seq
			if e.Dir == "out" && e.Message != nil {
				out = append(out, *e.Message)
			}
		}
		if len(es) < 500 {
			return out, nil
		}
	}
}

// conv is the chat's conversation, or nil before the first event.
func (c *chat) conv(ctx context.Context) (*concierge.Conversation, error) {
	conv, err := c.p.DB.FindConversation(ctx, c.p.Bot.ID, concierge.ChannelWeb, c.id)
	if errors.Is(err, concierge.ErrNotFound) {
		return nil, nil
	}
	return conv, err
}

// cart is the conversation's cart.
func (c *chat) cart(ctx context.Context) ([]concierge.CartLine, error) {
	conv, err := c.conv(ctx)
	if err != nil || conv == nil {
		return nil, err
	}
	return c.p.DB.CartOf(ctx, conv.ID)
}

// orders are the conversation's orders, newest first.
func (c *chat) orders(ctx context.Context) ([]*concierge.Order, error) {
	conv, err := c.conv(ctx)
	if err != nil || conv == nil {
		return nil, err
	}
	return c.p.DB.OrdersOf(ctx, conv.ID)
}

// errNoPendingOrder is a pay step with nothing to pay: a test failure,
// not a broken pipeline.
var errNoPendingOrder = errors.New("no order is pending payment")

// pay has the sandbox notify the latest order pending payment — paid, or
// a declined card — through the server's webhook handler, signed as the
// sandbox signs, and returns the bot's replies (what checkout announced)
// and the webhook's result ("paid", "failed", "handed_off" …).
func (c *chat) pay(ctx context.Context, outcome string) (replies []concierge.Message, result string, err error) {
	orders, err := c.orders(ctx)
	if err != nil {
		return nil, "", err
	}
	var o *concierge.Order
	for _, x := range orders {
		if x.State == concierge.OrderPending {
			o = x
			break
		}
	}
	if o == nil {
		return nil, "", errNoPendingOrder
	}
	if c.p.Sandbox == nil || c.p.Webhooks == nil {
		return nil, "", errors.New("the pipeline has no sandbox payment provider")
	}
	c.sent++
	n := sandbox.Notification{
		ID: fmt.Sprintf("evt_%s_%d", c.id, c.sent), Type: sandbox.TypePaymentSucceeded,
		Bot: c.p.Bot.ID, Order: o.ID, Amount: o.Total, Created: c.clock.Now().Unix(),
	}
	if outcome == PayDecline {
		n.Type, n.Code, n.Reason = sandbox.TypePaymentFailed, sandbox.DeclineCode, sandbox.DeclineReason
	}
	body, err := json.Marshal(n)
	if err != nil {
		return nil, "", err
	}
	// In-process, through the server's handler: the same verification
	// and application as a real notification, with no listener or port.
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/webhooks/"+string(c.p.Bot.ID)+"/"+sandbox.ProviderName, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	// The provider checks the signature's age against the real time.
	req.Header.Set(sandbox.HeaderSignature, c.p.Sandbox.Sign(body, time.Now()))
	rec := httptest.NewRecorder()
	c.p.Webhooks.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, "", fmt.Errorf("the sandbox webhook answered %d: %s", rec.Code, bytes.TrimSpace(rec.Body.Bytes()))
	}
	var ans struct {
		Result string `json:"result"`
	}
	json.Unmarshal(rec.Body.Bytes(), &ans) // the result is only shown
	replies, err = c.replies(ctx)
	return replies, ans.Result, err
}
