package handoff

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// pageData is what every page template gets; each page reads its part.
type pageData struct {
	Title string
	Me    *concierge.Person
	CSRF  string
	Error string
	Back  string
	Name  string // the sign-in form's name, kept after a failure

	// Version is the inbox's change counter when the page was made; the
	// live stream starts from it so nothing between is missed.
	Version string
	Waiting int // conversations waiting that this person sees

	Queue   []caseView
	Filters filters
	Options filterOptions

	Case      *caseView
	Entries   []entryView
	Packet    *concierge.HandoffPacket
	Proposals []*concierge.Proposal
	Notes     []concierge.Note
	Cart      []cartLineView
	CartTotal string
	Orders    []orderView
	Handoffs  []historyRow
	// AgentEvents are an agent order's webhook events.
	AgentEvents []AgentEvent
	// FailedEvents are the failed agent order events across orders (the
	// list page), FailedBots their bots' names, FailedLimit the most it
	// shows; FailedCount, on every supervisor's page, how many may be
	// retried, and FailedOn whether agent events are served at all.
	FailedEvents []AgentEvent
	FailedBots   []string
	FailedLimit  int
	FailedCount  int
	FailedOn     bool
	// FailedRetry is the outcome of Retry all, shown once on the list
	// it comes back to.
	FailedRetry *BulkRetry
	Mine        bool // this person owns the conversation
	Audit       []*concierge.Proposal
	// Changes are the audit log's other entries (the seller's
	// assistant's changes), when the store keeps them.
	Changes []concierge.AuditEntry
	Canned  []cannedView // the bot file's canned replies, in the customer's language
	// Closed is why free text cannot be sent now ("" when it can), and
	// Templates what may be sent instead (ReplyRules).
	Closed    string
	Templates []templateView
	// Assignees are the people a supervisor may assign the conversation
	// to: those who see its bot, but its owner.
	Assignees []string

	// Training marks a training page (training.go): the banner, and
	// the conversation page's forms posting to the session.
	Training   *trainingView
	TrainingOn bool // the simulator is wired: the menu links to it
}

// Action is where the conversation page's form for action posts: the
// conversation, or the training session shown in its place.
func (d pageData) Action(action string) string {
	if d.Training != nil && d.Training.Session != nil {
		return "/inbox/training/s/" + strconv.FormatInt(d.Training.Session.ID, 10) + "/" + action
	}
	if d.Case == nil {
		return "/inbox"
	}
	return "/inbox/c/" + strconv.FormatInt(int64(d.Case.Conversation.ID), 10) + "/" + action
}

// Decides reports whether the page offers the proposal's decision forms:
// to supervisors, or on a training page to the trainee of a running
// session.
func (d pageData) Decides() bool {
	if d.Training != nil {
		return d.Mine
	}
	return d.Me != nil && d.Me.Role == concierge.RoleSupervisor
}

// DecideAction is where a proposal's decision form posts.
func (d pageData) DecideAction(id int64) string {
	if d.Training != nil && d.Training.Session != nil {
		return d.Action("decide")
	}
	return "/inbox/p/" + strconv.FormatInt(id, 10) + "/decide"
}

// templateView is one approved template offered in the reply box.
type templateView struct {
	Template
	N      int          // its place in the list, from 1, for element ids
	Inputs []paramInput // one per variable
	// Filled is the text the customer would read: the values asked to
	// be previewed, or the labels in brackets; Problem is what is wrong
	// with the previewed values ("" when nothing is).
	Filled    string
	Problem   string
	Previewed bool
}

// paramInput is one variable's input in a template form.
type paramInput struct {
	N     int
	Label string
	Value string
}

// templateViews makes the reply box's templates; the one named by
// preview (Template.Key) shows values filled in.
func templateViews(ts []Template, preview string, values []string) []templateView {
	var out []templateView
	for i, t := range ts {
		v := templateView{Template: t, N: i + 1}
		mine := preview != "" && t.Key() == preview
		shown := make([]string, t.Params)
		for n := 1; n <= t.Params; n++ {
			in := paramInput{N: n, Label: t.Label(n)}
			shown[n-1] = "[" + in.Label + "]"
			if mine && n <= len(values) {
				in.Value = strings.TrimSpace(values[n-1])
				if in.Value != "" {
					shown[n-1] = in.Value
				}
			}
			v.Inputs = append(v.Inputs, in)
		}
		v.Filled = t.Fill(shown)
		if mine {
			v.Previewed = true
			vals := make([]string, len(v.Inputs))
			for k, in := range v.Inputs {
				vals[k] = in.Value
			}
			if err := t.CheckParams(vals); err != nil {
				v.Problem = concierge.ErrorMessage(err)
			}
		}
		out = append(out, v)
	}
	return out
}

// cannedView is one canned reply of the reply box. ID is its place in the
// bot file's list, from 1; the form posts it.
type cannedView struct {
	ID    string
	Title string
	Text  string
}

type filters struct{ Bot, Channel, Locale, Reason, State string }

type filterOptions struct{ Bots, Channels, Locales, Reasons []string }

type caseView struct {
	concierge.Case
	BotName string
	Mine    bool
}

type entryView struct {
	Seq      int64
	From     string // customer, bot, agent, system
	Who      string
	Kind     string
	Text     string
	Status   string
	Delivery string
	Error    string
	At       time.Time
	Media    *mediaView // a customer's file, or nil
	// Speech labels the text of a voice note: "Transcript" when Text is
	// what the customer said (WeChat's recognition or the bot's
	// transcriber), else why there is none.
	Speech string
}

// speechLabels label a voice note's transcript, or its absence.
var speechLabels = map[concierge.Speech]string{
	concierge.SpeechHeard:     "Transcript",
	concierge.SpeechUnheard:   "Not transcribed (no transcriber, or the transcription failed or was unsure): the customer was asked to write",
	concierge.SpeechTooLarge:  "Not transcribed: the file is too large; the customer was asked to write",
	concierge.SpeechWrongType: "Not transcribed: not an audio file the transcriber takes; the customer was asked to write",
}

type cartLineView struct {
	SKU   concierge.SKU
	Title string
	Qty   int
	Total string
}

type orderView struct {
	*concierge.Order
	TotalText string
	Payments  []concierge.Payment
}

var funcs = template.FuncMap{
	"money": func(m concierge.Money) string { return money.Format(m, "en") },
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		d := time.Since(t).Round(time.Second)
		switch {
		case d < time.Minute:
			return "just now"
		case d < time.Hour:
			return fmt.Sprintf("%d min ago", int(d.Minutes()))
		case d < 48*time.Hour:
			return fmt.Sprintf("%d h ago", int(d.Hours()))
		}
		return t.Format("2006-01-02")
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"supervisor": func(p *concierge.Person) bool { return p != nil && p.Role == concierge.RoleSupervisor },
	"join":       func(xs []string) string { return strings.Join(xs, ", ") },
	"skus": func(xs []concierge.SKU) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = string(x)
		}
		return strings.Join(s, ", ")
	},
}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"signin", "queue", "conversation", "audit", "error", "training", "training_report", "agentevents"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, errorf("templates: %w", err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (in *Inbox) botName(id concierge.BotID) string {
	if b := in.bots[id]; b != nil && b.Name != "" {
		return b.Name
	}
	return string(id)
}

// visibleCases lists the cases p may see.
func (in *Inbox) visibleCases(r *http.Request, p *concierge.Person) ([]caseView, error) {
	cs, err := in.cfg.Store.Cases(r.Context(), 0)
	if err != nil {
		return nil, err
	}
	var out []caseView
	for _, c := range cs {
		if !p.Sees(c.Conversation.Bot) {
			continue
		}
		out = append(out, caseView{Case: c, BotName: in.botName(c.Conversation.Bot), Mine: c.Assignee == p.Name})
	}
	return out, nil
}

func (in *Inbox) queue(w http.ResponseWriter, r *http.Request) {
	p := sessionOf(r).person
	version, err := in.cfg.Store.Version(r.Context())
	if err != nil {
		in.fail(w, r, err)
		return
	}
	all, err := in.visibleCases(r, p)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := filters{Bot: q.Get("bot"), Channel: q.Get("channel"), Locale: q.Get("lang"), Reason: q.Get("reason"), State: q.Get("state")}
	var opts filterOptions
	add := func(xs *[]string, x string) {
		if x != "" && !slices.Contains(*xs, x) {
			*xs = append(*xs, x)
		}
	}
	d := pageData{Title: "Inbox", Version: version, Filters: f}
	for _, c := range all {
		cv := c.Conversation
		add(&opts.Bots, string(cv.Bot))
		add(&opts.Channels, string(cv.Channel))
		add(&opts.Locales, string(cv.Locale))
		add(&opts.Reasons, string(c.Reason))
		if cv.State == concierge.StateWaiting {
			d.Waiting++
		}
		if (f.Bot != "" && string(cv.Bot) != f.Bot) || (f.Channel != "" && string(cv.Channel) != f.Channel) ||
			(f.Locale != "" && string(cv.Locale) != f.Locale) || (f.Reason != "" && string(c.Reason) != f.Reason) ||
			(f.State == "mine" && !c.Mine) || (f.State == "waiting" && cv.State != concierge.StateWaiting) {
			continue
		}
		d.Queue = append(d.Queue, c)
	}
	for _, xs := range [][]string{opts.Bots, opts.Channels, opts.Locales, opts.Reasons} {
		slices.Sort(xs)
	}
	d.Options = opts
	in.render(w, r, http.StatusOK, "queue", d)
}

func (in *Inbox) conversation(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	p := sessionOf(r).person
	ctx := r.Context()
	version, err := in.cfg.Store.Version(ctx)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	cs, err := in.cfg.Store.Cases(ctx, id)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	if len(cs) == 0 || !p.Sees(cs[0].Conversation.Bot) {
		in.fail(w, r, concierge.Errorf(concierge.CodeNotFound, "inbox", "no such conversation"))
		return
	}
	c := &caseView{Case: cs[0], BotName: in.botName(cs[0].Conversation.Bot), Mine: cs[0].Assignee == p.Name}
	d := pageData{Title: fmt.Sprintf("#%d %s", id, c.BotName), Version: version, Case: c,
		Mine: c.Mine && c.Conversation.State == concierge.StateHuman}
	if all, err := in.visibleCases(r, p); err == nil {
		for _, x := range all {
			if x.Conversation.State == concierge.StateWaiting {
				d.Waiting++
			}
		}
	}
	if err := in.loadConversation(r, &d, c); err != nil {
		in.fail(w, r, err)
		return
	}
	in.render(w, r, http.StatusOK, "conversation", d)
}

// cannedReplies are the canned replies of conv's bot, each in conv's
// language or else the bot's default one.
func (in *Inbox) cannedReplies(conv *concierge.Conversation) []cannedView {
	bot := in.bots[conv.Bot]
	if bot == nil {
		return nil
	}
	var out []cannedView
	for i, r := range bot.Handoff.CannedReplies {
		out = append(out, cannedView{ID: strconv.Itoa(i + 1), Title: r.Title, Text: r.In(conv.Locale, bot.DefaultLocale())})
	}
	return out
}

// canned returns the text of the canned reply id for conv.
func (in *Inbox) canned(conv *concierge.Conversation, id string) (string, error) {
	for _, v := range in.cannedReplies(conv) {
		if v.ID == id {
			return v.Text, nil
		}
	}
	return "", concierge.Errorf(concierge.CodeInvalid, "reply", "no such canned reply")
}

// loadConversation reads everything the conversation page shows.
func (in *Inbox) loadConversation(r *http.Request, d *pageData, c *caseView) error {
	ctx, st, id := r.Context(), in.cfg.Store, c.Conversation.ID
	bot := in.bots[c.Conversation.Bot]
	d.Canned = in.cannedReplies(&c.Conversation)
	if d.Mine {
		rules, err := in.svc.Rules(ctx, &c.Conversation)
		if err != nil {
			return err
		}
		if rules.Closed {
			d.Closed = rules.Why
		}
		// Templates are offered when they are the only way to write;
		// while free text goes, the page stays as it was.
		if rules.Closed {
			q := r.URL.Query()
			d.Templates = templateViews(rules.Templates, q.Get("template"), q["param"])
		}
	}
	if me := sessionOf(r).person; me.Role == concierge.RoleSupervisor {
		people, err := st.People(ctx)
		if err != nil {
			return err
		}
		for _, x := range people {
			if x.Sees(c.Conversation.Bot) && x.Name != c.Assignee {
				d.Assignees = append(d.Assignees, x.Name)
			}
		}
	}
	es, err := st.Transcript(ctx, id, 300)
	if err != nil {
		return err
	}
	for _, e := range es {
		d.Entries = append(d.Entries, entryOf(e))
	}
	if d.Packet, err = st.Packet(ctx, id); err != nil {
		return err
	}
	if d.Proposals, err = st.Proposals(ctx, id); err != nil {
		return err
	}
	if d.Notes, err = st.Notes(ctx, id); err != nil {
		return err
	}
	hs, err := st.Handoffs(ctx, id)
	if err != nil {
		return err
	}
	if d.Handoffs, err = in.svc.history(ctx, &c.Conversation, hs); err != nil {
		return err
	}
	if d.AgentEvents, err = in.svc.agentEventsOf(ctx, &c.Conversation); err != nil {
		return err
	}
	lines, err := st.Cart(ctx, id)
	if err != nil {
		return err
	}
	var total concierge.Money
	for _, l := range lines {
		v := cartLineView{SKU: l.SKU, Title: string(l.SKU), Qty: l.Quantity}
		if bot != nil {
			if pr := bot.Product(l.SKU); pr != nil {
				v.Title = pr.Title("en", bot.DefaultLocale())
				t := pr.Price.Mul(l.Quantity)
				v.Total = money.Format(t, "en")
				if total.Currency == "" {
					total.Currency = t.Currency
				}
				total = total.Add(t)
			}
		}
		d.Cart = append(d.Cart, v)
	}
	if len(lines) > 0 && total.Currency != "" {
		d.CartTotal = money.Format(total, "en")
	}
	os, err := st.Orders(ctx, id)
	if err != nil {
		return err
	}
	for _, o := range os {
		ps, err := st.Payments(ctx, o.ID)
		if err != nil {
			return err
		}
		d.Orders = append(d.Orders, orderView{Order: o, TotalText: money.Format(o.Total, "en"), Payments: ps})
	}
	return nil
}

// entryOf turns a transcript entry into what the page shows: text only,
// escaped by html/template like everything a customer writes.
func entryOf(e Entry) entryView {
	v := entryView{Seq: e.Seq, Kind: e.Kind, Status: e.Status, Delivery: e.Delivery, Error: e.Error, At: e.At}
	switch {
	case e.Dir == "in":
		v.From, v.Who = "customer", "Customer"
		if e.Event != nil {
			v.Text = e.Event.Text
			if e.Event.Kind == concierge.EventButton && e.Event.Value != "" {
				v.Text = "[pressed] " + e.Event.Text
			}
			if v.Text == "" {
				v.Text = "(" + string(e.Event.Kind) + ")"
			}
			v.Kind = string(e.Event.Kind)
		}
		if e.Media != nil {
			v.Media = viewOf(e.Media)
			if e.Event != nil && e.Event.Text == "" {
				v.Text = "" // the file speaks for itself
			}
		}
		if e.Event != nil {
			v.Speech = speechLabels[e.Event.Speech]
			if e.Status == "hearing" {
				v.Speech = "Transcribing…"
			}
		}
	default:
		v.From, v.Who = "bot", "Bot"
		if name, ok := strings.CutPrefix(e.Author, "agent:"); ok {
			v.From, v.Who = "agent", name
		} else if proto, ok := strings.CutPrefix(e.Author, concierge.CallAuthorPrefix); ok {
			// An outside AI agent's call to its checkout (UCP, ACP, MCP).
			v.From, v.Who = "call", strings.ToUpper(proto)+" agent"
		} else if e.Author == "system" {
			v.From, v.Who = "system", "System"
		}
		if e.Message != nil {
			v.Text = e.Message.PlainText()
		}
	}
	return v
}

func (in *Inbox) audit(w http.ResponseWriter, r *http.Request) {
	p := sessionOf(r).person
	if p.Role != concierge.RoleSupervisor {
		in.fail(w, r, errForbidden("the audit log is for supervisors"))
		return
	}
	ps, err := in.cfg.Store.DecidedProposals(r.Context(), 200)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	d := pageData{Title: "Decisions"}
	for _, x := range ps {
		if p.Sees(x.Bot) {
			d.Audit = append(d.Audit, x)
		}
	}
	if al, ok := in.cfg.Store.(AuditLog); ok {
		es, err := al.AuditLog(r.Context(), 200)
		if err != nil {
			in.fail(w, r, err)
			return
		}
		for _, e := range es {
			if p.Sees(e.Bot) {
				d.Changes = append(d.Changes, e)
			}
		}
	}
	in.render(w, r, http.StatusOK, "audit", d)
}

// AuditLog is an optional capability of a Store: the changes people made
// outside the decision forms (from the seller's assistant), which the
// decision log lists under its decisions.
type AuditLog interface {
	// AuditLog returns the last limit entries, newest first.
	AuditLog(ctx context.Context, limit int) ([]concierge.AuditEntry, error)
}

// events is the live stream: a "change" event whenever the store's
// version moves, so the page refreshes what it shows.
func (in *Inbox) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	last := r.URL.Query().Get("v")
	fmt.Fprint(w, "retry: 2000\n\n")
	if rc.Flush() != nil {
		return
	}
	poll := time.NewTicker(in.cfg.Poll)
	defer poll.Stop()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	ctx := r.Context()
	for {
		// Taken before reading, so a change announced during the read
		// is not missed.
		rang := in.changes.wait()
		v, err := in.cfg.Store.Version(ctx)
		if err != nil {
			return // the browser reconnects
		}
		if v != last {
			last = v
			if _, err := fmt.Fprintf(w, "event: change\ndata: %s\n\n", v); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-in.end:
			return
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-poll.C:
		case <-rang:
		}
	}
}
