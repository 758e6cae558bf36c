package acp_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
)

// TestCompleteRiskSignals: complete's risk_signals are 2026-04-17's
// RiskSignals, an object of the strings ip_address, user_agent,
// accept_language, session_id and device_fingerprint and nothing else.
// One that is not is refused (400 invalid, with the member's JSONPath)
// before anything is charged, and the session stays ready; the spec's
// members complete it. Both databases.
func TestCompleteRiskSignals(t *testing.T) {
	const payment = `"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"token","token":"success_token"}}}`
	eachStore(t, agentcommerce.Sandbox{}, func(t *testing.T, f *fixture) {
		id := f.ready(t)
		path := "/acp/shop-a/checkout_sessions/" + id + "/complete"
		for i, c := range []struct{ name, risk, param string }{
			{"an array", `[{"type":"card_testing","score":1,"action":"blocked"}]`, "$.risk_signals"},
			{"a string", `"low"`, "$.risk_signals"},
			{"a member the schema lacks", `{"ip_address":"203.0.113.7","score":0.9}`, "$.risk_signals.score"},
			{"a number for a string", `{"ip_address":203}`, "$.risk_signals.ip_address"},
		} {
			st, got, _ := f.post(t, path, fmt.Sprintf("risk-%d", i), `{`+payment+`,"risk_signals":`+c.risk+`}`)
			if st != http.StatusBadRequest || got["type"] != "invalid_request" || got["param"] != c.param {
				t.Errorf("%s: %d %v, want 400 at %s", c.name, st, got, c.param)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/acp/shop-a/checkout_sessions/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("API-Version", acp.Version)
		if st, s, _, _ := act.Do(t, req); st != http.StatusOK || s["status"] != "ready_for_payment" {
			t.Fatalf("the session after the refusals: %d %v, want it still ready", st, s["status"])
		}
		st, s, _ := f.post(t, path, "risk-ok", `{`+payment+`,"risk_signals":{"ip_address":"203.0.113.7","user_agent":"Mozilla/5.0",
			"accept_language":"fr-FR","session_id":"sess_1","device_fingerprint":"fp_abc"}}`)
		if st != http.StatusOK || s["status"] != "completed" {
			t.Errorf("complete with the spec's risk signals: %d %v", st, s)
		}
	})
}
