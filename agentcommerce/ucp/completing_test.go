package ucp_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
)

// TestCompleteInProgress: while a Complete Checkout is being processed
// (held inside the payment handler), a Get of the session answers it
// complete_in_progress (checkout.md's status for "Business is processing
// the Complete Checkout request"), with its continue_url and no order,
// at once — on SQLite too, whose one writer the completion holds — and
// a second complete, under another key or the same one, answers the
// same without charging again. An Update or a Cancel Checkout is
// refused at once with 409 complete_in_progress (the REST binding's
// 409 for a conflict), changing nothing. Once the completion ends the
// session is completed, charged once; completing it again is the usual
// 409 under another key and the replay under the first, and an update
// is 409 finished. The refused update and cancel are each a line of the
// session's transcript, after the completion's. Both databases.
func TestCompleteInProgress(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		s := newOrderShop(t, url, "", ucp.Config{})
		payer := act.NewHeldPayer()
		defer payer.Release()
		s.svc.Shop("shop-a").Handlers["held"] = payer
		const address = `"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
			"groups":[{"selected_option_id":"standard"}]}]}`
		st, c := s.call(t, "POST", "/ucp/shop-a/checkout-sessions", "k-create", `{"buyer":{"email":"jane@example.com"},
			"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],`+address+`}`)
		if st != http.StatusCreated || c["status"] != "ready_for_complete" {
			t.Fatalf("create: %d %v", st, c)
		}
		id := c["id"].(string)
		path := "/ucp/shop-a/checkout-sessions/" + id
		const pay = `{"payment":{"instruments":[{"id":"pi_1","handler_id":"held","type":"card","credential":{"type":"token","token":"tok_1"}}]}}`
		type answer struct {
			status int
			body   map[string]any
		}
		during := func(method, path, key, body string) (int, map[string]any) {
			t.Helper()
			a := act.During(t, payer, method+" "+path, func() answer {
				st, b := s.call(t, method, path, key, body)
				return answer{st, b}
			})
			return a.status, a.body
		}
		first := make(chan answer, 1)
		go func() {
			st, body := s.call(t, "POST", path+"/complete", "k-pay-1", pay)
			first <- answer{st, body}
		}()
		payer.WaitEntered(t)

		st, got := during("GET", path, "", "")
		if st != http.StatusOK || got["status"] != "complete_in_progress" || got["continue_url"] == nil || got["order"] != nil || got["id"] != id {
			t.Errorf("GET during the completion: %d %v, want 200 complete_in_progress with continue_url and no order", st, got)
		}
		for _, key := range []string{"k-pay-2", "k-pay-1"} {
			st, got := during("POST", path+"/complete", key, pay)
			if st != http.StatusOK || got["status"] != "complete_in_progress" || got["order"] != nil {
				t.Errorf("complete under %s during the completion: %d %v, want 200 complete_in_progress", key, st, got)
			}
		}
		for _, c := range []struct{ method, path, key, body string }{
			{"PUT", path, "k-update", `{"buyer":{"email":"jo@example.com"},"line_items":[{"item":{"id":"LAMP-01"},"quantity":2}],` + address + `}`},
			{"POST", path + "/cancel", "k-cancel", ""},
		} {
			st, got := during(c.method, c.path, c.key, c.body)
			if st != http.StatusConflict || got["code"] != "complete_in_progress" || got["content"] == "" {
				t.Errorf("%s %s during the completion: %d %v, want 409 complete_in_progress", c.method, c.path, st, got)
			}
		}
		if n := payer.Charges(); n != 1 {
			t.Errorf("%d charges while the first completion runs, want 1", n)
		}

		payer.Release()
		done := <-first
		if done.status != http.StatusOK || done.body["status"] != "completed" || done.body["order"] == nil {
			t.Fatalf("the completion: %d %v", done.status, done.body)
		}
		// The refusals are in the transcript, after the completion's line
		// (its release wrote them, once its transaction had ended).
		lines := act.Transcript(t, s.db, s.svc, "shop-a", id, agentcommerce.UCP)
		want := []string{"UCP agent paid the checkout with held — completed",
			"UCP agent's call to update the checkout was refused — complete_in_progress: the checkout is being completed",
			"UCP agent's call to cancel the checkout was refused — complete_in_progress: the checkout is being completed"}
		if len(lines) < len(want) {
			t.Fatalf("transcript after the completion: %q", lines)
		}
		for i, w := range want {
			if got := lines[len(lines)-len(want)+i]; !strings.HasPrefix(got, w) {
				t.Errorf("transcript line %d from the end: %q, want %q…", len(want)-i, got, w)
			}
		}
		st, got = s.call(t, "GET", path, "", "")
		if st != http.StatusOK || got["status"] != "completed" || got["order"] == nil {
			t.Errorf("GET after the completion: %d %v", st, got)
		}
		if items, _ := got["line_items"].([]any); len(items) != 1 || items[0].(map[string]any)["quantity"] != float64(1) {
			t.Errorf("the refused update changed the items: %v", got["line_items"])
		}
		if st, _ := s.call(t, "POST", path+"/complete", "k-pay-3", pay); st != http.StatusConflict {
			t.Errorf("complete again under another key: %d, want 409", st)
		}
		if st, got := s.call(t, "POST", path+"/complete", "k-pay-1", pay); st != http.StatusOK || got["status"] != "completed" {
			t.Errorf("the first key again: %d %v, want its completed answer replayed", st, got)
		}
		if st, got := s.call(t, "POST", path+"/cancel", "k-cancel", ""); st != http.StatusConflict || got["code"] != "finished" {
			t.Errorf("the refused cancel's key after the completion: %d %v, want 409 finished (its refusal kept no key)", st, got)
		}
		if n := payer.Charges(); n != 1 {
			t.Errorf("%d charges in all, want 1", n)
		}
	})
}
