// Package offerstest is a fake supplier's availability API for tests: an
// httptest server that lists rooms as a hotel's API would, and that a test
// can make slow, down, change a price or take a room away between two
// requests.
package offerstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
)

// Room is one offer of the fake supplier. Price is what it sends, a JSON
// number of major units or a listed price string.
type Room struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Price    any    `json:"-"`
	Currency string `json:"-"`
	Left     int    `json:"left"`
}

// Request is what the supplier received.
type Request struct {
	URL    string // path and query
	Header http.Header
}

// Supplier is the fake. The zero value is not usable: call Start.
type Supplier struct {
	*httptest.Server

	mu       sync.Mutex
	rooms    []Room
	status   int
	hang     bool
	requests []Request
}

// Paths are the JSON paths of the fake's answers, for an offers.Source (as
// strings, so that this package needs nothing of offers): list, id,
// title, price, currency, available.
var Paths = [6]string{"data.rooms", "code", "name", "rate.amount", "rate.currency", "left"}

// Start serves rooms until the test ends.
func Start(t interface{ Cleanup(func()) }, rooms ...Room) *Supplier {
	s := &Supplier{rooms: rooms, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Supplier) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{URL: r.URL.RequestURI(), Header: r.Header.Clone()})
	status, hang := s.status, s.hang
	type rate struct {
		Amount   any    `json:"amount"`
		Currency string `json:"currency"`
	}
	type room struct {
		Room
		Rate rate `json:"rate"`
	}
	out := []room{}
	for _, x := range s.rooms {
		cur := x.Currency
		if cur == "" {
			cur = "EUR"
		}
		out = append(out, room{Room: x, Rate: rate{Amount: x.Price, Currency: cur}})
	}
	s.mu.Unlock()
	if hang {
		// A supplier that never answers: the client's timeout ends it.
		<-r.Context().Done()
		return
	}
	if status != http.StatusOK {
		http.Error(w, `{"error": "internal"}`, status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"rooms": out}})
}

// SetPrice changes the price the supplier asks for code.
func (s *Supplier) SetPrice(code string, price any) { s.edit(code, func(r *Room) { r.Price = price }) }

// SetLeft changes how many of code are left (0: sold out).
func (s *Supplier) SetLeft(code string, left int) { s.edit(code, func(r *Room) { r.Left = left }) }

func (s *Supplier) edit(code string, fn func(*Room)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rooms {
		if s.rooms[i].Code == code {
			fn(&s.rooms[i])
		}
	}
}

// Remove takes code off the list.
func (s *Supplier) Remove(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rooms = slices.DeleteFunc(s.rooms, func(r Room) bool { return r.Code == code })
}

// SetStatus makes the supplier answer every request with an HTTP status
// (500: down); 200 makes it answer again.
func (s *Supplier) SetStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

// Hang makes the supplier hold every request open without answering until
// the client gives up (on) or answer again (off).
func (s *Supplier) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// Requests returns what the supplier received so far.
func (s *Supplier) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}
