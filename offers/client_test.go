package offers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/offers/offerstest"
)

// The fake supplier's key, sent in a header and in the URL's query: it
// must never appear in an error or a log line.
const (
	headerKey = "hdr-secret-7f3a9c2e1b"
	queryKey  = "qry-secret-4d8e6a0b5c"
)

func fakePaths() Paths {
	p := offerstest.Paths
	return Paths{List: p[0], ID: p[1], Title: p[2], Price: p[3], Currency: p[4], Available: p[5]}
}

func newClient(t *testing.T, base string, mod func(*Source)) (*Client, *bytes.Buffer) {
	t.Helper()
	src := Source{
		Name:     "hotel",
		URL:      base + "/v1/rooms?key=" + queryKey + "&q={query}&from={from}&to={to}&guests={quantity}",
		Headers:  map[string]string{"Authorization": "Bearer " + headerKey},
		Paths:    fakePaths(),
		Currency: "EUR",
		Timeout:  2 * time.Second,
	}
	if mod != nil {
		mod(&src)
	}
	var logs bytes.Buffer
	c, err := New(src, &http.Client{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c, &logs
}

func rooms() []offerstest.Room {
	return []offerstest.Room{
		{Code: "DBL", Name: "Double room", Price: 129.0, Left: 3},
		{Code: "SGL", Name: "Single room", Price: "89.00 EUR", Left: 1},
	}
}

func TestSearchFillsTheRequest(t *testing.T) {
	sup := offerstest.Start(t, rooms()...)
	c, _ := newClient(t, sup.URL, nil)
	req := concierge.OfferRequest{Query: "chambre à Paris", From: "2026-12-24", To: "2026-12-26", Quantity: 2}
	got, err := c.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "DBL" || got[0].Price.Minor != 12900 || got[1].Price.Minor != 8900 || got[0].Request != req {
		t.Fatalf("offers = %+v", got)
	}
	r := sup.Requests()
	if len(r) != 1 {
		t.Fatalf("%d requests", len(r))
	}
	if want := "/v1/rooms?key=" + queryKey + "&q=chambre+%C3%A0+Paris&from=2026-12-24&to=2026-12-26&guests=2"; r[0].URL != want {
		t.Errorf("URL = %s, want %s", r[0].URL, want)
	}
	if r[0].Header.Get("Authorization") != "Bearer "+headerKey {
		t.Errorf("Authorization = %q", r[0].Header.Get("Authorization"))
	}
}

// TestCache: the same filled URL within the TTL is not asked again; a
// different request or an expired entry is.
func TestCache(t *testing.T) {
	sup := offerstest.Start(t, rooms()...)
	c, _ := newClient(t, sup.URL, func(s *Source) { s.CacheTTL = time.Minute })
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	search := func(q string) {
		t.Helper()
		if _, err := c.Search(ctx, concierge.OfferRequest{Query: q}); err != nil {
			t.Fatal(err)
		}
	}
	search("double")
	search("double")
	if n := len(sup.Requests()); n != 1 {
		t.Fatalf("%d requests after the same search twice, want 1", n)
	}
	search("single")
	if n := len(sup.Requests()); n != 2 {
		t.Fatalf("%d requests after another search, want 2", n)
	}
	now = now.Add(time.Minute)
	search("double")
	if n := len(sup.Requests()); n != 3 {
		t.Fatalf("%d requests after the TTL, want 3", n)
	}
}

// TestFailures: each way a supplier fails is an *Error of its kind, and
// neither the error nor the log holds the header's or the query's key.
func TestFailures(t *testing.T) {
	serveFile := func(name string) string {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Two writes with a flush between: no Content-Length, so
			// the size is bounded while reading.
			half := len(body) / 2
			w.Write(body[:half])
			w.(http.Flusher).Flush()
			w.Write(body[half:])
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	tests := []struct {
		name   string
		base   func() string
		mod    func(*Source)
		kind   error
		detail string
	}{
		{name: "slow", kind: ErrSlow, detail: "no answer within 50ms",
			base: func() string { s := offerstest.Start(t, rooms()...); s.Hang(true); return s.URL },
			mod:  func(s *Source) { s.Timeout = 50 * time.Millisecond }},
		{name: "down", kind: ErrDown, detail: "HTTP 500",
			base: func() string { s := offerstest.Start(t, rooms()...); s.SetStatus(500); return s.URL }},
		{name: "unreachable", kind: ErrDown,
			base: func() string { s := offerstest.Start(t); s.Close(); return s.URL }},
		{name: "not JSON", kind: ErrBadAnswer, detail: "not JSON", base: func() string { return serveFile("login.html") }},
		{name: "no list", kind: ErrBadAnswer, detail: "no list of offers", base: func() string { return serveFile("nolist.json") }},
		{name: "too large", kind: ErrBadAnswer, detail: "over the 100 bytes",
			base: func() string { return serveFile("rooms.json") }, mod: func(s *Source) { s.MaxBytes = 100 }},
		{name: "too large, said up front", kind: ErrBadAnswer, detail: "over the 100 bytes allowed (Content-Length",
			base: func() string { s := offerstest.Start(t, rooms()...); return s.URL }, mod: func(s *Source) { s.MaxBytes = 100 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, logs := newClient(t, tt.base(), tt.mod)
			_, err := c.Search(context.Background(), concierge.OfferRequest{Query: "room"})
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want an *Error of kind %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.detail) || !strings.Contains(err.Error(), "supplier hotel (http://127.0.0.1") {
				t.Errorf("err = %q, want it to name the supplier and say %q", err, tt.detail)
			}
			all := err.Error() + "\n" + logs.String()
			if e.err != nil {
				all += "\n" + e.err.Error()
			}
			for _, secret := range []string{headerKey, queryKey} {
				if strings.Contains(all, secret) {
					t.Errorf("a key leaked: %s", all)
				}
			}
		})
	}
}

// TestRecheck: checkout's question skips the cache and sees the
// supplier's new price, or that the offer is gone.
func TestRecheck(t *testing.T) {
	ctx := context.Background()
	sup := offerstest.Start(t, rooms()...)
	c, _ := newClient(t, sup.URL, nil)
	found, err := c.Search(ctx, concierge.OfferRequest{Query: "room", From: "2026-12-24"})
	if err != nil || len(found) != 2 {
		t.Fatalf("search: %v %v", found, err)
	}
	dbl, sgl := found[0], found[1]

	same, err := c.Recheck(ctx, dbl)
	if err != nil || same.Price != dbl.Price {
		t.Fatalf("recheck unchanged: %+v %v", same, err)
	}
	sup.SetPrice("DBL", 149.0)
	now, err := c.Recheck(ctx, dbl)
	if err != nil || now.Price.Minor != 14900 {
		t.Fatalf("recheck after a price change: %+v %v, want 149.00", now, err)
	}
	if n := len(sup.Requests()); n != 3 {
		t.Errorf("%d requests, want 3: a recheck never reads the cache", n)
	}
	// The recheck refreshed the cache: a search now sees the new price.
	again, err := c.Search(ctx, concierge.OfferRequest{Query: "room", From: "2026-12-24"})
	if err != nil || again[0].Price.Minor != 14900 || len(sup.Requests()) != 3 {
		t.Fatalf("search after recheck: %+v %v", again, err)
	}

	sup.SetLeft("SGL", 0)
	if _, err := c.Recheck(ctx, sgl); !errors.Is(err, ErrGone) {
		t.Fatalf("sold out: err = %v, want ErrGone", err)
	}
	sup.Remove("DBL")
	if _, err := c.Recheck(ctx, dbl); !errors.Is(err, ErrGone) {
		t.Fatalf("removed: err = %v, want ErrGone", err)
	}
	sup.SetStatus(500)
	if _, err := c.Recheck(ctx, dbl); !errors.Is(err, ErrDown) {
		t.Fatalf("down: err = %v, want ErrDown", err)
	}
}

// TestSuppliers: one supplier down leaves the other's offers.
func TestSuppliers(t *testing.T) {
	up := offerstest.Start(t, rooms()...)
	down := offerstest.Start(t, rooms()...)
	down.SetStatus(503)
	a, _ := newClient(t, up.URL, nil)
	b, _ := newClient(t, down.URL, func(s *Source) { s.Name = "other" })
	s, err := NewSuppliers(a, b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Find(context.Background(), concierge.OfferRequest{Query: "room"})
	if len(got) != 2 || got[0].Source != "hotel" || !errors.Is(err, ErrDown) || !strings.Contains(err.Error(), "supplier other") {
		t.Fatalf("find = %v, %v", got, err)
	}
	if _, err := NewSuppliers(a, a); err == nil {
		t.Fatal("two sources of one name accepted")
	}
	if _, err := s.Recheck(context.Background(), concierge.Offer{Source: "gone", ID: "x"}); !errors.Is(err, ErrGone) {
		t.Fatalf("recheck of an unknown source: %v", err)
	}
}

// TestRestAfterFailure: after a supplier was down, searches do not ask it
// again until the rest is over; a recheck always asks, and an answer ends
// the rest.
func TestRestAfterFailure(t *testing.T) {
	ctx := context.Background()
	sup := offerstest.Start(t, rooms()...)
	c, _ := newClient(t, sup.URL, func(s *Source) { s.RestAfterFailure = 10 * time.Second; s.CacheTTL = -1 })
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	sup.SetStatus(500)
	for range 3 {
		if _, err := c.Search(ctx, concierge.OfferRequest{Query: "room"}); !errors.Is(err, ErrDown) {
			t.Fatalf("err = %v, want ErrDown", err)
		}
	}
	if n := len(sup.Requests()); n != 1 {
		t.Fatalf("%d requests while resting, want 1", n)
	}
	sup.SetStatus(200)
	now = now.Add(9 * time.Second)
	if _, err := c.Search(ctx, concierge.OfferRequest{Query: "other"}); !errors.Is(err, ErrDown) {
		t.Fatalf("within the rest: err = %v, want the failure again", err)
	}
	if _, err := c.Recheck(ctx, concierge.Offer{ID: "DBL", Request: concierge.OfferRequest{Query: "room"}}); err != nil {
		t.Fatalf("a recheck while resting: %v", err)
	}
	if got, err := c.Search(ctx, concierge.OfferRequest{Query: "room"}); err != nil || len(got) != 2 {
		t.Fatalf("after the recheck answered: %v %v", got, err)
	}
	sup.SetStatus(503)
	now = now.Add(time.Second)
	c.Search(ctx, concierge.OfferRequest{Query: "room"})
	now = now.Add(10 * time.Second)
	sup.SetStatus(200)
	if got, err := c.Search(ctx, concierge.OfferRequest{Query: "room"}); err != nil || len(got) != 2 {
		t.Fatalf("after the rest: %v %v", got, err)
	}
}
