package wechat_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat"
	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
)

// memAccessTokens is the shared token store of replicas, in memory: what the
// database and Redis implementations promise, and nothing more.
type memAccessTokens struct {
	mu      sync.Mutex
	token   string
	expires time.Time
	leased  time.Time // the lease runs until then
	saved   chan struct{}
}

func (m *memAccessTokens) LoadAccessToken(context.Context, string) (string, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token, m.expires, nil
}

func (m *memAccessTokens) LeaseAccessToken(_ context.Context, _ string, now, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Before(m.leased) {
		return false, nil
	}
	m.leased = until
	return true, nil
}

func (m *memAccessTokens) SaveAccessToken(_ context.Context, _, token string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	first := m.token == ""
	m.token, m.expires, m.leased = token, expires, time.Time{}
	if first {
		close(m.saved)
	}
	return nil
}

func (m *memAccessTokens) DropAccessToken(_ context.Context, _, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.token == token {
		m.token = ""
	}
	return nil
}

// lateReader is a replica whose first look at the shared store finds
// nothing, and comes back only after another replica saved a token and
// released its lease: the moment where a replica that leases without
// looking again fetches a second token, invalidating the first.
type lateReader struct {
	*memAccessTokens
	once sync.Once
}

func (l *lateReader) LoadAccessToken(ctx context.Context, app string) (string, time.Time, error) {
	first := false
	l.once.Do(func() { first = true })
	if !first {
		return l.memAccessTokens.LoadAccessToken(ctx, app)
	}
	select {
	case <-l.saved:
	case <-time.After(5 * time.Second):
	}
	return "", time.Time{}, nil // what it read before the other replica saved
}

// TestLeaseThenLookAgain: a replica that read no token, then won the lease
// after another replica saved one, uses that token instead of fetching a
// second (WeChat would invalidate the first).
func TestLeaseThenLookAgain(t *testing.T) {
	fake := wechattest.New("wx1", "secret")
	defer fake.Close()
	shared := &memAccessTokens{saved: make(chan struct{})}
	stores := []wechat.AccessTokens{&lateReader{memAccessTokens: shared}, shared}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, st := range stores {
		a, err := wechat.New(wechat.Config{Bot: "b", AppID: fake.AppID, AppSecret: fake.Secret, Token: "t", APIBase: fake.URL, AccessTokens: st})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			errs[i] = a.Send(context.Background(), &concierge.Outbound{Bot: "b", Chat: "o1",
				Message: concierge.Message{Kind: concierge.MessageText, Text: "你好"}})
		})
	}
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
