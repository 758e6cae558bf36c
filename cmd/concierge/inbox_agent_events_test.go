package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// TestInboxAgentEventRetry: an agent order's webhook event that the
// sender gave up on shows as failed on the order's page, with its
// attempts and error; an agent is not offered Retry and may not retry
// (403), nor may a supervisor without the form's token (403); a
// supervisor's retry delivers it again with the same event id and leaves
// a note; retrying it once sent is a conflict (409). Both databases.
func TestInboxAgentEventRetry(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			const secret = "acp-webhook-secret-0123456789"
			var down atomic.Bool
			down.Store(true)
			got := make(chan string, 16)
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				if down.Load() {
					http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
					return
				}
				got <- r.Header.Get("Request-Id") + " " + string(b)
			}))
			defer recv.Close()
			dbURL := tempSQLite(t)
			if db == "postgres" {
				dbURL = testenv.PostgresURL(t)
			}
			cfg := sampleBot(t) + strings.Replace(agentsSection, `acp: { api_keys: ["test-acp-key-0123456789"] }`,
				`acp: { api_keys: ["test-acp-key-0123456789"], webhook_url: "`+recv.URL+`/order_events", webhook_secret: "`+secret+`" }`, 1)
			s := runMain(t, &Main{ConfigPath: writeBot(t, cfg), DBURL: dbURL,
				AgentWebhooks: agentcommerce.WebhookConfig{MaxAttempts: 2, BaseDelay: 50 * time.Millisecond, MaxDelay: 100 * time.Millisecond, Poll: 50 * time.Millisecond}})
			s.addPerson("alice", concierge.RoleAgent, 3)
			s.addPerson("sue", concierge.RoleSupervisor, 3)
			s.addPerson("bob", concierge.RoleSupervisor, 3, "another-shop")
			ctx := context.Background()

			path := "/acp/maison-lumiere/checkout_sessions"
			st, c, _ := s.agent(agentCall{"POST", path, acpHeaders("e-create"), `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
				"buyer":{"email":"jane@example.com"},
				"fulfillment_details":{"address":{"name":"Jane","line_one":"1 rue de la Paix","city":"Lyon","state":"","country":"FR","postal_code":"69001"}}}`})
			if st != 201 {
				t.Fatalf("create: %d %v", st, c)
			}
			st, done, _ := s.agent(agentCall{"POST", path + "/" + c["id"].(string) + "/complete", acpHeaders("e-pay"),
				`{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"token","token":"success_token"}}}}`})
			orderID, _ := jget(done, "order.id").(string)
			if st != 200 || orderID == "" {
				t.Fatalf("complete: %d %v", st, done)
			}
			conv := s.order(orderID).Conversation

			var event store.AgentEventState
			for deadline := time.Now().Add(15 * time.Second); ; {
				es, err := s.m.DB.AgentEventsOfConversation(ctx, conv)
				if err != nil {
					t.Fatal(err)
				}
				if len(es) == 1 && es[0].Status == store.HookFailed {
					event = es[0]
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the order event did not fail: %+v", es)
				}
				time.Sleep(20 * time.Millisecond)
			}
			page := fmt.Sprintf("/inbox/c/%d", conv)
			retry := fmt.Sprintf("/inbox/e/%d/retry", event.ID)
			alice, sue := s.person("alice"), s.person("sue")
			alice.signIn()
			sue.signIn()
			_, view := alice.get(page)
			if !strings.Contains(view, fmt.Sprintf(`id="agent-event-%d"`, event.ID)) || !strings.Contains(view, "webhook failed · 2 attempts") ||
				!strings.Contains(view, "order_create of "+orderID) {
				t.Errorf("the agent's page lacks the failed event:\n%s", view)
			}
			if strings.Contains(view, `id="agent-event-retry-`) {
				t.Error("an agent is offered Retry")
			}
			if code, _ := alice.post(retry, nil); code != http.StatusForbidden {
				t.Errorf("agent retry: %d, want 403", code)
			}
			_, view = sue.get(page)
			if !strings.Contains(view, fmt.Sprintf(`id="agent-event-retry-%d"`, event.ID)) {
				t.Error("the supervisor is not offered Retry")
			}
			if code, _ := sue.post(retry, map[string][]string{"csrf": {"forged"}}); code != http.StatusForbidden {
				t.Errorf("retry without the form's token: %d, want 403", code)
			}
			if st, _, _, _ := s.m.DB.AgentEventStatus(ctx, event.ID); st != store.HookFailed {
				t.Fatalf("refused retries changed the event: %s", st)
			}

			// The list of failed events across orders: the supervisor of
			// the bot sees it with its order's link, the count in the
			// menu; a supervisor of another bot sees neither and may not
			// retry it; an agent may not open the list.
			_, queue := sue.get("/inbox")
			if !strings.Contains(queue, `id="failed-events-count">1<`) {
				t.Errorf("the menu does not count the failed event:\n%s", queue)
			}
			code, list := sue.get("/inbox/agent-events")
			if code != http.StatusOK || !strings.Contains(list, fmt.Sprintf(`<a href="/inbox/c/%d" id="failed-event-order-%d">%s</a>`, conv, event.ID, orderID)) ||
				!strings.Contains(list, fmt.Sprintf(`id="failed-event-retry-%d"`, event.ID)) || !strings.Contains(list, "<td>acp</td>") ||
				!strings.Contains(list, "HTTP 503") || strings.Contains(list, secret) {
				t.Errorf("the supervisor's list of failed events: %d\n%s", code, list)
			}
			bob := s.person("bob")
			bob.signIn()
			if code, list := bob.get("/inbox/agent-events"); code != http.StatusOK || strings.Contains(list, orderID) ||
				!strings.Contains(list, `id="failed-events-empty"`) || !strings.Contains(list, `id="failed-events-count">0<`) {
				t.Errorf("another bot's supervisor's list: %d\n%s", code, list)
			}
			if code, _ := bob.post(retry, url.Values{"from": {"failed"}}); code != http.StatusNotFound {
				t.Errorf("another bot's supervisor retries: %d, want 404", code)
			}
			if code, view := alice.get("/inbox/agent-events"); code != http.StatusForbidden || strings.Contains(view, orderID) {
				t.Errorf("an agent opens the list: %d, want 403", code)
			}
			if _, view := alice.get("/inbox"); strings.Contains(view, `id="failed-events-link"`) {
				t.Error("an agent's menu links to the failed events")
			}
			if st, _, _, _ := s.m.DB.AgentEventStatus(ctx, event.ID); st != store.HookFailed {
				t.Fatalf("refused retries changed the event: %s", st)
			}

			down.Store(false)
			// Retry from the list comes back to it, without the event.
			list = sue.mustPost(retry, url.Values{"from": {"failed"}})
			if !strings.Contains(list, `id="failed-events-empty"`) || !strings.Contains(list, `id="failed-events-count">0<`) {
				t.Errorf("the list after the retry:\n%s", list)
			}
			select {
			case b := <-got:
				if !strings.HasPrefix(b, fmt.Sprintf("evt_%d ", event.ID)) || !strings.Contains(b, `"type":"order_create"`) {
					t.Errorf("retried event: %s", b)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("the retried event was not delivered")
			}
			for deadline := time.Now().Add(10 * time.Second); ; {
				st, _, _, err := s.m.DB.AgentEventStatus(ctx, event.ID)
				if err == nil && st == store.HookSent {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the retried event is %s, %v; want sent", st, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if code, _ := sue.post(retry, nil); code != http.StatusConflict {
				t.Errorf("retry of a sent event: %d, want 409", code)
			}
			_, view = sue.get(page)
			if !strings.Contains(view, "webhook sent") || !strings.Contains(view, "Retried the agent&#39;s order_create webhook event") {
				t.Errorf("after the retry the page lacks the sent badge or sue's note:\n%s", view)
			}
		})
	}
}
