package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
)

// handedOff starts a customer who asks for a person and returns the id of
// their conversation, now waiting.
func (s *shop) handedOff() (*customer, concierge.ConversationID) {
	s.t.Helper()
	c := s.customer("en")
	find(s.t, c.say("can I speak to a person please"), concierge.MessageHandoff)
	return c, c.conversation()
}

func noRedirects(p *person) *person {
	p.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return p
}

// TestInboxRequiresSession: every route but sign-in and the static files
// needs a session; a cookie this deployment did not issue is no session.
func TestInboxRequiresSession(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	_, id := s.handedOff()
	anon := noRedirects(s.person("nobody"))
	for _, path := range []string{"/inbox", "/inbox/", fmt.Sprintf("/inbox/c/%d", id), "/inbox/audit"} {
		if code, _ := anon.get(path); code != http.StatusSeeOther {
			t.Errorf("GET %s without a session: %d, want 303 to sign-in", path, code)
		}
	}
	for _, path := range []string{fmt.Sprintf("/inbox/c/%d/claim", id), fmt.Sprintf("/inbox/c/%d/reply", id), "/inbox/p/1/decide", "/inbox/signout"} {
		if code, _ := anon.post(path, url.Values{"text": {"x"}}); code != http.StatusUnauthorized {
			t.Errorf("POST %s without a session: %d, want 401", path, code)
		}
	}
	req, _ := http.NewRequest("GET", s.base+"/inbox/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the live stream without a session: %v %v, want 401", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	// A session cookie of another deployment (or a forged one).
	u, _ := url.Parse(s.base)
	anon.client.Jar.SetCookies(u, []*http.Cookie{{Name: "concierge_inbox", Value: "c2Vzc2lvbi1vZi1hbm90aGVyLWRlcGxveW1lbnQ", Path: "/"}})
	if code, _ := anon.get("/inbox"); code != http.StatusSeeOther {
		t.Errorf("a foreign session cookie: %d, want 303 to sign-in", code)
	}
	if code, body := anon.get("/inbox/signin"); code != http.StatusOK || !strings.Contains(body, `id="password"`) {
		t.Errorf("the sign-in page: %d", code)
	}
	// Signing out ends the session on the server, not only in the browser.
	alice := noRedirects(s.person("alice"))
	alice.post("/inbox/signin", url.Values{"name": {"alice"}, "password": {testPassword}})
	if code, _ := alice.get("/inbox"); code != http.StatusOK {
		t.Fatalf("signed in: %d", code)
	}
	cookies := alice.client.Jar.Cookies(u)
	alice.post("/inbox/signout", nil)
	replay := noRedirects(s.person("replay"))
	replay.client.Jar.SetCookies(u, cookies)
	if code, _ := replay.get("/inbox"); code != http.StatusSeeOther {
		t.Errorf("a signed-out session replayed: %d, want 303 to sign-in", code)
	}
}

// TestInboxRefusesForgedForms: a POST without the session's form token, with
// another one, or from another site is refused and changes nothing.
func TestInboxRefusesForgedForms(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	_, id := s.handedOff()
	alice := s.person("alice")
	alice.signIn()
	claim := fmt.Sprintf("/inbox/c/%d/claim", id)
	for name, form := range map[string]url.Values{"no token": {"csrf": {""}}, "wrong token": {"csrf": {"AAAA" + alice.csrf[4:]}}} {
		if code, _ := alice.post(claim, form); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	req, _ := http.NewRequest("POST", s.base+claim, strings.NewReader(url.Values{"csrf": {alice.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := alice.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site POST: %d, want 403", resp.StatusCode)
	}
	cs, _ := s.m.DB.Cases(t.Context(), id)
	if cs[0].Conversation.State != concierge.StateWaiting || cs[0].Assignee != "" {
		t.Errorf("after forged claims: %s, owner %q; want still waiting", cs[0].Conversation.State, cs[0].Assignee)
	}
}

// TestInboxHidesOtherBots: a person granted another bot does not see this
// bot's conversations at all: not in the queue, not by id, not to claim.
func TestInboxHidesOtherBots(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("olga", concierge.RoleSupervisor, 3, "another-shop")
	_, id := s.handedOff()
	olga := s.person("olga")
	olga.signIn()
	if _, q := olga.get("/inbox"); strings.Contains(q, fmt.Sprintf(`data-conversation="%d"`, id)) || !strings.Contains(q, "0 waiting") {
		t.Errorf("another bot's conversation is in the queue")
	}
	if code, _ := olga.get(fmt.Sprintf("/inbox/c/%d", id)); code != http.StatusNotFound {
		t.Errorf("another bot's conversation by id: %d, want 404", code)
	}
	if code, _ := olga.post(fmt.Sprintf("/inbox/c/%d/claim", id), nil); code != http.StatusNotFound {
		t.Errorf("claiming another bot's conversation: %d, want 404", code)
	}
	if code, _ := olga.post(fmt.Sprintf("/inbox/c/%d/note", id), url.Values{"text": {"peek"}}); code != http.StatusNotFound {
		t.Errorf("a note on another bot's conversation: %d, want 404", code)
	}
}

// TestInboxCapacity: a person with capacity 1 cannot claim a second
// conversation until they hand the first back.
func TestInboxCapacity(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 1)
	_, first := s.handedOff()
	_, second := s.handedOff()
	alice := s.person("alice")
	alice.signIn()
	alice.mustPost(fmt.Sprintf("/inbox/c/%d/claim", first), nil)
	if code, body := alice.post(fmt.Sprintf("/inbox/c/%d/claim", second), nil); code != http.StatusConflict || !strings.Contains(body, "your limit") {
		t.Fatalf("a second claim over capacity: %d; want 409 naming the limit", code)
	}
	alice.mustPost(fmt.Sprintf("/inbox/c/%d/handback", first), nil)
	alice.mustPost(fmt.Sprintf("/inbox/c/%d/claim", second), nil)
}

// TestInboxClaimRace: two people claim the same conversation at once; one
// wins, the other is told who did, on SQLite and on PostgreSQL.
func TestInboxClaimRace(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			s := startShop(t, url)
			s.addPerson("alice", concierge.RoleAgent, 10)
			s.addPerson("bob", concierge.RoleAgent, 10)
			for round := 0; round < 5; round++ {
				_, id := s.handedOff()
				people := []*person{s.person("alice"), s.person("bob")}
				for _, p := range people {
					p.signIn()
				}
				codes := make([]int, 2)
				bodies := make([]string, 2)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i, p := range people {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						codes[i], bodies[i] = p.post(fmt.Sprintf("/inbox/c/%d/claim", id), nil)
					}()
				}
				close(start)
				wg.Wait()
				won, lost := 0, 1
				if codes[0] != http.StatusOK {
					won, lost = 1, 0
				}
				if codes[won] != http.StatusOK || codes[lost] != http.StatusConflict || !strings.Contains(bodies[lost], people[won].name+" has already claimed") {
					t.Fatalf("round %d: codes %v; want one 200 and one 409 naming the winner; loser saw:\n%s", round, codes, bodies[lost])
				}
				cs, _ := s.m.DB.Cases(t.Context(), id)
				if cs[0].Assignee != people[won].name {
					t.Fatalf("round %d: owner %q, want %s", round, cs[0].Assignee, people[won].name)
				}
			}
		})
	}
}

// TestInboxSignInRateLimit: after five wrong passwords the sixth attempt
// is refused even with the right one.
func TestInboxSignInRateLimit(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("alice", concierge.RoleAgent, 3)
	p := s.person("alice")
	for i := 0; i < 5; i++ {
		if code, _ := p.post("/inbox/signin", url.Values{"name": {"alice"}, "password": {"wrong password " + fmt.Sprint(i)}}); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i, code)
		}
	}
	if code, _ := p.post("/inbox/signin", url.Values{"name": {"alice"}, "password": {testPassword}}); code != http.StatusTooManyRequests {
		t.Fatalf("after five failures: %d, want 429", code)
	}
}
