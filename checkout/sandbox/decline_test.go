package sandbox

import (
	"context"
	"net/http"
	"testing"

	"github.com/conciergehq/concierge"
)

// TestNotifyDeclined: "Decline (test)" sends a signed payment.failed
// notification that Verify accepts and that reads as one failed attempt;
// a retried delivery keeps its event id, so the receiver counts it once.
func TestNotifyDeclined(t *testing.T) {
	rc, p := newReceiver(t, http.StatusServiceUnavailable) // the first delivery fails, the retry passes
	o := testOrder()
	id, err := p.NotifyDeclined(context.Background(), "maison-lumiere", o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.ids) != 2 || rc.ids[0] != id || rc.ids[1] != id {
		t.Fatalf("delivered ids %v, want %s twice", rc.ids, id)
	}
	for i, verr := range rc.verifyErrs {
		if verr != nil {
			t.Errorf("delivery %d did not verify: %v", i, verr)
		}
	}
	n, err := p.Verify(p.Sign([]byte(rc.bodies[1]), testNow), []byte(rc.bodies[1]))
	if err != nil {
		t.Fatal(err)
	}
	want := Notification{ID: id, Type: TypePaymentFailed, Bot: "maison-lumiere", Order: o.ID, Amount: o.Total, Created: testNow.Unix(),
		Code: DeclineCode, Reason: DeclineReason}
	if *n != want {
		t.Errorf("notification = %+v; want %+v", *n, want)
	}
	if !n.Failed() {
		t.Error("Failed() = false for a declined notification")
	}
	f := n.Failure()
	wantF := concierge.PaymentFailure{Order: o.ID, Provider: ProviderName, ProviderRef: id, Code: DeclineCode, Reason: DeclineReason, At: testNow.Truncate(1e9).UTC()}
	if f != wantF {
		t.Errorf("Failure() = %+v; want %+v", f, wantF)
	}
}

// TestVerifyFailedType: a payment.failed notification is authentic input
// like a payment; an unknown type is still refused.
func TestVerifyFailedType(t *testing.T) {
	p := newTestProvider(t, "http://shop.test")
	tests := []struct {
		body   string
		failed bool
		code   concierge.Code
	}{
		{`{"id":"evt_1","type":"payment.failed","bot":"b","order":"O-1","amount":{"minor":100,"currency":"EUR"},"created":1,"code":"card_declined","reason":"no"}`, true, ""},
		{`{"id":"evt_1","type":"payment.succeeded","bot":"b","order":"O-1","amount":{"minor":100,"currency":"EUR"},"created":1}`, false, ""},
		{`{"id":"evt_1","type":"payment.refused","bot":"b","order":"O-1","amount":{"minor":100,"currency":"EUR"},"created":1}`, false, concierge.CodeInvalid},
	}
	for _, tt := range tests {
		n, err := p.Verify(p.Sign([]byte(tt.body), testNow), []byte(tt.body))
		if tt.code != "" {
			if concierge.ErrorCode(err) != tt.code {
				t.Errorf("%s: err = %v, want %v", tt.body, err, tt.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		if n.Failed() != tt.failed {
			t.Errorf("%s: Failed() = %v, want %v", tt.body, n.Failed(), tt.failed)
		}
	}
}
