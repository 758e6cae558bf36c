package handoff

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// fakeStore holds the little the tests here need, in memory; the methods
// of Store and Tx a test does not use are left to the nil interfaces
// embedded, and panic if called. The SQL store's behaviour is tested in
// package store, and the whole inbox end to end in cmd/concierge.
type fakeStore struct {
	Store
	mu        sync.Mutex
	convs     map[concierge.ConversationID]*concierge.Conversation
	owners    map[concierge.ConversationID]*concierge.Person
	people    map[int64]*concierge.Person
	proposals map[int64]*concierge.Proposal
	sessions  map[string]*concierge.Person // by token hash; the CSRF token is "csrf-" + name
	handoffs  []concierge.Handoff
	// failTx, when set, is called at the start of each transaction; an
	// error it returns fails that transaction.
	failTx func(n int) error
	txs    int
}

func newFakeStore(people ...*concierge.Person) *fakeStore {
	s := &fakeStore{
		convs:     map[concierge.ConversationID]*concierge.Conversation{},
		owners:    map[concierge.ConversationID]*concierge.Person{},
		people:    map[int64]*concierge.Person{},
		proposals: map[int64]*concierge.Proposal{},
		sessions:  map[string]*concierge.Person{},
	}
	for _, p := range people {
		s.people[p.ID] = p
	}
	return s
}

func (s *fakeStore) InTx(ctx context.Context, fn func(tx Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txs++
	if s.failTx != nil {
		if err := s.failTx(s.txs); err != nil {
			return err
		}
	}
	return fn(&fakeTx{s: s})
}

func (s *fakeStore) Session(ctx context.Context, hash string) (*concierge.Person, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.sessions[hash]
	if p == nil {
		return nil, "", concierge.ErrNotFound
	}
	return p, "csrf-" + p.Name, nil
}

func (s *fakeStore) Version(ctx context.Context) (string, error) { return "v1", nil }

type fakeTx struct {
	Tx
	s *fakeStore
}

func (t *fakeTx) Now() time.Time { return time.Unix(1700000000, 0) }

func (t *fakeTx) Conversation(ctx context.Context, id concierge.ConversationID) (*concierge.Conversation, error) {
	c := t.s.convs[id]
	if c == nil {
		return nil, concierge.ErrNotFound
	}
	cp := *c
	return &cp, nil
}

func (t *fakeTx) SaveConversation(ctx context.Context, c *concierge.Conversation) error {
	cp := *c
	t.s.convs[c.ID] = &cp
	return nil
}

func (t *fakeTx) Owner(ctx context.Context, conv concierge.ConversationID) (int64, string, error) {
	if p := t.s.owners[conv]; p != nil {
		return p.ID, p.Name, nil
	}
	return 0, "", nil
}

func (t *fakeTx) LockPerson(ctx context.Context, id int64) (*concierge.Person, error) {
	return t.s.people[id], nil
}

func (t *fakeTx) Owned(ctx context.Context, user int64) (int, error) {
	n := 0
	for _, p := range t.s.owners {
		if p.ID == user {
			n++
		}
	}
	return n, nil
}

func (t *fakeTx) HandedOffAt(ctx context.Context, conv concierge.ConversationID) (time.Time, error) {
	return t.Now(), nil
}

func (t *fakeTx) Assign(ctx context.Context, c *concierge.Conversation, user int64, queued time.Time) (bool, error) {
	if t.s.owners[c.ID] != nil {
		return false, nil
	}
	t.s.owners[c.ID] = t.s.people[user]
	return true, nil
}

func (t *fakeTx) RecordHandoff(ctx context.Context, h concierge.Handoff) error {
	t.s.handoffs = append(t.s.handoffs, h)
	return nil
}

func (t *fakeTx) Proposal(ctx context.Context, id int64) (*concierge.Proposal, error) {
	p := t.s.proposals[id]
	if p == nil {
		return nil, concierge.ErrNotFound
	}
	cp := *p
	return &cp, nil
}

func (t *fakeTx) RefundFailed(ctx context.Context, id int64, why string) error {
	t.s.proposals[id].RefundError = why
	return nil
}

var (
	ann  = &concierge.Person{ID: 1, Name: "ann", Role: concierge.RoleAgent, Bots: []concierge.BotID{concierge.AllBots}, Capacity: 1}
	bob  = &concierge.Person{ID: 2, Name: "bob", Role: concierge.RoleAgent, Bots: []concierge.BotID{"shop"}}
	sue  = &concierge.Person{ID: 3, Name: "sue", Role: concierge.RoleSupervisor, Bots: []concierge.BotID{concierge.AllBots}}
	carl = &concierge.Person{ID: 4, Name: "carl", Role: concierge.RoleAgent, Bots: []concierge.BotID{"other"}}
)

// TestClaim: the state machine's first move, from waiting to a person.
// One person claims; a double click changes nothing; a second person gets
// a conflict that names the owner; a conversation not waiting cannot be
// claimed; a person at capacity cannot claim more; another bot's
// conversation does not exist for a person restricted to theirs.
func TestClaim(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore(ann, bob, sue, carl)
	s.convs[1] = &concierge.Conversation{ID: 1, Bot: "shop", State: concierge.StateWaiting}
	s.convs[2] = &concierge.Conversation{ID: 2, Bot: "shop", State: concierge.StateWaiting}
	s.convs[3] = &concierge.Conversation{ID: 3, Bot: "shop", State: concierge.StateBot}
	svc := NewService(s, nil)
	for _, tt := range []struct {
		name string
		who  *concierge.Person
		conv concierge.ConversationID
		code concierge.Code // "" for success
		msg  string
	}{
		{"first claim", ann, 1, "", ""},
		{"double click", ann, 1, "", ""},
		{"second person", bob, 1, concierge.CodeConflict, "ann has already claimed"},
		{"not waiting", bob, 3, concierge.CodeConflict, "no longer waiting"},
		{"at capacity", ann, 2, concierge.CodeConflict, "your limit"},
		{"another bot's", carl, 2, concierge.CodeNotFound, "no such conversation"},
		{"unknown", bob, 99, concierge.CodeNotFound, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := svc.Claim(ctx, tt.who, tt.conv)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("claim: %v", err)
				}
				return
			}
			if concierge.ErrorCode(err) != tt.code || !strings.Contains(concierge.ErrorMessage(err), tt.msg) {
				t.Fatalf("claim: %v, want %s error saying %q", err, tt.code, tt.msg)
			}
		})
	}
	if c := s.convs[1]; c.State != concierge.StateHuman || s.owners[1] != ann {
		t.Errorf("conversation 1 is %s owned by %v, want human owned by ann", c.State, s.owners[1])
	}
	if len(s.handoffs) != 1 || s.handoffs[0].From != concierge.StateWaiting || s.handoffs[0].To != concierge.StateHuman || s.handoffs[0].By != "agent:ann" {
		t.Errorf("hand-offs recorded %+v, want one waiting → human by agent:ann", s.handoffs)
	}
	if s.convs[2].State != concierge.StateWaiting || s.convs[3].State != concierge.StateBot {
		t.Errorf("refused claims changed state: %s, %s", s.convs[2].State, s.convs[3].State)
	}
}

// TestRefundsAreSupervisors: only a supervisor decides or executes a
// refund; an agent is refused before anything is read.
func TestRefundsAreSupervisors(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore(ann, sue)
	svc := NewService(s, nil)
	var fb *forbidden
	if _, err := svc.Decide(ctx, ann, 1, Decision{Approve: true}); !errors.As(err, &fb) {
		t.Errorf("an agent's decision: %v, want forbidden", err)
	}
	if _, err := svc.RetryRefund(ctx, ann, 1); !errors.As(err, &fb) {
		t.Errorf("an agent's refund: %v, want forbidden", err)
	}
	if s.txs != 0 {
		t.Errorf("%d transactions for refused requests, want none", s.txs)
	}
}

type fakeRefunder struct{ calls int }

func (f *fakeRefunder) Refund(ctx context.Context, pr *concierge.Proposal, key string) (concierge.Refund, error) {
	f.calls++
	return concierge.Refund{Order: pr.Order, Provider: "sandbox", ProviderRef: "re_42", Amount: pr.Amount, Status: "succeeded"}, nil
}

type counter struct{ n int }

func (c *counter) Inc() { c.n++ }

// TestUnrecordedRefund: when the provider refunded but the refund cannot
// be recorded, the error is logged at error level with the provider's
// reference, counted, and shown to the supervisor: on the proposal when
// that can be stored, as the answer to their request when not even that.
func TestUnrecordedRefund(t *testing.T) {
	for _, tt := range []struct {
		name      string
		failFrom  int // transactions from this one on fail
		wantCode  concierge.Code
		wantOnRow bool
	}{
		{"reason stored", 2, "", true},                          // 1: read the proposal, 2: record (fails), 3: store the reason
		{"nothing stored", 2, concierge.CodeUnavailable, false}, // 3 fails too
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newFakeStore(sue)
			s.proposals[7] = &concierge.Proposal{ID: 7, Conversation: 1, Bot: "shop", Kind: concierge.ProposalRefund,
				Order: "S-ABCDEF", Amount: concierge.Money{Minor: 1500, Currency: "EUR"}, Status: concierge.ProposalApproved}
			s.failTx = func(n int) error {
				if n == tt.failFrom || (n > tt.failFrom && !tt.wantOnRow) {
					return errors.New("database is locked")
				}
				return nil
			}
			var logs strings.Builder
			var mu sync.Mutex
			svc := NewService(s, nil)
			svc.log = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
			refunds, unrecorded := &fakeRefunder{}, &counter{}
			svc.UseRefunds(refunds, nil)
			svc.CountUnrecordedRefunds(unrecorded)

			pr, err := svc.RetryRefund(context.Background(), sue, 7)
			if refunds.calls != 1 {
				t.Fatalf("%d refunds asked of the provider, want 1", refunds.calls)
			}
			if unrecorded.n != 1 {
				t.Errorf("counted %d unrecorded refunds, want 1", unrecorded.n)
			}
			mu.Lock()
			log := logs.String()
			mu.Unlock()
			if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "NOT RECORDED") || !strings.Contains(log, "re_42") || !strings.Contains(log, "database is locked") {
				t.Errorf("log does not say loudly what happened:\n%s", log)
			}
			if tt.wantCode == "" {
				if err != nil || !strings.Contains(pr.RefundError, "re_42") || !strings.Contains(s.proposals[7].RefundError, "re_42") {
					t.Fatalf("err %v, proposal %q, stored %q: want the reason, with re_42, on both", err, pr.RefundError, s.proposals[7].RefundError)
				}
				return
			}
			if concierge.ErrorCode(err) != tt.wantCode || !strings.Contains(concierge.ErrorMessage(err), "re_42") {
				t.Fatalf("err %v, want %s saying re_42", err, tt.wantCode)
			}
			// The supervisor sees it: the inbox answers with the message.
			in := newInbox(t, s)
			rec := httptest.NewRecorder()
			in.fail(rec, httptest.NewRequest(http.MethodPost, "/inbox/p/7/refund", nil), err)
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "re_42") {
				t.Errorf("the supervisor got %d without the reference:\n%s", rec.Code, rec.Body.String())
			}
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func newInbox(t *testing.T, s *fakeStore) *Inbox {
	t.Helper()
	in, err := New(Config{Store: s, Bots: []*concierge.Bot{{ID: "shop", Name: "Shop"}}, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// signedIn returns the session cookie of p, who is then signed in.
func signedIn(s *fakeStore, in *Inbox, p *concierge.Person) *http.Cookie {
	s.mu.Lock()
	defer s.mu.Unlock()
	token := "token-" + p.Name
	s.sessions[hashToken(token)] = p
	return &http.Cookie{Name: in.cookieName(), Value: token}
}

// TestCSRFAndSessions: a POST needs a session and its form token, and
// comes from the inbox's own origin; a page without a session goes to
// sign-in; a stream without one is 401.
func TestCSRFAndSessions(t *testing.T) {
	s := newFakeStore(ann)
	s.convs[1] = &concierge.Conversation{ID: 1, Bot: "shop", State: concierge.StateWaiting}
	in := newInbox(t, s)
	cookie := signedIn(s, in, ann)
	for _, tt := range []struct {
		name   string
		method string
		path   string
		cookie bool
		form   url.Values
		header map[string]string
		status int
	}{
		{"page without a session", http.MethodGet, "/inbox", false, nil, nil, http.StatusSeeOther},
		{"stream without a session", http.MethodGet, "/inbox/events", false, nil, map[string]string{"Accept": "text/event-stream"}, http.StatusUnauthorized},
		{"post without a session", http.MethodPost, "/inbox/c/1/claim", false, url.Values{"csrf": {"csrf-ann"}}, nil, http.StatusUnauthorized},
		{"post without the token", http.MethodPost, "/inbox/c/1/claim", true, url.Values{}, nil, http.StatusForbidden},
		{"post with another token", http.MethodPost, "/inbox/c/1/claim", true, url.Values{"csrf": {"csrf-bob"}}, nil, http.StatusForbidden},
		{"post from another site", http.MethodPost, "/inbox/c/1/claim", true, url.Values{"csrf": {"csrf-ann"}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"post with the token", http.MethodPost, "/inbox/c/1/claim", true, url.Values{"csrf": {"csrf-ann"}}, map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body *strings.Reader
			if tt.form != nil {
				body = strings.NewReader(tt.form.Encode())
			} else {
				body = strings.NewReader("")
			}
			req := httptest.NewRequest(tt.method, tt.path, body)
			if tt.form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if tt.cookie {
				req.AddCookie(cookie)
			}
			rec := httptest.NewRecorder()
			in.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("%s %s: %d, want %d\n%.300s", tt.method, tt.path, rec.Code, tt.status, rec.Body.String())
			}
		})
	}
	if s.owners[1] != ann {
		t.Errorf("the claim with the token did not happen; or another did")
	}
}

// TestFailMapsErrors: errors map to statuses in one place; a domain
// error's message is shown, anything else is a 500 that only says it was
// logged.
func TestFailMapsErrors(t *testing.T) {
	in := newInbox(t, newFakeStore())
	for _, tt := range []struct {
		err    error
		status int
		shown  string
	}{
		{concierge.Errorf(concierge.CodeInvalid, "x", "enter an amount"), http.StatusBadRequest, "enter an amount"},
		{concierge.Errorf(concierge.CodeNotFound, "x", "no such conversation"), http.StatusNotFound, "no such conversation"},
		{concierge.Errorf(concierge.CodeConflict, "x", "ann owns this"), http.StatusConflict, "ann owns this"},
		{concierge.Errorf(concierge.CodeUnauthorized, "x", "sign in first"), http.StatusUnauthorized, "sign in first"},
		{concierge.Errorf(concierge.CodeUnavailable, "x", "try again"), http.StatusServiceUnavailable, "try again"},
		{errForbidden("only a supervisor"), http.StatusForbidden, "only a supervisor"},
		{errors.New("pq: secret detail"), http.StatusInternalServerError, "it was logged"},
	} {
		rec := httptest.NewRecorder()
		in.fail(rec, httptest.NewRequest(http.MethodGet, "/inbox/x", nil), tt.err)
		body := rec.Body.String()
		if rec.Code != tt.status || !strings.Contains(body, tt.shown) || strings.Contains(body, "secret detail") {
			t.Errorf("%v: %d, want %d showing %q:\n%.300s", tt.err, rec.Code, tt.status, tt.shown, body)
		}
	}
}

// TestEndStreams: EndStreams ends an open live stream at once, and a
// stream opened after it ends as soon as it starts.
func TestEndStreams(t *testing.T) {
	s := newFakeStore(ann)
	in := newInbox(t, s)
	cookie := signedIn(s, in, ann)
	srv := httptest.NewServer(in)
	defer func() {
		// Close waits for handlers: a stream left open would hang it.
		srv.CloseClientConnections()
		srv.Close()
	}()
	open := func() <-chan struct{} {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/inbox/events", nil)
		req.Header.Set("Accept", "text/event-stream")
		req.AddCookie(cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %d", resp.StatusCode)
		}
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
			}
		}()
		return ended
	}
	waitEnded := func(ended <-chan struct{}, what string) {
		t.Helper()
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still open", what)
		}
	}
	first := open()
	select {
	case <-first:
		t.Fatal("the stream ended by itself")
	default:
	}
	in.EndStreams()
	waitEnded(first, "the stream open at EndStreams")
	in.EndStreams() // a second call is harmless
	waitEnded(open(), "a stream opened after EndStreams")
}
