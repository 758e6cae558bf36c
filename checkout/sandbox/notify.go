package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// HeaderSignature is the header that carries a notification's signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">", Stripe's scheme.
const HeaderSignature = "Concierge-Sandbox-Signature"

// The notification types.
const (
	// TypePaymentSucceeded: the customer confirmed the test payment.
	TypePaymentSucceeded = "payment.succeeded"
	// TypePaymentFailed: the customer pressed "Decline (test)", which
	// stands for a declined card; the order keeps waiting for payment.
	TypePaymentFailed = "payment.failed"
)

// DeclineCode and DeclineReason are what a TypePaymentFailed notification
// reports, worded like a card network's answer.
const (
	DeclineCode   = "card_declined"
	DeclineReason = "The card was declined (sandbox test)."
)

// maxAttempts is how many times Notify tries: once, then three retries.
const maxAttempts = 4

// Notification is what the sandbox sends to the server's webhook when a test
// payment is confirmed. ID is the same on every delivery attempt of one
// confirmation, so that the receiver can deduplicate on it.
type Notification struct {
	ID      string            `json:"id"`      // "evt_" + 32 hex digits
	Type    string            `json:"type"`    // TypePaymentSucceeded or TypePaymentFailed
	Bot     concierge.BotID   `json:"bot"`     // the bot whose webhook it is for
	Order   concierge.OrderID `json:"order"`   // the order that was paid, or not
	Amount  concierge.Money   `json:"amount"`  // the order's total when it was paid (or tried)
	Created int64             `json:"created"` // unix seconds
	// Code and Reason say why a TypePaymentFailed attempt failed.
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Failed reports whether n is a failed attempt rather than a payment.
func (n *Notification) Failed() bool { return n.Type == TypePaymentFailed }

// Failure returns the failed attempt n reports, with n.ID as the provider
// reference that makes a repeated notification count once.
func (n *Notification) Failure() concierge.PaymentFailure {
	return concierge.PaymentFailure{
		Order:       n.Order,
		Provider:    ProviderName,
		ProviderRef: n.ID,
		Code:        n.Code,
		Reason:      n.Reason,
		At:          time.Unix(n.Created, 0).UTC(),
	}
}

// Payment returns the payment n reports, with n.ID as the provider
// reference that makes a repeated notification change nothing.
func (n *Notification) Payment() concierge.Payment {
	return concierge.Payment{
		Order:       n.Order,
		Provider:    ProviderName,
		ProviderRef: n.ID,
		Amount:      n.Amount,
		At:          time.Unix(n.Created, 0).UTC(),
	}
}

// Notify reports o as paid to bot's webhook, {BaseURL}/webhooks/{bot}/sandbox,
// and returns the event id it sent. It blocks until the webhook answers 2xx,
// a permanent failure, or ctx is done.
//
// Network errors, 429 and 5xx answers are retried up to three times with a
// growing pause, with the same event id and body (only the signature's
// timestamp is renewed), so the receiver's deduplication holds. Any other
// answer is final. The error is CodeUnavailable when the webhook could not be
// reached or kept failing, and CodeInternal when it refused the
// notification, which means the server disagrees with itself (a wrong secret
// or an order it does not know).
func (p *Provider) Notify(ctx context.Context, bot concierge.BotID, o *concierge.Order) (eventID string, err error) {
	return p.send(ctx, "sandbox: notify", bot, o, TypePaymentSucceeded)
}

// NotifyDeclined reports an attempt to pay o as failed (a declined card,
// DeclineCode) to bot's webhook, as Notify reports a payment: signed, with
// one event id kept across retries, so the receiver counts the attempt
// once. The order is not touched; it keeps waiting for payment.
func (p *Provider) NotifyDeclined(ctx context.Context, bot concierge.BotID, o *concierge.Order) (eventID string, err error) {
	return p.send(ctx, "sandbox: notify declined", bot, o, TypePaymentFailed)
}

// send signs a notification of type typ for o and delivers it, retrying as
// Notify says.
func (p *Provider) send(ctx context.Context, op string, bot concierge.BotID, o *concierge.Order, typ string) (eventID string, err error) {
	if bot == "" {
		return "", concierge.Errorf(concierge.CodeInvalid, op, "no bot")
	}
	if err := checkOrder(op, bot, o); err != nil {
		return "", err
	}
	n := Notification{
		ID:      newEventID(),
		Type:    typ,
		Bot:     bot,
		Order:   o.ID,
		Amount:  o.Total,
		Created: p.now().Unix(),
	}
	if typ == TypePaymentFailed {
		n.Code, n.Reason = DeclineCode, DeclineReason
	}
	body, err := json.Marshal(n)
	if err != nil {
		return "", &concierge.Error{Code: concierge.CodeInternal, Op: op, Err: err}
	}
	target := p.baseURL + "/webhooks/" + url.PathEscape(string(bot)) + "/" + ProviderName

	pause := p.backoff
	for attempt := 1; ; attempt++ {
		retry, err := p.post(ctx, target, body)
		if err == nil {
			return n.ID, nil
		}
		if ctx.Err() != nil {
			// The caller gave up; the webhook may or may not have it.
			return "", &concierge.Error{Code: concierge.CodeUnavailable, Op: op, Message: "gave up waiting for the webhook", Err: errors.Join(ctx.Err(), err)}
		}
		if !retry {
			return "", &concierge.Error{Code: concierge.CodeInternal, Op: op, Message: "the webhook refused the notification", Err: err}
		}
		if attempt == maxAttempts {
			return "", &concierge.Error{Code: concierge.CodeUnavailable, Op: op, Message: fmt.Sprintf("the webhook did not accept the notification after %d attempts", attempt), Err: err}
		}
		if err := sleep(ctx, pause); err != nil {
			return "", &concierge.Error{Code: concierge.CodeUnavailable, Op: op, Message: "gave up waiting for the webhook", Err: err}
		}
		pause *= 2
	}
}

// post sends one delivery attempt. It reports whether a failure is worth
// retrying.
func (p *Provider) post(ctx context.Context, target string, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderSignature, p.Sign(body, p.now()))
	resp, err := p.client.Do(req)
	if err != nil {
		// A done context is final; anything else on the wire may pass next time.
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	// Read a little of the answer for the error, and drain the rest so the
	// connection can be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	err = fmt.Errorf("webhook answered %s", resp.Status)
	if s := strings.TrimSpace(string(snippet)); s != "" {
		err = fmt.Errorf("webhook answered %s: %s", resp.Status, s)
	}
	return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests, err
}

// Sign returns the HeaderSignature value for body sent at t:
// "t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">". Tests of other
// packages use it to build requests that Verify accepts.
func (p *Provider) Sign(body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(p.signature(ts, body))
}

// signature is the v1 signature of body sent at the decimal timestamp ts.
func (p *Provider) signature(ts string, body []byte) []byte {
	msg := make([]byte, 0, len(ts)+1+len(body))
	msg = append(msg, ts...)
	msg = append(msg, '.')
	msg = append(msg, body...)
	return hmacSum(p.secret, msg)
}

func newEventID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	return "evt_" + hex.EncodeToString(b[:])
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
