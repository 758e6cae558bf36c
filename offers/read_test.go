package offers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

var (
	roomPaths = Paths{List: "data.rooms", ID: "code", Title: "name", Price: "rate.amount", Currency: "rate.currency", Available: "left"}
	seatPaths = Paths{List: "@this", ID: "id", Title: "label", Price: "price", Available: "status"}
	bikePaths = Paths{List: "results", ID: "ref", Title: "title", Price: "price", Available: "ok"}
)

// TestRead reads realistic answers: numbers and listed prices, ids that
// are numbers, counts, booleans and words for availability, and elements
// that are skipped (no id, no title, no price, another currency, more
// decimals than the currency has).
func TestRead(t *testing.T) {
	type want struct {
		id    string
		minor int64
		avail int
	}
	tests := []struct {
		file    string
		paths   Paths
		want    []want
		skipped []string // a piece of each skipped element's reason, in order
		err     string
	}{
		{file: "rooms.json", paths: roomPaths,
			want:    []want{{"DBL-12", 12900, 3}, {"SGL-02", 8950, 1}, {"4711", 19900, 2}},
			skipped: []string{`offer 4: priced in "USD"`, `offer 5: no id`, `offer 6: no title`, `offer 7: price`, `offer 8: price`}},
		{file: "seats.json", paths: seatPaths,
			want: []want{{"A1", 4500, 100}, {"B7", 3900, 100}, {"C3", 3900, 100}}},
		{file: "bikes.json", paths: bikePaths, want: []want{{"EBIKE-1", 3500, 100}}},
		{file: "bikes.json", paths: Paths{List: "results", ID: "ref", Title: "title", Price: "price"},
			want: []want{{"EBIKE-1", 3500, 100}, {"EBIKE-2", 2000, 100}, {"CITY-1", 1250, 100}}},
		{file: "login.html", paths: roomPaths, err: "not JSON"},
		{file: "nolist.json", paths: roomPaths, err: `no list of offers at "data.rooms"`},
		{file: "rooms.json", paths: Paths{List: "data.suites", ID: "code", Title: "name", Price: "rate.amount"}, err: `no list of offers at "data.suites"`},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.paths.List, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			req := concierge.OfferRequest{Query: "room"}
			src := Source{Name: "sup", Paths: tt.paths, Currency: "EUR", InStock: 100}
			got, skipped, err := read(body, src, req)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d offers %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				o := got[i]
				if o.ID != w.id || o.Price != (concierge.Money{Minor: w.minor, Currency: "EUR"}) || o.Available != w.avail {
					t.Errorf("offer %d = %s %v %d, want %s %d EUR %d", i, o.ID, o.Price, o.Available, w.id, w.minor, w.avail)
				}
				if o.SKU != concierge.OfferSKU("sup", w.id) || !o.SKU.IsOffer() || o.Source != "sup" || o.Request != req || o.Title == "" {
					t.Errorf("offer %d = %+v: SKU, source, title or request not kept", i, o)
				}
			}
			if len(skipped) != len(tt.skipped) {
				t.Fatalf("skipped %q, want %d", skipped, len(tt.skipped))
			}
			for i, s := range tt.skipped {
				if !strings.Contains(skipped[i], s) {
					t.Errorf("skipped[%d] = %q, want it to say %q", i, skipped[i], s)
				}
			}
		})
	}
}

func TestPathsRequired(t *testing.T) {
	for _, p := range []Paths{
		{ID: "id", Title: "t", Price: "p"},
		{List: "l", Title: "t", Price: "p"},
		{List: "l", ID: "id", Price: "p"},
		{List: "l", ID: "id", Title: "t", Price: " "},
	} {
		if err := p.check(); err == nil || !strings.Contains(err.Error(), "is required") {
			t.Errorf("%+v: err = %v, want a required path", p, err)
		}
	}
	if err := roomPaths.check(); err != nil {
		t.Errorf("room paths: %v", err)
	}
}
