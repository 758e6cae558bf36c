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

// TestReusesConnections is the reason the package exists: many concurrent
// calls to one host must reuse connections, where http.DefaultTransport
// keeps two idle ones and dials afresh for the rest.
func TestReusesConnections(t *testing.T) {
	var dials atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // hold the connection so calls overlap
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	const workers, calls = 32, 20
	c := New(5 * time.Second)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if n := dials.Load(); n > workers {
		t.Fatalf("%d calls from %d workers opened %d connections; want at most one per worker", workers*calls, workers, n)
	}
	if c.Timeout != 5*time.Second {
		t.Fatalf("timeout %v, want 5s", c.Timeout)
	}
}
