package main

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

// TestInboxShowsAgentCalls: an order an AI agent placed over UCP shows in
// the inbox with the transcript of the agent's calls, in order: created
// (incomplete), updated (ready), refused (a declined token: the reason
// and the field, nothing of the request), paid. Each line of a call that
// changed the checkout says the status, the items and the total.
func TestInboxShowsAgentCalls(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shop) {
		s.addPerson("sam", concierge.RoleSupervisor, 3)
		path := "/ucp/maison-lumiere/checkout-sessions"
		st, c, _ := s.agent(agentCall{"POST", path, ucpHeaders("t-create"), `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":2}]}`})
		if st != 201 {
			t.Fatalf("create: %d %v", st, c)
		}
		id := c["id"].(string)
		update := `{"buyer":{"email":"jane@example.com"},"line_items":[{"item":{"id":"LAMP-01"},"quantity":2}],
			"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
			"groups":[{"selected_option_id":"standard"}]}]}}`
		if st, c, _ := s.agent(agentCall{"PUT", path + "/" + id, ucpHeaders("t-update"), update}); st != 200 || c["status"] != "ready_for_complete" {
			t.Fatalf("update: %d %v", st, c)
		}
		pay := func(token string) string {
			return `{"payment":{"instruments":[{"id":"pi_1","handler_id":"sandbox","type":"card","credential":{"type":"token","token":"` + token + `"}}]}}`
		}
		if _, c, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("t-fail"), pay("fail_token")}); jget(c, "messages.0.code") != "payment_failed" {
			t.Fatalf("declined: %v", c)
		}
		_, done, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("t-pay"), pay("success_token")})
		orderID, _ := jget(done, "order.id").(string)
		if done["status"] != "completed" || orderID == "" {
			t.Fatalf("complete: %v", done)
		}
		conv := s.order(orderID).Conversation

		sam := s.person("sam")
		sam.signIn()
		st, view := sam.get(fmt.Sprintf("/inbox/c/%d", conv))
		if st != 200 {
			t.Fatalf("conversation page: %d", st)
		}
		line := regexp.MustCompile(`<li class="msg from-call"[^>]*>[\s\S]*?<span class="who">([^<]*)</span>[\s\S]*?<div class="text">([^<]*)</div>`)
		var calls []string
		for _, m := range line.FindAllStringSubmatch(view, -1) {
			if m[1] != "UCP agent" {
				t.Errorf("a call line by %q", m[1])
			}
			calls = append(calls, html.UnescapeString(m[2]))
		}
		want := []string{
			"UCP agent created the checkout — incomplete; 2 × ",
			"UCP agent updated the checkout — ready_for_complete; 2 × ",
			"UCP agent's call to pay the checkout was refused — payment_declined: the payment was declined ($.payment.instruments[0].credential)",
			"UCP agent paid the checkout with sandbox — completed; 2 × ",
		}
		if len(calls) != len(want) {
			t.Fatalf("call lines:\n%s\nwant %d", strings.Join(calls, "\n"), len(want))
		}
		for i, w := range want {
			if !strings.HasPrefix(calls[i], w) || (i != 2) != strings.Contains(calls[i], "(LAMP-01)") {
				t.Errorf("line %d: %q, want it to begin %q", i, calls[i], w)
			}
		}
		if strings.Contains(calls[2], "fail_token") {
			t.Errorf("the refusal's line holds the request's token: %q", calls[2])
		}
		if !strings.Contains(calls[3], "shipping standard") || !strings.Contains(calls[3], "order "+orderID) || !strings.Contains(calls[3], "102,90") && !strings.Contains(calls[3], "102.90") {
			t.Errorf("the paid line lacks the shipping, total or order: %q", calls[3])
		}
	})
}
