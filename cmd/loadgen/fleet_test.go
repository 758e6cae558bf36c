package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSumCountersAddsOwnWorkAndKeepsOneQueue(t *testing.T) {
	a := counters{Sent: 10, SendFailures: 1, TurnsDone: 12, TurnsFailed: 2, CPUSeconds: 1.5, InboxPending: 3, OutboxPending: 7}
	b := counters{Sent: 5, SendFailures: 0, TurnsDone: 4, TurnsFailed: 1, CPUSeconds: 0.5, InboxPending: 4, OutboxPending: 6}
	got := sumCounters([]counters{a, b})
	want := counters{Sent: 15, SendFailures: 1, TurnsDone: 16, TurnsFailed: 3, CPUSeconds: 2, InboxPending: 4, OutboxPending: 7}
	if got != want {
		t.Errorf("sumCounters = %+v, want %+v", got, want)
	}
	if one := sumCounters([]counters{a}); one != a {
		t.Errorf("sumCounters of one = %+v, want it unchanged %+v", one, a)
	}
	b.OutboxPending = -1
	if got := sumCounters([]counters{a, b}); got.OutboxPending != -1 || got.InboxPending != 4 {
		t.Errorf("an unknown gauge: got inbox %v outbox %v, want 4 and -1", got.InboxPending, got.OutboxPending)
	}
}

func TestPosterRoundRobin(t *testing.T) {
	var hits [3]atomic.Int64
	var bases []string
	for i := range hits {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/chat/shop/api/messages" {
				t.Errorf("path %q", r.URL.Path)
			}
			hits[i].Add(1)
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"accepted":true}`))
		}))
		defer srv.Close()
		bases = append(bases, srv.URL)
	}
	p := newPoster(newClient(2), bases, "shop")
	for i := range 9 {
		if out := p.post(context.Background(), sessionID("rr", i), "m", i, 0); out.Err != nil || out.Status != http.StatusAccepted {
			t.Fatalf("post %d: %+v", i, out)
		}
	}
	for i := range hits {
		if n := hits[i].Load(); n != 3 {
			t.Errorf("server %d got %d posts, want 3", i, n)
		}
	}
}

func TestReplicasFlags(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "concierge")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-bin", bin}, ""},
		{[]string{"-bin", bin, "-replicas", "3", "-db", "postgres://127.0.0.1:5432/x"}, ""},
		{[]string{"-bin", bin, "-replicas", "2"}, "give -db postgres://"},
		{[]string{"-bin", bin, "-replicas", "2", "-db", "sqlite:x.db"}, "give -db postgres://"},
		{[]string{"-bin", bin, "-replicas", "0"}, "want 1 to 16"},
		{[]string{"-bin", bin, "-replicas", "2", "-db", "postgres://h/x", "-channel", "telegram"}, "only the web runs"},
	} {
		_, err := parseFlags(c.args, &strings.Builder{})
		if c.wantErr == "" {
			if err != nil {
				t.Errorf("%q: %v", c.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%q: err %v, want one containing %q", c.args, err, c.wantErr)
		}
	}
	o, _ := parseFlags([]string{"-bin", bin}, &strings.Builder{})
	if o.Replicas != 1 || o.DB != "" {
		t.Errorf("defaults: -replicas %d -db %q, want 1 and a temporary SQLite file", o.Replicas, o.DB)
	}
}

func TestCommandLineHidesDatabasePassword(t *testing.T) {
	got := commandLine([]string{"loadgen", "-db", "postgres://u:s3cret@127.0.0.1/db"})
	if strings.Contains(got, "s3cret") {
		t.Errorf("commandLine = %q shows the password", got)
	}
	if !strings.Contains(got, "127.0.0.1/db") {
		t.Errorf("commandLine = %q lost the rest of the URL", got)
	}
}
