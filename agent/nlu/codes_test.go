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

func crag(t *testing.T) *catalog.Index {
	t.Helper()
	return catalog.New(catalogtest.Load(t, "testdata/crag.yaml"), []concierge.Locale{"en", "fr"})
}

// chosen is the product a query chooses as the cart's tools would: the
// one it finds, or among several the one it spells out (Closest); "" when
// it cannot choose. skus are the products found.
func chosen(ix *catalog.Index, query string) (concierge.SKU, []concierge.SKU) {
	var skus []concierge.SKU
	for _, h := range ix.Search(catalog.Query{Text: query, Limit: 4}) {
		if h.Score > 0 {
			skus = append(skus, h.SKU)
		}
	}
	if len(skus) == 1 {
		return skus[0], skus
	}
	return ix.Closest(query, skus), skus
}

// TestCodesAndSizesOfNames: a hyphenated code a name writes ("S-04") is
// the product's model, not an order reference; a size written tight
// ("30x40") is read as names write it ("30 x 40"), not as an order
// reference either; a real order reference still is one.
func TestCodesAndSizesOfNames(t *testing.T) {
	ix := crag(t)
	tests := []struct {
		text     string
		order    string
		quantity int
		first    concierge.SKU // when set, what the query finds first, alone
	}{
		{text: "add the S-04 yeast", first: "YEAST-S04"},
		{text: "ajoute 2 sachets de levure S-04", quantity: 2, first: "YEAST-S04"},
		{text: "add 2 sachets of W-34/70 lager yeast", quantity: 2, first: "YEAST-W3470"},
		{text: "je prends 4 toiles 30x40", quantity: 4, first: "CANVAS-30X40"},
		{text: "where is my order ML-7K3Q9D?", order: "ML-7K3Q9D"},
		{text: "order S-05 please", order: "S-05"}, // no name writes "s 05"
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "en")
		if in.Order != tt.order {
			t.Errorf("Parse(%q).Order = %q, want %q", tt.text, in.Order, tt.order)
		}
		if in.Quantity != tt.quantity {
			t.Errorf("Parse(%q).Quantity = %d, want %d", tt.text, in.Quantity, tt.quantity)
		}
		if tt.first == "" {
			continue
		}
		if hits := ix.Search(catalog.Query{Text: in.Query, Limit: 3}); len(hits) == 0 || hits[0].SKU != tt.first || len(hits) > 1 && hits[1].Score == hits[0].Score {
			t.Errorf("Parse(%q): search %q = %v, want %s alone first", tt.text, in.Query, hits, tt.first)
		}
	}
}

// TestCountBrokenDown: "two pairs, one in 40 and one in 41" is one pair
// of each size, not two pairs and two more; counts that do not add up are
// not a breakdown.
func TestCountBrokenDown(t *testing.T) {
	ix := crag(t)
	in := nlu.Parse("add two pairs of Tarn shoes, one in 40 and one in 41", ix, "en")
	var qs []int
	for _, it := range in.Items {
		qs = append(qs, it.Quantity)
		fit, _, _ := ix.Narrow(it.Text, ix.Variants("TARN-40"))
		if len(fit) != 1 {
			t.Errorf("item %q fits %v, want one size", it.Text, fit)
		}
	}
	if !slices.Equal(qs, []int{1, 1}) {
		t.Errorf("items' counts = %v, want [1 1]", qs)
	}
	in = nlu.Parse("add two pairs of Tarn shoes, one in 40 and two in 41", ix, "en")
	if len(in.Items) != 3 {
		t.Errorf("counts 1+2 for 2: %d items, want the 3 as said (the rules then ask)", len(in.Items))
	}
}

// TestByPrice: a price cue said of one thing points at one of what was
// shown; said of a list, or with words of a search, it sorts.
func TestByPrice(t *testing.T) {
	ix := crag(t)
	for text, want := range map[string]bool{
		"the cheaper one":         true,
		"the cheapest":            true,
		"le moins cher":           true,
		"la plus chère":           true,
		"便宜的那个":                   true,
		"最便宜的":                    true,
		"anything cheaper?":       false,
		"moins cher ?":            false,
		"the cheapest yeast":      false,
		"des toiles pas chères":   false,
		"cheapest under 20 euros": false,
	} {
		if got := nlu.Parse(text, ix, "en").ByPrice; got != want {
			t.Errorf("Parse(%q).ByPrice = %v, want %v", text, got, want)
		}
	}
}

// TestPackCounted: "2 packs of 16T wagons", where the wagon is sold alone
// and as a 3-pack, counts packs and asks for the pack; "6 packs of Saaz",
// where only other products come in packs, counts the hops.
func TestPackCounted(t *testing.T) {
	ix := crag(t)
	tests := []struct {
		text     string
		lang     concierge.Locale
		quantity int
		first    concierge.SKU
	}{
		{"add 2 packs of 16T mineral wagons", "en", 2, "WAGON-16T-3PK"},
		{"mets trois lots de wagons minéraliers", "fr", 3, "WAGON-16T-3PK"},
		{"add two 16T mineral wagons", "en", 2, "WAGON-16T"},
		{"add 6 packs of Saaz", "en", 6, "HOP-SAAZ"},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, tt.lang)
		if in.Quantity != tt.quantity {
			t.Errorf("Parse(%q).Quantity = %d, want %d", tt.text, in.Quantity, tt.quantity)
		}
		if got, skus := chosen(ix, in.Query); got != tt.first {
			t.Errorf("Parse(%q): query %q chooses %q among %v, want %s", tt.text, in.Query, got, skus, tt.first)
		}
	}
}

// TestListsOfRuledOut: a negation rules out every item of the list it
// opens ("不要耳温枪和额温枪", "ni … ni …"), and "and" does not continue
// it; "少要一盒" is one box less.
func TestListsOfRuledOut(t *testing.T) {
	ix := crag(t)
	in := nlu.Parse("加个体温计，不要耳温枪和额温枪", ix, "zh")
	if slices.Contains(strings.Fields(in.Query), "额温枪") || strings.Contains(in.Query, "额温枪") {
		t.Errorf("Parse(不要耳温枪和额温枪).Query = %q, want the forehead one ruled out", in.Query)
	}
	hits := ix.Search(catalog.Query{Text: in.Query, Exclude: in.NotQuery, Limit: 4})
	if len(hits) == 0 || hits[0].SKU != "THERMO-STICK" || slices.ContainsFunc(hits, func(h catalog.Hit) bool { return h.SKU == "THERMO-HEAD" || h.SKU == "THERMO-EAR" }) {
		t.Errorf("search %q without %q = %v, want the stick thermometer alone", in.Query, in.NotQuery, hits)
	}
	if in := nlu.Parse("add the forehead thermometer, not the ear one and two digital thermometers", ix, "en"); strings.Contains(in.NotQuery, "digital") {
		t.Errorf("\"and\" continued the negation: NotQuery %q", in.NotQuery)
	}
	for _, text := range []string{"少要一盒", "少一盒", "减少一个"} {
		if in := nlu.Parse(text, ix, "zh"); in.Delta != -1 {
			t.Errorf("Parse(%q).Delta = %d, want -1", text, in.Delta)
		}
	}
}

// TestCompareParts: each part of "compare X and Y" chooses its product,
// by its words or by the value it states beside the word names write
// with it ("N gauge").
func TestCompareParts(t *testing.T) {
	ix := crag(t)
	tests := []struct {
		text string
		lang concierge.Locale
		want []concierge.SKU
	}{
		{"compare the A4 Mallard OO and the A4 Mallard N gauge", "en", []concierge.SKU{"LOCO-OO", "LOCO-N"}},
		{"比较耳温枪和额温枪", "zh", []concierge.SKU{"THERMO-EAR", "THERMO-HEAD"}},
		// The last part's head is the others' too.
		{"what's the difference between the 2-frame and the 4-frame extractor?", "en", []concierge.SKU{"EXT-2F", "EXT-4F"}},
		{"j'hésite entre le décodeur DCC 8 broches et le kit de gare", "fr", []concierge.SKU{"DECODER-8", "KIT-STATION"}},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, tt.lang)
		if in.Name != nlu.Compare || !slices.Equal(in.Products, tt.want) {
			t.Errorf("Parse(%q) = %s %v, want compare %v", tt.text, in.Name, in.Products, tt.want)
		}
	}
}

// TestAmountsOfNames: an amount a name writes, said with no bound, is the
// name's ("a £50 gift voucher"), and a currency written against the
// number after it leaves the number before it a count ("2 £25
// vouchers"); "under £50" stays a budget.
func TestAmountsOfNames(t *testing.T) {
	ix := crag(t)
	tests := []struct {
		text     string
		quantity int
		priceMax int64
		first    concierge.SKU
	}{
		{"add a £50 gift voucher", 0, 0, "VOUCHER-50"},
		{"add 2 £25 vouchers", 2, 0, "VOUCHER-25"},
		{"add two £25 vouchers", 2, 0, "VOUCHER-25"},
		{"a gift voucher under £50", 0, 5000, ""},
		{"something for £35", 0, 3500, ""}, // no name writes 35: a budget
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "en")
		if in.Quantity != tt.quantity || in.PriceMax != tt.priceMax {
			t.Errorf("Parse(%q) = quantity %d, price max %d; want %d, %d", tt.text, in.Quantity, in.PriceMax, tt.quantity, tt.priceMax)
		}
		if tt.first == "" {
			continue
		}
		if hits := ix.Search(catalog.Query{Text: in.Query, Limit: 2}); len(hits) == 0 || hits[0].SKU != tt.first || len(hits) > 1 && hits[1].Score == hits[0].Score {
			t.Errorf("Parse(%q): search %q = %v, want %s alone first", tt.text, in.Query, hits, tt.first)
		}
	}
}

// TestJoinedAsNamesJoin: a number joined to a word as a name joins them
// ("8-pin") is the name's, a scale a name writes ("1:76") is one word,
// and a letter beside the word a name writes with it ("N gauge",
// "échelle N") is kept, not read as French "n'".
func TestJoinedAsNamesJoin(t *testing.T) {
	ix := crag(t)
	tests := []struct {
		text     string
		lang     concierge.Locale
		quantity int
		first    concierge.SKU
	}{
		{"add two 8-pin decoders", "en", 2, "DECODER-8"},
		{"add the station kit 1:76", "en", 0, "KIT-STATION"},
		{"add the Mallard in N gauge", "en", 0, "LOCO-N"},
		{"ajoute la locomotive A4 Mallard échelle N", "fr", 0, "LOCO-N"},
		// The unit of a measure a name writes ("50L") tells it from
		// another 50 ("80x50cm").
		{"来两个50L的收纳箱", "zh", 2, "BOX-50L"},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, tt.lang)
		if in.Quantity != tt.quantity || in.BadQuantity {
			t.Errorf("Parse(%q) = quantity %d (bad %v), want %d", tt.text, in.Quantity, in.BadQuantity, tt.quantity)
		}
		if got, skus := chosen(ix, in.Query); got != tt.first {
			t.Errorf("Parse(%q): query %q chooses %q among %v, want %s", tt.text, in.Query, got, skus, tt.first)
		}
	}
}

// TestValuesAfterAComma: "the Marina swimsuit in coral, size 12" is one
// item, the size of the swimsuit (not the goggles for ages 6-12); "ni le noir ni le marine" rules out both colours.
func TestValuesAfterAComma(t *testing.T) {
	swim := func(sku, colour, size string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "MARINA", Name: map[concierge.Locale]string{"en": "Marina one-piece swimsuit"},
			Attrs: map[string]string{"colour": colour, "size": size}}
	}
	ix := catalog.New([]concierge.Product{
		swim("M-CORAL-10", "coral", "10"), swim("M-CORAL-12", "coral", "12"), swim("M-NAVY-12", "navy", "12"),
		{SKU: "GOGGLES", Name: map[concierge.Locale]string{"en": "Junior swim goggles ages 6-12"}},
	}, []concierge.Locale{"en"})
	text := "add the Marina swimsuit in coral, size 12"
	if in := nlu.Parse(text, ix, "en"); len(in.Items) > 1 {
		t.Errorf("Parse(%q) = %d items, want one: the size is the swimsuit's", text, len(in.Items))
	}
	if fit, _, _ := ix.Narrow(text, ix.Variants("M-CORAL-10")); !slices.Equal(fit, []concierge.SKU{"M-CORAL-12"}) {
		t.Errorf("Narrow(%q) = %v, want M-CORAL-12", text, fit)
	}
	pads := catalog.New([]concierge.Product{
		{SKU: "PAD-BK", Group: "PAD", Name: map[concierge.Locale]string{"fr": "Tapis de selle CSO"}, Attrs: map[string]string{"couleur": "noir"}},
		{SKU: "PAD-NV", Group: "PAD", Name: map[concierge.Locale]string{"fr": "Tapis de selle CSO"}, Attrs: map[string]string{"couleur": "marine"}},
		{SKU: "PAD-BX", Group: "PAD", Name: map[concierge.Locale]string{"fr": "Tapis de selle CSO"}, Attrs: map[string]string{"couleur": "bordeaux"}},
	}, []concierge.Locale{"fr"})
	in := nlu.Parse("je prends le tapis de selle CSO, ni le noir ni le marine", pads, "fr")
	if len(in.Items) > 1 || !strings.Contains(in.NotQuery, "noir") || !strings.Contains(in.NotQuery, "marine") {
		t.Errorf("Parse(ni … ni …) = %d items, NotQuery %q; want one item with both colours ruled out", len(in.Items), in.NotQuery)
	}
}

// TestTornBetweenTwoStands: the last part's last word is its own name's
// ("triple"), not a head the first part shares: each part chooses its
// stand.
func TestTornBetweenTwoStands(t *testing.T) {
	name := func(sku, fr, en string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Category: "stands", Name: map[concierge.Locale]string{"fr": fr, "en": en}}
	}
	ix := catalog.New([]concierge.Product{
		name("STAND-FOLD", "Stand guitare pliable", "Folding guitar stand"),
		name("STAND-3", "Stand guitare triple (3 guitares)", "Triple guitar stand (3 guitars)"),
		name("DESK", "Pupitre à partitions pliable", "Folding music stand"),
		name("STAND-UKU", "Stand ukulélé et violon", "Ukulele and violin stand"),
		name("STAND-SAX", "Stand saxophone alto et ténor", "Alto and tenor saxophone stand"),
	}, []concierge.Locale{"fr", "en"})
	in := nlu.Parse("j'hésite entre le stand guitare pliable et le stand guitare triple", ix, "fr")
	if want := []concierge.SKU{"STAND-FOLD", "STAND-3"}; in.Name != nlu.Compare || !slices.Equal(in.Products, want) {
		t.Errorf("Parse = %s %v, want compare %v", in.Name, in.Products, want)
	}
}

// TestPickAmongNamed: a message that names products and picks one of
// them, by price or position, asks for that one only; each part chooses
// its product by the values it states before the category its words
// guess ("la Ace 100 grip 2" is the racket, not the grip).
func TestPickAmongNamed(t *testing.T) {
	p := func(sku, group, category string, price int64, fr, zh string, attrs map[string]string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: group, Category: category, Price: concierge.Money{Minor: price, Currency: "EUR"},
			Name: map[concierge.Locale]string{"fr": fr, "zh": zh}, Attrs: attrs}
	}
	ix := catalog.New([]concierge.Product{
		p("LINK-5", "", "intercoms", 19900, "Intercom Link 5", "Link 5 对讲机", nil),
		p("MESH-50S", "", "intercoms", 29900, "Intercom Mesh 50S", "Mesh 50S 对讲机", nil),
		p("VIS-FUMEE", "VIS", "visors", 3900, "Visière X-14 fumée", "X-14 茶色镜片", map[string]string{"tint": "fumée"}),
		p("VIS-IRIDIUM", "VIS", "visors", 5900, "Visière X-14 iridium bleu", "X-14 蓝色电镀镜片", map[string]string{"tint": "iridium"}),
		p("SENSOR-MOTION", "", "sensors", 9900, "Détecteur de mouvement", "人体传感器 2代", nil),
		p("SENSOR-WATER", "", "sensors", 6900, "Détecteur de fuite d'eau", "水浸传感器", nil),
		p("ACE98", "", "rackets", 18900, "Raquette de tennis Ace 98 Pro", "Ace 98 Pro 网球拍", map[string]string{"grip": "3"}),
		p("ACE100-G2", "ACE100", "rackets", 14900, "Raquette de tennis Ace 100 grip 2", "Ace 100 网球拍 2号手柄", map[string]string{"grip": "2"}),
		p("ACE100-G3", "ACE100", "rackets", 14900, "Raquette de tennis Ace 100 grip 3", "Ace 100 网球拍 3号手柄", map[string]string{"grip": "3"}),
		p("GRIP-ACE", "", "grips", 1100, "Grip de remplacement pour Ace 100", "Ace 100 替换手胶", nil),
	}, []concierge.Locale{"fr", "zh"})
	tests := []struct {
		text string
		lang concierge.Locale
		name nlu.IntentName
		want []concierge.SKU
	}{
		{"entre l'intercom Link 5 et le Mesh 50S, je prends le moins cher", "fr", nlu.AddToCart, []concierge.SKU{"LINK-5"}},
		{"j'hésite entre la visière fumée et la visière iridium... je prends la deuxième", "fr", nlu.AddToCart, []concierge.SKU{"VIS-IRIDIUM"}},
		{"人体传感器和水浸传感器，我要便宜的那个", "zh", nlu.AddToCart, []concierge.SKU{"SENSOR-WATER"}},
		{"quelle est la différence entre la Ace 98 Pro et la Ace 100 grip 2 ?", "fr", nlu.Compare, []concierge.SKU{"ACE98", "ACE100-G2"}},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, tt.lang)
		if in.Name != tt.name || !slices.Equal(in.Products, tt.want) || len(in.Items) > 0 {
			t.Errorf("Parse(%q) = %s %v items %+v, want %s %v", tt.text, in.Name, in.Products, in.Items, tt.name, tt.want)
		}
	}
}

// TestCountIsNoWordOfAName: the count of "ajoute 2 intercoms Link 5" does
// not choose the "Link 5 Duo (pack de 2)" by its 2; two singles are
// asked for, in French or Chinese.
func TestCountIsNoWordOfAName(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "LINK-5", Name: map[concierge.Locale]string{"fr": "Intercom Link 5", "zh": "Link 5 头盔对讲机"}},
		{SKU: "LINK-5-DUO", Name: map[concierge.Locale]string{"fr": "Intercom Link 5 Duo (pack de 2)", "zh": "Link 5 头盔对讲机 双人套装（2个装）"}},
	}, []concierge.Locale{"fr", "zh"})
	for _, tt := range []struct{ text, lang string }{
		{"ajoute 2 intercoms Link 5", "fr"},
		{"ajoute deux Link 5", "fr"},
		{"我要两个 Link 5 对讲机", "zh"},
	} {
		in := nlu.Parse(tt.text, ix, concierge.Locale(tt.lang))
		if in.Quantity != 2 || slices.Contains(in.Products, "LINK-5-DUO") && len(in.Products) == 1 {
			t.Errorf("Parse(%q) = %v ×%d, want two of LINK-5 (or a question)", tt.text, in.Products, in.Quantity)
		}
	}
}

// TestNumberOfANameAfterAFullStop: "cat. 3" ends the message as the
// name "Masque Orage cat. 3" writes it: one mask, not three.
func TestNumberOfANameAfterAFullStop(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "GOG-3", Name: map[concierge.Locale]string{"fr": "Masque Orage cat. 3"}},
		{SKU: "GOG-1", Name: map[concierge.Locale]string{"fr": "Masque Orage cat. 1"}},
	}, []concierge.Locale{"fr"})
	if in := nlu.Parse("ajoute un masque Orage cat. 3", ix, "fr"); in.Quantity > 1 {
		t.Errorf("Parse(ajoute un masque Orage cat. 3).Quantity = %d, want 1 or unsaid", in.Quantity)
	}
}

// TestAddInAnotherWord: "加" in "加气" (refill) or in a name's "加厚" is no
// add; "加点火枪" and "加一个点火枪" are.
func TestAddInAnotherWord(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "LIGHTER", Name: map[concierge.Locale]string{"zh": "点火枪"}},
		{SKU: "FOIL", Name: map[concierge.Locale]string{"zh": "加厚锡纸 20米"}},
	}, []concierge.Locale{"zh"})
	for text, want := range map[string]bool{"点火枪可以加气吗？": false, "加点火枪": true, "加一个点火枪": true, "有加厚锡纸吗？": false} {
		if in := nlu.Parse(text, ix, "zh"); (in.Name == nlu.AddToCart) != want {
			t.Errorf("Parse(%q) = %s, want add %v", text, in.Name, want)
		}
	}
}

// TestRequestPutAsAQuestion: "est-ce que je pourrais avoir la protection
// dorsale niveau 2 ?" and "could I have…?" ask to have it; "do you have…?"
// asks whether it is sold.
func TestRequestPutAsAQuestion(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "BACK-2", Name: map[concierge.Locale]string{"fr": "Protection dorsale niveau 2", "en": "Back protector level 2"}},
		{SKU: "BACK-1", Name: map[concierge.Locale]string{"fr": "Protection dorsale niveau 1", "en": "Back protector level 1"}},
	}, []concierge.Locale{"fr", "en"})
	for text, want := range map[string]nlu.IntentName{
		"Bonjour ! Est-ce que je pourrais avoir la protection dorsale niveau 2 s'il vous plaît ?": nlu.AddToCart,
		"could I have the back protector level 2?":                                                nlu.AddToCart,
		"do you have the back protector level 2?":                                                 nlu.Details,
	} {
		if in := nlu.Parse(text, ix, "fr"); in.Name != want && !(want == nlu.Details && in.Name == nlu.Search) {
			t.Errorf("Parse(%q) = %s, want %s", text, in.Name, want)
		}
	}
}

// TestJustTheOther: "I don't want the 5400, just the 3200" asks for the
// 3200 and rules out the 5400; "I don't want the 5400" alone removes it.
func TestJustTheOther(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "SM-3200", Name: map[concierge.Locale]string{"en": "Stitchmaster 3200 sewing machine", "fr": "Machine à coudre Stitchmaster 3200"}},
		{SKU: "SM-5400", Name: map[concierge.Locale]string{"en": "Stitchmaster 5400 sewing machine", "fr": "Machine à coudre Stitchmaster 5400"}},
	}, []concierge.Locale{"en", "fr"})
	in := nlu.Parse("I don't want the Stitchmaster 5400, just the 3200", ix, "en")
	if in.Name != nlu.AddToCart || !slices.Equal(in.Products, []concierge.SKU{"SM-3200"}) || !slices.Contains(in.Excluded, "SM-5400") {
		t.Errorf("Parse(…just the 3200) = %s %v excluded %v, want add SM-3200, SM-5400 ruled out", in.Name, in.Products, in.Excluded)
	}
	if in := nlu.Parse("je ne veux pas la Stitchmaster 5400, juste la 3200", ix, "fr"); in.Name != nlu.AddToCart || !slices.Equal(in.Products, []concierge.SKU{"SM-3200"}) {
		t.Errorf("Parse(…juste la 3200) = %s %v, want add SM-3200", in.Name, in.Products)
	}
	if in := nlu.Parse("I don't want the Stitchmaster 5400", ix, "en"); in.Name != nlu.RemoveFromCart {
		t.Errorf("Parse(I don't want the Stitchmaster 5400) = %s, want %s", in.Name, nlu.RemoveFromCart)
	}
}
