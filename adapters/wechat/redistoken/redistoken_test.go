package redistoken_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat"
	"github.com/conciergehq/concierge/adapters/wechat/redistoken"
	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
	"github.com/conciergehq/concierge/internal/testenv"
)

// replicas opens n Tokens on the test server under one prefix, as n
// server processes sharing one Redis would.
func replicas(t *testing.T, n int) []*redistoken.Tokens {
	t.Helper()
	u, prefix := testenv.RedisURL(t)
	var out []*redistoken.Tokens
	for range n {
		tk, err := redistoken.Open(context.Background(), u, prefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tk.Close() })
		out = append(out, tk)
	}
	return out
}

// TestTokens is the store's TestWeChatTokens against Redis: one replica
// at a time holds the refresh lease; the token it saves is what the
// others load; a token WeChat refused is dropped only if it is still the
// cached one.
func TestTokens(t *testing.T) {
	r := replicas(t, 2)
	a, b := r[0], r[1]
	ctx := context.Background()
	now := time.UnixMilli(1_700_000_000_000).UTC()
	if tok, _, err := a.LoadAccessToken(ctx, "wx1"); err != nil || tok != "" {
		t.Fatalf("empty: %q %v", tok, err)
	}
	if ok, err := a.LeaseAccessToken(ctx, "wx1", now, now.Add(30*time.Second)); err != nil || !ok {
		t.Fatalf("first lease: %v %v", ok, err)
	}
	for _, other := range []*redistoken.Tokens{a, b} {
		if ok, err := other.LeaseAccessToken(ctx, "wx1", now.Add(time.Second), now.Add(31*time.Second)); err != nil || ok {
			t.Fatalf("a second lease was granted: %v %v", ok, err)
		}
	}
	if err := a.SaveAccessToken(ctx, "wx1", "T1", now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if tok, exp, err := b.LoadAccessToken(ctx, "wx1"); err != nil || tok != "T1" || !exp.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("the other replica loads %q %v %v", tok, exp, err)
	}
	if ok, err := b.LeaseAccessToken(ctx, "wx1", now.Add(time.Second), now.Add(31*time.Second)); err != nil || !ok {
		t.Fatalf("the lease was not released by the save: %v %v", ok, err)
	}
	if err := b.DropAccessToken(ctx, "wx1", "OLD"); err != nil {
		t.Fatal(err)
	}
	if tok, _, _ := a.LoadAccessToken(ctx, "wx1"); tok != "T1" {
		t.Fatalf("dropping another token dropped the cached one: %q", tok)
	}
	if err := b.DropAccessToken(ctx, "wx1", "T1"); err != nil {
		t.Fatal(err)
	}
	if tok, _, _ := a.LoadAccessToken(ctx, "wx1"); tok != "" {
		t.Fatalf("not dropped: %q", tok)
	}
}

// TestLeaseRunsOut: a lease ends by itself after its time (a replica that
// died while fetching does not block the others for ever), and the late
// holder's save stores its token but does not release the lease that
// another replica took since.
func TestLeaseRunsOut(t *testing.T) {
	r := replicas(t, 3)
	ctx := context.Background()
	now := time.Now()
	if ok, err := r[0].LeaseAccessToken(ctx, "wx1", now, now.Add(100*time.Millisecond)); err != nil || !ok {
		t.Fatalf("first lease: %v %v", ok, err)
	}
	// Redis's clock runs the lease out: ask until it is granted, without
	// guessing how long the expiry takes to be seen.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := r[1].LeaseAccessToken(ctx, "wx1", now, now.Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease did not run out within 5 s of its 100 ms")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r[0].SaveAccessToken(ctx, "wx1", "LATE", now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if tok, _, _ := r[2].LoadAccessToken(ctx, "wx1"); tok != "LATE" {
		t.Fatalf("the late token was not saved: %q", tok)
	}
	if ok, _ := r[2].LeaseAccessToken(ctx, "wx1", now, now.Add(30*time.Second)); ok {
		t.Fatal("the late holder released the lease another replica holds")
	}
	if err := r[1].SaveAccessToken(ctx, "wx1", "T2", now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := r[2].LeaseAccessToken(ctx, "wx1", now, now.Add(30*time.Second)); !ok {
		t.Fatal("the holder's save did not release its lease")
	}
}

// TestKeysByApp: each app id, and each prefix, has its own token and
// lease.
func TestKeysByApp(t *testing.T) {
	u, prefix := testenv.RedisURL(t)
	ctx := context.Background()
	now := time.Now()
	open := func(p string) *redistoken.Tokens {
		tk, err := redistoken.Open(ctx, u, p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tk.Close() })
		return tk
	}
	one, other := open(prefix+"a:"), open(prefix+"b:")
	tests := []struct {
		name string
		tk   *redistoken.Tokens
		app  string
	}{
		{"same prefix, another app", one, "wx2"},
		{"another prefix, same app", other, "wx1"},
	}
	if ok, _ := one.LeaseAccessToken(ctx, "wx1", now, now.Add(30*time.Second)); !ok {
		t.Fatal("no lease")
	}
	if err := one.SaveAccessToken(ctx, "wx1", "T1", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := one.LeaseAccessToken(ctx, "wx1", now, now.Add(30*time.Second)); !ok {
		t.Fatal("no second lease")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tok, _, err := tt.tk.LoadAccessToken(ctx, tt.app); err != nil || tok != "" {
				t.Fatalf("sees %q %v", tok, err)
			}
			if ok, err := tt.tk.LeaseAccessToken(ctx, tt.app, now, now.Add(30*time.Second)); err != nil || !ok {
				t.Fatalf("blocked by wx1's lease: %v %v", ok, err)
			}
			if err := tt.tk.DropAccessToken(ctx, tt.app, "T1"); err != nil {
				t.Fatal(err)
			}
		})
	}
	if tok, _, _ := one.LoadAccessToken(ctx, "wx1"); tok != "T1" {
		t.Fatalf("wx1's token was touched: %q", tok)
	}
}

// TestOpenRefuses: a URL go-redis cannot read, or a server that does not
// answer, is an error at Open rather than at the first send.
func TestOpenRefuses(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://127.0.0.1:6379/0", "invalid URL scheme"},
		{"redis://127.0.0.1:6379/zero", "invalid database number"},
		{"redis://127.0.0.1:1/0", "does not answer"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			tk, err := redistoken.Open(ctx, tt.url, "")
			if err == nil {
				tk.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// adapters builds one adapter per replica, for the same account at the
// fake.
func adapters(t *testing.T, fake *wechattest.Server, tokens []*redistoken.Tokens) []*wechat.Adapter {
	t.Helper()
	var out []*wechat.Adapter
	for _, tk := range tokens {
		a, err := wechat.New(wechat.Config{Bot: "b", AppID: fake.AppID, AppSecret: fake.Secret, Token: "t", APIBase: fake.URL, AccessTokens: tk})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func text(chat, s string) *concierge.Outbound {
	return &concierge.Outbound{Bot: "b", Chat: concierge.ChatID(chat), Message: concierge.Message{Kind: concierge.MessageText, Text: s}}
}

// TestTwoReplicasFetchOnce: two servers sharing Redis send at the same
// moment with nothing cached; WeChat is asked for a token once, and both
// sends carry it.
func TestTwoReplicasFetchOnce(t *testing.T) {
	fake := wechattest.New("wx1", "secret")
	defer fake.Close()
	as := adapters(t, fake, replicas(t, 2))
	ctx := context.Background()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(as))
	for i, a := range as {
		wg.Go(func() {
			<-start
			errs[i] = a.Send(ctx, text("o1", "你好"))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if n := len(fake.SentTo("o1")); n != 2 || fake.TokenCalls != 1 {
		t.Fatalf("%d sent, %d token calls (want 2 and 1); refused: %v", n, fake.TokenCalls, fake.Errors())
	}
}

// TestStaleReplicaKeepsFreshToken: after WeChat invalidated the shared
// token, the first replica to be refused fetches a new one; the second,
// still holding the old one in memory, is refused too, but its drop
// leaves the new token cached and it uses that one, so WeChat is asked
// once more, not twice (a second fetch would invalidate the first
// replica's token again).
func TestStaleReplicaKeepsFreshToken(t *testing.T) {
	fake := wechattest.New("wx1", "secret")
	defer fake.Close()
	tokens := replicas(t, 2)
	as := adapters(t, fake, tokens)
	ctx := context.Background()
	for i, a := range as {
		if err := a.Send(ctx, text("o1", "first")); err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	first, _, _ := tokens[0].LoadAccessToken(ctx, "wx1")
	if fake.TokenCalls != 1 || first == "" {
		t.Fatalf("%d token calls, cached %q", fake.TokenCalls, first)
	}
	fake.InvalidateTokens()
	for i, a := range as {
		if err := a.Send(ctx, text("o1", "second")); err != nil {
			t.Fatalf("replica %d after the token was invalidated: %v", i, err)
		}
	}
	fresh, _, _ := tokens[1].LoadAccessToken(ctx, "wx1")
	if fake.TokenCalls != 2 || fresh == "" || fresh == first {
		t.Fatalf("%d token calls (want 2), cached %q after %q; refused: %v", fake.TokenCalls, fresh, first, fake.Errors())
	}
	if n := len(fake.SentTo("o1")); n != 4 {
		t.Fatalf("%d sent, want 4", n)
	}
	// Both replicas now send with the fresh token without asking again.
	for i, a := range as {
		if err := a.Send(ctx, text("o1", "third")); err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if fake.TokenCalls != 2 {
		t.Fatalf("%d token calls, want 2", fake.TokenCalls)
	}
}
