package convtest

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

// replies are a search answer (two cards and a compare button), then a
// comparison whose add buttons are the message's own, then a payment
// link.
var replies = []concierge.Message{
	{Kind: concierge.MessageCards, Text: "Found 2:", Fallback: "Found 2:\n1. Zénith — 79,00\u00a0€",
		Cards: []concierge.Card{
			{SKU: "LAMP-02", Buttons: []concierge.Button{{Label: "Add", Value: "add:LAMP-02"}, {Label: "Buy", Value: "buy:LAMP-02"}}},
			{SKU: "LAMP-07", Buttons: []concierge.Button{{Label: "Add", Value: "add:LAMP-07"}}},
		},
		Buttons: []concierge.Button{{Label: "Compare", Value: "compare:LAMP-02,LAMP-07"}}},
	{Kind: concierge.MessageComparison, Text: "Side by side",
		Comparison: &concierge.Comparison{Products: []concierge.Card{{SKU: "LAMP-07"}, {SKU: "LAMP-10"}}},
		Buttons:    []concierge.Button{{Label: "Take", Value: "add:LAMP-07"}, {Label: "Take", Value: "add:LAMP-10"}}},
	{Kind: concierge.MessagePayment, Text: "Pay", Buttons: []concierge.Button{{Label: "Pay now", URL: "http://pay"}}},
}

func TestFindButton(t *testing.T) {
	for _, tc := range []struct {
		press     Press
		wantValue string
		wantErr   string
	}{
		{Press{Label: "Add"}, "add:LAMP-02", ""},
		{Press{Label: "Add", SKU: "LAMP-07"}, "add:LAMP-07", ""},
		{Press{Label: "Compare"}, "compare:LAMP-02,LAMP-07", ""},
		// A message's own button, picked by the SKU its value names.
		{Press{Label: "Take", SKU: "LAMP-10"}, "add:LAMP-10", ""},
		{Press{Label: "Take"}, "add:LAMP-07", ""},
		{Press{Label: "Buy", SKU: "LAMP-07"}, "", `expected a button "Buy" for LAMP-07, got buttons "Add" for LAMP-02, "Buy" for LAMP-02`},
		{Press{Label: "add"}, "", `expected a button "add", got buttons "Add" for LAMP-02`},
		{Press{Label: "Pay now"}, "", "it opens a page (http://pay)"},
	} {
		b, p := findButton(replies, &tc.press)
		switch {
		case tc.wantErr == "" && (p != nil || b.Value != tc.wantValue):
			t.Errorf("press %+v = %+v, %+v; want value %q", tc.press, b, p, tc.wantValue)
		case tc.wantErr != "":
			got := ""
			if p != nil {
				got = "expected " + p.Expected + ", got " + p.Got
			}
			if !strings.Contains(got, tc.wantErr) {
				t.Errorf("press %+v: %q, want %q", tc.press, got, tc.wantErr)
			}
		}
	}
	if _, p := findButton(nil, &Press{Label: "Add"}); p == nil || p.Got != "no button" {
		t.Errorf("no replies: %+v", p)
	}
}

func TestCheckReplies(t *testing.T) {
	skus := func(s ...concierge.SKU) *[]concierge.SKU { return &s }
	for _, tc := range []struct {
		name string
		b    BotCheck
		fail []string // the checks that fail
	}{
		{"all hold", BotCheck{TextMatches: "Found", Buttons: []string{"Add", "Compare", "Take"}, FirstProduct: "LAMP-02",
			Products: skus("LAMP-02", "LAMP-07", "LAMP-10"), NotProducts: []concierge.SKU{"LAMP-01"}}, nil},
		{"fallback and non-breaking spaces", BotCheck{TextMatches: "79,00 €"}, nil},
		{"text", BotCheck{TextMatches: "^Nothing"}, []string{"text_matches"}},
		{"a button missing", BotCheck{Buttons: []string{"Add", "Remove"}}, []string{"buttons"}},
		{"first", BotCheck{FirstProduct: "LAMP-07"}, []string{CheckFirstProduct}},
		{"order matters", BotCheck{Products: skus("LAMP-07", "LAMP-02", "LAMP-10")}, []string{"products"}},
		{"none shown", BotCheck{Products: skus()}, []string{"products"}},
		{"not shown", BotCheck{NotProducts: []concierge.SKU{"LAMP-10"}}, []string{CheckNotProducts}},
		{"each on its own", BotCheck{TextMatches: "Found", FirstProduct: "LAMP-10", NotProducts: []concierge.SKU{"LAMP-02"}},
			[]string{CheckFirstProduct, CheckNotProducts}},
	} {
		if tc.b.TextMatches != "" {
			tc.b.re = regexp.MustCompile(plainSpaces(tc.b.TextMatches))
		}
		var o outcome
		checkReplies(&o, 1, &tc.b, replies)
		var failed []string
		for _, c := range o.checks {
			if !c.OK {
				failed = append(failed, c.Kind)
			}
		}
		if !slices.Equal(failed, tc.fail) || len(o.problems) != len(tc.fail) {
			t.Errorf("%s: failed %v (%+v), want %v", tc.name, failed, o.problems, tc.fail)
		}
	}
}

func TestCartDiff(t *testing.T) {
	got := cartDiff(map[concierge.SKU]int{"A": 1, "B": 2, "C": 1}, map[concierge.SKU]int{"B": 3, "C": 1, "D": 30})
	want := []string{"- A ×1 missing", "~ B ×3, expected ×2", "+ D ×30 not expected"}
	if !slices.Equal(got, want) {
		t.Errorf("cartDiff = %q, want %q", got, want)
	}
}

func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		m    concierge.Money
		want string
	}{
		{concierge.Money{Minor: 7900, Currency: "EUR"}, "79.00"},
		{concierge.Money{Minor: 5, Currency: "EUR"}, "0.05"},
		{concierge.Money{Minor: 500, Currency: "JPY"}, "500"},
		{concierge.Money{Minor: -150, Currency: "USD"}, "-1.50"},
	} {
		if got := decimal(tc.m, tc.m.Currency); got != tc.want {
			t.Errorf("decimal(%+v) = %q, want %q", tc.m, got, tc.want)
		}
	}
}
