package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
	"github.com/conciergehq/concierge/internal/testenv"
)

// pastCase is a real refund hand-off, decided and handed back: what a
// supervisor trains people on.
type pastCase struct {
	conv     concierge.ConversationID
	order    concierge.OrderID
	proposal *concierge.Proposal
	// messages is how many transcript entries the conversation had once
	// handed back; training must add none.
	messages int
}

// The personal data the customer gives, which no training page may show.
var customerPII = []string{"Marie", "Dupont", "marie.dupont@example.fr", "06 12 34 56 78", "12 rue des Lilas"}

// pastRefund plays a refund case to its end: a paid lamp, a refund
// request naming the order and the customer's email, a supervisor (sue)
// who claims it, hears the customer's name, phone and address, tells the
// order's status and the amount, approves it and hands back.
func pastRefund(t *testing.T, s *shop) pastCase {
	t.Helper()
	ctx := context.Background()
	c := s.customer("en")
	found := c.say("a desk lamp please")
	consent := c.press(found, "buy:LAMP-02")
	pm := find(t, c.press(consent, "consent:yes"), concierge.MessagePayment)
	s.pay(pm.Message.Payment)
	c.replies()
	order := pm.Message.Payment.Order
	find(t, c.say("I want a refund for order "+string(order)+", the lamp arrived broken. Write to marie.dupont@example.fr"), concierge.MessageHandoff)
	id := c.conversation()
	page := fmt.Sprintf("/inbox/c/%d", id)
	c.postSilently("My name is Marie Dupont, call me on 06 12 34 56 78")

	sue := s.person("sue")
	sue.signIn()
	sue.mustPost(page+"/claim", nil)
	ps, err := s.m.DB.Proposals(ctx, id)
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals: %v, %v", ps, err)
	}
	amount := money.Format(ps[0].Amount, "en")
	sue.mustPost(page+"/reply", url.Values{"text": {"Hello Marie, your order " + string(order) + " is paid; I am refunding " + amount + "."}})
	c.n++ // postSilently's message id is its counter's: a second one needs its own
	c.postSilently("Thanks. Send the new one to 12 rue des Lilas, Lyon. Marie")
	sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", ps[0].ID), url.Values{"decision": {"approve"}, "note": {"photo checked"}})
	sue.mustPost(page+"/handback", nil)
	tr, err := s.m.DB.InboxTranscript(ctx, id, 500)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ = s.m.DB.Proposals(ctx, id)
	return pastCase{conv: id, order: order, proposal: ps[0], messages: len(tr)}
}

// replayedIntro is the customer's second line as the simulator replays it:
// a stand-in name and phone (html/template writes + as &#43;).
var replayedIntro = regexp.MustCompile(`My name is \p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+, call me on &#43;00 000 000 \d{3}`)

// assignTraining has sue assign conv to trainee and returns the new
// session's page.
func assignTraining(t *testing.T, s *shop, sue *person, conv concierge.ConversationID, trainee string) string {
	t.Helper()
	before, err := s.m.DB.TrainingSessions(context.Background(), trainee)
	if err != nil {
		t.Fatal(err)
	}
	sue.get("/inbox/training")
	sue.mustPost("/inbox/training/assign", url.Values{"conv": {fmt.Sprint(conv)}, "trainee": {trainee}})
	after, err := s.m.DB.TrainingSessions(context.Background(), trainee)
	if err != nil || len(after) != len(before)+1 {
		t.Fatalf("sessions of %s after assigning: %d, %v; want %d", trainee, len(after), err, len(before)+1)
	}
	return fmt.Sprintf("/inbox/training/s/%d", after[0].ID)
}

// TestTrainingRefundCase is the simulator over HTTP against the real
// server: a supervisor picks a past refund hand-off and assigns it; the
// trainee sees it anonymised on the conversation page under the training
// banner, replies, gets the real customer's next line, decides and
// finishes; the score and the report follow. Nothing reaches the real
// conversation, its order or its refunds.
func TestTrainingRefundCase(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { trainingRefundCase(t, "") })
	t.Run("postgres", func(t *testing.T) { trainingRefundCase(t, testenv.PostgresURL(t)) })
}

func trainingRefundCase(t *testing.T, dbURL string) {
	s := startShop(t, dbURL)
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	s.addPerson("tom", concierge.RoleAgent, 3)
	s.addPerson("eve", concierge.RoleAgent, 3)
	ctx := context.Background()
	pc := pastRefund(t, s)
	refundsBefore, err := s.m.DB.Refunds(ctx, pc.order)
	if err != nil || len(refundsBefore) != 1 {
		t.Fatalf("refunds of the real case: %v, %v", refundsBefore, err)
	}

	sue := s.person("sue")
	sue.signIn()
	_, home := sue.get("/inbox/training?kind=refund")
	if !strings.Contains(home, fmt.Sprintf(`data-conversation="%d" data-kind="refund"`, pc.conv)) || !strings.Contains(home, `id="training-banner"`) {
		t.Fatalf("the training page does not offer the past refund, or lacks the banner:\n%s", home)
	}
	if _, other := sue.get("/inbox/training?kind=product_question"); strings.Contains(other, fmt.Sprintf(`data-conversation="%d"`, pc.conv)) {
		t.Error("the refund is offered as a product question")
	}
	page := assignTraining(t, s, sue, pc.conv, "tom")

	tom := s.person("tom")
	tom.signIn()
	_, list := tom.get("/inbox/training")
	if !strings.Contains(list, `href="`+page+`"`) || strings.Contains(list, "training-assign-form") {
		t.Errorf("the trainee's list lacks the session or offers assigning")
	}
	_, view := tom.get(page)
	if !strings.Contains(view, `id="training-banner"`) || !strings.Contains(view, "nothing reaches a customer") || !strings.Contains(view, `id="training-start"`) {
		t.Fatalf("the session page lacks the banner or the start button:\n%s", view)
	}
	// Replying before starting is refused.
	if code, _ := tom.post(page+"/reply", url.Values{"text": {"hello"}}); code != http.StatusConflict {
		t.Errorf("a reply before starting: %d, want 409", code)
	}
	view = tom.mustPost(page+"/start", nil)
	if !strings.Contains(view, "arrived broken") || !strings.Contains(view, "T-1") || !strings.Contains(view, "customer1@example.com") {
		t.Errorf("the started session does not show the anonymised request:\n%s", view)
	}
	for _, pii := range append(customerPII, string(pc.order)) {
		if strings.Contains(view, pii) {
			t.Errorf("the session page shows %q", pii)
		}
	}
	if !strings.Contains(view, `id="reply-text"`) || !strings.Contains(view, fmt.Sprintf(`id="approve-%d"`, 1)) {
		t.Errorf("the trainee has no reply box or approve button")
	}

	// A supervisor may watch but not act; another agent does not see it.
	if code, _ := sue.post(page+"/reply", url.Values{"text": {"let me"}}); code != http.StatusForbidden {
		t.Errorf("a supervisor replying in tom's session: %d, want 403", code)
	}
	eve := s.person("eve")
	eve.signIn()
	if code, _ := eve.get(page); code != http.StatusNotFound {
		t.Errorf("another agent opening tom's session: %d, want 404", code)
	}

	if code, _ := tom.post(page+"/reply", url.Values{"text": {"   "}}); code != http.StatusBadRequest {
		t.Errorf("an empty reply: %d, want 400", code)
	}
	amount := money.Format(pc.proposal.Amount, "en")
	view = tom.mustPost(page+"/reply", url.Values{"text": {"Sorry about that! Your order T-1 is paid, and I can refund " + amount + "."}})
	if !replayedIntro.MatchString(view) {
		t.Errorf("the simulated customer's next line is not the real one anonymised:\n%s", view)
	}
	view = tom.mustPost(page+"/reply", url.Values{"text": {"Noted."}})
	if !strings.Contains(view, "1 Example Street") {
		t.Errorf("the third customer line is not replayed with the address replaced:\n%s", view)
	}
	if code, body := tom.post(page+"/decide", url.Values{"decision": {"change"}, "amount": {"100000.00"}}); code != http.StatusBadRequest || !strings.Contains(body, "more than") {
		t.Errorf("approving more than was paid: %d, want 400", code)
	}
	tom.mustPost(page+"/decide", url.Values{"decision": {"approve"}})
	if code, _ := tom.post(page+"/decide", url.Values{"decision": {"refuse"}}); code != http.StatusConflict {
		t.Errorf("a second decision: %d, want 409", code)
	}
	view = tom.mustPost(page+"/handback", nil)
	if !strings.Contains(view, `id="training-total">100<`) || !strings.Contains(view, "No difference from the reference") {
		t.Errorf("a session matching the supervisor's should score 100:\n%s", view)
	}
	if code, _ := tom.post(page+"/reply", url.Values{"text": {"one more"}}); code != http.StatusConflict {
		t.Errorf("a reply after finishing: %d, want 409", code)
	}

	// The sandbox: the real conversation, order, proposal and refunds
	// are as the real case left them.
	tr, err := s.m.DB.InboxTranscript(ctx, pc.conv, 500)
	if err != nil || len(tr) != pc.messages {
		t.Errorf("the real conversation has %d entries after training, had %d (%v)", len(tr), pc.messages, err)
	}
	for _, e := range tr {
		if concierge.IsTrainingAuthor(e.Author) || e.Author == "agent:tom" {
			t.Errorf("a trainee's message reached the real conversation: %+v", e)
		}
	}
	if rs, _ := s.m.DB.Refunds(ctx, pc.order); len(rs) != len(refundsBefore) {
		t.Errorf("refunds after training: %d, want %d", len(rs), len(refundsBefore))
	}
	if ps, _ := s.m.DB.Proposals(ctx, pc.conv); len(ps) != 1 || ps[0].DecidedBy != "sue" || ps[0].Status != concierge.ProposalApproved {
		t.Errorf("the real proposal changed: %+v", ps)
	}

	// A second session that refuses: it differs from the reference.
	page2 := assignTraining(t, s, sue, pc.conv, "tom")
	tom.mustPost(page2+"/start", nil)
	tom.mustPost(page2+"/reply", url.Values{"text": {"Let me check."}})
	tom.mustPost(page2+"/decide", url.Values{"decision": {"refuse"}})
	view = tom.mustPost(page2+"/handback", nil)
	if !strings.Contains(view, "You refused; the supervisor approved "+amount) || !strings.Contains(view, "was not told the order") {
		t.Errorf("the refusing session does not say where it differed:\n%s", view)
	}

	// A third session that decides first, as the supervisor did: the
	// simulated customer moves to what the real one wrote after the
	// real decision, which is nothing, so their pleas before it are
	// passed and they stay silent.
	page3 := assignTraining(t, s, sue, pc.conv, "tom")
	tom.mustPost(page3+"/start", nil)
	tom.mustPost(page3+"/decide", url.Values{"decision": {"approve"}})
	view = tom.mustPost(page3+"/reply", url.Values{"text": {"Your order T-1 is paid and I have refunded " + amount + "."}})
	if replayedIntro.MatchString(view) || strings.Contains(view, "1 Example Street") {
		t.Errorf("after a decision like the supervisor's, the customer still said what they wrote before it:\n%s", view)
	}
	ss, err := s.m.DB.TrainingSessions(ctx, "tom")
	if err != nil || len(ss) == 0 {
		t.Fatalf("tom's sessions: %v", err)
	}
	if msgs, err := s.m.DB.TrainingMessages(ctx, ss[0].ID); err != nil || len(msgs) == 0 || msgs[len(msgs)-1].Role != "trainee" {
		t.Errorf("the third session's last message: %+v, %v; want the trainee's reply, unanswered", msgs, err)
	}

	_, report := tom.get("/inbox/training/people/tom")
	if !strings.Contains(report, "100/100") || !strings.Contains(report, "You refused; the supervisor approved") {
		t.Errorf("tom's report lacks a session or its differences:\n%s", report)
	}
	if code, _ := eve.get("/inbox/training/people/tom"); code != http.StatusForbidden {
		t.Errorf("an agent reading another's report: %d, want 403", code)
	}
	if code, _ := sue.get("/inbox/training/people/tom"); code != http.StatusOK {
		t.Errorf("a supervisor reading tom's report: %d", code)
	}
}

// TestTrainingAssignRefused: bad assignments answer with the reason and
// create nothing.
func TestTrainingAssignRefused(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	s.addPerson("tom", concierge.RoleAgent, 3)
	s.addPerson("zed", concierge.RoleAgent, 3, "another-bot")
	pc := pastRefund(t, s)
	waiting, open := s.handedOff()
	_ = waiting

	sue := s.person("sue")
	sue.signIn()
	sue.get("/inbox/training")
	tom := s.person("tom")
	tom.signIn()
	tom.get("/inbox/training")
	for _, tc := range []struct {
		name string
		who  *person
		form url.Values
		code int
		says string
	}{
		{"unknown trainee", sue, url.Values{"conv": {fmt.Sprint(pc.conv)}, "trainee": {"nobody"}}, http.StatusBadRequest, "no person named"},
		{"no case", sue, url.Values{"trainee": {"tom"}}, http.StatusBadRequest, "at least one case"},
		{"not a number", sue, url.Values{"conv": {"abc"}, "trainee": {"tom"}}, http.StatusBadRequest, "not a conversation"},
		{"no such conversation", sue, url.Values{"conv": {"99999"}, "trainee": {"tom"}}, http.StatusBadRequest, "no conversation"},
		{"still in people's hands", sue, url.Values{"conv": {fmt.Sprint(pc.conv), fmt.Sprint(open)}, "trainee": {"tom"}}, http.StatusConflict, "is still in people"},
		{"trainee cannot see the bot", sue, url.Values{"conv": {fmt.Sprint(pc.conv)}, "trainee": {"zed"}}, http.StatusBadRequest, "cannot see"},
		{"an agent assigning", tom, url.Values{"conv": {fmt.Sprint(pc.conv)}, "trainee": {"tom"}}, http.StatusForbidden, "supervisor"},
	} {
		code, body := tc.who.post("/inbox/training/assign", tc.form)
		if code != tc.code || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d, want %d saying %q", tc.name, code, tc.code, tc.says)
		}
	}
	if ss, err := s.m.DB.TrainingSessions(context.Background(), ""); err != nil || len(ss) != 0 {
		t.Errorf("after refused assignments: %d sessions, %v; want none", len(ss), err)
	}
}

// TestTrainingModelCustomer: with the LLM brain configured, the bot's
// model plays the simulated customer. The fake model fails every turn of
// the shop's own brain (which then falls back to the rules brain, so the
// real case plays as usual) and answers the role-play requests. The
// model is given the real customer's next line anonymised, never the
// personal data; its answer is what the trainee sees; when it fails, the
// real line is replayed.
func TestTrainingModelCustomer(t *testing.T) {
	var roleplay atomic.Bool
	roleplay.Store(true)
	f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		if len(req.Tools) > 0 || !strings.HasPrefix(req.Messages[0].Content, "You play a customer") {
			return http.StatusInternalServerError, map[string]any{"error": map[string]string{"message": "not in this test", "type": "server_error"}}
		}
		if !roleplay.Load() {
			return http.StatusServiceUnavailable, map[string]any{"error": map[string]string{"message": "overloaded", "type": "server_error"}}
		}
		return say("Honestly, it came in two pieces. Who am I talking to?")
	})
	s := startLLMShop(t, f, llmLimits{})
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	s.addPerson("tom", concierge.RoleAgent, 3)
	pc := pastRefund(t, s)
	sue := s.person("sue")
	sue.signIn()
	page := assignTraining(t, s, sue, pc.conv, "tom")
	tom := s.person("tom")
	tom.signIn()
	_, view := tom.get(page)
	if !strings.Contains(view, "a model plays the customer") {
		t.Errorf("the session does not say a model plays the customer")
	}
	tom.mustPost(page+"/start", nil)
	before := len(f.requests())
	view = tom.mustPost(page+"/reply", url.Values{"text": {"Hello, what happened?"}})
	if !strings.Contains(view, "Honestly, it came in two pieces.") || replayedIntro.MatchString(view) {
		t.Errorf("the trainee does not see the model's line in place of the real one:\n%s", view)
	}
	var prompt string
	for _, r := range f.requests()[before:] {
		if len(r.Tools) == 0 {
			prompt = r.Messages[0].Content
			if last := r.Messages[len(r.Messages)-1]; last.Role != openai.ChatMessageRoleUser || last.Content != "Hello, what happened?" {
				t.Errorf("the model's last message is %+v, want the trainee's reply", last)
			}
		}
	}
	if !strings.Contains(prompt, "call me on +00 000 000 0") || !strings.Contains(prompt, "T-1") {
		t.Errorf("the model was not given the real customer's next line, anonymised:\n%s", prompt)
	}
	for _, pii := range append(customerPII, string(pc.order)) {
		if strings.Contains(prompt, pii) {
			t.Errorf("the model was sent %q", pii)
		}
	}
	roleplay.Store(false)
	view = tom.mustPost(page+"/reply", url.Values{"text": {"I'm Tom. Your order T-1 is paid."}})
	if !strings.Contains(view, "1 Example Street") {
		t.Errorf("with the model failing, the real line is not replayed:\n%s", view)
	}
}
