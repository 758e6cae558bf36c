package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/internal/money"
)

// TestLLMDispute plays a dispute through the LLM brain over HTTP: a web
// customer pays an order in the sandbox, then writes "I never got my
// lamp, I want my money back"; the model calls handoff_to_human with
// reason dispute, the order, its assessment and a summary asking for
// "refund 500 €". The conversation waits for people with reason
// dispute; the dispute proposal holds the code's suggestion and amount
// (never the 500 €), the model's assessment is its reason on the inbox
// page, the customer gets the model's words and the shop's
// hand-off notice, and the model was offered the order and
// assessment arguments. Run on a single payment (investigate, no amount)
// and on a duplicate charge (refund of the second payment).
func TestLLMDispute(t *testing.T) {
	const (
		complaint  = "I never got my lamp, I want my money back"
		assessment = "The customer says the Aurore lamp never arrived; the order is paid and no delivery is recorded."
		summary    = "Lamp not received; the customer asks: refund 500 €."
	)
	tests := []struct {
		name    string
		twice   bool                 // the provider reports a second charge of the order before the dispute
		suggest concierge.Suggestion // the code's suggestion
		amount  int64                // the code's amount, in cents; 0 is "no amount"
	}{
		{"never received", false, concierge.SuggestInvestigate, 0},
		{"charged twice", true, concierge.SuggestApprove, 4900},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var order concierge.OrderID // set once the customer has paid
			f := newFakeModel(t, purchaseScript(t, "bedside lamp", "Here is our bedside lamp.", "yes I agree"))
			base := f.script
			f.script = func(req openai.ChatCompletionRequest) (int, any) {
				user, res := turn(req)
				if !strings.Contains(user, "never got my lamp") {
					return base(req)
				}
				if len(res) == 0 {
					// The model names the order as a customer might type it.
					args, _ := json.Marshal(map[string]string{"reason": "dispute", "order": strings.ToLower(string(order)),
						"assessment": assessment, "summary": summary})
					return calls(call("handoff_to_human", string(args)))
				}
				return say("I'm sorry your lamp has not arrived. A person from our team will look into it.")
			}
			s := startLLMShop(t, f, llmLimits{})
			s.addPerson("sue", concierge.RoleSupervisor, 3)
			c := s.customer("en")
			c.say("I'm looking for a bedside lamp")
			c.say("LAMP-01 please, I want to pay")
			pr := find(t, c.say("yes I agree"), concierge.MessagePayment).Message.Payment
			s.pay(pr)
			c.replies()
			order = pr.Order
			id := c.conversation()
			page := fmt.Sprintf("/inbox/c/%d", id)
			sue := s.person("sue")
			sue.signIn()
			if tt.twice {
				secondCharge(t, s, order, pr.Amount)
				// Checkout handed the second charge to people; they hand
				// the conversation back to the bot.
				sue.mustPost(page+"/claim", nil)
				sue.mustPost(page+"/handback", url.Values{})
				c.replies()
			}

			es := c.say(complaint)
			ctx := context.Background()
			conv, err := s.m.DB.GetConversation(ctx, id)
			if err != nil || conv.State != concierge.StateWaiting {
				t.Fatalf("conversation %+v, %v; want waiting", conv, err)
			}
			pk, err := s.m.DB.Packet(ctx, id)
			if err != nil || pk.Reason != concierge.HandoffDispute || !strings.HasPrefix(pk.Summary, "Assistant's note: "+summary) {
				t.Errorf("packet %+v, %v; want reason dispute led by the model's summary", pk, err)
			}
			ps, err := s.m.DB.Proposals(ctx, id)
			if err != nil || len(ps) != 1 {
				t.Fatalf("proposals %+v, %v; want one", ps, err)
			}
			p := ps[0]
			if p.Kind != concierge.ProposalDispute || p.Order != order || p.Status != concierge.ProposalOpen ||
				p.Suggest != tt.suggest || p.Amount != (concierge.Money{Minor: tt.amount, Currency: "EUR"}) || p.Why != assessment {
				t.Errorf("proposal %+v; want an open dispute on %s, %s %d EUR, with the model's assessment as reason", p, order, tt.suggest, tt.amount)
			}
			if p.Evidence.CustomerSaid != complaint {
				t.Errorf("evidence: the customer said %q, want %q", p.Evidence.CustomerSaid, complaint)
			}

			// The customer reads the model's words, then the shop's
			// hand-off notice with their place in the queue. (The rules
			// brain's own dispute sentence, dispute_review, is its words
			// for the same moment; the LLM brain speaks for itself.)
			said := texts(es)
			if !strings.Contains(said, "A person from our team will look into it") {
				t.Errorf("the customer did not get the model's answer: %s", dump(es))
			}
			if h := find(t, es, concierge.MessageHandoff).Message.Text; !strings.Contains(h, "handing you over to") || !strings.Contains(h, "number 1 in the queue") {
				t.Errorf("hand-off notice %q; want the shop's, with the place in the queue", h)
			}
			if strings.Contains(said, "500") {
				t.Errorf("the customer read the model's 500 €: %s", dump(es))
			}

			_, view := sue.get(page)
			wants := []string{"Dispute proposal", `<p class="why">` + html.EscapeString(assessment) + "</p>",
				`suggests <strong class="suggest">` + string(tt.suggest) + "</strong>", html.EscapeString(complaint)}
			if tt.amount == 0 {
				wants = append(wants, "No amount proposed")
			} else {
				wants = append(wants, fmt.Sprintf(">%s</strong> for order <strong>%s</strong>", html.EscapeString(money.Format(pr.Amount, "en")), order))
			}
			for _, want := range wants {
				if !strings.Contains(view, want) {
					t.Errorf("the inbox page lacks %q", want)
				}
			}
			if strings.Contains(view, "500,00") || strings.Contains(view, "€500") {
				t.Errorf("the inbox page shows the model's 500 € as an amount")
			}

			checkDisputeSchema(t, f.requests())
		})
	}
}

// secondCharge has the sandbox report a second, distinct charge of a paid
// order, as TestInboxDisputeDuplicateCharge does.
func secondCharge(t *testing.T, s *shop, order concierge.OrderID, amount concierge.Money) {
	t.Helper()
	now := time.Now()
	body, _ := json.Marshal(sandbox.Notification{ID: "evt_second_charge", Type: sandbox.TypePaymentSucceeded, Bot: "maison-lumiere",
		Order: order, Amount: amount, Created: now.Unix()})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/maison-lumiere/sandbox", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(sandbox.HeaderSignature, s.sandboxProvider().Sign(body, now))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "problem") {
		t.Fatalf("second charge: %d %s", resp.StatusCode, b)
	}
}

// checkDisputeSchema fails t unless every request with tools offered
// handoff_to_human with the dispute reason and its order and assessment
// arguments, neither of them required.
func checkDisputeSchema(t *testing.T, reqs []openai.ChatCompletionRequest) {
	t.Helper()
	n := 0
	for _, r := range reqs {
		for _, tl := range r.Tools {
			if tl.Function.Name != "handoff_to_human" {
				continue
			}
			n++
			b, _ := json.Marshal(tl.Function.Parameters)
			var s struct {
				Properties map[string]struct {
					Type string   `json:"type"`
					Enum []string `json:"enum"`
				} `json:"properties"`
				Required []string `json:"required"`
			}
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatalf("handoff_to_human parameters %s: %v", b, err)
			}
			if !slices.Contains(s.Properties["reason"].Enum, "dispute") || s.Properties["order"].Type != "string" ||
				s.Properties["assessment"].Type != "string" || !slices.Equal(s.Required, []string{"reason"}) {
				t.Errorf("handoff_to_human parameters %s; want reason with dispute, optional order and assessment strings", b)
			}
		}
	}
	if n == 0 {
		t.Error("the model was never offered handoff_to_human")
	}
}
