package ucp_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
)

// heldPayer is a payment handler whose Charge signals entered and then
// waits for release: a completion held while it is being processed.
type heldPayer struct {
	entered chan struct{}
	release chan struct{}
	charges atomic.Int32
}

func (p *heldPayer) Charge(ctx context.Context, o *concierge.Order, token string) (string, error) {
	p.charges.Add(1)
	p.entered <- struct{}{}
	<-p.release
	return "held:" + string(o.ID), nil
}

// TestCompleteInProgress: while a Complete Checkout is being processed
// (held inside the payment handler), a Get of the session answers it
// complete_in_progress (checkout.md's status for "Business is processing
// the Complete Checkout request"), with its continue_url and no order,
// at once — on SQLite too, whose one writer the completion holds — and
// a second complete, under another key or the same one, answers the
// same without charging again. Once the completion ends the session is
// completed, charged once; completing it again is the usual 409 under
// another key and the replay under the first. Both databases.
func TestCompleteInProgress(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		s := newOrderShop(t, url, "", ucp.Config{})
		payer := &heldPayer{entered: make(chan struct{}, 4), release: make(chan struct{})}
		s.svc.Shop("shop-a").Handlers["held"] = payer
		st, c := s.call(t, "POST", "/ucp/shop-a/checkout-sessions", "k-create", `{"buyer":{"email":"jane@example.com"},
			"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
			"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
			"groups":[{"selected_option_id":"standard"}]}]}}`)
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
		// A request that waits for the held completion (what the status
		// exists to avoid) must fail the test, not hang it: after 20 s
		// the completion is let go, and the answer checked.
		var once sync.Once
		free := func() { once.Do(func() { close(payer.release) }) }
		defer free()
		during := func(method, key, body string) (int, map[string]any) {
			t.Helper()
			got := make(chan answer, 1)
			go func() {
				st, b := s.call(t, method, path+map[bool]string{true: "", false: "/complete"}[method == "GET"], key, body)
				got <- answer{st, b}
			}()
			select {
			case a := <-got:
				return a.status, a.body
			case <-time.After(20 * time.Second):
				t.Errorf("%s %s waited for the completion in progress", method, key)
				free()
				a := <-got
				return a.status, a.body
			}
		}
		first := make(chan answer, 1)
		go func() {
			st, body := s.call(t, "POST", path+"/complete", "k-pay-1", pay)
			first <- answer{st, body}
		}()
		select {
		case <-payer.entered:
		case <-time.After(20 * time.Second): // a hang, not a synchronisation
			t.Fatal("the completion never reached the payment handler")
		}

		st, got := during("GET", "", "")
		if st != http.StatusOK || got["status"] != "complete_in_progress" || got["continue_url"] == nil || got["order"] != nil || got["id"] != id {
			t.Errorf("GET during the completion: %d %v, want 200 complete_in_progress with continue_url and no order", st, got)
		}
		for _, key := range []string{"k-pay-2", "k-pay-1"} {
			st, got := during("POST", key, pay)
			if st != http.StatusOK || got["status"] != "complete_in_progress" || got["order"] != nil {
				t.Errorf("complete under %s during the completion: %d %v, want 200 complete_in_progress", key, st, got)
			}
		}
		if n := payer.charges.Load(); n != 1 {
			t.Errorf("%d charges while the first completion runs, want 1", n)
		}

		free()
		done := <-first
		if done.status != http.StatusOK || done.body["status"] != "completed" || done.body["order"] == nil {
			t.Fatalf("the completion: %d %v", done.status, done.body)
		}
		if st, got := s.call(t, "GET", path, "", ""); st != http.StatusOK || got["status"] != "completed" || got["order"] == nil {
			t.Errorf("GET after the completion: %d %v", st, got)
		}
		if st, _ := s.call(t, "POST", path+"/complete", "k-pay-3", pay); st != http.StatusConflict {
			t.Errorf("complete again under another key: %d, want 409", st)
		}
		if st, got := s.call(t, "POST", path+"/complete", "k-pay-1", pay); st != http.StatusOK || got["status"] != "completed" {
			t.Errorf("the first key again: %d %v, want its completed answer replayed", st, got)
		}
		if n := payer.charges.Load(); n != 1 {
			t.Errorf("%d charges in all, want 1", n)
		}
	})
}
