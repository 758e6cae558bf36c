package nlu_test

import (
	"testing"

	"github.com/conciergehq/concierge/agent/nlu"
)

// TestDispute: a contested charge or order is a dispute in each language,
// distinct from a refund asked for a product the customer has and from a
// question about where an order is.
func TestDispute(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		text  string
		want  nlu.IntentName
		order string
	}{
		{"I was charged twice", nlu.Dispute, ""},
		{"you charged me twice for order ML-7K3Q9D", nlu.Dispute, "ML-7K3Q9D"},
		{"I never received my order", nlu.Dispute, ""},
		{"the lamp isn't what was described", nlu.Dispute, ""},
		{"I want to dispute this payment", nlu.Dispute, ""},
		{"I was charged twice, I want a refund", nlu.Dispute, ""},
		{"je conteste ce paiement", nlu.Dispute, ""},
		{"on m'a débité deux fois", nlu.Dispute, ""},
		{"je n'ai jamais reçu ma commande", nlu.Dispute, ""},
		{"la lampe n'est pas conforme à la description", nlu.Dispute, ""},
		{"我被扣了两次钱", nlu.Dispute, ""},
		{"我没收到货", nlu.Dispute, ""},
		{"我要投诉", nlu.Dispute, ""},
		{"灯和描述不符", nlu.Dispute, ""},

		{"I want a refund, it's broken", nlu.RefundRequest, ""},
		{"je veux être remboursé, la lampe est cassée", nlu.RefundRequest, ""},
		{"灯坏了，我要退款", nlu.RefundRequest, ""},
		{"where is my order", nlu.OrderStatus, ""},
		{"j'ai toujours pas reçu mon colis", nlu.OrderStatus, ""},
		{"我还没收到货，到哪了", nlu.OrderStatus, ""},
		{"I want to talk to a person about a complaint", nlu.Human, ""},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "")
		if in.Name != tt.want || in.Order != tt.order {
			t.Errorf("Parse(%q) = %s order %q, want %s order %q", tt.text, in.Name, in.Order, tt.want, tt.order)
		}
	}
}
