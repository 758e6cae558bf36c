package sandbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// receiver is a fake of the server's sandbox webhook: it verifies each
// delivery with the provider and answers with the next scripted status.
type receiver struct {
	t        *testing.T
	p        *Provider
	statuses []int // answers in order; 200 once they run out

	mu         sync.Mutex
	paths      []string
	bodies     []string
	ids        []string
	verifyErrs []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("read body: %v", err)
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("got %s with Content-Type %q; want POST application/json", r.Method, r.Header.Get("Content-Type"))
	}
	n, verr := rc.p.Verify(r.Header.Get(HeaderSignature), body)
	rc.mu.Lock()
	i := len(rc.paths)
	rc.paths = append(rc.paths, r.URL.EscapedPath())
	rc.bodies = append(rc.bodies, string(body))
	rc.verifyErrs = append(rc.verifyErrs, verr)
	if n != nil {
		rc.ids = append(rc.ids, n.ID)
	}
	rc.mu.Unlock()
	status := http.StatusOK
	if i < len(rc.statuses) {
		status = rc.statuses[i]
	}
	if verr != nil && status < 300 {
		status = http.StatusUnauthorized
	}
	http.Error(w, http.StatusText(status), status)
}

func newReceiver(t *testing.T, statuses ...int) (*receiver, *Provider) {
	t.Helper()
	rc := &receiver{t: t, statuses: statuses}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	p, err := New(Config{Secret: testSecret, BaseURL: srv.URL, Client: srv.Client(), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	p.backoff = time.Millisecond
	rc.p = p
	return rc, p
}

func TestNotify(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		attempts int
		code     concierge.Code // "" means accepted
	}{
		{"accepted at once", nil, 1, ""},
		{"204 is accepted", []int{204}, 1, ""},
		{"retried after a 500", []int{500}, 2, ""},
		{"retried after 502, 503 and 429", []int{502, 503, 429}, 4, ""},
		{"gives up after four attempts", []int{500, 500, 500, 500, 200}, 4, concierge.CodeUnavailable},
		{"a refusal is final", []int{400}, 1, concierge.CodeInternal},
		{"an unauthorized answer is final", []int{500, 401}, 2, concierge.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, p := newReceiver(t, tt.statuses...)
			o := testOrder()
			id, err := p.Notify(context.Background(), "maison-lumiere", o)
			if tt.code == "" && err != nil {
				t.Fatalf("Notify: %v", err)
			}
			if tt.code != "" {
				if got := concierge.ErrorCode(err); got != tt.code {
					t.Fatalf("Notify error = %v (code %q); want %q", err, got, tt.code)
				}
				if id != "" {
					t.Errorf("Notify returned id %q with an error", id)
				}
			}
			if len(rc.paths) != tt.attempts {
				t.Fatalf("%d deliveries; want %d", len(rc.paths), tt.attempts)
			}
			for i := range rc.paths {
				if rc.paths[i] != "/webhooks/maison-lumiere/sandbox" {
					t.Errorf("delivery %d went to %s", i, rc.paths[i])
				}
				if rc.verifyErrs[i] != nil {
					t.Errorf("delivery %d did not verify: %v", i, rc.verifyErrs[i])
				}
				if rc.bodies[i] != rc.bodies[0] || rc.ids[i] != rc.ids[0] {
					t.Errorf("delivery %d differs from the first: %s vs %s", i, rc.bodies[i], rc.bodies[0])
				}
			}
			if tt.code == "" && id != rc.ids[0] {
				t.Errorf("Notify returned id %q; the webhook got %q", id, rc.ids[0])
			}
		})
	}
}

func TestNotifyContent(t *testing.T) {
	rc, p := newReceiver(t)
	o := testOrder()
	id, err := p.Notify(context.Background(), "maison-lumiere", o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "evt_") || len(id) != len("evt_")+32 {
		t.Errorf("event id %q; want evt_ and 32 hex digits", id)
	}
	n, err := p.Verify(p.Sign([]byte(rc.bodies[0]), testNow), []byte(rc.bodies[0]))
	if err != nil {
		t.Fatal(err)
	}
	want := Notification{ID: id, Type: TypePaymentSucceeded, Bot: "maison-lumiere", Order: o.ID, Amount: o.Total, Created: testNow.Unix()}
	if *n != want {
		t.Errorf("notification = %+v; want %+v", *n, want)
	}

	// A second confirmation is a new event; the receiver's paid-once guard,
	// not the id, stops it from paying twice.
	id2, err := p.Notify(context.Background(), "maison-lumiere", o)
	if err != nil {
		t.Fatal(err)
	}
	if id2 == id {
		t.Errorf("two confirmations share event id %s", id)
	}
}

func TestNotifyUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	p, err := New(Config{Secret: testSecret, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	p.backoff = time.Millisecond
	_, err = p.Notify(context.Background(), "maison-lumiere", testOrder())
	if concierge.ErrorCode(err) != concierge.CodeUnavailable {
		t.Errorf("Notify error = %v; want CodeUnavailable", err)
	}
}

func TestNotifyContextDone(t *testing.T) {
	rc, p := newReceiver(t, 500, 500, 500, 500)
	p.backoff = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Notify(ctx, "maison-lumiere", testOrder())
		done <- err
	}()
	// Wait for the first delivery, then give up while Notify pauses.
	deadline := time.Now().Add(10 * time.Second)
	for {
		rc.mu.Lock()
		n := len(rc.paths)
		rc.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery within 10s")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || concierge.ErrorCode(err) != concierge.CodeUnavailable {
		t.Errorf("Notify error = %v; want CodeUnavailable wrapping context.Canceled", err)
	}
}

func TestNotifyRefuses(t *testing.T) {
	rc, p := newReceiver(t)
	tests := []struct {
		name   string
		bot    concierge.BotID
		change func(o *concierge.Order)
	}{
		{"no bot", "", func(*concierge.Order) {}},
		{"other bot's order", "other", func(*concierge.Order) {}},
		{"no order id", "maison-lumiere", func(o *concierge.Order) { o.ID = "" }},
		{"zero amount", "maison-lumiere", func(o *concierge.Order) { o.Total.Minor = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder()
			tt.change(o)
			if _, err := p.Notify(context.Background(), tt.bot, o); concierge.ErrorCode(err) != concierge.CodeInvalid {
				t.Errorf("Notify error = %v; want CodeInvalid", err)
			}
		})
	}
	if len(rc.paths) != 0 {
		t.Errorf("%d notifications sent for invalid orders", len(rc.paths))
	}
}
