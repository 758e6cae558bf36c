package acp_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
)

// get reads a checkout session over ACP.
func (f *fixture) get(t *testing.T, id string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+"/acp/shop-a/checkout_sessions/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("API-Version", acp.Version)
	st, out, b, _ := act.Do(t, req)
	if st != 0 && out == nil {
		t.Errorf("GET %s: %d %s: not JSON", id, st, b)
	}
	return st, out
}

// TestCompleteInProgress: while a complete is being processed (held
// inside the payment handler, its transaction open) on replica a, both
// replicas answer at once — on SQLite too, whose one writer the
// completion holds: GET with the session as last committed, status
// complete_in_progress (2026-04-17's CheckoutSession status), no order;
// a complete under another Idempotency-Key the same, 200, charging
// nothing; the same key still 409 idempotency_in_flight; an update and
// a cancel 409 conflict with Retry-After, changing nothing. Once the
// completion ends the session reads completed with its order, charged
// once, and the refused cancel is the spec's 405 for a completed
// session. The refused update and cancel are each a line of the
// session's transcript, written by replica b once a's completion has
// ended. Both databases.
func TestCompleteInProgress(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		payer := act.NewHeldPayer()
		defer payer.Release()
		a, b := newFixture(t, url, payer), newFixture(t, url, payer)
		id := a.ready(t)
		path := "/acp/shop-a/checkout_sessions/" + id
		type answer struct {
			status int
			body   map[string]any
			header http.Header
		}
		first := make(chan answer, 1)
		go func() {
			st, body, h := a.post(t, path+"/complete", "pay-1", pay)
			first <- answer{st, body, h}
		}()
		payer.WaitEntered(t)

		for name, f := range map[string]*fixture{"a": a, "b": b} {
			got := act.During(t, payer, "GET on replica "+name, func() answer {
				st, body := f.get(t, id)
				return answer{st, body, nil}
			})
			if got.status != http.StatusOK || got.body["status"] != "complete_in_progress" || got.body["order"] != nil || got.body["id"] != id {
				t.Errorf("GET on replica %s during the completion: %d %v, want 200 complete_in_progress without order", name, got.status, got.body)
			}
		}
		post := func(p, key, body string) answer {
			t.Helper()
			return act.During(t, payer, "POST "+p+" "+key, func() answer {
				st, out, h := b.post(t, p, key, body)
				return answer{st, out, h}
			})
		}
		if got := post(path+"/complete", "pay-2", pay); got.status != http.StatusOK || got.body["status"] != "complete_in_progress" ||
			got.body["order"] != nil || got.header.Get("Idempotency-Key") != "pay-2" {
			t.Errorf("complete under another key: %d %v %v, want 200 complete_in_progress echoing the key", got.status, got.body, got.header)
		}
		if got := post(path+"/complete", "pay-1", pay); got.status != http.StatusConflict || got.body["code"] != "idempotency_in_flight" {
			t.Errorf("complete under the same key: %d %v, want 409 idempotency_in_flight", got.status, got.body)
		}
		for _, c := range []struct{ path, key, body string }{
			{path, "update-1", `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":3}]}`},
			{path + "/cancel", "cancel-1", `{}`},
		} {
			got := post(c.path, c.key, c.body)
			if got.status != http.StatusConflict || got.body["code"] != "conflict" || got.body["type"] != "invalid_request" || got.header.Get("Retry-After") == "" {
				t.Errorf("POST %s during the completion: %d %v, want 409 conflict with Retry-After", c.path, got.status, got.body)
			}
		}
		if n := payer.Charges(); n != 1 {
			t.Errorf("%d charges while the completion runs, want 1", n)
		}

		payer.Release()
		done := <-first
		if done.status != http.StatusOK || done.body["status"] != "completed" || done.body["order"] == nil {
			t.Fatalf("the completion: %d %v", done.status, done.body)
		}
		// Replica b refused the update and the cancel while replica a
		// completed: b writes their lines once a's claim has ended, after
		// the completion's line.
		b.svc.Wait()
		lines := act.Transcript(t, b.db, b.svc, "shop-a", id, agentcommerce.ACP)
		want := []string{"ACP agent paid the checkout with sandbox — completed",
			"ACP agent's call to update the checkout was refused — complete_in_progress: the checkout is being completed",
			"ACP agent's call to cancel the checkout was refused — complete_in_progress: the checkout is being completed"}
		if len(lines) < len(want) {
			t.Fatalf("transcript after the completion: %q", lines)
		}
		for i, w := range want {
			if got := lines[len(lines)-len(want)+i]; !strings.HasPrefix(got, w) {
				t.Errorf("transcript line %d from the end: %q, want %q…", len(want)-i, got, w)
			}
		}
		st, got := b.get(t, id)
		if st != http.StatusOK || got["status"] != "completed" || got["order"] == nil {
			t.Errorf("GET after the completion: %d %v", st, got)
		}
		if items, _ := got["line_items"].([]any); len(items) != 1 || items[0].(map[string]any)["quantity"] != float64(1) {
			t.Errorf("the refused update changed the items: %v", got["line_items"])
		}
		if st, body, _ := b.post(t, path+"/cancel", "cancel-1", `{}`); st != http.StatusMethodNotAllowed {
			t.Errorf("the refused cancel's key after the completion: %d %v, want 405 (its refusal kept no key)", st, body)
		}
		if n := payer.Charges(); n != 1 {
			t.Errorf("%d charges in all, want 1", n)
		}
	})
}
