package nlu_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/agent/nlu"
)

// TestMeasureBounds checks that a bound on a measure said with its unit
// ("plus de 450 lumens", "2公斤以下") narrows the search and is never a
// quantity nor a product's name, on the catalog of agent/catalog's
// bounds tests (lamps in lumens, backpacks whose names write litres).
func TestMeasureBounds(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "../catalog/testdata/bounds.yaml"), []concierge.Locale{"fr", "en", "zh"})
	type r = concierge.Range
	tests := []struct {
		text     string
		want     []r
		quantity int
		priceMax int64
	}{
		{text: "une lampe de plus de 450 lumens", want: []r{{Min: "450 lm", Strict: true}}},
		{text: "une lampe d'au moins 450 lumens", want: []r{{Min: "450 lm"}}},
		{text: "亮度400流明以上的灯", want: []r{{Min: "400 lm"}}},
		{text: "小于45升的双肩包", want: []r{{Max: "45 升", Strict: true}}},
		{text: "a backpack smaller than 45 litres", want: []r{{Max: "45 l", Strict: true}}},
		{text: "lamps between 300 and 400 lumens", want: []r{{Min: "300 lm", Max: "400 lm"}}},
		{text: "a torch of at least 1000lm", want: []r{{Min: "1000 lm"}}},
		{text: "un sac à dos de 40 à 60 litres", want: []r{{Min: "40 l", Max: "60 l"}}},
		{text: "un sac a dos entre 40 et 60 L", want: []r{{Min: "40 l", Max: "60 l"}}},
		{text: "backpack under 50 L please", want: []r{{Max: "50 l", Strict: true}}},
		{text: "sac à dos 50 L max", want: []r{{Max: "50 l"}}},
		{text: "2公斤以下的手电筒", want: []r{{Max: "2 公斤"}}},
		{text: "30到50升的双肩包", want: []r{{Min: "30 升", Max: "50 升"}}},
		// A name's measure, a count, a price and "about" bound nothing.
		{text: "sac à dos 45 L"},
		{text: "2 sacs à dos 45 L", quantity: 2},
		{text: "une lampe à moins de 50 €", priceMax: 5000},
		{text: "双肩包2公斤左右"},
		{text: "two backpacks and 2 torches", quantity: 0},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		if !slices.Equal(in.Measures, tt.want) {
			t.Errorf("Parse(%q).Measures = %v, want %v", tt.text, in.Measures, tt.want)
		}
		if len(tt.want) > 0 && (in.Name != nlu.Search || in.BadQuantity) {
			t.Errorf("Parse(%q) = %s (bad quantity %v), want a search", tt.text, in.Name, in.BadQuantity)
		}
		if len(tt.want) > 0 && in.Quantity != 0 || tt.quantity > 0 && in.Quantity != tt.quantity {
			t.Errorf("Parse(%q).Quantity = %d, want %d", tt.text, in.Quantity, tt.quantity)
		}
		if in.PriceMax != tt.priceMax {
			t.Errorf("Parse(%q).PriceMax = %d, want %d", tt.text, in.PriceMax, tt.priceMax)
		}
	}
}

// TestHanMeasures: a measure said in Chinese numerals or in 斤 is written
// as names write measures, and is no count ("一斤红枣" is 500 g of dates,
// not one bag); 米色 (beige) is no metre.
func TestHanMeasures(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "../catalog/testdata/bounds.yaml"), []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		text, query string
		quantity    int
	}{
		{"加一斤红枣", "500克红枣", 0},
		{"加两斤核桃", "1公斤核桃", 0},
		{"三斤核桃", "1.5公斤核桃", 0},
		{"两公斤核桃", "2公斤核桃", 0},
		{"要一个三十升的双肩包", "30升 双肩包", 1},
		{"米色毯子两条", "米色毯子", 2},
		{"来半斤红枣", "250克红枣", 0},
		{"来二两龙井", "100克龙井", 0},
		{"半公斤核桃", "500克核桃", 0},
		{"两个双肩包", "双肩包", 2},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "zh")
		if in.Query != tt.query || in.Quantity != tt.quantity {
			t.Errorf("Parse(%q) = query %q, quantity %d; want %q, %d", tt.text, in.Query, in.Quantity, tt.query, tt.quantity)
		}
	}
}

// TestContainerThatIsTheProduct: "un sac de …" where a product's name
// starts with "Sac" asks for that bag, not for a bag of something; a
// price in yuans is a price.
func TestContainerThatIsTheProduct(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "../catalog/testdata/bounds.yaml"), []concierge.Locale{"fr", "en", "zh"})
	if in := nlu.Parse("un sac de randonnée", ix, "fr"); !strings.Contains(in.Query, "sac") {
		t.Errorf("Parse(un sac de randonnée).Query = %q, want the bag in it", in.Query)
	}
	if in := nlu.Parse("une lampe à moins de 100 yuans", ix, "fr"); in.PriceMax != 10000 || in.Quantity != 1 && in.Quantity != 0 {
		t.Errorf("Parse(une lampe à moins de 100 yuans) = price max %d, quantity %d; want 10000", in.PriceMax, in.Quantity)
	}
	tea := teaHouse(t)
	if in := nlu.Parse("2 sachets de thé vert", tea, "fr"); in.Quantity != 2 || strings.Contains(in.Query, "sachet") {
		t.Errorf("Parse(2 sachets de thé vert) = query %q, quantity %d; want 2 of the tea", in.Query, in.Quantity)
	}
}

// TestPiecesBeforeACode: "两块NP-FZ100电池" is two batteries, not two yuan,
// when the names write the code.
func TestPiecesBeforeACode(t *testing.T) {
	ix := catalog.New([]concierge.Product{{SKU: "BATT", Name: map[concierge.Locale]string{"zh": "NP-FZ100 电池", "en": "NP-FZ100 battery"},
		Price: concierge.Money{Minor: 5900, Currency: "CNY"}, Stock: 9}}, []concierge.Locale{"zh", "en"})
	in := nlu.Parse("加两块NP-FZ100电池", ix, "zh")
	if in.Quantity != 2 || in.PriceMax != 0 {
		t.Errorf("Parse(加两块NP-FZ100电池) = quantity %d, price max %d; want 2 batteries", in.Quantity, in.PriceMax)
	}
	if in := nlu.Parse("50块以下的电池", ix, "zh"); in.PriceMax != 5000 {
		t.Errorf("Parse(50块以下的电池).PriceMax = %d, want 5000", in.PriceMax)
	}
}

// TestAboutTwoOrThree: "三两个", "两三个" are "two or three", a count
// to ask about, not 32 or 23.
func TestAboutTwoOrThree(t *testing.T) {
	ix := teaHouse(t)
	for _, text := range []string{"三两个瓷茶杯", "要两三个瓷茶杯", "一两个瓷茶杯"} {
		in := nlu.Parse(text, ix, "zh")
		if in.BadQuantity || in.Quantity != 0 || !in.VagueQuantity {
			t.Errorf("Parse(%q) = ×%d bad=%v vague=%v, want a vague count", text, in.Quantity, in.BadQuantity, in.VagueQuantity)
		}
	}
	if in := nlu.Parse("二零二六年的瓷茶杯", ix, "zh"); in.Quantity != 0 || in.BadQuantity {
		t.Errorf("Parse(二零二六年的瓷茶杯) = ×%d bad=%v, want no count", in.Quantity, in.BadQuantity)
	}
}

// TestOneInAWord: the 一 of "比较一下" (a little), "一起", "一共" counts
// nothing; a list with it is a comparison, not an order.
func TestOneInAWord(t *testing.T) {
	bulb := func(sku, zh string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Category: "bulbs", Name: map[concierge.Locale]string{"zh": zh}, Tags: []string{"灯泡"}}
	}
	ix := catalog.New([]concierge.Product{bulb("H7-STD", "H7 标准灯泡 12V 55W（一对）"), bulb("H7-NV", "H7 夜视增亮灯泡 +150%（一对）"),
		bulb("H4-NV", "H4 夜视增亮灯泡 +150%（一对）")}, []concierge.Locale{"zh"})
	for _, text := range []string{"比较一下H7标准和夜视灯泡", "看一下夜视灯泡"} {
		if in := nlu.Parse(text, ix, "zh"); in.Name == nlu.AddToCart || in.Quantity != 0 {
			t.Errorf("Parse(%q) = %s ×%d, want no add", text, in.Name, in.Quantity)
		}
	}
	if in := nlu.Parse("加一对H7标准灯泡", ix, "zh"); in.Name != nlu.AddToCart || in.Quantity != 1 {
		t.Errorf("Parse(加一对H7标准灯泡) = %s ×%d, want an add of one", in.Name, in.Quantity)
	}
}
