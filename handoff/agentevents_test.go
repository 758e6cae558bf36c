package handoff

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// fakeAgentEvents holds failed order events in memory, filtered by bot as
// the store filters them (the store's own filter is tested in package
// store); retried ones leave the list.
type fakeAgentEvents struct {
	AgentEventDeliveries
	events  []AgentEvent
	retried []int64
	// conflict are events whose retry is refused as changed meanwhile.
	conflict []int64
}

func (f *fakeAgentEvents) FailedAgentEvents(ctx context.Context, bots []concierge.BotID, limit int) ([]AgentEvent, int, error) {
	var out []AgentEvent
	n := 0
	for _, e := range f.events {
		if slices.Contains(f.retried, e.ID) || !(slices.Contains(bots, concierge.AllBots) || slices.Contains(bots, e.Bot)) {
			continue
		}
		if !e.Superseded {
			n++
		}
		if len(out) < limit {
			out = append(out, e)
		}
	}
	return out, n, nil
}

func (f *fakeAgentEvents) AgentEventConversation(ctx context.Context, id int64) (concierge.ConversationID, error) {
	for _, e := range f.events {
		if e.ID == id {
			return e.Conversation, nil
		}
	}
	return 0, concierge.ErrNotFound
}

func (f *fakeAgentEvents) RetryAgentEvent(ctx context.Context, id int64, by string) error {
	if slices.Contains(f.conflict, id) {
		return concierge.Errorf(concierge.CodeConflict, "fake", "event %d changed meanwhile", id)
	}
	f.retried = append(f.retried, id)
	return nil
}

// TestFailedAgentEventsPage: the list of failed agent order events is for
// supervisors, shows only the bots they see, links each event to its
// order's page with its protocol, attempts and error, offers Retry
// except for a superseded event, and counts the retriable ones in the
// menu; Retry from the list comes back to it, from the order's page to
// that page. Agents are refused the list (403) and the retry.
func TestFailedAgentEventsPage(t *testing.T) {
	s := newFakeStore(ann, sue)
	s.convs[7] = &concierge.Conversation{ID: 7, Bot: "shop", Channel: "agent:acp"}
	s.convs[8] = &concierge.Conversation{ID: 8, Bot: "other", Channel: "agent:ucp"}
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	ev := &fakeAgentEvents{events: []AgentEvent{
		{ID: 41, Bot: "shop", Conversation: 7, Protocol: "acp", Type: "order_create", Order: "ML-A1", OrderState: concierge.OrderPaid,
			Status: "failed", Attempts: 12, Error: "HTTP 503: down", FailedAt: at},
		{ID: 42, Bot: "other", Conversation: 8, Protocol: "ucp", Type: "order_update", Order: "OT-B2", OrderState: concierge.OrderFulfilled,
			Status: "failed", Attempts: 12, Error: "HTTP 500: boom", FailedAt: at},
		{ID: 40, Bot: "shop", Conversation: 7, Protocol: "acp", Type: "order_create", Order: "ML-A0", OrderState: concierge.OrderPaid,
			Status: "failed", Attempts: 12, Superseded: true, FailedAt: at},
	}}
	in, err := New(Config{Store: s, Bots: []*concierge.Bot{{ID: "shop", Name: "Shop"}, {ID: "other", Name: "Other"}}, Poll: time.Hour, AgentEvents: ev})
	if err != nil {
		t.Fatal(err)
	}
	shopSue := &concierge.Person{ID: 5, Name: "shopsue", Role: concierge.RoleSupervisor, Bots: []concierge.BotID{"shop"}}
	do := func(p *concierge.Person, method, path string, form url.Values) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		req.AddCookie(signedIn(s, in, p))
		rec := httptest.NewRecorder()
		in.ServeHTTP(rec, req)
		return rec
	}

	page := do(shopSue, http.MethodGet, "/inbox/agent-events", nil)
	body := page.Body.String()
	for _, want := range []string{
		`<a href="/inbox/c/7" id="failed-event-order-41">ML-A1</a>`, `<td>acp</td>`, `order_create #41`, `<td>12</td>`, `HTTP 503: down`,
		`id="failed-event-retry-41"`, `id="failed-event-40"`, `a later event of this order was delivered`,
		`id="failed-events-count">1<`, `id="failed-events-link"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("shop's supervisor's list lacks %s:\n%s", want, body)
		}
	}
	if page.Code != http.StatusOK || strings.Contains(body, "OT-B2") || strings.Contains(body, `id="failed-event-retry-40"`) {
		t.Errorf("shop's supervisor's list: %d, shows another bot's event or retries a superseded one:\n%s", page.Code, body)
	}
	if body := do(sue, http.MethodGet, "/inbox/agent-events", nil).Body.String(); !strings.Contains(body, "OT-B2") ||
		!strings.Contains(body, `id="failed-events-count">2<`) {
		t.Errorf("a supervisor of every bot:\n%s", body)
	}
	if rec := do(ann, http.MethodGet, "/inbox/agent-events", nil); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "ML-A1") {
		t.Errorf("an agent opens the list: %d", rec.Code)
	}
	if rec := do(ann, http.MethodPost, "/inbox/e/41/retry", url.Values{"csrf": {"csrf-ann"}, "from": {"failed"}}); rec.Code != http.StatusForbidden {
		t.Errorf("an agent retries: %d", rec.Code)
	}
	if rec := do(shopSue, http.MethodPost, "/inbox/e/42/retry", url.Values{"csrf": {"csrf-shopsue"}, "from": {"failed"}}); rec.Code != http.StatusNotFound {
		t.Errorf("another bot's event retried: %d", rec.Code)
	}
	if len(ev.retried) != 0 {
		t.Fatalf("refused retries retried %v", ev.retried)
	}
	rec := do(shopSue, http.MethodPost, "/inbox/e/41/retry", url.Values{"csrf": {"csrf-shopsue"}, "from": {"failed"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/inbox/agent-events" || !slices.Equal(ev.retried, []int64{41}) {
		t.Errorf("retry from the list: %d to %q, retried %v", rec.Code, rec.Header().Get("Location"), ev.retried)
	}
	if body := do(shopSue, http.MethodGet, "/inbox/agent-events", nil).Body.String(); strings.Contains(body, "ML-A1") ||
		!strings.Contains(body, `id="failed-events-count">0<`) {
		t.Errorf("after the retry:\n%s", body)
	}
	rec = do(sue, http.MethodPost, "/inbox/e/42/retry", url.Values{"csrf": {"csrf-sue"}, "from": {"https://evil.example/"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/inbox/c/8" {
		t.Errorf("retry from the order's page: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}

// TestRetryAllFailedAgentEvents: Retry all on the list of failed agent
// order events retries, for a supervisor, every failed event of the
// bots they see — more than the list shows (FailedListLimit) — but
// neither a superseded one nor another bot's; one refused as changed
// meanwhile is counted as left, the senders are woken once, and the list
// it comes back to says what was done. An agent is refused and nothing
// is retried.
func TestRetryAllFailedAgentEvents(t *testing.T) {
	s := newFakeStore(ann, sue)
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	ev := &fakeAgentEvents{conflict: []int64{7}}
	for id := int64(1); id <= FailedListLimit+50; id++ {
		ev.events = append(ev.events, AgentEvent{ID: id, Bot: "shop", Conversation: 7, Protocol: "acp", Type: "order_update",
			Order: "ML-A1", OrderState: concierge.OrderPaid, Status: "failed", Attempts: 12, FailedAt: at})
	}
	ev.events = append(ev.events,
		AgentEvent{ID: 900, Bot: "shop", Conversation: 7, Protocol: "acp", Type: "order_create", Order: "ML-A0", Status: "failed", Superseded: true, FailedAt: at},
		AgentEvent{ID: 901, Bot: "other", Conversation: 8, Protocol: "ucp", Type: "order_create", Order: "OT-B2", Status: "failed", FailedAt: at})
	wakes := 0
	in, err := New(Config{Store: s, Bots: []*concierge.Bot{{ID: "shop", Name: "Shop"}, {ID: "other", Name: "Other"}}, Poll: time.Hour,
		AgentEvents: ev, AgentEventWake: func() { wakes++ }})
	if err != nil {
		t.Fatal(err)
	}
	shopSue := &concierge.Person{ID: 5, Name: "shopsue", Role: concierge.RoleSupervisor, Bots: []concierge.BotID{"shop"}}
	do := func(p *concierge.Person, method, path string, form url.Values) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		req.AddCookie(signedIn(s, in, p))
		rec := httptest.NewRecorder()
		in.ServeHTTP(rec, req)
		return rec
	}
	if body := do(shopSue, http.MethodGet, "/inbox/agent-events", nil).Body.String(); !strings.Contains(body, `id="failed-events-retry-all">Retry all 250<`) {
		t.Errorf("the list offers no Retry all of the 250:\n%s", body)
	}
	if rec := do(ann, http.MethodPost, "/inbox/agent-events/retry", url.Values{"csrf": {"csrf-ann"}}); rec.Code != http.StatusForbidden || len(ev.retried) != 0 {
		t.Fatalf("an agent retries all: %d, retried %d", rec.Code, len(ev.retried))
	}
	rec := do(shopSue, http.MethodPost, "/inbox/agent-events/retry", url.Values{"csrf": {"csrf-shopsue"}})
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || loc != "/inbox/agent-events?retried=249&skipped=1" {
		t.Errorf("Retry all: %d to %q", rec.Code, loc)
	}
	want := []int64{}
	for id := int64(1); id <= FailedListLimit+50; id++ {
		if id != 7 {
			want = append(want, id)
		}
	}
	got := slices.Clone(ev.retried)
	slices.Sort(got)
	if !slices.Equal(got, want) || wakes != 1 {
		t.Errorf("retried %d events (%v…), woke %d times; want the 249 of shop, not superseded, once", len(got), got[:min(5, len(got))], wakes)
	}
	body := do(shopSue, http.MethodGet, loc, nil).Body.String()
	if !strings.Contains(body, `id="failed-events-retried">Retried 249 events; 1 had changed meanwhile and was left.<`) ||
		!strings.Contains(body, `id="failed-events-retry-all">Retry all 1<`) {
		t.Errorf("the list after Retry all:\n%s", body)
	}
}
