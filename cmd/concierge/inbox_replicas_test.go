package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// inboxReplica starts a second server on s's database and bot file, as another
// replica behind the same load balancer would be.
func (s *shop) inboxReplica(t *testing.T, poll time.Duration) *shop {
	t.Helper()
	return runMain(t, &Main{ConfigPath: s.m.ConfigPath, DBURL: s.m.DBURL, InboxPoll: poll})
}

// fromAddr makes p's requests come from the local address ip (any of
// 127.0.0.0/8 reaches the test server), so tests can be several clients.
func (p *person) fromAddr(ip string) *person {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	p.client.Transport = &http.Transport{DialContext: d.DialContext}
	return p
}

// TestInboxSignInLimitAcrossReplicas: with two replicas on one
// PostgreSQL database, failures on either count on both, by name and by
// address, and the sixth attempt gets 429 on either; a successful sign-in
// on one clears the name's failures for both.
func TestInboxSignInLimitAcrossReplicas(t *testing.T) {
	a := startShop(t, testenv.PostgresURL(t))
	b := a.inboxReplica(t, 0)
	for _, n := range []string{"alice", "bob", "carol"} {
		a.addPerson(n, concierge.RoleAgent, 3)
	}
	replicas := []*shop{a, b}
	try := func(s *shop, ip, name, pw string) int {
		t.Helper()
		code, _ := s.person(name).fromAddr(ip).post("/inbox/signin", url.Values{"name": {name}, "password": {pw}})
		return code
	}

	t.Run("by name", func(t *testing.T) {
		// Five wrong passwords for alice, from five addresses, on
		// alternate replicas: no address reaches the limit, the name does.
		for i := range 5 {
			if code := try(replicas[i%2], fmt.Sprintf("127.0.1.%d", i+1), "alice", "wrong password"); code != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d, want 401", i+1, code)
			}
		}
		for i, s := range replicas {
			if code := try(s, "127.0.1.9", "alice", testPassword); code != http.StatusTooManyRequests {
				t.Errorf("replica %d, right password after five failures: %d, want 429", i, code)
			}
		}
		// The limit is alice's: bob signs in from the same addresses.
		if code := try(b, "127.0.1.1", "bob", testPassword); code != http.StatusOK {
			t.Errorf("bob: %d, want 200", code)
		}
	})

	t.Run("by address", func(t *testing.T) {
		// Five names, some unknown, from one address: the address is
		// refused on both replicas, even for a right password.
		for i, name := range []string{"nobody", "carol", "root", "admin", "carol"} {
			if code := try(replicas[i%2], "127.0.2.1", name, "wrong password"); code != http.StatusUnauthorized {
				t.Fatalf("failure %d (%s): %d, want 401", i+1, name, code)
			}
		}
		for i, s := range replicas {
			if code := try(s, "127.0.2.1", "bob", testPassword); code != http.StatusTooManyRequests {
				t.Errorf("replica %d, bob from the blocked address: %d, want 429", i, code)
			}
		}
	})

	t.Run("success clears the name", func(t *testing.T) {
		// carol has two failures from "by address"; two more here make
		// four, then she signs in on the other replica.
		for i := range 2 {
			if code := try(replicas[i%2], fmt.Sprintf("127.0.3.%d", i+1), "carol", "wrong password"); code != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d, want 401", i+1, code)
			}
		}
		if code := try(b, "127.0.3.9", "carol", testPassword); code != http.StatusOK {
			t.Fatalf("carol's sign-in: %d, want 200", code)
		}
		// Her failures are forgotten: five more are each a plain 401.
		for i := range 5 {
			if code := try(replicas[i%2], fmt.Sprintf("127.0.4.%d", i+1), "carol", "wrong password"); code != http.StatusUnauthorized {
				t.Fatalf("failure %d after signing in: %d, want 401", i+1, code)
			}
		}
		if code := try(a, "127.0.4.9", "carol", testPassword); code != http.StatusTooManyRequests {
			t.Errorf("after five new failures: %d, want 429", code)
		}
	})
}

// liveStream opens p's live stream and returns its "change" events' data.
func (p *person) liveStream(t *testing.T) <-chan string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, p.s.base+"/inbox/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("live stream: %d", resp.StatusCode)
	}
	out := make(chan string, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				out <- v
			}
		}
	}()
	return out
}

// nextLiveChange waits up to within for the stream's next version.
func nextLiveChange(t *testing.T, events <-chan string, within time.Duration, what string) string {
	t.Helper()
	select {
	case v := <-events:
		return v
	case <-time.After(within):
		t.Fatalf("%s: no change on the live stream within %s", what, within)
		return ""
	}
}

// inboxListeners returns the backend pids of the inbox listeners of the
// database's schema (one per replica), once there are n of them
// listening, none in not.
func inboxListeners(t *testing.T, dbURL string, n int, not []int) []int {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := db.Query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 || ' (' || current_schema() || ')' AND query = 'LISTEN inbox'`, store.InboxListenerName)
		if err != nil {
			t.Fatal(err)
		}
		var pids []int
		for rows.Next() {
			var pid int
			rows.Scan(&pid)
			if !slices.Contains(not, pid) {
				pids = append(pids, pid)
			}
		}
		rows.Close()
		if len(pids) == n {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d inbox listeners after 10 s, want %d", len(pids), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settleLive reads the stream until it has been quiet for a second (one
// change can move the version several times: the hand-off, the bot's
// notice, its delivery) and returns the last version, or last.
func settleLive(events <-chan string, last string) string {
	for {
		select {
		case v := <-events:
			last = v
		case <-time.After(time.Second):
			return last
		}
	}
}

// TestInboxLiveAcrossReplicas: on PostgreSQL, a change committed on one
// replica reaches a live stream open on the other through NOTIFY, with
// the streams' poll set to 30 s so that nothing else could explain it
// within 5 s; and it still does after the listeners' connections are
// killed.
func TestInboxLiveAcrossReplicas(t *testing.T) {
	dbURL := testenv.PostgresURL(t)
	const poll = 30 * time.Second
	a := runMain(t, &Main{ConfigPath: writeBot(t, sampleBot(t)), DBURL: dbURL, InboxPoll: poll})
	b := a.inboxReplica(t, poll)
	a.addPerson("alice", concierge.RoleAgent, 3)
	a.addPerson("bob", concierge.RoleAgent, 3)
	alice := a.person("alice")
	alice.signIn()
	pids := inboxListeners(t, dbURL, 2, nil)
	events := alice.liveStream(t)
	opened := time.Now()
	// next waits for a version other than last; the stream polls only
	// at opened+poll, so before that only a notification explains it.
	next := func(last, what string) string {
		t.Helper()
		for {
			v := nextLiveChange(t, events, 5*time.Second, what)
			if time.Since(opened) >= poll {
				t.Fatalf("%s: the change came after the stream's first poll; the test proves nothing", what)
			}
			if v != last {
				return v
			}
		}
	}
	v := settleLive(events, next("", "the stream's first version"))

	// A customer on replica b asks for a person.
	b.handedOff()
	v = settleLive(events, next(v, "a hand-off on the other replica"))

	// Kill both replicas' listeners; they reconnect with a backoff.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, pid := range pids {
		if _, err := db.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
	}
	inboxListeners(t, dbURL, 2, pids)
	v = settleLive(events, v)
	_, conv := b.handedOff()
	v = settleLive(events, next(v, "a hand-off after the listeners were killed"))

	// And a person's note on replica b, to the stream on a.
	bob := b.person("bob")
	bob.signIn()
	bob.get(fmt.Sprintf("/inbox/c/%d", conv))
	bob.mustPost(fmt.Sprintf("/inbox/c/%d/note", conv), url.Values{"text": {"called the courier"}})
	next(v, "a note on the other replica")
}
