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

// teaHouse is a catalog written for these tests (testdata/teahouse.yaml):
// names with numbers, two teapots that differ by material, teas that
// differ by colour, and a name with "et" inside. The measurement shops of
// docs/quality.md are other catalogs.
func teaHouse(t *testing.T) *catalog.Index {
	t.Helper()
	return catalog.New(catalogtest.Load(t, "testdata/teahouse.yaml"), []concierge.Locale{"fr", "en", "zh"})
}

// TestNumbersInNames checks that a number that is part of a product's
// name is not read as a quantity or a price, and that one beside it still
// is.
func TestNumbersInNames(t *testing.T) {
	ix := teaHouse(t)
	tests := []struct {
		text     string
		quantity int
		priceMax int64
		query    string // must contain
	}{
		{text: "je voudrais le coffret de six tasses", quantity: 0, query: "six"},
		{text: "je voudrais le coffret de 6 tasses", quantity: 0, query: "6"},
		{text: "I'd like the set of six tea cups", quantity: 0, query: "six"},
		{text: "2 coffrets de six tasses", quantity: 2, query: "six"},
		{text: "une carte cadeau 25 €", quantity: 0, query: "25"},
		{text: "3 cartes cadeau 25 €", quantity: 3, query: "25"},
		{text: "le mélange n°7", quantity: 0, query: "7"},
		{text: "我要六杯茶具套装", quantity: 0},
		{text: "我要两个六杯茶具套装", quantity: 2},
		// A budget stays a budget, even when a name has the same number.
		{text: "un cadeau à 25 € max", quantity: 0, priceMax: 2500},
		{text: "une théière à moins de 25 euros", quantity: 0, priceMax: 2500},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		if in.Quantity != tt.quantity {
			t.Errorf("Parse(%q).Quantity = %d, want %d", tt.text, in.Quantity, tt.quantity)
		}
		if in.PriceMax != tt.priceMax {
			t.Errorf("Parse(%q).PriceMax = %d, want %d", tt.text, in.PriceMax, tt.priceMax)
		}
		if tt.query != "" && !containsWord(in.Query, tt.query) {
			t.Errorf("Parse(%q).Query = %q, want it to keep %q", tt.text, in.Query, tt.query)
		}
	}
}

// TestItems checks that a request for several products is cut into items,
// each with its own quantity, and that "et" inside a name does not cut.
func TestItems(t *testing.T) {
	ix := teaHouse(t)
	type item struct {
		qty   int
		skus  []concierge.SKU
		query string
	}
	tests := []struct {
		text  string
		items []item
	}{
		{"ajoute 2 thés verts sencha et une théière en verre", []item{{qty: 2, skus: []concierge.SKU{"TEA-GREEN"}}, {query: "théière verre"}}},
		{"add two Assam black teas and the glass teapot", []item{{qty: 2, skus: []concierge.SKU{"TEA-BLACK"}}, {query: "glass teapot"}}},
		{"我要两盒绿茶和一个玻璃茶壶", []item{{qty: 2, query: "绿茶"}, {qty: 1, query: "玻璃茶壶"}}},
		{"3 Earl Grey, 1 Assam", []item{{qty: 3, skus: []concierge.SKU{"EARL"}}, {qty: 1, skus: []concierge.SKU{"TEA-BLACK"}}}},
		// One product whose name holds "et".
		{"ajoute le thé vert jasmin et menthe", nil},
		// One product and a request to pay.
		{"ajoute l'Earl Grey et je paie", nil},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		if len(in.Items) != len(tt.items) {
			t.Errorf("Parse(%q): %d items %+v, want %d", tt.text, len(in.Items), in.Items, len(tt.items))
			continue
		}
		for i, want := range tt.items {
			got := in.Items[i]
			if got.Quantity != want.qty {
				t.Errorf("Parse(%q) item %d quantity = %d, want %d", tt.text, i, got.Quantity, want.qty)
			}
			if want.skus != nil && !slices.Equal(got.Products, want.skus) {
				t.Errorf("Parse(%q) item %d products = %v, want %v", tt.text, i, got.Products, want.skus)
			}
			if want.query != "" && got.Query != want.query && !containsWord(got.Query, want.query) {
				t.Errorf("Parse(%q) item %d query = %q, want %q", tt.text, i, got.Query, want.query)
			}
		}
	}
}

// TestNegation checks that what the customer rules out leaves the query
// and excludes what it names, and that words that only look negative
// ("pas trop cher") do not.
func TestNegation(t *testing.T) {
	ix := teaHouse(t)
	tests := []struct {
		text, query, not string
	}{
		{"one glass teapot please, not the cast iron one", "glass teapot", "the cast iron one"},
		{"je voudrais une théière, pas en fonte", "théière", "en fonte"},
		{"不要铸铁的，要玻璃的", "玻璃", "铸铁的"},
		{"du thé vert sans menthe", "thé vert", "menthe"},
		{"un thé pas trop cher", "thé", ""},
		// "pour"/"with" end a negation, but not one that only pointed.
		{"une théière, pas celle en fonte", "théière", "celle en fonte"},
		{"une théière, pas celle pour le thé noir", "théière", "celle pour le thé noir"},
		{"a teapot, not the one with cast iron", "teapot", "the one with cast iron"},
		{"une théière pas trop chère pour le thé vert", "", ""},
		{"je ne veux pas de thé", "", ""},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		if tt.query != "" && in.Query != tt.query {
			t.Errorf("Parse(%q).Query = %q, want %q", tt.text, in.Query, tt.query)
		}
		if in.NotQuery != tt.not {
			t.Errorf("Parse(%q).NotQuery = %q, want %q", tt.text, in.NotQuery, tt.not)
		}
	}
	hits := ix.Search(catalog.Query{Text: "glass teapot", Exclude: "the cast iron one"})
	if len(hits) != 1 || hits[0].SKU != "POT-GLASS" {
		t.Errorf("search for a glass teapot, not cast iron = %v, want POT-GLASS only", hits)
	}
}

// TestRelative checks relative edits: "remove one" takes one away,
// "one more" adds one, "make it three" sets.
func TestRelative(t *testing.T) {
	ix := teaHouse(t)
	tests := []struct {
		text  string
		name  nlu.IntentName
		delta int
		qty   int
	}{
		{"enlève-en un", nlu.RemoveFromCart, -1, 1},
		{"remove one", nlu.RemoveFromCart, -1, 1},
		{"remove two Earl Grey", nlu.RemoveFromCart, -2, 2},
		{"remove the Earl Grey", nlu.RemoveFromCart, 0, 0},
		{"one less", nlu.RemoveFromCart, -1, 1},
		{"un de moins", nlu.RemoveFromCart, -1, 0},
		{"少一个", nlu.RemoveFromCart, -1, 1},
		{"one more", nlu.AddToCart, 1, 1},
		{"encore une", nlu.AddToCart, 1, 0},
		{"再来一个", nlu.AddToCart, 1, 1},
		{"make it three", nlu.ChangeQuantity, 0, 3},
		// "of the two" says which, not how many.
		{"je prends le moins cher des deux", nlu.AddToCart, 0, 0},
		// A refusal with "en" points at the one just spoken of.
		{"non finalement je n'en veux pas", nlu.RemoveFromCart, 0, 0},
		{"rajoute-en une paire", nlu.AddToCart, 1, 1},
		{"j'en veux deux", nlu.AddToCart, 0, 2},
		{"ajoute-en deux", nlu.AddToCart, 2, 2},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		if in.All {
			t.Errorf("Parse(%q) empties the cart", tt.text)
		}
		if in.Name != tt.name || in.Delta != tt.delta || in.Quantity != tt.qty {
			t.Errorf("Parse(%q) = %s delta %d quantity %d, want %s delta %d quantity %d",
				tt.text, in.Name, in.Delta, in.Quantity, tt.name, tt.delta, tt.qty)
		}
	}
}

// TestBadQuantity checks the counts that cannot be ordered.
func TestBadQuantity(t *testing.T) {
	ix := teaHouse(t)
	tests := []struct {
		text         string
		bad, tooMany bool
	}{
		{"10000000 Earl Grey", true, true},
		{"0", true, false},
		{"0 Earl Grey", true, false},
		{"-2 Earl Grey", true, false},
		{"½", true, false},
		{"1.5 théières", true, false},
		{"2 Earl Grey", false, false},
		{"une théière à 29,90 €", false, false},
		{"le mélange n°7", false, false},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		if in.BadQuantity != tt.bad || in.TooMany != tt.tooMany {
			t.Errorf("Parse(%q) bad=%v tooMany=%v, want %v %v", tt.text, in.BadQuantity, in.TooMany, tt.bad, tt.tooMany)
		}
	}
}

// TestBotCommands checks that chat-app commands are not searched for.
func TestBotCommands(t *testing.T) {
	ix := teaHouse(t)
	for text, want := range map[string]nlu.IntentName{"/start": nlu.Greet, "/start@TeaBot": nlu.Greet, "/help": nlu.Help, "/cart": nlu.ViewCart} {
		if got := nlu.Parse(text, ix, "en").Name; got != want {
			t.Errorf("Parse(%q) = %s, want %s", text, got, want)
		}
	}
}

func containsWord(s, w string) bool {
	for _, f := range splitWords(s) {
		if f == w {
			return true
		}
	}
	return false
}

func splitWords(s string) []string {
	var out []string
	start := -1
	for i, r := range s + " " {
		if r == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

// TestSizesAndPacksInNames checks numbers a name writes as a size or a
// pack (testdata/workshop.yaml): a fraction, a range, a size glued to
// letters, a count after the product's words, a comma inside a name.
// Counts around them are still counts.
func TestSizesAndPacksInNames(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/workshop.yaml"), []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		text     string
		quantity int
		bad      bool
		query    string // must contain
		order    string
	}{
		{text: "add a violin 3/4", quantity: 0, query: "3/4"},
		{text: "add two violins 3/4", quantity: 2, query: "3/4"},
		{text: "我要一把3/4小提琴", quantity: 1, query: "3/4小提琴"},
		{text: "kids rain boots ages 2-4 for my 3 year old", quantity: 0, query: "2-4"},
		{text: "entre 30-50 €", quantity: 0},
		{text: "add 2 tyres 700x28C", quantity: 2, query: "700x28C"},
		{text: "four sets of 3B brushes", quantity: 4, query: "3B"},
		{text: "une pizza familiale pour 6 parts", quantity: 0, query: "6"},
		{text: "ajoute les chaussettes en laine (3 paires)", quantity: 0, query: "3"},
		{text: "add 3 pairs of sport socks", quantity: 3},
		{text: "改成三双", quantity: 3},
		{text: "des bougies chauffe-plat de 24", quantity: 0, query: "24"},
		{text: "2 boîtes de bougies de 24", quantity: 2, query: "24"},
		{text: "zinc 15 mg, 60 gélules", quantity: 0, query: "60"},
		{text: "je veux zéro violon", bad: true},
		{text: "加零包小麦面粉", bad: true},
		{text: "来两个6杯的摩卡壶", quantity: 2, query: "6杯"},
		// Signed powers are the names' ("-2.50", "+2.5"); a negative
		// count that stands where no name has it is a bad count.
		{text: "ajoutez 2 boîtes de lentilles mensuelles -2.50", quantity: 2, query: "-2.50"},
		{text: "ajoute 3 lunettes de lecture +2.5", quantity: 3, query: "2.5"},
		{text: "add -2 blue light clips", quantity: 2, bad: true},
		// "spiderman" is the name's "Spider-Man": the 2 after it is the name's.
		{text: "add spiderman 2", quantity: 0, query: "2"},
		// "sans huile" is the fryer's name, not "without oil".
		{text: "je prends 2 friteuses sans huile 6 L", quantity: 2, query: "huile"},
		// A counter the name does not write after its number counts packs.
		{text: "羊毛袜三包", quantity: 3},
		{text: "羊毛袜3双装", quantity: 0, query: "3双装"},
		// The words after a number are all the rest of a name: the name's.
		{text: "i want to send 12 red roses to my mum", quantity: 0, query: "12"},
		{text: "add 2 bouquets of 12 red roses", quantity: 2, query: "12"},
		{text: "ajoute 3 t-shirts col v noirs", quantity: 3},
		// A count noun that a name has ("Sac à dos") is the product
		// after an article, and counts before "de".
		{text: "je veux un sac", quantity: 0, query: "sac"},
		{text: "un sac de farine de blé", quantity: 1, query: "farine"},
		{text: "订两束24枝的红玫瑰", quantity: 2, query: "24枝"},
		{text: "6杯的摩卡壶来一个", quantity: 1, query: "6杯"},
		{text: "huile de colza x2", quantity: 2, query: "colza"},
		{text: "add a 2-in-1 brush set", quantity: 0, query: "2-in-1"},
		{text: "add two 2-in-1 brush sets", quantity: 2, query: "2-in-1"},
		{text: "order A1B2C3 please", order: "A1B2C3"},
		// A Chinese count takes a counter: "12色" with none is the name's.
		{text: "加12色国画颜料", quantity: 0, query: "12色国画颜料"},
		{text: "加两盒12色国画颜料", quantity: 2, query: "12色国画颜料"},
		// After "de", before the word a name writes after it: the name's.
		{text: "ajoute la boite de 12 couleurs de peinture chinoise", quantity: 0, query: "12"},
		{text: "ajoute 2 boites de 12 couleurs", quantity: 2, query: "12"},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		if in.Quantity != tt.quantity {
			t.Errorf("Parse(%q).Quantity = %d, want %d", tt.text, in.Quantity, tt.quantity)
		}
		if in.BadQuantity != tt.bad {
			t.Errorf("Parse(%q).BadQuantity = %v, want %v", tt.text, in.BadQuantity, tt.bad)
		}
		if tt.query != "" && !containsWord(in.Query, tt.query) {
			t.Errorf("Parse(%q).Query = %q, want it to keep %q", tt.text, in.Query, tt.query)
		}
		if in.Order != tt.order {
			t.Errorf("Parse(%q).Order = %q, want %q", tt.text, in.Order, tt.order)
		}
	}
	// A comma that ends an item is still a cut, even when a name has the
	// number after the word before it ("菜籽油 1升").
	in := nlu.Parse("一瓶菜籽油，一袋小麦面粉", ix, "zh")
	if len(in.Items) != 2 {
		t.Errorf("Parse(一瓶菜籽油，一袋小麦面粉).Items = %+v, want two", in.Items)
	}
	// A Chinese item is counted in words, not characters: this one is
	// an item, not a clause.
	in = nlu.Parse("菜籽油一瓶，再加两袋1公斤的小麦面粉", ix, "zh")
	if len(in.Items) != 2 || in.Items[1].Quantity != 2 {
		t.Errorf("Parse(菜籽油一瓶，再加两袋1公斤的小麦面粉).Items = %+v, want two, the second ×2", in.Items)
	}
	// A letter a name writes after a word is the name's ("vitamine D"),
	// not an article; an elided one ("d'origine") still is.
	for text, want := range map[string]concierge.SKU{
		"je voudrais de la vitamine D": "VIT-D",
		"add vitamin c please":         "VIT-C",
		"有没有维生素D":                      "VIT-D",
		"une gourde d'un litre svp":    "BOTTLE-1L",
	} {
		in := nlu.Parse(text, ix, "fr")
		hits := ix.Search(catalog.Query{Text: in.Query, Limit: 5})
		if len(hits) != 1 || hits[0].SKU != want {
			t.Errorf("Search(Parse(%q).Query = %q) = %+v, want %s alone", text, in.Query, hits, want)
		}
	}
	// Size words pick by the number that tells one name's products apart.
	for text, want := range map[string]int{"the small one": -1, "la plus grande": 1, "大的多少钱": 1, "小提琴": 0, "the one with 2 stems": 0} {
		if in := nlu.Parse(text, ix, "fr"); in.Size != want {
			t.Errorf("Parse(%q).Size = %d, want %d", text, in.Size, want)
		}
	}
	// Two-character Chinese conjunctions cut items; a digit's counter is
	// the count's.
	if in := nlu.Parse("来3瓶菜籽油还有一袋小麦面粉", ix, "zh"); len(in.Items) != 2 || in.Items[0].Quantity != 3 || strings.Contains(in.Items[0].Query, "瓶") {
		t.Errorf("Parse(来3瓶菜籽油还有一袋小麦面粉).Items = %+v, want two, the first ×3 without its counter", in.Items)
	}
	// Ordering is wanting: "order me", "订".
	for _, text := range []string{"order me the rapeseed oil", "订一瓶菜籽油"} {
		if in := nlu.Parse(text, ix, "fr"); !in.Wanted {
			t.Errorf("Parse(%q).Wanted = false, want true", text)
		}
	}
	// The sign of "x2" is the count's: an emoji and "x2" search nothing.
	if in := nlu.Parse("👗 x2", ix, "fr"); in.Query != "" || in.Quantity != 2 {
		t.Errorf("Parse(👗 x2) = query %q, quantity %d; want no query, 2", in.Query, in.Quantity)
	}
	if in := nlu.Parse("une vitamine d'origine naturelle", ix, "fr"); containsWord(in.Query, "d") {
		t.Errorf("Parse(une vitamine d'origine naturelle).Query = %q, want no article d", in.Query)
	}
	// A size written as a fraction finds its product only.
	hits := ix.Search(catalog.Query{Text: "violon 4/4", Limit: 5})
	if len(hits) != 1 || hits[0].SKU != "VIOLIN-44" {
		t.Errorf("Search(violon 4/4) = %+v, want VIOLIN-44 alone", hits)
	}
	// "some" before a plural asks how many; before an amount it does not.
	for text, vague := range map[string]bool{"add some sport socks": true, "I need some rapeseed oil": false} {
		if in := nlu.Parse(text, ix, "en"); in.VagueQuantity != vague {
			t.Errorf("Parse(%q).VagueQuantity = %v, want %v", text, in.VagueQuantity, vague)
		}
	}
	// "une douzaine" is about twelve: asked; "a dozen" is twelve.
	if in := nlu.Parse("je voudrais une douzaine de chaussettes de sport", ix, "fr"); !in.VagueQuantity || in.Quantity != 0 {
		t.Errorf("une douzaine: Vague %v Quantity %d, want vague", in.VagueQuantity, in.Quantity)
	}
	if in := nlu.Parse("add a dozen sport socks", ix, "en"); in.VagueQuantity || in.Quantity != 12 {
		t.Errorf("a dozen: Vague %v Quantity %d, want 12", in.VagueQuantity, in.Quantity)
	}
	// A verb before "aussi" is not an item of its own.
	if in := nlu.Parse("ajoute aussi une farine de blé 1 kg", ix, "fr"); len(in.Items) != 0 || in.Name != nlu.AddToCart {
		t.Errorf("ajoute aussi …: %s Items %+v, want one add", in.Name, in.Items)
	}
	// Not wanting what the words describe takes it out of the cart.
	if in := nlu.Parse("不要运动袜了", ix, "zh"); in.Name != nlu.RemoveFromCart {
		t.Errorf("不要运动袜了: %s, want remove", in.Name)
	}
	// A typo in the product's word still makes the pack size the name's.
	if in := nlu.Parse("ajoute les chausettes en laine 3 paires", ix, "fr"); in.Quantity != 0 {
		t.Errorf("chausettes en laine 3 paires: Quantity %d, want 0", in.Quantity)
	}
	// A request that finds several asks which; a question does not.
	if in := nlu.Parse("je voudrais un violon", ix, "fr"); !in.Wanted || in.Question {
		t.Errorf("je voudrais un violon: Wanted %v Question %v", in.Wanted, in.Question)
	}
	if in := nlu.Parse("vous avez des violons ?", ix, "fr"); in.Wanted || !in.Question {
		t.Errorf("vous avez des violons ?: Wanted %v Question %v", in.Wanted, in.Question)
	}
}

// TestKuai: "块" is yuan in speech and the counter of solid things; beside
// a product, with no money word after it, it counts.
func TestKuai(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "INK", Name: map[concierge.Locale]string{"zh": "油烟墨锭 5号", "en": "Ink stick No. 5"}, Price: concierge.Money{Minor: 3600, Currency: "CNY"}},
		{SKU: "BRUSH", Name: map[concierge.Locale]string{"zh": "狼毫毛笔", "en": "Weasel-hair brush"}, Price: concierge.Money{Minor: 3800, Currency: "CNY"}},
		{SKU: "SUN-100", Name: map[concierge.Locale]string{"zh": "折叠太阳能板 100W", "en": "Foldable solar panel 100 W"}, Price: concierge.Money{Minor: 89900, Currency: "CNY"}},
		{SKU: "SUN-200", Name: map[concierge.Locale]string{"zh": "折叠太阳能板 200W", "en": "Foldable solar panel 200 W"}, Price: concierge.Money{Minor: 159900, Currency: "CNY"}},
	}, []concierge.Locale{"zh", "en"})
	tests := []struct {
		text     string
		quantity int
		priceMax int64
	}{
		{"5号墨锭一块", 1, 0},
		{"给我来两块墨锭", 2, 0},
		{"加两口墨锭", 2, 0}, // 口 counts woks and pots
		{"墨锭50块以下", 0, 5000},
		{"有没有50块左右的毛笔", 0, 5000},
		{"50块的毛笔", 0, 5000},
		// A measure between the counter and the product's words.
		{"再加两块100W太阳能板", 2, 0},
		{"两块200W的太阳能板", 2, 0},
		{"太阳能板1000块以下", 0, 100000},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "zh")
		if in.Quantity != tt.quantity || in.PriceMax != tt.priceMax {
			t.Errorf("Parse(%q) = Quantity %d, PriceMax %d; want %d, %d", tt.text, in.Quantity, in.PriceMax, tt.quantity, tt.priceMax)
		}
	}
}

// TestNumbersOfVariantsAndMarks: a number of a variant's value ("18
// mois") is the variant's, not a count; a name's "No. 2" after a Chinese
// word is not a name by itself (every other 2 still counts); "plus" joins
// items before an article or a count, and stays a name's word otherwise.
func TestNumbersOfVariantsAndMarks(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/workshop.yaml"), []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		text     string
		quantity int
		items    int
	}{
		{"ajoute un comté 18 mois", 0, 0}, // not 18
		{"ajoute 2 comtés 12 mois", 2, 0},
		{"ajoute 2 couteaux à fromage No. 2", 2, 0},
		{"add 2 comte 18 mois plus a fish net", 2, 2},
		{"add the aqua plus", 0, 0},
		{"un de plus", 1, 0}, // one more, no item
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		q := in.Quantity
		if len(in.Items) > 0 {
			q = in.Items[0].Quantity
		}
		if q != tt.quantity || len(in.Items) != tt.items {
			t.Errorf("Parse(%q) = quantity %d, %d items; want %d, %d", tt.text, q, len(in.Items), tt.quantity, tt.items)
		}
	}
}

// TestRulesOutAWordOfNames: "not the L" rules out a size written in names
// though "L" alone finds nothing to search; it is no item of its own.
// And a question that names a product: "I need a boost…, what do you have?"
// asks what is sold, though "Boost" is a product's name.
func TestRulesOutAWordOfNames(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "GLOVES-M", Name: map[concierge.Locale]string{"en": "Leather garden gloves size M"}},
		{SKU: "GLOVES-L", Name: map[concierge.Locale]string{"en": "Leather garden gloves size L"}},
		{SKU: "BOOST", Name: map[concierge.Locale]string{"en": "Boost pre-workout"}},
	}, []concierge.Locale{"en"})
	in := nlu.Parse("add leather gloves size M, not the L", ix, "en")
	if in.Name != nlu.AddToCart || len(in.Items) > 1 || in.NotQuery == "" {
		t.Errorf("Parse(…, not the L) = %s, %d items, NotQuery %q; want one add with the L ruled out", in.Name, len(in.Items), in.NotQuery)
	}
	for text, want := range map[string]nlu.IntentName{
		"I need a boost before the gym, what do you have?": nlu.Details,
		"can I have 2 boost pre-workout?":                  nlu.AddToCart,
		"i need the boost pre-workout":                     nlu.AddToCart,
	} {
		if in := nlu.Parse(text, ix, "en"); in.Name != want {
			t.Errorf("Parse(%q) = %s, want %s", text, in.Name, want)
		}
	}
}

// TestNamesAndListsThatAskNothing: a list whose part finds nothing is no
// order ("just a moment, let me check with my wife" where a product is
// called "Moment"), and a size the message states unnames a product whose
// name writes another ("a 2 kg nuage quilt" is not "Nuage silk quilt 1 kg").
func TestNamesAndListsThatAskNothing(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "MOMENT", Name: map[concierge.Locale]string{"en": "Moment acrylic block", "fr": "Bloc acrylique Moment"}},
		{SKU: "QUILT", Name: map[concierge.Locale]string{"en": "Nuage silk quilt 1 kg", "fr": "Couette en soie Nuage 1 kg"}},
	}, []concierge.Locale{"en", "fr"})
	if in := nlu.Parse("just a moment, let me check with my wife", ix, "en"); in.Name == nlu.AddToCart {
		t.Errorf("Parse(just a moment, …) = %s with %d items, want no add", in.Name, len(in.Items))
	}
	if in := nlu.Parse("a moment block and a silk quilt", ix, "en"); in.Name != nlu.AddToCart || len(in.Items) != 2 {
		t.Errorf("Parse(a moment block and a silk quilt) = %s with %d items, want an add of two", in.Name, len(in.Items))
	}
	if in := nlu.Parse("add a 2 kg nuage quilt", ix, "en"); slices.Contains(in.Products, "QUILT") {
		t.Errorf("Parse(add a 2 kg nuage quilt).Products = %v, want no QUILT", in.Products)
	}
	if in := nlu.Parse("add a 1 kg nuage quilt", ix, "en"); !slices.Contains(in.Products, "QUILT") {
		t.Errorf("Parse(add a 1 kg nuage quilt).Products = %v, want QUILT", in.Products)
	}
}

// TestMerchantLimits: the line bound is the merchant's. With the default
// bound "50 prints" is a count too large to take; a print shop that sells
// 500 on a line takes it as fifty, while the numbers its names write stay
// theirs ("the 40 page book" is one book).
func TestMerchantLimits(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "PRT-GL", Name: map[concierge.Locale]string{"en": "4x6 photo print glossy", "fr": "Tirage photo 10x15 brillant"}, Price: concierge.Money{Minor: 35, Currency: "EUR"}},
		{SKU: "PRT-MT", Name: map[concierge.Locale]string{"en": "4x6 photo print matte", "fr": "Tirage photo 10x15 mat"}, Price: concierge.Money{Minor: 35, Currency: "EUR"}},
		{SKU: "BOOK-20", Name: map[concierge.Locale]string{"en": "Hardcover photo book 20 pages", "fr": "Livre photo rigide 20 pages"}, Price: concierge.Money{Minor: 3400, Currency: "EUR"}},
		{SKU: "BOOK-40", Name: map[concierge.Locale]string{"en": "Hardcover photo book 40 pages", "fr": "Livre photo rigide 40 pages"}, Price: concierge.Money{Minor: 4900, Currency: "EUR"}},
	}, []concierge.Locale{"en", "fr"})
	tests := []struct {
		limit    int
		text     string
		quantity int
		tooMany  bool
		found    concierge.SKU // the best product the query finds, "" for none
	}{
		{0, "add 50 4x6 glossy prints", 50, true, "PRT-GL"},
		{500, "add 50 4x6 glossy prints", 50, false, "PRT-GL"},
		{500, "ajoute 120 tirages 10x15 mat", 120, false, "PRT-MT"},
		{500, "add 600 4x6 glossy prints", 0, true, "PRT-GL"},
		{500, "I'll take the 40 pages photo book", 0, false, "BOOK-40"},
		{500, "2 photo books 20 pages", 2, false, "BOOK-20"},
		{30, "add 25 matte 4x6 prints", 25, false, "PRT-MT"},
		{30, "add 40 matte 4x6 prints", 0, true, "PRT-MT"}, // the book has 40 pages, the prints do not: a count too large
	}
	for _, tt := range tests {
		in := nlu.Limits{MaxQuantity: tt.limit}.Parse(tt.text, ix, "en")
		var found concierge.SKU
		if hits := ix.Search(catalog.Query{Text: in.Query, Limit: 1}); len(hits) > 0 {
			found = hits[0].SKU
		}
		if in.TooMany != tt.tooMany || in.Quantity != tt.quantity || found != tt.found {
			t.Errorf("Limits{%d}.Parse(%q) = Quantity %d TooMany %v, finds %q; want %d %v %q",
				tt.limit, tt.text, in.Quantity, in.TooMany, found, tt.quantity, tt.tooMany, tt.found)
		}
	}
}

// TestEmptyCart: "vide mon panier", "clear my cart", "清空购物车" remove
// every line; the same words before a product remove that product only,
// and "empty" or "clear" describing a product are no command.
func TestEmptyCart(t *testing.T) {
	ix := teaHouse(t)
	tests := []struct {
		text string
		name nlu.IntentName
		all  bool
	}{
		{"vide mon panier", nlu.RemoveFromCart, true},
		{"videz le panier s'il vous plaît", nlu.RemoveFromCart, true},
		{"clear my cart", nlu.RemoveFromCart, true},
		{"empty the basket please", nlu.RemoveFromCart, true},
		{"remove everything", nlu.RemoveFromCart, true},
		{"清空购物车", nlu.RemoveFromCart, true},
		{"enlève tout le Earl Grey", nlu.RemoveFromCart, false},
		{"mon panier", nlu.ViewCart, false},
		{"what's in my cart?", nlu.ViewCart, false},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		if in.Name != tt.name || in.All != tt.all {
			t.Errorf("Parse(%q) = %s all=%v, want %s all=%v", tt.text, in.Name, in.All, tt.name, tt.all)
		}
	}
}

// TestWishSaysOneNameWhole: a wish that says one product's name whole,
// when the other products found have more words left unsaid, names that
// product; a count noun before the name ("2 copies of") is the count's.
// Questions, negations and long stories name nothing this way.
func TestWishSaysOneNameWhole(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "7W", Name: map[concierge.Locale]string{"en": "7 Wonders", "fr": "7 Wonders"}, Price: concierge.Money{Minor: 3999, Currency: "EUR"}},
		{SKU: "7W-DUEL", Name: map[concierge.Locale]string{"en": "7 Wonders Duel", "fr": "7 Wonders Duel"}, Price: concierge.Money{Minor: 2499, Currency: "EUR"}},
		{SKU: "7W-ARCH", Name: map[concierge.Locale]string{"en": "7 Wonders Architects", "fr": "7 Wonders Architects"}, Price: concierge.Money{Minor: 3499, Currency: "EUR"}},
		{SKU: "SLEEVES", Name: map[concierge.Locale]string{"en": "100 card sleeves 63x88", "fr": "100 protège-cartes 63x88"}, Price: concierge.Money{Minor: 499, Currency: "EUR"}},
	}, []concierge.Locale{"en", "fr"})
	tests := []struct {
		text     string
		one      concierge.SKU // "": the message must not name one product
		quantity int
	}{
		{"I'd like 2 copies of 7 Wonders", "7W", 2},
		{"je voudrais 7 Wonders Duel", "7W-DUEL", 0},
		{"I'd like 7 Wonders", "7W", 0},
		{"do you have 7 Wonders?", "", 0},
		{"I'd like a 7 Wonders game, not the duel", "", 0},
		{"I'd like to know more about your games, my brother played 7 Wonders at a party and I want something like it", "", 0},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "en")
		one := concierge.SKU("")
		if len(in.Products) == 1 {
			one = in.Products[0]
		}
		if one != tt.one || in.Quantity != tt.quantity {
			t.Errorf("Parse(%q) = Products %v Quantity %d, want one %q, quantity %d", tt.text, in.Products, in.Quantity, tt.one, tt.quantity)
		}
	}
}

// TestItemNamedWholeIsNotNarrowed: after "and", a part that finds other
// products than the one the part before names whole is an item of its
// own ("Catan and the 5-6 player extension"); a part after a comma that
// describes the products the first part found still narrows them.
func TestItemNamedWholeIsNotNarrowed(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "CATAN", Name: map[concierge.Locale]string{"en": "Catan"}, Price: concierge.Money{Minor: 3999, Currency: "EUR"}},
		{SKU: "CATAN-56", Name: map[concierge.Locale]string{"en": "Catan 5-6 player extension"}, Price: concierge.Money{Minor: 2200, Currency: "EUR"}},
		{SKU: "CATAN-SEA", Name: map[concierge.Locale]string{"en": "Catan: Seafarers"}, Price: concierge.Money{Minor: 3500, Currency: "EUR"}},
		{SKU: "BOOT-BLK", Name: map[concierge.Locale]string{"en": "Chelsea boots black leather"}, Price: concierge.Money{Minor: 9900, Currency: "EUR"}},
		{SKU: "BOOT-SUEDE", Name: map[concierge.Locale]string{"en": "Chelsea boots brown suede"}, Price: concierge.Money{Minor: 9900, Currency: "EUR"}},
	}, []concierge.Locale{"en"})
	tests := []struct {
		text  string
		items int
	}{
		{"add Catan and the 5-6 player extension", 2},
		{"add the chelsea boots, the suede ones", 0},
	}
	for _, tt := range tests {
		if in := nlu.Parse(tt.text, ix, "en"); len(in.Items) != tt.items {
			t.Errorf("Parse(%q) = %d items %+v, want %d", tt.text, len(in.Items), in.Items, tt.items)
		}
	}
}

// TestCountAfterTheItem: a part after a comma that is only a count in
// the word of what the item comes in gives that item its count; a count
// of something else stays an item of its own.
func TestCountAfterTheItem(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "FIL-100", Name: map[concierge.Locale]string{"fr": "Fil polyester 100 m noir"}, Tags: []string{"bobine"}, Price: concierge.Money{Minor: 150, Currency: "EUR"}},
		{SKU: "AIG", Name: map[concierge.Locale]string{"fr": "Aiguilles à coudre (lot de 20)"}, Price: concierge.Money{Minor: 250, Currency: "EUR"}},
	}, []concierge.Locale{"fr"})
	in := nlu.Parse("fil polyester 100 m noir, 4 bobines", ix, "fr")
	if len(in.Items) > 1 || in.Quantity != 4 {
		t.Errorf("fil …, 4 bobines: items %+v quantity %d, want one item of 4", in.Items, in.Quantity)
	}
	in = nlu.Parse("ajoute le fil polyester 100 m noir, 2 lots d'aiguilles", ix, "fr")
	if len(in.Items) != 2 || in.Items[0].Quantity != 0 || in.Items[1].Quantity != 2 {
		t.Errorf("fil …, 2 lots d'aiguilles: items %+v, want the thread and 2 needle packs", in.Items)
	}
}

// TestSpelledNumberBesideDigits: "six" spelled beside "12" in "12
// six-sided dice" is a word of the name, so "add 12 six-sided dice" is one
// pack; a count before the name's number still counts packs.
func TestSpelledNumberBesideDigits(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "D6-12", Name: map[concierge.Locale]string{"en": "12 six-sided dice, white", "fr": "12 dés à six faces blancs"}, Price: concierge.Money{Minor: 650, Currency: "EUR"}},
		{SKU: "POLY", Name: map[concierge.Locale]string{"en": "Polyhedral dice set", "fr": "Set de dés polyédriques"}, Price: concierge.Money{Minor: 900, Currency: "EUR"}},
	}, []concierge.Locale{"en", "fr"})
	for text, want := range map[string]int{
		"add 12 six-sided dice":            0,
		"add 2 packs of 12 six-sided dice": 2,
		"I want three 12 six-sided dice":   3,
		"ajoute 12 dés à six faces":        0,
	} {
		if in := nlu.Parse(text, ix, "en"); in.Quantity != want {
			t.Errorf("Parse(%q) quantity %d, want %d", text, in.Quantity, want)
		}
	}
}

// TestAboutWordsThatNameProducts: "robot" asks about the assistant,
// unless the shop sells robots and the word stands alone as their name's.
func TestAboutWordsThatNameProducts(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "X200", Name: map[concierge.Locale]string{"en": "AquaBot X200 robot cleaner", "fr": "Robot nettoyeur AquaBot X200"}, Price: concierge.Money{Minor: 39900, Currency: "EUR"}},
		{SKU: "X400", Name: map[concierge.Locale]string{"en": "AquaBot X400 robot cleaner", "fr": "Robot nettoyeur AquaBot X400"}, Price: concierge.Money{Minor: 59900, Currency: "EUR"}},
	}, []concierge.Locale{"en", "fr"})
	for text, want := range map[string]nlu.IntentName{
		"add the X200 robot":   nlu.AddToCart,
		"ajoute le robot X400": nlu.AddToCart,
		"are you a robot?":     nlu.Help,
		"es-tu un robot ?":     nlu.Help,
	} {
		if in := nlu.Parse(text, ix, "en"); in.Name != want {
			t.Errorf("Parse(%q) = %s, want %s", text, in.Name, want)
		}
	}
}

// TestNumbersOfSizesAfterArticlesAndFractions: "a 3000 reel" is one reel
// of the 3000 size; "0.8" of "0.8 nylon" is a name's, never a count.
func TestNumbersOfSizesAfterArticlesAndFractions(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "REEL-3000", Name: map[concierge.Locale]string{"en": "Spinning reel 3000"}, Price: concierge.Money{Minor: 19900, Currency: "CNY"}},
		{SKU: "ROD-21", Name: map[concierge.Locale]string{"en": "Carbon surf rod 2.1 m"}, Price: concierge.Money{Minor: 15800, Currency: "CNY"}},
		{SKU: "LINE-08", Name: map[concierge.Locale]string{"en": "Nylon main line 0.8 100 m"}, Price: concierge.Money{Minor: 1200, Currency: "CNY"}},
		{SKU: "LINE-15", Name: map[concierge.Locale]string{"en": "Nylon main line 1.5 100 m"}, Price: concierge.Money{Minor: 1200, Currency: "CNY"}},
	}, []concierge.Locale{"en"})
	tests := []struct {
		text     string
		bad      bool
		quantity int
	}{
		{"add a 2.1 m surf rod and a 3000 reel", false, 0},
		{"add 3 spools of 0.8 nylon line", false, 3},
	}
	for _, tt := range tests {
		if in := nlu.Parse(tt.text, ix, "en"); in.BadQuantity != tt.bad || in.Quantity != tt.quantity {
			t.Errorf("Parse(%q) = bad %v quantity %d, want %v %d", tt.text, in.BadQuantity, in.Quantity, tt.bad, tt.quantity)
		}
	}
}

// TestRefusedAdd: "don't add X", "n'ajoute pas X", "不要加X" add nothing
// and show the cart; "show me" in Chinese is no add.
func TestRefusedAdd(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "CAPPER", Name: map[concierge.Locale]string{"en": "Bench capper", "fr": "Capsuleuse de table", "zh": "台式压盖器"}, Price: concierge.Money{Minor: 3900, Currency: "EUR"}},
		{SKU: "RACK", Name: map[concierge.Locale]string{"en": "Magnetic knife rack", "fr": "Barre aimantée", "zh": "磁吸刀架"}, Price: concierge.Money{Minor: 5900, Currency: "EUR"}},
	}, []concierge.Locale{"en", "fr", "zh"})
	for text, want := range map[string]nlu.IntentName{
		"don't add the bench capper":  nlu.ViewCart,
		"do not add the bench capper": nlu.ViewCart,
		"n'ajoute pas la capsuleuse":  nlu.ViewCart,
		"不要加台式压盖器":                    nlu.ViewCart,
		"给我看看磁吸刀架":                    nlu.Search,
		"add the bench capper":        nlu.AddToCart,
		"给我一个磁吸刀架":                    nlu.AddToCart,
	} {
		if in := nlu.Parse(text, ix, "en"); in.Name != want {
			t.Errorf("Parse(%q) = %s, want %s", text, in.Name, want)
		}
	}
}

// TestNamesNumbersAndCodes: a model code ("X5") is a name's word, not
// "times 5"; a counter a name writes after its number, after the same
// word, is the name's ("叠叠塔10块"); "up to 1500 pieces" of a name is no
// price bound and no count.
func TestNamesNumbersAndCodes(t *testing.T) {
	zh := func(zh, en string) map[concierge.Locale]string {
		return map[concierge.Locale]string{"zh": zh, "en": en}
	}
	ix := catalog.New([]concierge.Product{
		{SKU: "X3", Name: zh("航拍无人机 X3", "Camera drone X3"), Price: concierge.Money{Minor: 199900, Currency: "CNY"}},
		{SKU: "X5", Name: zh("航拍无人机 X5", "Camera drone X5"), Price: concierge.Money{Minor: 399900, Currency: "CNY"}},
		{SKU: "TOWER", Name: zh("叠叠塔 10块", "Stacking tower 10 blocks"), Price: concierge.Money{Minor: 2200, Currency: "CNY"}},
		{SKU: "MAT", Name: zh("拼图收纳垫（最多1500片）", "Puzzle mat for up to 1500 pieces"), Price: concierge.Money{Minor: 1999, Currency: "CNY"}},
		{SKU: "BULB", Name: zh("灯泡", "Bulb"), Price: concierge.Money{Minor: 500, Currency: "CNY"}},
	}, []concierge.Locale{"zh", "en"})
	tests := []struct {
		text     string
		lang     concierge.Locale
		quantity int
		priceMax int64
	}{
		{"不对，换成X5", "zh", 0, 0},
		{"加两台X5", "zh", 2, 0},
		{"叠叠塔10块 加入购物车", "zh", 0, 0},
		{"两个叠叠塔", "zh", 2, 0},
		{"add a puzzle mat for up to 1500 pieces", "en", 0, 0},
		{"bulbs up to 1500", "en", 0, 150000},
		{"bulb x4", "en", 4, 0}, // no name writes "x4": times four
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, tt.lang)
		if in.Quantity != tt.quantity || in.PriceMax != tt.priceMax {
			t.Errorf("Parse(%q) = Quantity %d, PriceMax %d; want %d, %d", tt.text, in.Quantity, in.PriceMax, tt.quantity, tt.priceMax)
		}
	}
}

// TestItemsWhereTheWholeFindsNothing: two items whose words together find
// no product (no hinge is brass) are still two items of an order.
func TestItemsWhereTheWholeFindsNothing(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/hardware.yaml"), []concierge.Locale{"fr", "en", "zh"})
	in := nlu.Parse("3 packs of 26 mm hinges and a brass cup handle", ix, "en")
	if in.Name != nlu.AddToCart || len(in.Items) != 2 || in.Items[0].Quantity != 3 {
		t.Fatalf("Parse = %s with %+v, want an add of two items, 3 of the first", in.Name, in.Items)
	}
}

// TestSpareProbe: "用" ends the name's word "备用" (spare) rather than
// being "use": "一个备用探针" is the spare probe, not another thermometer.
func TestSpareProbe(t *testing.T) {
	gbp := concierge.Money{Minor: 3999, Currency: "GBP"}
	ix := catalog.New([]concierge.Product{
		{SKU: "THERMO-DUAL", Name: map[concierge.Locale]string{"zh": "双探针温度计", "en": "Dual probe thermometer"}, Price: gbp},
		{SKU: "PROBE-SPARE", Name: map[concierge.Locale]string{"zh": "双探针温度计备用探针", "en": "Replacement probe for dual probe thermometer"}, Price: gbp},
	}, []concierge.Locale{"zh", "en"})
	in := nlu.Parse("加一个双探针温度计和一个备用探针", ix, "zh")
	if len(in.Items) != 2 || in.Items[1].Query != "备用探针" {
		t.Fatalf("Parse = %+v, want two items, the second's query 备用探针", in.Items)
	}
	if hits := ix.Search(catalog.Query{Text: in.Items[1].Query}); len(hits) == 0 || hits[0].SKU != "PROBE-SPARE" || len(hits) > 1 && hits[1].Score >= hits[0].Score {
		t.Errorf("Search(备用探针) = %v, want the spare probe alone first", hits)
	}
}

// TestBrokenIsNoPrefix: "cassé" says broken; "casserole" (a pan) does not.
func TestBrokenIsNoPrefix(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "PAN-CLIP", Name: map[concierge.Locale]string{"fr": "Clip de casserole pour thermomètre à sonde"}, Price: concierge.Money{Minor: 399, Currency: "EUR"}},
	}, []concierge.Locale{"fr"})
	if in := nlu.Parse("ajoute 3 clips de casserole", ix, "fr"); in.Name != nlu.AddToCart || in.Quantity != 3 {
		t.Errorf("ajoute 3 clips de casserole = %s ×%d, want add_to_cart ×3", in.Name, in.Quantity)
	}
	if in := nlu.Parse("mon clip est arrivé cassé", ix, "fr"); in.Name == nlu.AddToCart || in.Name == nlu.Search {
		t.Errorf("mon clip est arrivé cassé = %s, want a complaint, not shopping", in.Name)
	}
}

// TestRemoveSomeOfAShopWithVariants: "enlèves-en 2" in a shop whose
// products come in sizes is a count taken away, not the size "2".
func TestRemoveSomeOfAShopWithVariants(t *testing.T) {
	ix := yard(t)
	for _, text := range []string{"enlèves-en 2", "enlève-en 2", "retire-en 2"} {
		if in := nlu.Parse(text, ix, "fr"); in.Name != nlu.RemoveFromCart || in.Delta != -2 {
			t.Errorf("Parse(%q) = %s delta %d, want remove_from_cart delta -2", text, in.Name, in.Delta)
		}
	}
}
