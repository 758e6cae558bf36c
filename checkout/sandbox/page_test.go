package sandbox

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func testPageData() PageData {
	return PageData{
		Bot:        "maison-lumiere",
		ShopName:   "Maison Lumière",
		Order:      testOrder(),
		AmountText: "98,00 €",
		Lines:      []LineText{{Title: "Lampe de chevet Aurore", Quantity: 2, TotalText: "98,00 €"}},
		Token:      "tok_abc",
	}
}

func render(t *testing.T, d PageData) string {
	t.Helper()
	p := newTestProvider(t, "http://localhost:8080")
	var buf bytes.Buffer
	if err := p.RenderPage(&buf, d); err != nil {
		t.Fatalf("RenderPage: %v", err)
	}
	return buf.String()
}

func TestRenderPage(t *testing.T) {
	tests := []struct {
		name    string
		change  func(d *PageData)
		want    []string
		notWant []string
	}{
		{
			name: "pending",
			want: []string{
				`id="sandbox-banner"`,
				"TEST PAYMENT — no money will move",
				"PAIEMENT DE TEST — aucun argent ne sera débité",
				"测试支付 — 不会产生真实扣款",
				"ML-7K3Q9D", "Maison Lumière", "Lampe de chevet Aurore", "× 2", "98,00 €",
				`<form method="post"`,
				`<input type="hidden" name="` + FormToken + `" value="tok_abc">`,
				`name="` + FormOutcome + `" value="` + OutcomePay + `" id="pay-button">Pay (test)</button>`,
				`name="` + FormOutcome + `" value="` + OutcomeDeclined + `" id="decline-button">Decline (test)</button>`,
				`name="viewport"`,
			},
			notWant: []string{`id="paid-notice"`, `id="back-to-chat"`, `id="payment-error"`, "<script", "http://", "https://"},
		},
		{
			name:    "declined",
			change:  func(d *PageData) { d.Error = DeclinedMessage },
			want:    []string{`id="payment-error"`, "Your card was declined (test).", `id="pay-button"`},
			notWant: []string{`id="paid-notice"`},
		},
		{
			name:    "paid",
			change:  func(d *PageData) { d.State = StatePaid },
			want:    []string{`id="sandbox-banner"`, `id="paid-notice"`, "Payment received (test)", `<a id="back-to-chat" class="button" href="/chat/maison-lumiere">Back to the chat</a>`},
			notWant: []string{`id="pay-button"`, `id="decline-button"`, "tok_abc"},
		},
		{
			name:    "paid with a return URL",
			change:  func(d *PageData) { d.State = StatePaid; d.ReturnURL = "/chat/maison-lumiere?s=1&x=2" },
			want:    []string{`href="/chat/maison-lumiere?s=1&amp;x=2"`},
			notWant: []string{},
		},
		{
			name:    "expired",
			change:  func(d *PageData) { d.State = StateExpired },
			want:    []string{`id="expired-notice"`, `id="back-to-chat"`},
			notWant: []string{`id="pay-button"`, `id="paid-notice"`},
		},
		{
			name:    "cancelled",
			change:  func(d *PageData) { d.State = StateCancelled },
			want:    []string{`id="cancelled-notice"`, `id="back-to-chat"`},
			notWant: []string{`id="pay-button"`, `id="paid-notice"`},
		},
		{
			name: "everything escaped",
			change: func(d *PageData) {
				d.ShopName = `<b>Shop</b>`
				d.Lines[0].Title = `<script>alert(1)</script>`
				d.AmountText = `<i>98</i>`
				d.Token = `"><script>alert(2)</script>`
				d.Error = `<img src=x onerror=alert(3)>`
				d.Order.ID = `<ML>`
			},
			want: []string{
				`&lt;script&gt;alert(1)&lt;/script&gt;`,
				`&lt;b&gt;Shop&lt;/b&gt;`,
				`&lt;i&gt;98&lt;/i&gt;`,
				`value="&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"`,
				`&lt;img src=x onerror=alert(3)&gt;`,
				`&lt;ML&gt;`,
			},
			notWant: []string{"<script", "<b>", "<i>", "<img", "<ML>"},
		},
		{
			name:    "javascript return URL neutralised",
			change:  func(d *PageData) { d.State = StatePaid; d.ReturnURL = "javascript:alert(1)" },
			want:    []string{`id="back-to-chat"`},
			notWant: []string{"javascript:"},
		},
		{
			name:    "no shop name shows the bot",
			change:  func(d *PageData) { d.ShopName = "" },
			want:    []string{"<h1>maison-lumiere</h1>"},
			notWant: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testPageData()
			if tt.change != nil {
				tt.change(&d)
			}
			page := render(t, d)
			for _, s := range tt.want {
				if !strings.Contains(page, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(page, s) {
					t.Errorf("page contains %q", s)
				}
			}
			for _, id := range []string{"sandbox-banner", "pay-button", "decline-button", "paid-notice", "back-to-chat"} {
				if c := strings.Count(page, `id="`+id+`"`); c > 1 {
					t.Errorf("id %q appears %d times", id, c)
				}
			}
		})
	}
}

func TestRenderPageRefuses(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	tests := []struct {
		name   string
		change func(d *PageData)
	}{
		{"no order", func(d *PageData) { d.Order = nil }},
		{"unknown state", func(d *PageData) { d.State = "refunded" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testPageData()
			tt.change(&d)
			var buf bytes.Buffer
			err := p.RenderPage(&buf, d)
			if concierge.ErrorCode(err) != concierge.CodeInvalid {
				t.Errorf("RenderPage error = %v; want CodeInvalid", err)
			}
			if buf.Len() != 0 {
				t.Errorf("RenderPage wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestRenderPageWriteError(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	if err := p.RenderPage(failWriter{}, testPageData()); err == nil {
		t.Error("RenderPage to a failing writer succeeded")
	}
}

func TestPageState(t *testing.T) {
	tests := []struct {
		in   concierge.OrderState
		want string
	}{
		{concierge.OrderPending, StatePending},
		{concierge.OrderPaid, StatePaid},
		{concierge.OrderFulfilled, StatePaid},
		{concierge.OrderRefunded, StatePaid},
		{concierge.OrderExpired, StateExpired},
		{concierge.OrderCancelled, StateCancelled},
		{"", StatePending},
	}
	for _, tt := range tests {
		if got := PageState(tt.in); got != tt.want {
			t.Errorf("PageState(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestRenderPageGolden compares whole pages with testdata/*.golden.html;
// run with -update after an intended change and review the diff.
func TestRenderPageGolden(t *testing.T) {
	for _, state := range []string{StatePending, StatePaid} {
		t.Run(state, func(t *testing.T) {
			d := testPageData()
			d.State = state
			got := render(t, d)
			path := filepath.Join("testdata", "page_"+state+".golden.html")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("page differs from %s; run go test -update and review the diff", path)
			}
		})
	}
}
