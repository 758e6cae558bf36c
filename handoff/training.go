package handoff

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// The staff-training simulator (docs/training.md). A supervisor copies
// past hand-offs into sandboxed, anonymised training cases and assigns
// them to a trainee; the trainee handles a simulated customer on the
// normal conversation page, and each finished session is scored against
// the supervisor's real decision and the bot file's policies.
//
// The sandbox is structural: a session reads and writes only through
// TrainingStore, which has no way to a conversation, the outbox, an order
// or a refund, and holds no Refunder. The outbox itself also refuses a
// trainee's author (concierge.ErrTrainingSend), in case anything ever
// routes one there.

// TrainingStore is the simulator's storage; cmd/concierge hands the SQL
// store, whose methods of these names implement it.
type TrainingStore interface {
	// PastHandoffs lists conversations handed to people and since
	// handed back, newest hand-off first, with their hand-off reason.
	PastHandoffs(ctx context.Context, limit int) ([]concierge.Case, error)
	// AssignTraining stores each case and the session of the same index
	// in one transaction, setting their IDs.
	AssignTraining(ctx context.Context, cases []*concierge.TrainingCase, sessions []*concierge.TrainingSession) error
	TrainingCase(ctx context.Context, id int64) (*concierge.TrainingCase, error)
	TrainingSession(ctx context.Context, id int64) (*concierge.TrainingSession, error)
	// TrainingSessions lists trainee's sessions ("" for everyone's).
	TrainingSessions(ctx context.Context, trainee string) ([]*concierge.TrainingSession, error)
	TrainingMessages(ctx context.Context, session int64) ([]concierge.TrainingMessage, error)
	StartTrainingSession(ctx context.Context, id int64, at time.Time, shown []concierge.TrainingMessage, next int) (bool, error)
	// AddTrainingTurn records a reply and the customer's answer, moving
	// the replay from from to to; false when it moved meanwhile.
	AddTrainingTurn(ctx context.Context, id int64, from, to concierge.TrainingReplay, reply concierge.TrainingMessage, answer *concierge.TrainingMessage) (bool, error)
	DecideTraining(ctx context.Context, id int64, status concierge.ProposalStatus, amount concierge.Money, note string) (bool, error)
	FinishTraining(ctx context.Context, id int64, at time.Time, score concierge.TrainingScore) (bool, error)
}

// CustomerModel role-plays the customer of a training case: given the
// case (its packet, proposal, orders and anonymised lines), the session so
// far and the line the real customer wrote next ("" when they wrote no
// more), it returns the customer's next message, varied from the real
// one; "" when the customer has nothing more to say. The LLM brain's
// package implements it; without one, the real lines are replayed.
type CustomerModel interface {
	NextCustomer(ctx context.Context, c *concierge.TrainingCase, sofar []concierge.TrainingMessage, scripted string) (string, error)
}

// trainingView is what training pages add to pageData; its presence marks
// a page as a training one (the banner, the forms' targets).
type trainingView struct {
	Session  *concierge.TrainingSession
	Case     *concierge.TrainingCase
	Trainee  bool // the signed-in person is this session's trainee
	Waiting  bool // the trainee has not started yet
	Finished bool
	Kind     string // the list's filter
	Kinds    []string
	Past     []pastView
	People   []string
	Sessions []sessionRow
	Person   string // the report's trainee
	Model    bool   // a model plays the customer
}

type pastView struct {
	concierge.Case
	Kind    string
	BotName string
}

type sessionRow struct {
	*concierge.TrainingSession
	Kind string
	Bot  string
}

// trainingOn answers 404 when the simulator is not wired.
func (in *Inbox) trainingOn(w http.ResponseWriter, r *http.Request) bool {
	if in.cfg.Training == nil {
		in.fail(w, r, concierge.Errorf(concierge.CodeNotFound, "training", "the training simulator is not set up"))
		return false
	}
	return true
}

// trainingHome is /inbox/training: for a supervisor, the past hand-offs to
// pick from, the assignment form and everyone's sessions; for anyone, their
// own sessions.
func (in *Inbox) trainingHome(w http.ResponseWriter, r *http.Request) {
	if !in.trainingOn(w, r) {
		return
	}
	p := sessionOf(r).person
	ctx := r.Context()
	tv := &trainingView{Kinds: concierge.TrainingKinds, Kind: r.URL.Query().Get("kind")}
	if tv.Kind != "" && !slices.Contains(tv.Kinds, tv.Kind) {
		in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, "training", "no such kind of case %q (refund, dispute, product_question, angry_customer)", tv.Kind))
		return
	}
	who := p.Name
	if p.Role == concierge.RoleSupervisor {
		who = ""
		past, err := in.cfg.Training.PastHandoffs(ctx, 200)
		if err != nil {
			in.fail(w, r, err)
			return
		}
		for _, c := range past {
			k := concierge.TrainingKindOf(c.Reason)
			if !p.Sees(c.Conversation.Bot) || (tv.Kind != "" && k != tv.Kind) {
				continue
			}
			tv.Past = append(tv.Past, pastView{Case: c, Kind: k, BotName: in.botName(c.Conversation.Bot)})
		}
		people, err := in.cfg.Store.People(ctx)
		if err != nil {
			in.fail(w, r, err)
			return
		}
		for _, x := range people {
			tv.People = append(tv.People, x.Name)
		}
	}
	rows, err := in.sessionRows(ctx, p, who)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	tv.Sessions = rows
	in.render(w, r, http.StatusOK, "training", pageData{Title: "Training", Training: tv})
}

// sessionRows lists trainee's sessions ("" for all) that p may see.
func (in *Inbox) sessionRows(ctx context.Context, p *concierge.Person, trainee string) ([]sessionRow, error) {
	ss, err := in.cfg.Training.TrainingSessions(ctx, trainee)
	if err != nil {
		return nil, err
	}
	var out []sessionRow
	for _, s := range ss {
		c, err := in.cfg.Training.TrainingCase(ctx, s.Case)
		if err != nil {
			return nil, err
		}
		if !p.Sees(c.Bot) && s.Trainee != p.Name {
			continue
		}
		out = append(out, sessionRow{TrainingSession: s, Kind: c.Kind, Bot: in.botName(c.Bot)})
	}
	return out, nil
}

// trainingAssign copies the chosen past hand-offs into training cases and
// assigns them to a trainee: supervisors only, every conversation checked
// before anything is written.
func (in *Inbox) trainingAssign(w http.ResponseWriter, r *http.Request) {
	if !in.trainingOn(w, r) {
		return
	}
	p := sessionOf(r).person
	ctx := r.Context()
	const op = "assign training"
	if p.Role != concierge.RoleSupervisor {
		in.fail(w, r, errForbidden("only a supervisor assigns training cases"))
		return
	}
	if err := r.ParseForm(); err != nil {
		in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, op, "unreadable form"))
		return
	}
	trainee := strings.TrimSpace(r.PostForm.Get("trainee"))
	convs := r.PostForm["conv"]
	if trainee == "" || len(convs) == 0 {
		in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, op, "choose at least one case and a trainee; nothing was assigned"))
		return
	}
	if len(convs) > 20 {
		in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, op, "at most 20 cases at once; nothing was assigned"))
		return
	}
	who, err := in.cfg.Store.Person(ctx, trainee)
	if err != nil {
		in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, op, "there is no person named %q; nothing was assigned", trainee))
		return
	}
	var cases []*concierge.TrainingCase
	var sessions []*concierge.TrainingSession
	for _, v := range convs {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, op, "%q is not a conversation; nothing was assigned", v))
			return
		}
		c, err := in.buildCase(ctx, p, concierge.ConversationID(n))
		if err != nil {
			in.fail(w, r, err)
			return
		}
		if !who.Sees(c.Bot) {
			in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, op, "%s cannot see %s's conversations; nothing was assigned", who.Name, in.botName(c.Bot)))
			return
		}
		cases = append(cases, c)
		sessions = append(sessions, &concierge.TrainingSession{Trainee: who.Name, AssignedBy: p.Name, AssignedAt: in.cfg.Now()})
	}
	if err := in.cfg.Training.AssignTraining(ctx, cases, sessions); err != nil {
		in.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/inbox/training", http.StatusSeeOther)
}

// buildCase copies conversation conv into an anonymised training case.
func (in *Inbox) buildCase(ctx context.Context, p *concierge.Person, conv concierge.ConversationID) (*concierge.TrainingCase, error) {
	const op = "assign training"
	st := in.cfg.Store
	cs, err := st.Cases(ctx, conv)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 || !p.Sees(cs[0].Conversation.Bot) {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "there is no conversation %d; nothing was assigned", conv)
	}
	k := cs[0]
	switch {
	case k.Reason == "":
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "conversation %d was never handed to a person; nothing was assigned", conv)
	case k.Conversation.State == concierge.StateWaiting || k.Conversation.State == concierge.StateHuman:
		return nil, concierge.Errorf(concierge.CodeConflict, op, "conversation %d is still in people's hands; train on it once it is handed back. Nothing was assigned", conv)
	}
	a := newAnonymiser()
	a.knowName(k.Conversation.Customer)
	c := &concierge.TrainingCase{Bot: k.Conversation.Bot, Source: conv, Kind: concierge.TrainingKindOf(k.Reason),
		Channel: k.Conversation.Channel, Locale: k.Conversation.Locale, CreatedBy: p.Name, CreatedAt: in.cfg.Now()}

	// Orders and payments first: their numbers are then known to the
	// anonymiser, so the customer's "my order ML-7KQ2XZ" becomes "T-1".
	orders, err := st.Orders(ctx, conv)
	if err != nil {
		return nil, err
	}
	for _, o := range orders {
		cp := *o
		cp.ID, cp.Conversation = a.order(o.ID), 0
		cp.Lines = slices.Clone(o.Lines)
		ps, err := st.Payments(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		for _, x := range ps {
			x.Order, x.ProviderRef = cp.ID, a.standIn("ref", x.ProviderRef)
			c.Payments = append(c.Payments, x)
		}
		c.Orders = append(c.Orders, &cp)
	}
	prs, err := st.Proposals(ctx, conv)
	if err != nil {
		return nil, err
	}
	if len(prs) > 0 {
		pr := *prs[len(prs)-1]
		pr.ID, pr.Conversation = 1, 0
		pr.Order = a.order(pr.Order)
		pr.RefundRef, pr.RefundError = "", ""
		ev := pr.Evidence
		ev.Paid = nil
		for _, x := range prs[len(prs)-1].Evidence.Paid {
			x.Order, x.ProviderRef = pr.Order, a.standIn("ref", x.ProviderRef)
			ev.Paid = append(ev.Paid, x)
		}
		pr.Evidence = ev
		c.Proposal = &pr
		if pr.Kind == concierge.ProposalDispute {
			c.Kind = concierge.TrainingDispute
		} else if pr.Kind == concierge.ProposalRefund {
			c.Kind = concierge.TrainingRefund
		}
		// The order as the customer saw it when they asked, not as the
		// decision left it (refunded).
		for _, o := range c.Orders {
			if o.ID == pr.Order && ev.OrderState != "" {
				o.State = ev.OrderState
			}
		}
	}

	// The transcript: what came before the hand-off is shown at the
	// start; after it, the customer's lines are the script and the
	// person's the reference, up to the hand-back.
	hs, err := st.Handoffs(ctx, conv)
	if err != nil {
		return nil, err
	}
	var handedOff, back time.Time
	for _, h := range hs {
		if h.To == concierge.StateWaiting {
			handedOff, back = h.At, time.Time{}
		} else if h.From == concierge.StateHuman && (h.To == concierge.StateBot || h.To == concierge.StateClosed) {
			back = h.At
		}
	}
	es, err := st.Transcript(ctx, conv, 500)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.Dir == "in" && e.Event != nil {
			a.learn(e.Event.Text)
		}
	}
	before := true
	for _, e := range es {
		if !back.IsZero() && e.At.After(back) {
			break
		}
		var line concierge.TrainingLine
		switch {
		case e.Dir == "in" && e.Event != nil:
			line.Role, line.Text, line.Media = "customer", e.Event.Text, mediaKindOf(e.Event)
		case e.Message != nil && strings.HasPrefix(e.Author, "agent:"):
			line.Role, line.Text = "agent", e.Message.PlainText()
		case e.Message != nil && e.Author == "bot":
			line.Role, line.Text = "bot", e.Message.PlainText()
		default:
			continue
		}
		if strings.TrimSpace(line.Text) == "" && line.Media == "" {
			continue
		}
		if before && e.At.After(handedOff) {
			before = false
		}
		line.Before, line.At, line.Text = before, e.At, a.text(line.Text)
		c.Lines = append(c.Lines, line)
		// The bot's hand-off notice closes what came before.
		if before && e.Message != nil && e.Message.Kind == concierge.MessageHandoff {
			before = false
		}
	}
	// Only the last few lines before the hand-off are context enough.
	const keep = 8
	first := 0
	for i, l := range c.Lines {
		if l.Before {
			first = max(0, i+1-keep)
		}
	}
	c.Lines = c.Lines[first:]

	if pk, err := st.Packet(ctx, conv); err != nil {
		return nil, err
	} else if pk != nil {
		cp := *pk
		cp.Conversation = 0
		cp.Summary, cp.CustomerSaid, cp.LastSearch = a.text(pk.Summary), a.text(pk.CustomerSaid), a.text(pk.LastSearch)
		cp.LastOrder = a.order(pk.LastOrder)
		c.Packet = &cp
	}
	if pr := c.Proposal; pr != nil {
		pr.Why, pr.Note, pr.Evidence.CustomerSaid = a.text(pr.Why), a.text(pr.Note), a.text(pr.Evidence.CustomerSaid)
	}
	return c, nil
}

// trainingSession loads session id for p: its trainee, or a supervisor
// who sees its bot; anyone else gets the same 404 as a session that does
// not exist.
func (in *Inbox) trainingSession(r *http.Request, p *concierge.Person) (*concierge.TrainingSession, *concierge.TrainingCase, error) {
	notFound := concierge.Errorf(concierge.CodeNotFound, "training", "no such training session")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, notFound
	}
	s, err := in.cfg.Training.TrainingSession(r.Context(), id)
	if err != nil {
		if errors.Is(err, concierge.ErrNotFound) {
			return nil, nil, notFound
		}
		return nil, nil, err
	}
	c, err := in.cfg.Training.TrainingCase(r.Context(), s.Case)
	if err != nil {
		return nil, nil, err
	}
	if s.Trainee != p.Name && !(p.Role == concierge.RoleSupervisor && p.Sees(c.Bot)) {
		return nil, nil, notFound
	}
	return s, c, nil
}

// trainingPage is a session on the normal conversation page: the
// simulated customer's messages, the case's anonymised packet, proposal
// and orders, and the usual reply, decision and hand-back forms, which
// post to the session.
func (in *Inbox) trainingPage(w http.ResponseWriter, r *http.Request) {
	if !in.trainingOn(w, r) {
		return
	}
	p := sessionOf(r).person
	ctx := r.Context()
	s, c, err := in.trainingSession(r, p)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	msgs, err := in.cfg.Training.TrainingMessages(ctx, s.ID)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	tv := &trainingView{Session: s, Case: c, Trainee: s.Trainee == p.Name, Waiting: s.Status == concierge.TrainingAssigned,
		Finished: s.Status == concierge.TrainingFinished, Model: in.cfg.Customers[c.Bot] != nil}
	conv := concierge.Conversation{ID: concierge.ConversationID(s.ID), Bot: c.Bot, Channel: c.Channel, Locale: c.Locale, State: concierge.StateHuman}
	if tv.Finished {
		conv.State = concierge.StateBot
	}
	cv := &caseView{Case: concierge.Case{Conversation: conv, Assignee: s.Trainee}, BotName: in.botName(c.Bot)}
	d := pageData{Title: fmt.Sprintf("Training #%d %s", s.ID, cv.BotName), Case: cv, Training: tv, Packet: c.Packet,
		Mine: tv.Trainee && s.Status == concierge.TrainingActive}
	for _, m := range msgs {
		v := entryView{Seq: m.Seq, Text: m.Text, At: m.At, Kind: "text", Status: "sandbox"}
		if m.Media != "" {
			v.Kind, v.Media, v.Speech = trainingMedia(m)
		}
		switch m.Role {
		case "customer":
			v.From, v.Who = "customer", "Customer (simulated)"
		case "trainee":
			v.From, v.Who = "agent", s.Trainee
		default:
			v.From, v.Who = "bot", "Bot"
		}
		d.Entries = append(d.Entries, v)
	}
	if c.Proposal != nil {
		// The trainee decides the proposal as it stood; the
		// supervisor's real decision is the reference, shown only
		// once the session is finished.
		pr := *c.Proposal
		pr.Status, pr.DecidedBy, pr.Note, pr.Decided, pr.DecidedAt = concierge.ProposalOpen, "", "", concierge.Money{}, time.Time{}
		if s.Decision != "" {
			pr.Status, pr.DecidedBy, pr.Note, pr.Decided = s.Decision, s.Trainee, s.DecisionNote, s.Decided
		}
		d.Proposals = []*concierge.Proposal{&pr}
	}
	for _, o := range c.Orders {
		var ps []concierge.Payment
		for _, x := range c.Payments {
			if x.Order == o.ID {
				ps = append(ps, x)
			}
		}
		d.Orders = append(d.Orders, orderView{Order: o, TotalText: money.Format(o.Total, "en"), Payments: ps})
	}
	d.Canned = in.cannedReplies(&conv)
	in.render(w, r, http.StatusOK, "conversation", d)
}

// trainingAct is a trainee's action on their session: start, reply,
// decide, or hand back (which finishes and scores it). Only the trainee
// acts; a supervisor watching gets 403.
func (in *Inbox) trainingAct(w http.ResponseWriter, r *http.Request) {
	if !in.trainingOn(w, r) {
		return
	}
	p := sessionOf(r).person
	s, c, err := in.trainingSession(r, p)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	if s.Trainee != p.Name {
		in.fail(w, r, errForbidden("only the trainee acts in a training session"))
		return
	}
	ctx := r.Context()
	switch r.PathValue("action") {
	case "start":
		err = in.trainingStart(ctx, s, c)
	case "reply":
		text, canned := r.PostFormValue("text"), r.PostFormValue("canned")
		if strings.TrimSpace(text) == "" && canned != "" {
			conv := concierge.Conversation{Bot: c.Bot, Locale: c.Locale}
			text, err = in.canned(&conv, canned)
		}
		if err == nil {
			err = in.trainingReply(ctx, s, c, text)
		}
	case "decide":
		err = in.trainingDecide(ctx, s, c, r.PostFormValue("decision"), r.PostFormValue("amount"), r.PostFormValue("note"))
	case "handback":
		err = in.trainingFinish(ctx, s, c)
	case "note", "claim", "assign", "template":
		err = concierge.Errorf(concierge.CodeInvalid, "training", "a training session has no %s; nothing was done", r.PathValue("action"))
	default:
		err = concierge.Errorf(concierge.CodeNotFound, "training", "no such action")
	}
	if err != nil {
		in.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/inbox/training/s/"+strconv.FormatInt(s.ID, 10), http.StatusSeeOther)
}

// trainingStart shows the case's lines before the hand-off and starts the
// clock of the first answer.
func (in *Inbox) trainingStart(ctx context.Context, s *concierge.TrainingSession, c *concierge.TrainingCase) error {
	if s.Status != concierge.TrainingAssigned {
		return nil // a second press: already started
	}
	now := in.cfg.Now()
	var shown []concierge.TrainingMessage
	next := 0
	for i, l := range c.Lines {
		if !l.Before {
			break
		}
		shown = append(shown, concierge.TrainingMessage{Role: l.Role, Text: l.Text, At: now, Media: l.Media})
		next = i + 1
	}
	if len(shown) == 0 {
		// No line before the hand-off was kept: the customer opens
		// with their first line.
		if i := nextCustomerLine(c, 0); i >= 0 {
			shown = append(shown, concierge.TrainingMessage{Role: "customer", Text: c.Lines[i].Text, At: now, Media: c.Lines[i].Media})
			next = i + 1
		}
	}
	_, err := in.cfg.Training.StartTrainingSession(ctx, s.ID, now, shown, next)
	return err
}

// nextCustomerLine is the index of the case's next customer line from
// from, or -1.
func nextCustomerLine(c *concierge.TrainingCase, from int) int {
	for i := from; i < len(c.Lines); i++ {
		if c.Lines[i].Role == "customer" && !c.Lines[i].Before {
			return i
		}
	}
	return -1
}

// maxModelTurns bounds how long a model keeps playing a customer once the
// real customer's lines are used up.
const maxModelTurns = 6

// trainingReply records the trainee's reply and the simulated customer's
// answer: the real customer's next line, anonymised, or, with a model,
// the model's variation of it (the line itself when the model fails).
func (in *Inbox) trainingReply(ctx context.Context, s *concierge.TrainingSession, c *concierge.TrainingCase, text string) error {
	const op = "training reply"
	text = strings.TrimSpace(text)
	switch {
	case s.Status == concierge.TrainingAssigned:
		return concierge.Errorf(concierge.CodeConflict, op, "start the session first; nothing was sent")
	case s.Status == concierge.TrainingFinished:
		return concierge.Errorf(concierge.CodeConflict, op, "this training session is finished; nothing was sent")
	case text == "":
		return concierge.Errorf(concierge.CodeInvalid, op, "the reply is empty; nothing was sent")
	case utf8.RuneCountInString(text) > MaxReply:
		return concierge.Errorf(concierge.CodeInvalid, op, "the reply is longer than %d characters; nothing was sent", MaxReply)
	}
	reply := concierge.TrainingMessage{Role: "trainee", Text: text, At: in.cfg.Now()}
	msgs, err := in.cfg.Training.TrainingMessages(ctx, s.ID)
	if err != nil {
		return err
	}
	// The real customer's line that answers this reply
	// (training_replay.go): the next one, or the one the trainee's
	// question or decision brings forward.
	from := s.Replay()
	scripted, media := "", ""
	i, after := newReplayer(c, s).next(msgs, text)
	if i >= 0 {
		scripted, media = c.Lines[i].Text, c.Lines[i].Media
	}
	answer := scripted
	// A model varies what the customer wrote; a voice note or a photo of
	// the real case is replayed as it was.
	if m := in.cfg.Customers[c.Bot]; m != nil && media == "" {
		turns := 0
		for _, x := range msgs {
			if x.Role == "trainee" {
				turns++
			}
		}
		if scripted != "" || turns < maxModelTurns {
			// The model is called outside any transaction, as the LLM
			// brain plans its turns.
			said, err := m.NextCustomer(ctx, c, append(msgs, reply), scripted)
			if err != nil {
				in.cfg.Log.Warn("training: the customer model failed; replaying the real line", "session", s.ID, "err", err)
			} else {
				answer = said
			}
		}
	}
	var ans *concierge.TrainingMessage
	if strings.TrimSpace(answer) != "" || media != "" {
		ans = &concierge.TrainingMessage{Role: "customer", Text: answer, At: in.cfg.Now(), Media: media}
	}
	ok, err := in.cfg.Training.AddTrainingTurn(ctx, s.ID, from, after, reply, ans)
	if err != nil {
		return err
	}
	if !ok {
		return concierge.Errorf(concierge.CodeConflict, op, "the session moved on (sent twice, or finished); nothing was sent")
	}
	return nil
}

// trainingDecide records the trainee's decision on the case's proposal,
// checked as the real one is (an amount above zero and at most what was
// paid, in the order's currency). No money moves: there is no Refunder
// here, and nothing but the session row is written.
func (in *Inbox) trainingDecide(ctx context.Context, s *concierge.TrainingSession, c *concierge.TrainingCase, decision, amount, note string) error {
	const op = "training decision"
	pr := c.Proposal
	switch {
	case pr == nil:
		return concierge.Errorf(concierge.CodeInvalid, op, "this case has no proposal to decide; nothing was decided")
	case s.Status != concierge.TrainingActive:
		return concierge.Errorf(concierge.CodeConflict, op, "the session is not running; nothing was decided")
	case s.Decision != "":
		return concierge.Errorf(concierge.CodeConflict, op, "this proposal was already decided in this session")
	}
	var status concierge.ProposalStatus
	var decided concierge.Money
	switch decision {
	case "approve":
		if pr.Amount.Minor <= 0 {
			return concierge.Errorf(concierge.CodeInvalid, op, "enter the amount to refund; nothing was decided")
		}
		status, decided = concierge.ProposalApproved, pr.Amount
	case "change":
		m, err := parseAmount(amount, pr.Amount.Currency)
		if err != nil {
			return err
		}
		paid := paidFor(c, pr.Order)
		if paid.Minor > 0 && m.Minor > paid.Minor {
			return concierge.Errorf(concierge.CodeInvalid, op, "%s is more than the %s paid for the order; nothing was decided", money.Format(m, "en"), money.Format(paid, "en"))
		}
		status, decided = concierge.ProposalApproved, m
	case "refuse":
		status = concierge.ProposalRefused
	default:
		return concierge.Errorf(concierge.CodeInvalid, op, "choose approve, change or refuse")
	}
	if utf8.RuneCountInString(note) > MaxReply {
		return concierge.Errorf(concierge.CodeInvalid, op, "the note is too long; nothing was decided")
	}
	ok, err := in.cfg.Training.DecideTraining(ctx, s.ID, status, decided, strings.TrimSpace(note))
	if err != nil {
		return err
	}
	if !ok {
		return concierge.Errorf(concierge.CodeConflict, op, "this proposal was already decided in this session")
	}
	return nil
}

// trainingFinish ends the session and scores it.
func (in *Inbox) trainingFinish(ctx context.Context, s *concierge.TrainingSession, c *concierge.TrainingCase) error {
	if s.Status != concierge.TrainingActive {
		return concierge.Errorf(concierge.CodeConflict, "finish training", "the session is not running")
	}
	msgs, err := in.cfg.Training.TrainingMessages(ctx, s.ID)
	if err != nil {
		return err
	}
	var pol concierge.Policies
	if b := in.bots[c.Bot]; b != nil {
		pol = b.Policies
	}
	ok, err := in.cfg.Training.FinishTraining(ctx, s.ID, in.cfg.Now(), scoreSession(c, s, msgs, pol))
	if err != nil {
		return err
	}
	if !ok {
		return concierge.Errorf(concierge.CodeConflict, "finish training", "the session was finished already")
	}
	return nil
}

// trainingReport lists one trainee's sessions with their scores and where
// they differed from the reference: for the trainee, or a supervisor.
func (in *Inbox) trainingReport(w http.ResponseWriter, r *http.Request) {
	if !in.trainingOn(w, r) {
		return
	}
	p := sessionOf(r).person
	name := r.PathValue("name")
	if name != p.Name && p.Role != concierge.RoleSupervisor {
		in.fail(w, r, errForbidden("a report is for its trainee and supervisors"))
		return
	}
	rows, err := in.sessionRows(r.Context(), p, name)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	in.render(w, r, http.StatusOK, "training_report", pageData{Title: "Training report · " + name,
		Training: &trainingView{Person: name, Sessions: rows}})
}

// mediaKindOf is the kind of file a customer's event was, as a training
// line keeps it: "voice" for a voice note, else the platform's kind from
// the event's "KIND:REF" value; "" for anything but a file.
func mediaKindOf(ev *concierge.Event) string {
	if ev.Kind != concierge.EventMedia {
		return ""
	}
	if ev.Speech != "" {
		return "voice"
	}
	if kind, _, ok := strings.Cut(ev.Value, ":"); ok && kind != "" {
		return kind
	}
	return "file"
}

// trainingMedia is how a training page shows a customer's file of the
// real case: its kind, a note that the file was not copied (the case is
// text only), and for a voice note its transcript's label.
func trainingMedia(m concierge.TrainingMessage) (kind string, v *mediaView, speech string) {
	v = &mediaView{Label: m.Media + " of the real case (the file is not copied into training cases)"}
	if m.Media != "voice" {
		return m.Media, v, ""
	}
	v.Label = "voice note of the real case (the audio is not copied into training cases)"
	if strings.TrimSpace(m.Text) == "" {
		return "voice", v, "Not transcribed"
	}
	return "voice", v, speechLabels[concierge.SpeechHeard]
}
