package seller

import (
	"testing"

	"github.com/conciergehq/concierge"
)

// TestParse reads the phrasings sellers use in English, French and
// Chinese, and a few that must not be taken for another command.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Command
	}{
		{"How many orders today?", Command{Kind: Orders, Lang: "en", Period: Today}},
		{"orders this week", Command{Kind: Orders, Lang: "en", Period: Week}},
		{"Revenue today", Command{Kind: Revenue, Lang: "en", Period: Today}},
		{"What is waiting in the inbox?", Command{Kind: Waiting, Lang: "en", Period: Today}},
		{"Stock of the Aurore lamp", Command{Kind: StockOf, Lang: "en", Period: Today, Product: "the aurore lamp"}},
		{"What is low on stock?", Command{Kind: LowStock, Lang: "en", Period: Today}},
		{"Best sellers this month", Command{Kind: BestSellers, Lang: "en", Period: Month}},
		{"best sellers", Command{Kind: BestSellers, Lang: "en", Period: Month}},
		{"order 1042", Command{Kind: OrderInfo, Lang: "en", Period: Today, ID: "1042"}},
		{"Order ML-K7QF3X", Command{Kind: OrderInfo, Lang: "en", Period: Today, ID: "ml-k7qf3x"}},
		{"Set stock of LAMP-01 to 12", Command{Kind: SetStock, Lang: "en", Period: Today, Product: "lamp-01", N: 12}},
		{"set stock of LAMP-01 to -3", Command{Kind: SetStock, Lang: "en", Period: Today, Product: "lamp-01", N: -3}},
		{"Price of the Luna lamp to 39 €", Command{Kind: SetPrice, Lang: "en", Period: Today, Product: "the luna lamp", Amount: "39 €"}},
		{"approve refund 17", Command{Kind: Approve, Lang: "en", Period: Today, ID: "17"}},
		{"Refuse refund 17 because the lamp was used.", Command{Kind: Refuse, Lang: "en", Period: Today, ID: "17", Reason: "the lamp was used"}},
		{"refuse refund 17", Command{Kind: Refuse, Lang: "en", Period: Today, ID: "17"}},
		{"Hand conversation 88 back to the bot", Command{Kind: HandBack, Lang: "en", Period: Today, ID: "88"}},

		{"Combien de commandes aujourd'hui ?", Command{Kind: Orders, Lang: "fr", Period: Today}},
		{"commandes cette semaine", Command{Kind: Orders, Lang: "fr", Period: Week}},
		{"Chiffre d’affaires du jour", Command{Kind: Revenue, Lang: "fr", Period: Today}},
		{"Qu'est-ce qui attend dans la boîte ?", Command{Kind: Waiting, Lang: "fr", Period: Today}},
		{"Stock de la lampe Aurore", Command{Kind: StockOf, Lang: "fr", Period: Today, Product: "lampe aurore"}},
		{"Qu'est-ce qui est bientôt épuisé ?", Command{Kind: LowStock, Lang: "fr", Period: Today}},
		{"Meilleures ventes du mois", Command{Kind: BestSellers, Lang: "fr", Period: Month}},
		{"Commande 1042", Command{Kind: OrderInfo, Lang: "fr", Period: Today, ID: "1042"}},
		{"Mets le stock de LAMP-01 à 12", Command{Kind: SetStock, Lang: "fr", Period: Today, Product: "lamp-01", N: 12}},
		{"Prix de la lampe Luna à 39 €", Command{Kind: SetPrice, Lang: "fr", Period: Today, Product: "lampe luna", Amount: "39 €"}},
		{"Approuve le remboursement 17", Command{Kind: Approve, Lang: "fr", Period: Today, ID: "17"}},
		{"Refuse le remboursement 17 car la lampe a servi", Command{Kind: Refuse, Lang: "fr", Period: Today, ID: "17", Reason: "la lampe a servi"}},
		{"Rends la conversation 88 au bot", Command{Kind: HandBack, Lang: "fr", Period: Today, ID: "88"}},

		{"今天有多少订单？", Command{Kind: Orders, Lang: "zh", Period: Today}},
		{"本周订单", Command{Kind: Orders, Lang: "zh", Period: Week}},
		{"今天的营业额", Command{Kind: Revenue, Lang: "zh", Period: Today}},
		{"收件箱里有什么在等待", Command{Kind: Waiting, Lang: "zh", Period: Today}},
		{"欧若拉床头灯的库存", Command{Kind: StockOf, Lang: "zh", Period: Today, Product: "欧若拉床头灯"}},
		{"哪些库存不足", Command{Kind: LowStock, Lang: "zh", Period: Today}},
		{"本月畅销", Command{Kind: BestSellers, Lang: "zh", Period: Month}},
		{"订单1042", Command{Kind: OrderInfo, Lang: "zh", Period: Today, ID: "1042"}},
		{"把LAMP-01的库存改为12", Command{Kind: SetStock, Lang: "zh", Period: Today, Product: "lamp-01", N: 12}},
		{"把露娜触控台灯的价格改为39欧元", Command{Kind: SetPrice, Lang: "zh", Period: Today, Product: "露娜触控台灯", Amount: "39欧元"}},
		{"批准退款17", Command{Kind: Approve, Lang: "zh", Period: Today, ID: "17"}},
		{"拒绝退款17，因为灯已经用过了", Command{Kind: Refuse, Lang: "zh", Period: Today, ID: "17", Reason: "灯已经用过了"}},
		{"把对话88交还给机器人", Command{Kind: HandBack, Lang: "zh", Period: Today, ID: "88"}},

		{"I want a lamp", Command{Kind: Unknown}},
		{"我想买一盏灯", Command{Kind: Unknown, Lang: "zh"}},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if got := Parse(tc.text); got != tc.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

// TestParseReasonKeepsCase keeps the seller's capitals in a refusal's
// reason, which the customer's file and the audit log show.
func TestParseReasonKeepsCase(t *testing.T) {
	c := Parse("refuse refund 17 because Outside the 30-day window")
	if c.Reason != "Outside the 30-day window" {
		t.Fatalf("reason %q", c.Reason)
	}
}

func TestFindCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"LINK-K7QF-M2XD", "LINK-K7QF-M2XD"},
		{"link k7qf m2xd", "LINK-K7QF-M2XD"},
		{"/start LINK-K7QF-M2XD", "LINK-K7QF-M2XD"},
		{"linkk7qfm2xd", "LINK-K7QF-M2XD"},
		{"LINK-K7QF-M2X0", ""}, // 0 is not in the alphabet
		{"please link my account", ""},
		{"LINK-K7QF-M2XDA", ""},
	} {
		if got := FindCode(tc.in); got != tc.want {
			t.Errorf("FindCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for range 50 {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if FindCode(c) != c {
			t.Fatalf("a new code %q is not found in itself", c)
		}
	}
}

func TestParsePrice(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"39 €", 3900, false},
		{"39.90", 3990, false},
		{"€39", 3900, false},
		{"39欧元", 3900, false},
		{"39 euros", 3900, false},
		{"39 $", 0, true},
		{"39 USD", 0, true},
		{"39美元", 0, true},
		{"0 €", 0, true},
		{"-5 €", 0, true},
		{"cheap", 0, true},
	} {
		m, err := ParsePrice(tc.in, "EUR")
		if (err != nil) != tc.wantErr || (err == nil && m != (concierge.Money{Minor: tc.want, Currency: "EUR"})) {
			t.Errorf("ParsePrice(%q) = %+v, %v", tc.in, m, err)
		}
	}
}
