package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
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

// TestCompleteInProgress: while complete_checkout is being processed
// (held inside the payment handler), get_checkout and a second
// complete_checkout answer the checkout with status
// complete_in_progress at once, charging nothing; afterwards it is
// completed, charged once. Both databases.
func TestCompleteInProgress(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		db := agentcommercetest.OpenStore(t, url)
		payer := &heldPayer{entered: make(chan struct{}, 4), release: make(chan struct{})}
		bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en"}, Currency: "EUR", Products: []concierge.Product{
			{SKU: "MUG", Name: map[concierge.Locale]string{"en": "Mug"}, Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 5},
		}, Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
		svc := agentcommercetest.NewService(t, db, &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"held": payer}})
		h := mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Keys: map[concierge.BotID][]string{"shop": nil}})
		mux := http.NewServeMux()
		h.Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		released := false
		free := func() {
			if !released {
				released = true
				close(payer.release)
			}
		}
		defer free()

		cs := client(t, srv, "shop", "")
		open := callRaw(t, cs, "create_checkout", `{"items":[{"id":"MUG","quantity":1}],"buyer":{"email":"jane@example.com"},
			"address":{"name":"Jane","line_one":"1 rue de la Paix","city":"Lyon","postal_code":"69001","country":"FR"}}`)
		id, _ := open.out["id"].(string)
		if open.isError || open.out["status"] != "ready_for_complete" {
			t.Fatalf("create: %+v", open)
		}
		pay := `{"id":"` + id + `","payment_handler":"held","payment_token":"tok_1","idempotency_key":"p1"}`
		first := make(chan bindingCall, 1)
		go func() { first <- callRaw(t, client(t, srv, "shop", ""), "complete_checkout", pay) }()
		select {
		case <-payer.entered:
		case <-time.After(20 * time.Second): // a hang, not a synchronisation
			t.Fatal("the completion never reached the payment handler")
		}
		during := func(tool, args string) bindingCall {
			t.Helper()
			got := make(chan bindingCall, 1)
			go func() { got <- callRaw(t, client(t, srv, "shop", ""), tool, args) }()
			select {
			case c := <-got:
				return c
			case <-time.After(20 * time.Second):
				t.Errorf("%s waited for the completion in progress", tool)
				free()
				return <-got
			}
		}
		if c := during("get_checkout", `{"id":"`+id+`"}`); c.isError || c.out["status"] != "complete_in_progress" || c.out["order_id"] != nil {
			t.Errorf("get_checkout during the completion: %+v", c)
		}
		if c := during("complete_checkout", `{"id":"`+id+`","payment_handler":"held","payment_token":"tok_1","idempotency_key":"p2"}`); c.isError || c.out["status"] != "complete_in_progress" {
			t.Errorf("a second complete_checkout during the completion: %+v", c)
		}
		if n := payer.charges.Load(); n != 1 {
			t.Errorf("%d charges during the completion, want 1", n)
		}
		free()
		if c := <-first; c.isError || c.out["status"] != "completed" {
			t.Fatalf("the completion: %+v", c)
		}
		if c := callRaw(t, cs, "get_checkout", `{"id":"`+id+`"}`); c.out["status"] != "completed" || c.out["order_id"] == nil {
			t.Errorf("get_checkout after the completion: %+v", c)
		}
		if n := payer.charges.Load(); n != 1 {
			t.Errorf("%d charges in all, want 1", n)
		}
	})
}
