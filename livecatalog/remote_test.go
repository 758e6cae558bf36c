package livecatalog_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/livecatalog"
)

// feedServer is a merchant's feed endpoint: it serves body with an ETag
// and a Last-Modified, answers 304 to a matching If-None-Match, and can be
// told to fail in the ways a real one does.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	body     string
	etag     string
	modified string
	mode     string // "", "500", "garbage", "huge", "slow"
	requests []http.Header
}

func newFeedServer(t *testing.T, body, etag string) *feedServer {
	fs := &feedServer{body: body, etag: etag, modified: "Mon, 07 Dec 2026 04:00:00 GMT"}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) set(body, etag, mode string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.body, fs.etag, fs.mode = body, etag, mode
}

func (fs *feedServer) last() http.Header {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.requests[len(fs.requests)-1]
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	fs.requests = append(fs.requests, r.Header.Clone())
	body, etag, modified, mode := fs.body, fs.etag, fs.modified, fs.mode
	fs.mu.Unlock()
	switch mode {
	case "500":
		http.Error(w, "upstream down", http.StatusInternalServerError)
		return
	case "garbage":
		w.Write([]byte("<html>this is a login page, not a feed"))
		return
	case "huge":
		// No Content-Length: the cap must hold while reading.
		w.Header().Set("Content-Type", "application/json")
		chunk := strings.Repeat(" ", 64<<10)
		for range 64 {
			if _, err := w.Write([]byte(chunk)); err != nil {
				return
			}
		}
		return
	case "slow":
		<-r.Context().Done() // answers only when the client gives up
		return
	}
	if etag != "" && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", modified)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(body))
}

// acpFeed writes an ACP JSON feed of products SKU → price.
func acpFeed(prices map[string]string) string {
	var b strings.Builder
	b.WriteString(`{"products": [`)
	first := true
	for _, sku := range sortedKeys(prices) {
		if !first {
			b.WriteString(",")
		}
		first = false
		fmt.Fprintf(&b, `{"id": %q, "title": "Lamp %s", "description": "A lamp", "price": "%s EUR", "availability": "in_stock", "inventory_quantity": 5}`, sku, sku, prices[sku])
	}
	b.WriteString("]}")
	return b.String()
}

// recordingSink keeps what the catalog handed it.
type recordingSink struct {
	mu    sync.Mutex
	calls int
	last  []concierge.Product
	ch    chan struct{}
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func newSink() *recordingSink { return &recordingSink{ch: make(chan struct{}, 64)} }

func (s *recordingSink) SetProducts(p []concierge.Product) {
	s.mu.Lock()
	s.calls++
	s.last = p
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

func (s *recordingSink) state() (int, []concierge.Product) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, s.last
}

func price(ps []concierge.Product, sku concierge.SKU) int64 {
	for _, p := range ps {
		if p.SKU == sku {
			return p.Price.Minor
		}
	}
	return -1
}

func remoteCatalog(url string, sink livecatalog.Sink, client *http.Client, maxBytes int64, st livecatalog.Store) *livecatalog.Catalog {
	return remoteCatalogAt(url, sink, client, maxBytes, st, nil)
}

// remoteCatalogAt is remoteCatalog on the test's clock (nil: the real one).
func remoteCatalogAt(url string, sink livecatalog.Sink, client *http.Client, maxBytes int64, st livecatalog.Store, clk *clock) *livecatalog.Catalog {
	var now func() time.Time
	var after func(time.Duration) <-chan time.Time
	if clk != nil {
		now, after = clk.Now, clk.After
	}
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	base := catalogfeed.Item{Product: concierge.Product{SKU: "BASE", Name: map[concierge.Locale]string{"en": "Base mug"},
		Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 3}, Fields: catalogfeed.AllFields}
	return livecatalog.New(livecatalog.Config{
		Bot: "shop", Currency: "EUR", Locales: []concierge.Locale{"en", "fr"},
		Layers: []livecatalog.Layer{
			{Name: "catalog.products", Items: []catalogfeed.Item{base}},
			{Name: url, Remote: &livecatalog.Remote{URL: url + "/feed.json?key=s3cr3t-feed-key", Every: time.Hour,
				Options: catalogfeed.Options{Format: catalogfeed.ACP, Locale: "en", Currency: "EUR"}}},
		},
		Sink: sink, Store: st, Client: client, MaxBytes: maxBytes, Now: now, After: after,
	})
}

// TestRemoteETagAnd304: the first fetch asks for the whole feed; later
// ones send the validators, a 304 keeps the catalog without rebuilding it,
// and a changed feed replaces the source's products.
func TestRemoteETagAnd304(t *testing.T) {
	ctx := context.Background()
	fs := newFeedServer(t, acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`)
	sink := newSink()
	c := remoteCatalog(fs.URL, sink, nil, 0, nil)
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if h := fs.last(); h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Fatalf("first fetch sent validators: %v", h)
	}
	calls, ps := sink.state()
	if calls != 1 || price(ps, "LAMP-01") != 4900 || price(ps, "BASE") != 900 {
		t.Fatalf("after load: %d calls, %+v", calls, ps)
	}

	if err := c.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	h := fs.last()
	if h.Get("If-None-Match") != `"v1"` || h.Get("If-Modified-Since") != "Mon, 07 Dec 2026 04:00:00 GMT" {
		t.Fatalf("refresh validators: If-None-Match %q If-Modified-Since %q", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
	}
	if calls, _ := sink.state(); calls != 1 {
		t.Fatalf("304 rebuilt the catalog (%d calls)", calls)
	}
	st := c.Status()
	if len(st) != 1 || st[0].LastError != "" || st[0].LastSuccess.IsZero() || st[0].Products != 1 {
		t.Fatalf("status after 304: %+v", st)
	}
	if strings.Contains(st[0].Source, "s3cr3t") {
		t.Fatalf("status shows the feed's key: %q", st[0].Source)
	}

	fs.set(acpFeed(map[string]string{"LAMP-01": "45.00", "LAMP-02": "12.00"}), `"v2"`, "")
	if err := c.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	calls, ps = sink.state()
	if calls != 2 || price(ps, "LAMP-01") != 4500 || price(ps, "LAMP-02") != 1200 || price(ps, "BASE") != 900 {
		t.Fatalf("after change: %d calls, %+v", calls, ps)
	}
}

// TestRemoteFailureKeepsLastGood: a refresh that fails in any way keeps
// the last good feed, and says so in Status; the next good one recovers.
func TestRemoteFailureKeepsLastGood(t *testing.T) {
	ctx := context.Background()
	good := acpFeed(map[string]string{"LAMP-01": "49.00"})
	fs := newFeedServer(t, good, `"v1"`)
	sink := newSink()
	c := remoteCatalog(fs.URL, sink, &http.Client{Timeout: 300 * time.Millisecond}, 1<<20, nil)
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	lastGood := c.Status()[0].LastSuccess
	for i, tc := range []struct{ mode, want string }{
		{"500", "HTTP 500"},
		{"garbage", ""},
		{"huge", "larger than the size cap"},
		{"slow", "Client.Timeout"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			// A new ETag, so that the server would send a new feed.
			fs.set(good, fmt.Sprintf(`"bad%d"`, i), tc.mode)
			err := c.RefreshAll(ctx)
			if err == nil {
				t.Fatal("refresh worked")
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("error shows the feed's key: %v", err)
			}
			st := c.Status()[0]
			if st.Failures != int64(i+1) || st.LastError == "" || !st.LastSuccess.Equal(lastGood) || !strings.Contains(st.LastError, tc.want) {
				t.Fatalf("status %+v, want failure %d containing %q", st, i+1, tc.want)
			}
			calls, ps := sink.state()
			if calls != 1 || price(ps, "LAMP-01") != 4900 || len(c.Products()) != 2 {
				t.Fatalf("the catalog changed: %d calls, %+v", calls, ps)
			}
		})
	}
	fs.set(acpFeed(map[string]string{"LAMP-01": "39.00"}), `"v3"`, "")
	if err := c.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.Status()[0]; st.LastError != "" || st.LastSuccess.Before(lastGood) || st.Failures != 4 {
		t.Fatalf("after recovery: %+v", st)
	}
	if _, ps := sink.state(); price(ps, "LAMP-01") != 3900 {
		t.Fatalf("after recovery: %+v", ps)
	}
}

// TestRemoteFirstFetchFails: a feed down at start leaves its products out
// (the others serve) and says so; a later refresh brings them.
func TestRemoteFirstFetchFails(t *testing.T) {
	ctx := context.Background()
	fs := newFeedServer(t, acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`)
	fs.set(acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`, "500")
	sink := newSink()
	c := remoteCatalog(fs.URL, sink, nil, 0, nil)
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.Status()[0]; !st.LastSuccess.IsZero() || st.Failures != 1 {
		t.Fatalf("status %+v", st)
	}
	if _, ps := sink.state(); len(ps) != 1 || ps[0].SKU != "BASE" {
		t.Fatalf("products %+v", ps)
	}
	fs.set(acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`, "")
	if err := c.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ps := sink.state(); price(ps, "LAMP-01") != 4900 {
		t.Fatalf("products %+v", ps)
	}
}
