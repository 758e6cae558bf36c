package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// delivery is one order event as the agent's receiver got it.
type delivery struct{ id, body string }

// TestInboxRetryAllAgentEvents: the inbox's Retry all, through the
// server as a supervisor's browser sends it (signed in, the form's CSRF
// token). Two agent orders' events that the sender gave up on (the
// agent's receiver was down) are listed with "Retry all 2"; an agent may
// not retry them (403), nor a supervisor without the form's token (403),
// and a supervisor of another bot's Retry all retries none of them
// (Retried 0) — each leaving them failed. The bot's supervisor's Retry
// all comes back to the list saying "Retried 2 events", now empty, and
// the sender delivers both again with their event ids, now sent. Both
// databases; no sleeps: the sender handles its batches one after the
// other, so once a later order's event reaches the receiver the earlier
// ones' outcomes are recorded.
func TestInboxRetryAllAgentEvents(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var down atomic.Bool
			down.Store(true)
			got := make(chan delivery, 16)
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- delivery{r.Header.Get("Request-Id"), string(b)}
				if down.Load() {
					http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
				}
			}))
			defer recv.Close()
			dbURL := tempSQLite(t)
			if db == "postgres" {
				dbURL = testenv.PostgresURL(t)
			}
			cfg := sampleBot(t) + strings.Replace(agentsSection, `acp: { api_keys: ["test-acp-key-0123456789"] }`,
				`acp: { api_keys: ["test-acp-key-0123456789"], webhook_url: "`+recv.URL+`/order_events", webhook_secret: "acp-webhook-secret-0123456789" }`, 1) +
				"  rate_per_minute: 6000\n"
			s := runMain(t, &Main{ConfigPath: writeBot(t, cfg), DBURL: dbURL,
				AgentWebhooks: agentcommerce.WebhookConfig{MaxAttempts: 1, Poll: 50 * time.Millisecond}})
			s.addPerson("alice", concierge.RoleAgent, 3)
			s.addPerson("sue", concierge.RoleSupervisor, 3)
			s.addPerson("bob", concierge.RoleSupervisor, 3, "another-shop")
			ctx := context.Background()

			buy := func(k string) string {
				t.Helper()
				path := "/acp/maison-lumiere/checkout_sessions"
				st, c, _ := s.agent(agentCall{"POST", path, acpHeaders("create-" + k), `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
					"buyer":{"email":"jane@example.com"},
					"fulfillment_details":{"address":{"name":"Jane","line_one":"1 rue de la Paix","city":"Lyon","state":"","country":"FR","postal_code":"69001"}}}`})
				if st != 201 {
					t.Fatalf("create %s: %d %v", k, st, c)
				}
				st, done, _ := s.agent(agentCall{"POST", path + "/" + c["id"].(string) + "/complete", acpHeaders("pay-" + k),
					`{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"token","token":"success_token"}}}}`})
				order, _ := jget(done, "order.id").(string)
				if st != 200 || order == "" {
					t.Fatalf("complete %s: %d %v", k, st, done)
				}
				return order
			}
			receive := func(what string) delivery {
				t.Helper()
				select {
				case d := <-got:
					return d
				case <-time.After(20 * time.Second): // a hang, not a synchronisation
					t.Fatalf("no order event reached the agent for %s", what)
					return delivery{}
				}
			}
			// settled waits for the event of a new order: its batch comes
			// after the outcomes of every event sent before were recorded.
			settled := func(k string) {
				t.Helper()
				order := buy(k)
				if d := receive("order " + k); !strings.Contains(d.body, order) {
					t.Fatalf("the next event is not order %s's: %s %s", k, d.id, d.body)
				}
			}

			orders := []string{buy("a"), buy("b")}
			var first []string
			for range orders {
				first = append(first, receive("the first attempts").id)
			}
			down.Store(false)
			settled("c") // a and b have failed (one attempt each)
			var failed []store.AgentEventState
			for _, o := range orders {
				es, err := s.m.DB.AgentEventsOfConversation(ctx, s.order(o).Conversation)
				if err != nil || len(es) != 1 || es[0].Status != store.HookFailed {
					t.Fatalf("order %s's events: %+v %v, want one failed", o, es, err)
				}
				failed = append(failed, es[0])
			}
			stillFailed := func(what string) {
				t.Helper()
				for _, e := range failed {
					if st, _, _, err := s.m.DB.AgentEventStatus(ctx, e.ID); err != nil || st != store.HookFailed {
						t.Fatalf("after %s event %d is %s (%v), want still failed", what, e.ID, st, err)
					}
				}
			}

			alice, sue, bob := s.person("alice"), s.person("sue"), s.person("bob")
			alice.signIn()
			sue.signIn()
			bob.signIn()
			code, list := sue.get("/inbox/agent-events")
			if code != http.StatusOK || !strings.Contains(list, `id="failed-events-retry-all">Retry all 2<`) {
				t.Fatalf("the supervisor's list: %d\n%s", code, list)
			}
			for _, e := range failed {
				if !strings.Contains(list, fmt.Sprintf(`id="failed-event-retry-%d"`, e.ID)) {
					t.Errorf("event %d is not listed:\n%s", e.ID, list)
				}
			}
			const retryAll = "/inbox/agent-events/retry"
			if code, _ := alice.post(retryAll, nil); code != http.StatusForbidden {
				t.Errorf("an agent's Retry all: %d, want 403", code)
			}
			if code, _ := sue.post(retryAll, url.Values{"csrf": {"forged"}}); code != http.StatusForbidden {
				t.Errorf("Retry all without the form's token: %d, want 403", code)
			}
			if _, page := bob.get("/inbox/agent-events"); !strings.Contains(page, `id="failed-events-empty"`) {
				t.Errorf("another bot's supervisor sees the events:\n%s", page)
			}
			if page := bob.mustPost(retryAll, nil); !strings.Contains(page, `id="failed-events-retried">Retried 0 events.<`) {
				t.Errorf("another bot's supervisor's Retry all:\n%s", page)
			}
			stillFailed("the refused Retry alls")

			sue.get("/inbox/agent-events") // the form's token, as the browser has it
			page := sue.mustPost(retryAll, nil)
			if !strings.Contains(page, `id="failed-events-retried">Retried 2 events.<`) || !strings.Contains(page, `id="failed-events-empty"`) {
				t.Errorf("the list after Retry all:\n%s", page)
			}
			var again []string
			for range failed {
				again = append(again, receive("Retry all").id)
			}
			slices.Sort(first)
			slices.Sort(again)
			if !slices.Equal(first, again) {
				t.Errorf("Retry all delivered %v, want the same event ids as the first attempts %v", again, first)
			}
			settled("d") // the retried deliveries' outcomes are recorded
			for _, e := range failed {
				if st, _, _, err := s.m.DB.AgentEventStatus(ctx, e.ID); err != nil || st != store.HookSent {
					t.Errorf("event %d after Retry all: %s (%v), want sent", e.ID, st, err)
				}
			}
		})
	}
}
