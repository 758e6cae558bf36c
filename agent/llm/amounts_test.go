package llm

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// TestMoneyReaderAmounts: the amounts a text states, in the phrasings of
// en, fr and zh, and the numbers that are not money.
func TestMoneyReaderAmounts(t *testing.T) {
	type amount struct {
		minor   []int64 // readings, in any order
		foreign bool
	}
	eur := func(minor ...int64) amount { return amount{minor: minor} }
	foreign := amount{foreign: true}
	tests := []struct {
		currency string
		text     string
		want     []amount
	}{
		// en
		{"EUR", "The Aurore is €49.00 today.", []amount{eur(4900)}},
		{"EUR", "The Aurore is €49!", []amount{eur(4900)}},
		{"EUR", "Only € 49.50, a bargain", []amount{eur(4950)}},
		{"EUR", "Your total is EUR 49.00.", []amount{eur(4900)}},
		{"EUR", "Your total is 49.00 EUR.", []amount{eur(4900)}},
		{"EUR", "Your total is 49 eur.", []amount{eur(4900)}},
		{"EUR", "It costs 49 euros, or 2 × 49 € = 98 €.", []amount{eur(4900), eur(4900), eur(9800)}},
		{"EUR", "A sofa for €1,234.56", []amount{eur(123456)}},
		{"EUR", "A sofa for €1,234", []amount{eur(123400)}},
		{"EUR", "It's yours for 0 € today!", []amount{eur(0)}},
		{"EUR", "Done, the Aurore is yours for 0 € today!", []amount{eur(0)}},
		// "free" in words is zero; "free" alone is not money.
		{"EUR", "Done, the Aurore is free for you today!", []amount{eur(0)}},
		{"EUR", "Good news: the Aurore is free today!", []amount{eur(0)}},
		{"EUR", "You can have it for free.", []amount{eur(0)}},
		{"EUR", "It's free of charge.", []amount{eur(0)}},
		{"EUR", "Feel free to ask about the Zenith.", nil},
		{"EUR", "A hands-free lamp with a free-standing base.", nil},
		{"EUR", "La lampe est gratuite pour vous !", []amount{eur(0)}},
		{"EUR", "Je vous l'offre gratuitement.", []amount{eur(0)}},
		{"EUR", "Elle ne coûte rien aujourd'hui.", []amount{eur(0)}},
		{"CNY", "这盏灯免费送您！", []amount{eur(0)}},
		{"CNY", "这个不要钱。", []amount{eur(0)}},
		{"EUR", "Just $12.50 for you", []amount{foreign}},
		{"EUR", "That's 20 dollars", []amount{foreign}},
		{"EUR", "About £40 or 45 USD", []amount{foreign, foreign}},
		{"USD", "Just $12.50 for you", []amount{eur(1250)}},
		{"USD", "That's 20 dollars, or US$20.", []amount{eur(2000), eur(2000)}},
		{"CAD", "Only CA$15 or 15 $CA", []amount{eur(1500), eur(1500)}},
		{"CHF", "CHF 49.50 or 1'234.50 CHF", []amount{eur(4950), eur(123450)}},
		{"EUR", "Lamps from 30-50 €, or 30–50 €; save -10 €.", []amount{eur(5000), eur(5000), eur(1000)}},
		{"EUR", "LAMP-01 € and LAMP_02 €", nil},
		// fr
		{"EUR", "La Zénith à 1 € seulement !", []amount{eur(100)}},
		{"EUR", "Elle coûte 49,00 €.", []amount{eur(4900)}},
		{"EUR", "Elle coûte 49,00\u00a0€.", []amount{eur(4900)}},
		{"EUR", "Elle coûte 49€.", []amount{eur(4900)}},
		{"EUR", "Elle coûte 49€90 !", []amount{eur(4990)}},
		{"EUR", "Un canapé à 1 234,56 €", []amount{eur(123456)}},
		{"EUR", "Un canapé à 1\u202f234,56\u00a0€", []amount{eur(123456)}},
		{"EUR", "Un canapé à 1.234,56 €", []amount{eur(123456)}},
		{"EUR", "C'est offert, 0,00 € !", []amount{eur(0)}},
		{"EUR", "Remboursement de 500 euros", []amount{eur(50000)}},
		// "1,234 €" is 1234 € in English, and 1.234 € (which EUR cannot hold) in French.
		{"EUR", "Total : 1,234 €", []amount{eur(123400)}},
		{"EUR", "Total : 49,5 €", []amount{eur(4950)}},
		// zh
		{"CNY", "欧若拉床头灯只要¥399！", []amount{eur(39900)}},
		{"CNY", "欧若拉床头灯只要￥399.00", []amount{eur(39900)}},
		{"CNY", "只要399元", []amount{eur(39900)}},
		{"CNY", "只要 399 元", []amount{eur(39900)}},
		{"CNY", "只要399块", []amount{eur(39900)}},
		{"CNY", "只要399块钱", []amount{eur(39900)}},
		{"CNY", "CNY 399 或 人民币399元", []amount{eur(39900), eur(39900)}},
		{"CNY", "RMB 1,299.00", []amount{eur(129900)}},
		{"CNY", "英文界面显示为 CN¥49.00", []amount{eur(4900)}},
		{"CNY", "价格是 49 欧元", []amount{foreign}},
		{"CNY", "价格是 49 美元", []amount{foreign}},
		{"JPY", "¥4,900です", []amount{eur(4900)}},
		// not money
		{"EUR", "I have 2 lamps for you.", nil},
		{"EUR", "Our 2024 collection, 20 % off, 20% off.", nil},
		{"EUR", "Order LAMP-01 arrives in 3 days.", nil},
		{"EUR", "Call 01 23 45 67 89 for help.", nil},
		{"EUR", "Top 10 lamps for the year 2025", nil},
		{"EUR", "J'ai 2 lampes pour vous, livrées sous 48 h.", nil},
		{"EUR", "Commande n° 12345 expédiée, 3 articles, 10 ans de garantie.", nil},
		{"CNY", "我们有 2 款台灯，2024 年新款，打 8 折。", nil},
		{"CNY", "这款灯配 3块电池。", nil},
		{"CNY", "库存还有 5 件。", nil},
	}
	for _, tt := range tests {
		t.Run(tt.currency+" "+tt.text, func(t *testing.T) {
			got := newMoneyReader(tt.currency, []concierge.Locale{"en", "fr", "zh"}).amounts(tt.text)
			if len(got) != len(tt.want) {
				t.Fatalf("amounts = %+v, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Foreign != w.foreign || !sameSet(g.Minor, w.minor) {
					t.Errorf("amount %d = %+v, want readings %v foreign %v", i, g, w.minor, w.foreign)
				}
			}
		})
	}
}

// TestMoneyReaderReadsShopFormat: whatever the shop itself writes with
// money.Format, in any language the model may answer in, is read back as
// the same amount, so that the model repeating a tool's price is never
// taken for an invention.
func TestMoneyReaderReadsShopFormat(t *testing.T) {
	for _, cur := range []string{"EUR", "USD", "CNY", "JPY", "GBP", "CHF", "CAD", "HKD"} {
		r := newMoneyReader(cur, []concierge.Locale{"en", "fr", "zh"})
		for _, loc := range []concierge.Locale{"en", "fr", "zh", "de"} {
			for _, minor := range []int64{0, 100, 4900, 4990, 123456, 100000000} {
				m := concierge.Money{Minor: minor, Currency: cur}
				s := money.Format(m, loc)
				got := r.amounts("Price: " + s + ".")
				if len(got) != 1 || got[0].Foreign || !slices.Contains(got[0].Minor, minor) {
					t.Errorf("%s in %s: %q read as %+v, want %d", cur, loc, s, got, minor)
				}
			}
		}
	}
}

func sameSet(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}
