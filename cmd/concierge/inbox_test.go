package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/web"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/handoff"
)

const testPassword = "correct horse battery"

// addPerson adds a person to the shop's inbox.
func (s *shop) addPerson(name string, role concierge.Role, capacity int, bots ...concierge.BotID) {
	s.t.Helper()
	if len(bots) == 0 {
		bots = []concierge.BotID{concierge.AllBots}
	}
	hash, err := handoff.HashPassword(testPassword)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.m.DB.AddInboxUser(context.Background(), &concierge.Person{Name: name, Role: role, Bots: bots, Capacity: capacity, PasswordHash: hash}); err != nil {
		s.t.Fatal(err)
	}
}

// person is someone using the inbox over HTTP, with their own cookies.
type person struct {
	s      *shop
	name   string
	client *http.Client
	csrf   string
}

func (s *shop) person(name string) *person {
	jar, _ := cookiejar.New(nil)
	return &person{s: s, name: name, client: &http.Client{Jar: jar}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get loads a page and remembers its form token.
func (p *person) get(path string) (int, string) {
	p.s.t.Helper()
	resp, err := p.client.Get(p.s.base + path)
	if err != nil {
		p.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(b); m != nil {
		p.csrf = string(m[1])
	}
	return resp.StatusCode, string(b)
}

// post submits a form with the remembered token (unless form has one)
// and returns the status and body after redirects.
func (p *person) post(path string, form url.Values) (int, string) {
	p.s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", p.csrf)
	}
	resp, err := p.client.PostForm(p.s.base+path, form)
	if err != nil {
		p.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(b); m != nil {
		p.csrf = string(m[1])
	}
	return resp.StatusCode, string(b)
}

func (p *person) signIn() {
	p.s.t.Helper()
	code, body := p.post("/inbox/signin", url.Values{"name": {p.name}, "password": {testPassword}, "csrf": {""}})
	if code != http.StatusOK || !strings.Contains(body, `id="queue"`) {
		p.s.t.Fatalf("sign in as %s: %d\n%s", p.name, code, body)
	}
}

func (p *person) mustPost(path string, form url.Values) string {
	p.s.t.Helper()
	code, body := p.post(path, form)
	if code != http.StatusOK {
		p.s.t.Fatalf("POST %s: %d\n%s", path, code, body)
	}
	return body
}

// conversation returns the id of the customer's conversation.
func (c *customer) conversation() concierge.ConversationID {
	c.s.t.Helper()
	conv, err := c.s.m.DB.FindConversation(context.Background(), "maison-lumiere", concierge.ChannelWeb, concierge.ChatID(c.session))
	if err != nil {
		c.s.t.Fatal(err)
	}
	return conv.ID
}

// waitFor polls the customer's history until an entry satisfies ok.
func (c *customer) waitFor(what string, ok func(web.Entry) bool) web.Entry {
	c.s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range c.history() {
			if e.Seq > c.seen && ok(e) {
				c.seen = e.Seq
				return e
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.s.t.Fatalf("the customer never saw %s; history: %s", what, dump(c.history()))
	return web.Entry{}
}

// TestInboxHandOffAndBack is the whole loop over HTTP: a web customer asks
// for a person and is told their place in the queue; a person signs in,
// finds the conversation in the queue, claims it and answers (the widget
// shows it as the agent's); the bot stays silent meanwhile; the person
// hands back with a closing message, and the bot answers the next message.
func TestInboxHandOffAndBack(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	c := s.customer("en")

	got := c.say("I want to talk to a human")
	h := find(t, got, concierge.MessageHandoff)
	if !strings.Contains(h.Message.Text, "number 1 in the queue") {
		t.Errorf("hand-off message %q does not give the place in the queue", h.Message.Text)
	}
	id := c.conversation()

	alice := s.person("alice")
	if code, body := alice.get("/inbox"); code != http.StatusOK || !strings.Contains(body, `id="signin"`) {
		t.Fatalf("/inbox without a session: %d, want the sign-in page", code)
	}
	alice.signIn()
	_, queue := alice.get("/inbox")
	if !strings.Contains(queue, fmt.Sprintf(`data-conversation="%d"`, id)) || !strings.Contains(queue, "I want to talk to a human") {
		t.Fatalf("the queue does not show conversation %d:\n%s", id, queue)
	}
	page := fmt.Sprintf("/inbox/c/%d", id)
	_, view := alice.get(page)
	for _, want := range []string{"Hand-off packet", "The customer asked for a person", `id="claim"`} {
		if !strings.Contains(view, want) {
			t.Errorf("conversation page lacks %q", want)
		}
	}

	// While waiting, the bot stays silent.
	c.postSilently("hello? anyone?")
	view = alice.mustPost(page+"/claim", nil)
	if !strings.Contains(view, `id="reply-text"`) || !strings.Contains(view, "hello? anyone?") {
		t.Fatalf("after claiming, no reply box or the customer's last message:\n%s", view)
	}
	alice.mustPost(page+"/reply", url.Values{"text": {"Hi, I'm Alice. <b>How</b> can I help?"}})
	e := c.waitFor("the agent's reply", func(e web.Entry) bool { return e.From == web.FromAgent })
	if e.Message.Text != "Hi, I'm Alice. <b>How</b> can I help?" {
		t.Fatalf("the widget shows %q from the agent", e.Message.Text)
	}
	_, view = alice.get(page)
	if !strings.Contains(view, "&lt;b&gt;How&lt;/b&gt;") {
		t.Errorf("markup in the transcript is not escaped")
	}

	c.postSilently("thanks, I need a desk lamp")
	alice.mustPost(page+"/handback", url.Values{"text": {"I'm handing you back to our assistant."}})
	c.waitFor("the closing message", func(e web.Entry) bool {
		return e.From == web.FromAgent && strings.Contains(e.Message.Text, "handing you back")
	})

	// A reply after the hand-back is refused, and changes nothing.
	if code, body := alice.post(page+"/reply", url.Values{"text": {"one more thing"}}); code != http.StatusConflict || !strings.Contains(body, "handed back") {
		t.Errorf("reply after hand-back: %d; want 409 saying it was handed back", code)
	}

	found := c.say("je cherche une lampe de bureau")
	if !hasCard(found, "LAMP-02") {
		t.Fatalf("after the hand-back the bot did not answer: %s", dump(found))
	}
	hs, err := s.m.DB.Handoffs(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, h := range hs {
		path = append(path, fmt.Sprintf("%s→%s by %s", h.From, h.To, h.By))
	}
	want := []string{"bot→waiting by bot", "waiting→human by agent:alice", "human→bot by agent:alice"}
	if strings.Join(path, "; ") != strings.Join(want, "; ") {
		t.Errorf("transitions = %q, want %q", path, want)
	}
	conv, _ := s.m.DB.GetConversation(context.Background(), id)
	if conv.State != concierge.StateBot || conv.Memory.HandedBack {
		t.Errorf("after the bot's turn: state %s, HandedBack %v; want bot, cleared", conv.State, conv.Memory.HandedBack)
	}
}

// TestInboxRefundDecision: a paid order, a refund request above the
// auto-approve limit, the proposal with its evidence in the inbox; an
// agent cannot decide it, a supervisor approves it once, and the
// decision is in the audit log.
func TestInboxRefundDecision(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("bob", concierge.RoleAgent, 3)
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	c := s.customer("en")
	found := c.say("a desk lamp please")
	consent := c.press(found, "buy:LAMP-02")
	pm := find(t, c.press(consent, "consent:yes"), concierge.MessagePayment)
	s.pay(pm.Message.Payment)
	c.replies()
	order := pm.Message.Payment.Order

	find(t, c.say("I want a refund, the lamp arrived broken"), concierge.MessageHandoff)
	id := c.conversation()
	page := fmt.Sprintf("/inbox/c/%d", id)

	bob := s.person("bob")
	bob.signIn()
	_, view := bob.get(page)
	for _, want := range []string{"Refund proposal", string(order), "suggests <strong class=\"suggest\">approve</strong>", "inside", "arrived broken", "A supervisor decides"} {
		if !strings.Contains(view, want) {
			t.Errorf("an agent's view lacks %q", want)
		}
	}
	ps, err := s.m.DB.Proposals(context.Background(), id)
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals: %v, %v", ps, err)
	}
	decide := fmt.Sprintf("/inbox/p/%d/decide", ps[0].ID)
	if code, _ := bob.post(decide, url.Values{"decision": {"approve"}}); code != http.StatusForbidden {
		t.Errorf("an agent approving: %d, want 403", code)
	}

	sue := s.person("sue")
	sue.signIn()
	sue.get(page)
	view = sue.mustPost(decide, url.Values{"decision": {"approve"}, "note": {"photo checked"}})
	if !strings.Contains(view, fmt.Sprintf(`id="decision-%d"`, ps[0].ID)) || !strings.Contains(view, "approved") {
		t.Fatalf("after approving, the page does not show the decision")
	}
	if code, body := sue.post(decide, url.Values{"decision": {"approve"}}); code != http.StatusConflict || !strings.Contains(body, "already decided") {
		t.Errorf("a replayed approval: %d; want 409 already decided", code)
	}
	// The approval executed the refund, once, through the sandbox: a
	// simulated refund recorded, the order refunded, the customer told.
	if !strings.Contains(view, fmt.Sprintf(`id="refund-%d"`, ps[0].ID)) || !strings.Contains(view, "Refunded: simulated-proposal-") {
		t.Errorf("after approving, the page does not show the refund")
	}
	sue.mustPost(fmt.Sprintf("/inbox/p/%d/refund", ps[0].ID), url.Values{}) // a retry after success changes nothing
	ctx := context.Background()
	refunds, err := s.m.DB.Refunds(ctx, order)
	if err != nil || len(refunds) != 1 || refunds[0].Status != sandbox.SimulatedRefund || refunds[0].Provider != "sandbox" || refunds[0].Amount != ps[0].Amount {
		t.Errorf("refunds of %s: %+v, %v; want one simulated sandbox refund", order, refunds, err)
	}
	orders, err := s.m.DB.OrdersOf(ctx, id)
	if err != nil || len(orders) != 1 || orders[0].State != concierge.OrderRefunded {
		t.Errorf("orders after the refund: %+v, %v; want %s refunded", orders, err, order)
	}
	told := 0
	for _, e := range c.history() {
		if strings.Contains(e.Message.Text, "refund for order "+string(order)) {
			told++
		}
	}
	if told != 1 {
		t.Errorf("the customer was told of the refund %d times, want once", told)
	}
	if ps, _ := s.m.DB.Proposals(ctx, id); len(ps) != 1 || ps[0].RefundRef == "" || ps[0].RefundError != "" {
		t.Errorf("the proposal after the refund: %+v", ps)
	}
	_, audit := sue.get("/inbox/audit")
	if !strings.Contains(audit, string(order)) || !strings.Contains(audit, "photo checked") || !strings.Contains(audit, "sue") {
		t.Errorf("the audit log lacks the decision:\n%s", audit)
	}
	if code, _ := bob.get("/inbox/audit"); code != http.StatusForbidden {
		t.Errorf("an agent reading the audit log: %d, want 403", code)
	}
}

// TestInboxUserCommand adds, lists and removes a person with the CLI; the
// password comes from standard input and is never printed.
func TestInboxUserCommand(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/cli.db"
	var out, errb bytes.Buffer
	ctx := context.Background()
	env := func(string) string { return "" }
	code := run(ctx, []string{"inbox", "user", "add", "carol", "--role", "supervisor", "--bots", "maison-lumiere", "--capacity", "2", "--db", db},
		strings.NewReader(testPassword+"\n"), &out, &errb, env)
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String()+errb.String(), testPassword) {
		t.Fatal("the password was printed")
	}
	out.Reset()
	if code := run(ctx, []string{"inbox", "user", "list", "--db", db}, nil, &out, &errb, env); code != 0 || !strings.Contains(out.String(), "carol") ||
		!strings.Contains(out.String(), "supervisor") || !strings.Contains(out.String(), "maison-lumiere") {
		t.Fatalf("list: exit %d:\n%s%s", code, out.String(), errb.String())
	}
	if code := run(ctx, []string{"inbox", "user", "add", "carol", "--db", db}, strings.NewReader(testPassword+"\n"), &out, &errb, env); code != 1 {
		t.Errorf("adding carol twice: exit %d, want 1", code)
	}
	if code := run(ctx, []string{"inbox", "user", "add", "dave", "--db", db}, strings.NewReader("short\n"), &out, &errb, env); code != 1 {
		t.Errorf("a short password: exit %d, want 1", code)
	}
	out.Reset()
	if code := run(ctx, []string{"inbox", "user", "remove", "carol", "--db", db}, nil, &out, &errb, env); code != 0 {
		t.Fatalf("remove: exit %d: %s", code, errb.String())
	}
	if code := run(ctx, []string{"inbox", "user", "remove", "carol", "--db", db}, nil, &out, &errb, env); code != 1 {
		t.Errorf("removing carol twice: exit %d, want 1", code)
	}
}

// TestInboxCannedReplies: the bot file's canned replies are offered in the
// reply box in the customer's language, and choosing one without typing
// (as a browser without JavaScript posts it) sends its localized text to
// the customer through their channel.
func TestInboxCannedReplies(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	c := s.customer("zh")
	find(t, c.say("我要转人工客服"), concierge.MessageHandoff)
	id := c.conversation()

	alice := s.person("alice")
	alice.signIn()
	page := fmt.Sprintf("/inbox/c/%d", id)
	alice.get(page)
	view := alice.mustPost(page+"/claim", nil)
	const zhDelivery = "法国本土配送需要 2 至 4 个工作日。发货后您会收到物流跟踪链接。"
	for _, want := range []string{`id="reply-canned"`, `<option value="1" data-text="` + zhDelivery + `"`, ">Delivery times</option>", ">Anything else?</option>"} {
		if !strings.Contains(view, want) {
			t.Errorf("the reply box lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "Delivery takes 2 to 4 working days") {
		t.Errorf("the canned replies are not in the customer's language (zh)")
	}

	alice.mustPost(page+"/reply", url.Values{"text": {""}, "canned": {"1"}})
	e := c.waitFor("the canned reply", func(e web.Entry) bool { return e.From == web.FromAgent })
	if e.Message.Text != zhDelivery {
		t.Fatalf("the customer got %q, want the canned reply in Chinese", e.Message.Text)
	}
	if _, view = alice.get(page); !strings.Contains(view, zhDelivery) {
		t.Errorf("the transcript does not show the canned reply")
	}
	// Typed text wins over the list: JavaScript put the canned text in the
	// box and the person edited it.
	alice.mustPost(page+"/reply", url.Values{"text": {"还有别的问题吗？"}, "canned": {"3"}})
	if e := c.waitFor("the edited reply", func(e web.Entry) bool { return e.From == web.FromAgent }); e.Message.Text != "还有别的问题吗？" {
		t.Errorf("the customer got %q, want the typed text", e.Message.Text)
	}
	if code, _ := alice.post(page+"/reply", url.Values{"canned": {"99"}}); code != http.StatusBadRequest {
		t.Errorf("an unknown canned reply: %d, want 400", code)
	}
	// After the hand-back a canned reply is refused like any reply.
	alice.mustPost(page+"/handback", nil)
	if code, _ := alice.post(page+"/reply", url.Values{"canned": {"1"}}); code != http.StatusConflict {
		t.Errorf("a canned reply after the hand-back: %d, want 409", code)
	}
}
