package httpclient

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReusesConnections is the reason the package exists. Two bursts of
// concurrent calls to one host: the second must reuse the connections the
// first opened, where http.DefaultTransport keeps two of them and dials
// again for the rest. The server holds each burst's calls until all have
// arrived, so every burst really needs workers connections at once.
func TestReusesConnections(t *testing.T) {
	const workers = 32
	var dials atomic.Int64
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		arrived.Wait()
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := New(5 * time.Second)
	burst := func() {
		arrived.Add(workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
	}
	burst()
	first := dials.Load()
	burst()
	// A connection handed back a moment after the next call asked for one
	// is dialled afresh; a few of those are not the bug this guards.
	if again := dials.Load() - first; again > workers/8 {
		t.Fatalf("the second burst of %d calls opened %d new connections (the first opened %d); want them reused", workers, again, first)
	}
	if c.Timeout != 5*time.Second {
		t.Fatalf("timeout %v, want 5s", c.Timeout)
	}
}
