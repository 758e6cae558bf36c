package offers

import (
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

func TestTemplateFill(t *testing.T) {
	req := concierge.OfferRequest{Query: "chambre double & vue/jardin", Date: "2026-12-24", From: "2026-12-24", To: "2026-12-26", Quantity: 2}
	tests := []struct{ tmpl, want string }{
		{"https://api.example.com/rooms?q={query}&from={from}&to={to}&guests={quantity}",
			"https://api.example.com/rooms?q=chambre+double+%26+vue%2Fjardin&from=2026-12-24&to=2026-12-26&guests=2"},
		{"https://api.example.com/search/{query}/{date}?n={quantity}",
			"https://api.example.com/search/chambre%20double%20&%20vue%2Fjardin/2026-12-24?n=2"},
		{"http://127.0.0.1:8080/all", "http://127.0.0.1:8080/all"},
	}
	for _, tt := range tests {
		tm, err := parseTemplate(tt.tmpl)
		if err != nil {
			t.Fatalf("%s: %v", tt.tmpl, err)
		}
		if got := tm.fill(req); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.tmpl, got, tt.want)
		}
	}
	tm, _ := parseTemplate("https://api.example.com/r?n={quantity}")
	if got := tm.fill(concierge.OfferRequest{}); !strings.HasSuffix(got, "n=1") {
		t.Errorf("no quantity fills %s, want n=1", got)
	}
}

func TestTemplateRefused(t *testing.T) {
	tests := []struct{ tmpl, want string }{
		{"", "not an http(s) URL"},
		{"ftp://api.example.com/{query}", "not an http(s) URL"},
		{"https://api.example.com/rooms?q={name}", "unknown slot {name}"},
		{"https://api.example.com/rooms?q={query", "unterminated"},
		{"https://{query}.example.com/rooms", "scheme and host written out"},
		{"{query}", "not an http(s) URL"},
		{"https://user:pw@api.example.com/rooms?q={query}", "no user:password"},
		{"https://api.example.com{query}", "scheme and host written out"},
		{"https://api.example.com:{quantity}/", "scheme and host written out"},
		{"https://api.example.com/rooms?q=query}", "without its"},
	}
	for _, tt := range tests {
		_, err := parseTemplate(tt.tmpl)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.tmpl, err, tt.want)
		}
	}
}
