package livecatalog_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/livecatalog"
	"github.com/conciergehq/concierge/store"
)

// TestLastGoodCopy: a feed read once is kept in the database, so that a
// server started (or another replica) while the feed is down serves its
// last good products, still reported as failing with the time of that
// read; a 304 at start serves the copy; a newer read replaces it.
func TestLastGoodCopy(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		v1 := acpFeed(map[string]string{"LAMP-01": "49.00", "LAMP-02": "75.00"})
		fs := newFeedServer(t, v1, `"v1"`)
		// Each server starts after the copy's interval (an hour), so that
		// it fetches the feed rather than serve a fresh copy.
		clk := newClock()
		a := remoteCatalogAt(fs.URL, newSink(), nil, 0, open(), clk)
		if err := a.Load(ctx); err != nil {
			t.Fatal(err)
		}
		fetchedAt := a.Status()[0].LastSuccess
		if fetchedAt.IsZero() || price(a.Products(), "LAMP-02") != 7500 {
			t.Fatalf("first server: %+v, %+v", a.Status(), a.Products())
		}

		// The feed goes down; a server starts.
		fs.set(v1, `"v1"`, "500")
		sink := newSink()
		clk.Advance(2 * time.Hour)
		b := remoteCatalogAt(fs.URL, sink, nil, 0, open(), clk)
		if err := b.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ps := sink.state(); len(ps) != 3 || price(ps, "LAMP-01") != 4900 || price(ps, "LAMP-02") != 7500 || price(ps, "BASE") != 900 {
			t.Fatalf("restarted while the feed is down: %+v", ps)
		}
		st := b.Status()[0]
		if st.LastError != "HTTP 500" || st.Failures != 1 || st.Products != 2 || !st.LastSuccess.Equal(fetchedAt.Truncate(1e6)) {
			t.Fatalf("status %+v, want failing since %v", st, fetchedAt)
		}
		if got := fs.last().Get("If-None-Match"); got != `"v1"` {
			t.Errorf("the restarted server asked with If-None-Match %q, want the copy's", got)
		}

		// Up again and unchanged: 304 keeps serving the copy.
		fs.set(v1, `"v1"`, "")
		clk.Advance(2 * time.Hour)
		c := remoteCatalogAt(fs.URL, newSink(), nil, 0, open(), clk)
		if err := c.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if st := c.Status()[0]; st.LastError != "" || !st.LastSuccess.Equal(clk.Now()) || price(c.Products(), "LAMP-02") != 7500 {
			t.Fatalf("after a 304 at start: %+v, %+v", st, c.Products())
		}

		// A newer feed, read by one replica, is what the next start serves.
		fs.set(acpFeed(map[string]string{"LAMP-01": "39.00"}), `"v2"`, "")
		if err := c.RefreshAll(ctx); err != nil {
			t.Fatal(err)
		}
		fs.set(v1, `"v2"`, "500")
		clk.Advance(2 * time.Hour)
		d := remoteCatalogAt(fs.URL, newSink(), nil, 0, open(), clk)
		if err := d.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if ps := d.Products(); len(ps) != 2 || price(ps, "LAMP-01") != 3900 || price(ps, "LAMP-02") != -1 {
			t.Fatalf("after a newer read: %+v", ps)
		}

		// The copy is named by the URL without its key.
		cp, ok, err := open().CatalogFeed(ctx, "shop", fs.URL+"/feed.json")
		if err != nil || !ok || cp.ETag != `"v2"` {
			t.Fatalf("stored copy: %+v, %v, %v", cp.Source, ok, err)
		}
	})
}

// TestNoCopyWithoutGoodRead: a feed that never read well (down, or over
// the size cap) stores nothing, and a server started while it is down
// serves the other sources and says the feed was never fetched.
func TestNoCopyWithoutGoodRead(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		big := acpFeed(map[string]string{"LAMP-01": "49.00", "LAMP-02": "75.00", "LAMP-03": "12.00"})
		fs := newFeedServer(t, big, `"v1"`)
		clk := newClock()
		a := remoteCatalogAt(fs.URL, newSink(), nil, int64(len(big)-1), open(), clk)
		if err := a.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if st := a.Status()[0]; !strings.Contains(st.LastError, "larger than the size cap") {
			t.Fatalf("status %+v", st)
		}
		fs.set(big, `"v1"`, "500")
		clk.Advance(time.Hour) // past the retry wait: b tries the feed itself
		b := remoteCatalogAt(fs.URL, newSink(), nil, 0, open(), clk)
		if err := b.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if st := b.Status()[0]; !st.LastSuccess.IsZero() || st.LastError != "HTTP 500" || len(b.Products()) != 1 {
			t.Fatalf("status %+v, products %+v", st, b.Products())
		}
		if _, ok, err := open().CatalogFeed(ctx, "shop", fs.URL+"/feed.json"); ok || err != nil {
			t.Fatalf("a copy was stored: %v, %v", ok, err)
		}
	})
}

// gzipServer serves a file of testdata with the given headers.
type gzipServer struct {
	*httptest.Server
	mu               sync.Mutex
	file, enc, ctype string
}

func (g *gzipServer) set(file, enc, ctype string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.file, g.enc, g.ctype = file, enc, ctype
}

func (g *gzipServer) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	file, enc, ctype := g.file, g.enc, g.ctype
	g.mu.Unlock()
	body, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if enc != "" {
		w.Header().Set("Content-Encoding", enc)
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(body)
}

// TestRemoteGzip: a feed served gzip-compressed (Content-Encoding, or an
// application/gzip file) is read, with the size cap on the decompressed
// bytes: a gzip bomb, and a body called gzip that is not, are failed
// refreshes that keep the last good feed.
func TestRemoteGzip(t *testing.T) {
	ctx := context.Background()
	g := &gzipServer{}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	for _, client := range []struct {
		name string
		c    *http.Client
	}{
		// Go's client asks for gzip and undoes it itself...
		{"client decompresses", &http.Client{}},
		// ...unless told not to, as when a server compresses unasked.
		{"raw", &http.Client{Transport: &http.Transport{DisableCompression: true}}},
	} {
		t.Run(client.name, func(t *testing.T) {
			g.set("feed.json", "", "application/json")
			c := remoteCatalog(g.URL, newSink(), client.c, 1<<20, nil)
			if err := c.Load(ctx); err != nil || price(c.Products(), "LAMP-01") != 4900 {
				t.Fatalf("plain feed: %v, %+v", err, c.Products())
			}
			for _, tt := range []struct {
				name, file, enc, ctype string
				tooLarge               bool
				want                   string // the error; "" when the feed reads
			}{
				{"content-encoding", "feed.json.gz", "gzip", "application/json", false, ""},
				{"application/gzip", "feed.json.gz", "", "application/gzip", false, ""},
				{"x-gzip file", "feed.json.gz", "", "application/x-gzip; name=feed.json.gz", false, ""},
				{"bomb encoded", "bomb.json.gz", "gzip", "application/json", true, "larger than the size cap"},
				{"bomb file", "bomb.json.gz", "", "application/gzip", true, "larger than the size cap"},
				{"said gzip, is not", "feed.json", "", "application/gzip", false, "says it is gzip-compressed but its body is not gzip"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					// A known state: the plain feed at 49.00, then the case.
					g.set("feed.json", "", "application/json")
					if err := c.RefreshAll(ctx); err != nil {
						t.Fatal(err)
					}
					before := c.Products()
					g.set(tt.file, tt.enc, tt.ctype)
					err := c.RefreshAll(ctx)
					if tt.want == "" {
						if err != nil {
							t.Fatal(err)
						}
						ps := c.Products()
						if len(ps) != 3 || price(ps, "LAMP-01") != 4900 || price(ps, "LAMP-02") != 7500 {
							t.Fatalf("products %+v", ps)
						}
						return
					}
					if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, livecatalog.ErrTooLarge) != tt.tooLarge {
						t.Fatalf("got %v, want %q (too large: %v)", err, tt.want, tt.tooLarge)
					}
					if after := c.Products(); &after[0] != &before[0] {
						t.Fatal("a refused feed changed the catalog")
					}
				})
			}
		})
	}
}

// TestCopiesOfTwoKeys: two sources whose URLs differ only by their query
// (the key) keep one copy each.
func TestCopiesOfTwoKeys(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		down := false
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if down {
				http.Error(w, "down", http.StatusBadGateway)
				return
			}
			sku := "FR-" + r.URL.Query().Get("key")
			w.Write([]byte(acpFeed(map[string]string{sku: "10.00"})))
		}))
		t.Cleanup(srv.Close)
		layers := func() []livecatalog.Layer {
			var ls []livecatalog.Layer
			for _, k := range []string{"1", "2"} {
				ls = append(ls, livecatalog.Layer{Name: "feed", Remote: &livecatalog.Remote{URL: srv.URL + "/feed.json?key=" + k,
					Options: catalogfeed.Options{Format: catalogfeed.ACP, Locale: "en", Currency: "EUR"}}})
			}
			return ls
		}
		for i, want := range []int{2, 2} {
			if i == 1 {
				mu.Lock()
				down = true
				mu.Unlock()
			}
			c := livecatalog.New(livecatalog.Config{Bot: "shop", Currency: "EUR", Locales: []concierge.Locale{"en"}, Layers: layers(), Store: open()})
			if err := c.Load(ctx); err != nil {
				t.Fatal(err)
			}
			if ps := c.Products(); len(ps) != want || price(ps, "FR-1") != 1000 || price(ps, "FR-2") != 1000 {
				t.Fatalf("start %d: %+v", i, ps)
			}
		}
	})
}
