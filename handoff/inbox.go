package handoff

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config is what the inbox needs.
type Config struct {
	Store Store
	// Bots are the server's bots, for names, catalogs (titles in carts)
	// and policies.
	Bots []*concierge.Bot
	// Secure marks the session cookie Secure (and __Host-): set it when
	// the inbox is served over HTTPS, as it must be anywhere but localhost.
	Secure bool
	// Wake tells the outbox a person's message waits to be sent.
	Wake func()
	// Refunds, when set, executes approved refunds through the order's
	// payment provider, and Announce tells the customer.
	Refunds  Refunder
	Announce Announcer
	// Rules, when set, says what may be sent to a customer now (free
	// text, or only approved templates); without it, free text always.
	Rules ReplyRules
	// Hooks, when set, shows each hand-off event's webhook delivery in
	// the History and lets supervisors resend failed ones; HookWake tells
	// the sender one waits.
	Hooks    HookDeliveries
	HookWake func()
	// AgentEvents, when set, shows on an agent order's page the order
	// events sent to the agent's webhook and lets supervisors retry
	// failed ones; AgentEventWake tells the senders one waits.
	AgentEvents    AgentEventDeliveries
	AgentEventWake func()
	Log            *slog.Logger
	Now            func() time.Time
	// Training, when set, serves the staff-training simulator at
	// /inbox/training (docs/training.md); Customers are the models
	// that role-play a training case's customer, by bot (the bots with
	// the LLM brain); without one, the real customer's lines are
	// replayed.
	Training  TrainingStore
	Customers map[concierge.BotID]CustomerModel
	// Poll is how often a live stream checks for changes (default 1s).
	// The check is one indexed query; it also makes changes made on
	// another replica show. When the database announces changes (see
	// Inbox.Changed), streams check at once and Poll is only a safety
	// net against a lost announcement, so it can be long.
	Poll time.Duration
	// SignInAttempts failures per address or name within SignInWindow
	// are allowed before sign-in answers 429 (defaults 5 and 15 min).
	SignInAttempts int
	SignInWindow   time.Duration
}

// Inbox is the web inbox, an http.Handler for /inbox and below.
type Inbox struct {
	cfg   Config
	svc   *Service
	bots  map[concierge.BotID]*concierge.Bot
	pages map[string]*template.Template
	// changes wakes the open live streams; see Changed. end is closed
	// when they must end; see EndStreams.
	changes bell
	end     chan struct{}
	endOnce sync.Once
	handler http.Handler
}

// New builds the inbox.
func New(cfg Config) (*Inbox, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.SignInAttempts <= 0 {
		cfg.SignInAttempts = 5
	}
	if cfg.SignInWindow <= 0 {
		cfg.SignInWindow = 15 * time.Minute
	}
	in := &Inbox{cfg: cfg, svc: NewService(cfg.Store, cfg.Wake), bots: map[concierge.BotID]*concierge.Bot{}}
	in.svc.log = cfg.Log
	in.changes.init()
	in.end = make(chan struct{})
	in.svc.UseRefunds(cfg.Refunds, cfg.Announce)
	if cfg.Rules != nil {
		in.svc.UseReplyRules(cfg.Rules)
	}
	if cfg.Hooks != nil {
		in.svc.UseHookDeliveries(cfg.Hooks, cfg.HookWake)
	}
	if cfg.AgentEvents != nil {
		in.svc.UseAgentEvents(cfg.AgentEvents, cfg.AgentEventWake)
	}
	for _, b := range cfg.Bots {
		in.bots[b.ID] = b
	}
	var err error
	if in.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFiles, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /inbox/static/", http.StripPrefix("/inbox/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /inbox/signin", in.signinPage)
	mux.HandleFunc("POST /inbox/signin", in.signinPost)
	mux.HandleFunc("POST /inbox/signout", in.authed(in.signout))
	mux.HandleFunc("GET /inbox", in.authed(in.queue))
	mux.HandleFunc("GET /inbox/{$}", in.authed(in.queue))
	mux.HandleFunc("GET /inbox/events", in.authed(in.events))
	mux.HandleFunc("GET /inbox/audit", in.authed(in.audit))
	mux.HandleFunc("GET /inbox/c/{id}", in.authed(in.conversation))
	mux.HandleFunc("GET /inbox/media/{id}", in.authed(in.media))
	mux.HandleFunc("POST /inbox/c/{id}/{action}", in.authed(in.act))
	mux.HandleFunc("POST /inbox/p/{id}/decide", in.authed(in.decide))
	mux.HandleFunc("POST /inbox/p/{id}/refund", in.authed(in.retryRefund))
	mux.HandleFunc("POST /inbox/h/{id}/resend", in.authed(in.resendHook))
	mux.HandleFunc("POST /inbox/e/{id}/retry", in.authed(in.retryAgentEvent))
	mux.HandleFunc("GET "+failedEventsPath, in.authed(in.failedAgentEvents))
	mux.HandleFunc("POST "+failedEventsPath+"/retry", in.authed(in.retryFailedAgentEvents))
	mux.HandleFunc("GET /inbox/training", in.authed(in.trainingHome))
	mux.HandleFunc("POST /inbox/training/assign", in.authed(in.trainingAssign))
	mux.HandleFunc("GET /inbox/training/s/{id}", in.authed(in.trainingPage))
	mux.HandleFunc("POST /inbox/training/s/{id}/{action}", in.authed(in.trainingAct))
	mux.HandleFunc("GET /inbox/training/people/{name}", in.authed(in.trainingReport))
	mux.HandleFunc("/inbox/", func(w http.ResponseWriter, r *http.Request) {
		in.fail(w, r, concierge.Errorf(concierge.CodeNotFound, "inbox", "no such page"))
	})
	// Browsers say where a form came from (Sec-Fetch-Site, Origin): a
	// cross-site POST is refused before any handler runs. The per-session
	// token that authed checks is the second line.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.fail(w, r, errForbidden("cross-origin request refused"))
	}))
	in.handler = cop.Handler(mux)
	return in, nil
}

// Service returns the state machine the inbox drives.
func (in *Inbox) Service() *Service { return in.svc }

// ServeHTTP serves /inbox and below.
func (in *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if !strings.HasPrefix(r.URL.Path, "/inbox/static/") {
		h.Set("Cache-Control", "no-store")
	}
	in.handler.ServeHTTP(w, r)
}

// fail answers an error, mapped to a status in this one place: domain
// codes as webhooks maps them, refusals of this package as 403.
func (in *Inbox) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong; it was logged."
	var fb *forbidden
	var ce *concierge.Error
	switch {
	case errors.As(err, &fb):
		status, msg = http.StatusForbidden, fb.msg
	case errors.As(err, &ce):
		msg = concierge.ErrorMessage(err)
		switch ce.Code {
		case concierge.CodeInvalid:
			status = http.StatusBadRequest
		case concierge.CodeNotFound:
			status = http.StatusNotFound
		case concierge.CodeConflict:
			status = http.StatusConflict
		case concierge.CodeUnauthorized:
			status = http.StatusUnauthorized
		case concierge.CodeUnavailable:
			status = http.StatusServiceUnavailable
		default:
			msg = "Something went wrong; it was logged."
		}
	}
	if status >= 500 {
		in.cfg.Log.Error("inbox", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	back := r.Referer()
	if !strings.HasPrefix(back, "/") && !sameOrigin(back, r) {
		back = "/inbox"
	}
	in.render(w, r, status, "error", pageData{Title: http.StatusText(status), Error: msg, Back: back})
}

func sameOrigin(u string, r *http.Request) bool {
	return strings.HasPrefix(u, "http://"+r.Host+"/") || strings.HasPrefix(u, "https://"+r.Host+"/")
}

// render writes a page; the template is executed to a buffer first, so a
// template error never leaves half a page.
func (in *Inbox) render(w http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	if s := sessionOf(r); s != nil && d.Me == nil {
		d.Me, d.CSRF = s.person, s.csrf
	}
	d.TrainingOn = in.cfg.Training != nil
	if d.Me != nil && d.Me.Role == concierge.RoleSupervisor && in.cfg.AgentEvents != nil && d.Training == nil {
		// The menu's count; a failure to read it must not cost the page.
		d.FailedOn = true
		if page != "agentevents" {
			_, n, err := in.svc.FailedAgentEvents(r.Context(), d.Me, false)
			if err != nil {
				in.cfg.Log.Warn("inbox: count failed agent events", "err", err)
			}
			d.FailedCount = n
		}
	}
	var buf bytes.Buffer
	t := in.pages[page]
	if t == nil {
		http.Error(w, "no page "+page, http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		in.cfg.Log.Error("inbox: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (in *Inbox) signinPage(w http.ResponseWriter, r *http.Request) {
	in.render(w, r, http.StatusOK, "signin", pageData{Title: "Sign in"})
}

func (in *Inbox) signinPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	name := strings.TrimSpace(r.PostFormValue("name"))
	pw := r.PostFormValue("password")
	keys := limitKeys(r, name)
	ok, err := in.signInAllowed(r.Context(), keys)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(in.cfg.SignInWindow/time.Second)))
		in.render(w, r, http.StatusTooManyRequests, "signin", pageData{Title: "Sign in", Name: name,
			Error: "Too many failed attempts. Wait a few minutes and try again."})
		return
	}
	if err := in.signIn(r.Context(), w, name, pw); err != nil {
		if concierge.ErrorCode(err) != concierge.CodeUnauthorized {
			in.fail(w, r, err)
			return
		}
		if err := in.signInFailed(r.Context(), keys); err != nil {
			in.fail(w, r, err)
			return
		}
		in.render(w, r, http.StatusUnauthorized, "signin", pageData{Title: "Sign in", Name: name, Error: "Wrong name or password."})
		return
	}
	// The name's failures are forgotten; the address's stay, so one
	// address cannot try many names by signing in to its own between.
	if err := in.cfg.Store.ClearSignInFailures(r.Context(), keys[1]); err != nil {
		in.cfg.Log.Warn("inbox: clear sign-in failures", "err", err)
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}

func (in *Inbox) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(in.cookieName()); err == nil {
		in.cfg.Store.DeleteSession(r.Context(), hashToken(c.Value))
	}
	in.setCookie(w, "", -1)
	http.Redirect(w, r, "/inbox/signin", http.StatusSeeOther)
}

func convID(r *http.Request) (concierge.ConversationID, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, concierge.Errorf(concierge.CodeNotFound, "inbox", "no such conversation")
	}
	return concierge.ConversationID(n), nil
}

func (in *Inbox) act(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	p := sessionOf(r).person
	ctx := r.Context()
	switch r.PathValue("action") {
	case "claim":
		err = in.svc.Claim(ctx, p, id)
	case "reply":
		// Typed text wins; with it empty, the canned reply chosen in the
		// list is sent (the page works without JavaScript this way).
		text, canned := r.PostFormValue("text"), r.PostFormValue("canned")
		if strings.TrimSpace(text) == "" && canned != "" {
			err = in.svc.ReplyCanned(ctx, p, id, func(c *concierge.Conversation) (string, error) { return in.canned(c, canned) })
		} else {
			err = in.svc.Reply(ctx, p, id, text)
		}
	case "template":
		if err = r.ParseForm(); err != nil {
			break
		}
		if r.PostForm.Get("preview") != "" {
			// Preview shows the page again with the values filled in
			// the template's text; nothing is sent. The values travel
			// in the address (not the CSRF token), and the page checks
			// them as sending would.
			q := url.Values{"template": {r.PostForm.Get("template")}, "param": r.PostForm["param"]}
			http.Redirect(w, r, "/inbox/c/"+strconv.FormatInt(int64(id), 10)+"?"+q.Encode()+"#templates", http.StatusSeeOther)
			return
		}
		err = in.svc.SendTemplate(ctx, p, id, r.PostForm.Get("template"), r.PostForm["param"])
	case "assign":
		err = in.svc.Assign(ctx, p, id, r.PostFormValue("to"), r.PostFormValue("why"))
	case "note":
		err = in.svc.Note(ctx, p, id, r.PostFormValue("text"))
	case "handback":
		to := concierge.StateBot
		if r.PostFormValue("close") != "" {
			to = concierge.StateClosed
		}
		err = in.svc.HandBack(ctx, p, id, to, r.PostFormValue("text"))
	default:
		err = concierge.Errorf(concierge.CodeNotFound, "inbox", "no such action")
	}
	if err != nil {
		in.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/inbox/c/"+strconv.FormatInt(int64(id), 10), http.StatusSeeOther)
}

func (in *Inbox) decide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		in.fail(w, r, concierge.Errorf(concierge.CodeNotFound, "inbox", "no such proposal"))
		return
	}
	d := Decision{Note: r.PostFormValue("note")}
	switch r.PostFormValue("decision") {
	case "approve":
		d.Approve = true
	case "change":
		// Approving another amount: the form's amount, which must be
		// given (an empty one is not "as proposed").
		d.Approve, d.Change = true, r.PostFormValue("amount")
		if strings.TrimSpace(d.Change) == "" {
			in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, "decide", "enter the amount to refund; nothing was decided"))
			return
		}
	case "refuse":
	default:
		in.fail(w, r, concierge.Errorf(concierge.CodeInvalid, "decide", "choose approve, change or refuse"))
		return
	}
	pr, err := in.svc.Decide(r.Context(), sessionOf(r).person, id, d)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/inbox/c/"+strconv.FormatInt(int64(pr.Conversation), 10), http.StatusSeeOther)
}

// retryRefund re-attempts an approved refund whose execution failed.
func (in *Inbox) retryRefund(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		in.fail(w, r, concierge.Errorf(concierge.CodeNotFound, "inbox", "no such proposal"))
		return
	}
	pr, err := in.svc.RetryRefund(r.Context(), sessionOf(r).person, id)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/inbox/c/"+strconv.FormatInt(int64(pr.Conversation), 10), http.StatusSeeOther)
}
