package acp_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

const (
	delegatePath = "/acp/shop-a/agentic_commerce/delegate_payment"
	cardNumber   = "4242424242424242"
)

// testShop makes f's shop a test-mode shop whose sandbox is the real
// one: the only kind that serves delegate_payment.
func testShop(f *fixture) {
	f.shop.TestMode = true
	f.shop.Handlers[agentcommerce.SandboxHandler] = agentcommerce.Sandbox{}
}

// delegateBody is testdata/delegate_payment.json for session, changed by
// edit (nil: as it is).
func delegateBody(t *testing.T, session string, edit func(m map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile("testdata/delegate_payment.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(strings.Replace(string(b), "SESSION", session, 1)), &m); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	out, _ := json.Marshal(m)
	return string(out)
}

// at returns the object at a dotted path of m ("allowance").
func at(m map[string]any, path string) map[string]any {
	for _, k := range strings.Split(path, ".") {
		m = m[k].(map[string]any)
	}
	return m
}

// session creates a session ready for payment under its own key.
func (f *fixture) session(t *testing.T, key string) string {
	t.Helper()
	st, s, _ := f.post(t, "/acp/shop-a/checkout_sessions", key, `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
		"buyer":{"email":"jane@example.com"},
		"fulfillment_details":{"address":{"name":"Jane","line_one":"1 rue de la Paix","city":"Lyon","state":"","postal_code":"69001","country":"FR"}}}`)
	if st != http.StatusCreated || s["status"] != "ready_for_payment" {
		t.Fatalf("create: %d %v", st, s)
	}
	return s["id"].(string)
}

// vault asks for a vault token and returns its id.
func (f *fixture) vault(t *testing.T, key, body string) string {
	t.Helper()
	st, b, _ := f.post(t, delegatePath, key, body)
	id, _ := b["id"].(string)
	if st != http.StatusCreated || !strings.HasPrefix(id, "vt_") {
		t.Fatalf("delegate_payment: %d %v", st, b)
	}
	return id
}

func payWith(token string) string {
	return `{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"vault_token","token":"` + token + `"}}}}`
}

// dbText is every value of every row of every table of the database at
// url, as text, to look for what must never be stored.
func dbText(t *testing.T, f *fixture) string {
	t.Helper()
	driver, dsn, list := "pgx", f.url, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	if p, ok := strings.CutPrefix(f.url, "sqlite:"); ok {
		driver, dsn, list = "sqlite", p, `SELECT name FROM sqlite_master WHERE type = 'table'`
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var tables []string
	rows, err := db.QueryContext(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only tables %v: not the store's database", tables)
	}
	var sb strings.Builder
	for _, tb := range tables {
		rows, err := db.QueryContext(ctx, `SELECT * FROM `+tb)
		if err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&sb, "%s: %v\n", tb, v)
			}
		}
		rows.Close()
	}
	return sb.String()
}

// TestDelegatePayment: the sandbox's vault token pays its checkout
// session once. A good token completes the session (a retry replays it,
// one payment); the spent token is refused on another session, as are a
// token issued for another session, one short of the total and one
// expired; a refused payment leaves the session open. No row and no log
// line holds the card's number.
func TestDelegatePayment(t *testing.T) {
	eachStore(t, agentcommerce.Sandbox{}, func(t *testing.T, f *fixture) {
		testShop(f)
		a, b, c := f.session(t, "create-a"), f.session(t, "create-b"), f.session(t, "create-c")

		body := delegateBody(t, a, nil)
		st, got, h := f.post(t, delegatePath, "vault-a", body)
		tokA, _ := got["id"].(string)
		md, _ := got["metadata"].(map[string]any)
		if st != http.StatusCreated || !strings.HasPrefix(tokA, "vt_") || got["created"] != "2026-05-01T10:00:00Z" ||
			md["merchant_id"] != "shop-a" || md["idempotency_key"] != "vault-a" || md["campaign"] != "q4" || len(got) != 3 {
			t.Fatalf("delegate_payment: %d %v", st, got)
		}
		if st, again, h := f.post(t, delegatePath, "vault-a", body); st != http.StatusCreated || again["id"] != tokA || h.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: %d %v replayed=%q", st, again, h.Get("Idempotent-Replayed"))
		}
		_ = h
		if st, other, _ := f.post(t, delegatePath, "vault-a", delegateBody(t, b, nil)); st != http.StatusUnprocessableEntity || other["code"] != "idempotency_conflict" {
			t.Errorf("the key with another body: %d %v", st, other)
		}
		tokOther := f.vault(t, "vault-a2", delegateBody(t, a, nil))
		tokShort := f.vault(t, "vault-b-short", delegateBody(t, b, func(m map[string]any) { at(m, "allowance")["max_amount"] = 5389 }))
		tokSoon := f.vault(t, "vault-b-soon", delegateBody(t, b, func(m map[string]any) { at(m, "allowance")["expires_at"] = "2026-05-01T10:05:00Z" }))

		complete := func(session, key, token string) (int, map[string]any) {
			st, b, _ := f.post(t, "/acp/shop-a/checkout_sessions/"+session+"/complete", key, payWith(token))
			return st, b
		}
		for _, c := range []struct {
			name, session, token string
			advance              time.Duration
			status               int
			message              string
		}{
			{"another session's token", b, tokOther, 0, http.StatusPaymentRequired, "another checkout session"},
			{"over the allowance", b, tokShort, 0, http.StatusPaymentRequired, "exceeds"},
			{"unknown token", b, "vt_000000000000000000000000", 0, http.StatusPaymentRequired, "no such vault token"},
			{"good token", a, tokA, 0, http.StatusOK, ""},
			{"spent token", c, tokA, 0, http.StatusPaymentRequired, "already used"},
			{"expired token", b, tokSoon, 6 * time.Minute, http.StatusPaymentRequired, "expired"},
		} {
			f.advance(c.advance)
			st, got := complete(c.session, "pay-"+strings.ReplaceAll(c.name, " ", "-"), c.token)
			if c.status == http.StatusOK {
				if st != http.StatusOK || got["status"] != "completed" {
					t.Errorf("%s: %d %v", c.name, st, got)
				}
				continue
			}
			msg, _ := got["message"].(string)
			if st != c.status || got["code"] != "payment_declined" || !strings.Contains(msg, c.message) ||
				got["param"] != "$.payment_data.instrument.credential.token" {
				t.Errorf("%s: %d %v, want %d payment_declined saying %q", c.name, st, got, c.status, c.message)
			}
		}
		// The paid completion retried replays; nothing is paid twice, and
		// the sessions refused stay open.
		if st, got := complete(a, "pay-good-token", tokA); st != http.StatusOK || got["status"] != "completed" {
			t.Errorf("retry: %d %v", st, got)
		}
		var order concierge.OrderID
		f.svc.View(context.Background(), func(tx agentcommerce.Tx) error {
			s, err := f.svc.Get(context.Background(), tx, "shop-a", a)
			if err == nil {
				order = s.Order
			}
			for _, id := range []string{b, c} {
				if s, err := f.svc.Get(context.Background(), tx, "shop-a", id); err != nil || s.Status != agentcommerce.StatusReady {
					t.Errorf("session %s after refusals: %v %v", id, s, err)
				}
			}
			return err
		})
		pays, err := f.db.Payments(context.Background(), order)
		if err != nil || len(pays) != 1 || pays[0].Amount.Minor != 5390 {
			t.Errorf("payments of %s: %+v %v, want one of 5390", order, pays, err)
		}
		// The request's hash kept with its key is keyed: not the plain
		// SHA-256 that anyone could test card numbers against.
		plain := sha256.Sum256([]byte("POST " + delegatePath + "\n" + body))
		if text := dbText(t, f); strings.Contains(text, cardNumber) || strings.Contains(text, hex.EncodeToString(plain[:])) {
			t.Error("the card number, or an unkeyed hash of the request that holds it, is stored")
		}
		if strings.Contains(f.logs.String(), cardNumber) {
			t.Errorf("the card number is logged: %s", f.logs.String())
		}
	})
}

// TestDelegatePaymentRefusals: requests the spec's schema refuses get
// 400 invalid_request with the offending field's JSONPath in param;
// values that cannot be accepted (an unknown session, another currency,
// an allowance or card already expired) 422; a shop not in test mode has
// no such endpoint. None issues a token, and none stores or logs the
// card's number.
func TestDelegatePaymentRefusals(t *testing.T) {
	set := func(path, key string, v any) func(map[string]any) {
		return func(m map[string]any) { at(m, path)[key] = v }
	}
	del := func(path, key string) func(map[string]any) {
		return func(m map[string]any) {
			if path == "" {
				delete(m, key)
				return
			}
			delete(at(m, path), key)
		}
	}
	cases := []struct {
		name   string
		edit   func(map[string]any)
		status int
		param  string
	}{
		{"no payment_method", del("", "payment_method"), 400, "$.payment_method"},
		{"no allowance", del("", "allowance"), 400, "$.allowance"},
		{"no risk_signals", del("", "risk_signals"), 400, "$.risk_signals"},
		{"no metadata", del("", "metadata"), 400, "$.metadata"},
		{"unknown field", func(m map[string]any) { m["card"] = "x" }, 400, "$.card"},
		{"payment_method not an object", func(m map[string]any) { m["payment_method"] = cardNumber }, 400, "$.payment_method"},
		{"type not card", set("payment_method", "type", "bank_account"), 400, "$.payment_method.type"},
		{"unknown card_number_type", set("payment_method", "card_number_type", "dpan"), 400, "$.payment_method.card_number_type"},
		{"no number", del("payment_method", "number"), 400, "$.payment_method.number"},
		{"number not a card number", set("payment_method", "number", "4242424242424241"), 400, "$.payment_method.number"},
		{"number as a JSON number", set("payment_method", "number", 4242424242424242), 400, "$.payment_method.number"},
		{"month 13", set("payment_method", "exp_month", "13"), 400, "$.payment_method.exp_month"},
		{"two-digit year", set("payment_method", "exp_year", "27"), 400, "$.payment_method.exp_year"},
		{"cvc of five", set("payment_method", "cvc", "22345"), 400, "$.payment_method.cvc"},
		{"iin too long", set("payment_method", "iin", "424242424"), 400, "$.payment_method.iin"},
		{"last4 of letters", set("payment_method", "display_last4", "42a2"), 400, "$.payment_method.display_last4"},
		{"no funding type", del("payment_method", "display_card_funding_type"), 400, "$.payment_method.display_card_funding_type"},
		{"unknown check", set("payment_method", "checks_performed", []string{"avs", "dna"}), 400, "$.payment_method.checks_performed[1]"},
		{"no card metadata", del("payment_method", "metadata"), 400, "$.payment_method.metadata"},
		{"unknown card field", set("payment_method", "pin", "1234"), 400, "$.payment_method.pin"},
		{"reason recurring", set("allowance", "reason", "recurring"), 400, "$.allowance.reason"},
		{"max_amount as a string", set("allowance", "max_amount", "5390"), 400, "$.allowance.max_amount"},
		{"max_amount 0", set("allowance", "max_amount", 0), 400, "$.allowance.max_amount"},
		{"max_amount with decimals", set("allowance", "max_amount", 53.9), 400, "$.allowance.max_amount"},
		{"currency upper case", set("allowance", "currency", "EUR"), 400, "$.allowance.currency"},
		{"no checkout_session_id", del("allowance", "checkout_session_id"), 400, "$.allowance.checkout_session_id"},
		{"no merchant_id", del("allowance", "merchant_id"), 400, "$.allowance.merchant_id"},
		{"expires_at not a date", set("allowance", "expires_at", "tomorrow"), 400, "$.allowance.expires_at"},
		{"billing address without city", del("billing_address", "city"), 400, "$.billing_address.city"},
		{"billing country of three", set("billing_address", "country", "FRA"), 400, "$.billing_address.country"},
		{"no risk signal", func(m map[string]any) { m["risk_signals"] = []any{} }, 400, "$.risk_signals"},
		{"unknown risk action", func(m map[string]any) {
			m["risk_signals"] = []any{map[string]any{"type": "card_testing", "score": 1, "action": "maybe"}}
		}, 400, "$.risk_signals[0].action"},
		{"unknown session", set("allowance", "checkout_session_id", "chk_nope"), 422, "$.allowance.checkout_session_id"},
		{"another merchant", set("allowance", "merchant_id", "shop-b"), 422, "$.allowance.merchant_id"},
		{"a blocked risk signal", func(m map[string]any) {
			m["risk_signals"] = []any{map[string]any{"type": "card_testing", "score": 95, "action": "blocked"}}
		}, 422, "$.risk_signals[0].action"},
		{"the second signal blocked", func(m map[string]any) {
			m["risk_signals"] = []any{map[string]any{"type": "card_testing", "score": 5, "action": "authorized"},
				map[string]any{"type": "card_testing", "score": 90, "action": "blocked"}}
		}, 422, "$.risk_signals[1].action"},
		{"another currency", set("allowance", "currency", "usd"), 422, "$.allowance.currency"},
		{"allowance expired", set("allowance", "expires_at", "2026-05-01T09:59:59Z"), 422, "$.allowance.expires_at"},
		{"card expired", func(m map[string]any) {
			at(m, "payment_method")["exp_year"] = "2026"
			at(m, "payment_method")["exp_month"] = "04"
		}, 422, "$.payment_method.exp_year"},
	}
	eachStore(t, agentcommerce.Sandbox{}, func(t *testing.T, f *fixture) {
		testShop(f)
		session := f.session(t, "create-1")
		for i, c := range cases {
			st, got, _ := f.post(t, delegatePath, fmt.Sprintf("bad-%d", i), delegateBody(t, session, c.edit))
			if st != c.status || got["type"] != "invalid_request" || got["code"] != "invalid_card" || got["param"] != c.param {
				t.Errorf("%s: %d %v, want %d invalid_card at %s", c.name, st, got, c.status, c.param)
			}
			if msg, _ := got["message"].(string); strings.Contains(msg, cardNumber) {
				t.Errorf("%s: the card number is in the error: %s", c.name, msg)
			}
		}
		if st, got, _ := f.post(t, delegatePath, "", delegateBody(t, session, nil)); st != 400 || got["code"] != "idempotency_key_required" {
			t.Errorf("no Idempotency-Key: %d %v", st, got)
		}
		if st, got, _ := f.post(t, delegatePath, "not-json", `{"payment_method":`); st != 400 || got["type"] != "invalid_request" {
			t.Errorf("not JSON: %d %v", st, got)
		}
		if text := dbText(t, f); strings.Contains(text, "vt_") || strings.Contains(text, cardNumber) {
			t.Error("a refused request left a vault token or the card number in the database")
		}
		if strings.Contains(f.logs.String(), cardNumber) {
			t.Errorf("the card number is logged: %s", f.logs.String())
		}
		// Without test mode the shop is no test PSP.
		f.shop.TestMode = false
		if st, got, _ := f.post(t, delegatePath, "live", delegateBody(t, session, nil)); st != http.StatusNotFound || got["code"] != "not_found" {
			t.Errorf("not in test mode: %d %v", st, got)
		}
	})
}
