package acp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/handoff/hooks"
	"github.com/conciergehq/concierge/store"
)

// received is one request the agent's webhook receiver got.
type received struct {
	sig, requestID string
	body           []byte
	event          map[string]any
}

// TestOrderWebhooks: completing an ACP session queues order_create; the
// sender delivers it signed (Merchant-Signature, HMAC-SHA256 over
// "t.body"), retries after the receiver's 500 once due, and marks it sent
// after the 2xx, never sending it again; the order's fulfilment is then
// sent as order_update, and its refund as the whole order, lines still
// fulfilled. Neither the secret nor the URL's token reaches
// the log or the stored error.
func TestOrderWebhooks(t *testing.T) {
	eachStore(t, agentcommerce.Sandbox{}, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		secret := []byte("whsec-test-0123456789abcdef")
		got := make(chan received, 10)
		var calls atomic.Int32
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			var ev map[string]any
			json.Unmarshal(b, &ev)
			got <- received{sig: r.Header.Get(acp.SignatureHeader), requestID: r.Header.Get("Request-Id"), body: b, event: ev}
			if calls.Add(1) == 1 {
				// Receivers echo what they refuse; none of it may be kept.
				http.Error(w, "bad signature "+r.Header.Get(acp.SignatureHeader)+" for "+string(secret), http.StatusInternalServerError)
				return
			}
			w.Write([]byte(`{"received":true}`))
		}))
		defer recv.Close()
		var logs bytes.Buffer
		wh := acp.NewWebhooks(acp.WebhookConfig{Service: f.svc,
			Endpoints: map[concierge.BotID]acp.Endpoint{"shop-a": {URL: recv.URL + "/hooks?token=url-token-secret", Secret: secret}},
			Delivery: agentcommerce.WebhookConfig{Events: act.Events{DB: f.db}, Log: slog.New(slog.NewTextHandler(&logs, nil)),
				Now: f.clock, BaseDelay: 10 * time.Second}})

		if n, err := wh.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("before any order: %d %v", n, err)
		}
		id := f.ready(t)
		if st, b, _ := f.post(t, "/acp/shop-a/checkout_sessions/"+id+"/complete", "pay-1", pay); st != http.StatusOK || b["status"] != "completed" {
			t.Fatalf("complete: %d %v", st, b)
		}

		// First send: the receiver fails; the event waits for its retry.
		if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("first send: %d %v", n, err)
		}
		first := <-got
		evID, _ := strconv.ParseInt(strings.TrimPrefix(first.requestID, "evt_"), 10, 64)
		st, attempts, errText, err := f.db.AgentEventStatus(ctx, evID)
		if err != nil || st != store.HookPending || attempts != 1 ||
			!strings.Contains(errText, "HTTP 500") || strings.Contains(errText, "url-token-secret") || strings.Contains(errText, string(secret)) {
			t.Fatalf("after the failure: %s %d %q %v", st, attempts, errText, err)
		}
		_, mac, _ := strings.Cut(first.sig, "v1=")
		if len(mac) < 32 || strings.Contains(errText, mac) || strings.Contains(logs.String(), mac) || !strings.Contains(errText, "bad signature") {
			t.Fatalf("the stored error or the log holds the signature %q: %q", mac, errText)
		}
		if n, err := wh.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("retry before it is due: %d %v", n, err)
		}
		// Retry, once due: the receiver accepts.
		f.advance(time.Minute)
		if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("retry: %d %v", n, err)
		}
		second := <-got
		if st, attempts, _, err := f.db.AgentEventStatus(ctx, evID); err != nil || st != store.HookSent || attempts != 2 {
			t.Fatalf("after the 2xx: %s %d %v", st, attempts, err)
		}
		if n, err := wh.RunOnce(ctx); err != nil || n != 0 || calls.Load() != 2 {
			t.Fatalf("after a 2xx: claimed %d, receiver called %d times, %v", n, calls.Load(), err)
		}
		if first.requestID == "" || first.requestID != second.requestID || !bytes.Equal(first.body, second.body) {
			t.Errorf("a retry is the same event: %q %q", first.requestID, second.requestID)
		}
		if err := hooks.Verify(secret, second.sig, second.body, f.clock(), 0); err != nil {
			t.Errorf("signature %q: %v", second.sig, err)
		}
		if err := hooks.Verify([]byte("another secret"), second.sig, second.body, f.clock(), 0); err == nil {
			t.Error("signature verifies with another secret")
		}
		ev := second.event
		data, _ := ev["data"].(map[string]any)
		if ev["type"] != "order_create" || data["type"] != "order" || data["checkout_session_id"] != id || data["status"] != "created" ||
			data["id"] == "" || data["permalink_url"] != "http://localhost/chat/shop-a?checkout="+id {
			t.Errorf("order_create: %s", second.body)
		}
		if tot := data["totals"].([]any); tot[len(tot)-1].(map[string]any)["amount"] != float64(5390) {
			t.Errorf("totals: %v", tot)
		}

		// The order ships: an order_update with the new status, once.
		oid := concierge.OrderID(data["id"].(string))
		err = f.db.InTx(ctx, func(tx *store.Tx) error {
			o, err := tx.Order(ctx, oid)
			if err != nil {
				return err
			}
			return tx.TransitionOrder(ctx, o, concierge.OrderFulfilled)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("update: %d %v", n, err)
		}
		upd := <-got
		data, _ = upd.event["data"].(map[string]any)
		if upd.event["type"] != "order_update" || data["status"] != "shipped" || upd.requestID == first.requestID {
			t.Errorf("order_update: %s", upd.body)
		}
		if n, err := wh.RunOnce(ctx); err != nil || n != 0 || calls.Load() != 3 {
			t.Fatalf("after the update: claimed %d, receiver called %d times, %v", n, calls.Load(), err)
		}

		// The shipped order is refunded: the whole order again, its lines
		// still fulfilled, with the refund.
		err = f.db.InTx(ctx, func(tx *store.Tx) error {
			o, err := tx.Order(ctx, oid)
			if err != nil {
				return err
			}
			return tx.TransitionOrder(ctx, o, concierge.OrderRefunded)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("refund: %d %v", n, err)
		}
		ref := <-got
		data, _ = ref.event["data"].(map[string]any)
		line, _ := data["line_items"].([]any)[0].(map[string]any)
		adj, _ := data["adjustments"].([]any)
		if ref.event["type"] != "order_update" || data["status"] != "completed" || len(adj) != 1 ||
			line["quantity"].(map[string]any)["fulfilled"] != 1.0 || line["status"] != "fulfilled" {
			t.Errorf("refund after shipping: %s", ref.body)
		}

		for _, secret := range []string{string(secret), "url-token-secret"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log holds a secret: %s", logs.String())
			}
		}
		if !strings.Contains(logs.String(), "HTTP 500") {
			t.Errorf("the failure is not logged: %s", logs.String())
		}
	})
}
