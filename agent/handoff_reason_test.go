package agent

import (
	"strings"
	"testing"
)

// TestRefundReason: a brain's reasoning becomes the proposal's Why on one
// line; an empty or too long one gives way to the code's sentence.
func TestRefundReason(t *testing.T) {
	long := strings.Repeat("é", maxRefundReason+1)
	for _, tt := range []struct {
		name, note, want string
		ok               bool
	}{
		{"sentence", "The lamp arrived broken; a refund looks fair.", "The lamp arrived broken; a refund looks fair.", true},
		{"spaces folded", "  Arrived\n\tbroken.  Refund   fair. ", "Arrived broken. Refund fair.", true},
		{"at the limit", long[:len(long)-len("é")], long[:len(long)-len("é")], true},
		{"empty", "", "", false},
		{"blank", " \n\t ", "", false},
		{"too long", long, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := refundReason(tt.note)
			if got != tt.want || ok != tt.ok {
				t.Errorf("refundReason(%q) = %q, %v; want %q, %v", tt.note, got, ok, tt.want, tt.ok)
			}
		})
	}
}
