package nlu_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/agent/nlu"
)

func TestLang(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		text string
		hint concierge.Locale
		want concierge.Locale
	}{
		{"je cherche une lampe", "", "fr"},
		{"Zénith", "", "fr"}, // an accent is French evidence
		{"lampe de bureau zenith", "en", "fr"},
		{"looking for a lamp", "fr", "en"},
		{"LED灯泡", "", "zh"},
		{"LAMP-02 多少钱", "fr", "zh"},
		{"agent", "", "en"}, // no evidence: English
		{"🙂🙂🙂", "fr", ""},
		{"42 !", "fr", ""},
		{"", "fr", ""},
	}
	for _, tt := range tests {
		if got := nlu.Parse(tt.text, ix, tt.hint).Lang; got != tt.want {
			t.Errorf("Parse(%q, hint %q).Lang = %q, want %q", tt.text, tt.hint, got, tt.want)
		}
	}
}

func TestPrice(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		text     string
		min, max int64
	}{
		{"lampe à moins de 50 euros", 0, 5000},
		{"under 60", 0, 6000},
		{"五十欧以下的灯", 0, 5000},
		{"<50€", 0, 5000},
		{"lampe < 45,50 €", 0, 4550},
		{"entre 30 et 60 €", 3000, 6000},
		{"between 20 and 40 euros", 2000, 4000},
		{"ampoules 5-10€", 500, 1000},
		{"budget 100", 0, 10000},
		{"pas plus de cent euros", 0, 10000},
		{"plus de 40 euros", 4000, 0},
		{"over €25", 2500, 0},
		{"一百元以内", 0, 10000},
		{"不超过80元的台灯", 0, 8000},
		{"100元以上", 10000, 0},
		{"une lampe à 40 €", 0, 4000},
		{"60eur max", 0, 6000},
		// Counts, not prices.
		{"moins de 3 lampes", 0, 0},
		{"ampoule 60 W", 0, 0},
		{"LAMP-02", 0, 0},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "")
		if in.PriceMin != tt.min || in.PriceMax != tt.max {
			t.Errorf("Parse(%q) price = [%d, %d], want [%d, %d]", tt.text, in.PriceMin, in.PriceMax, tt.min, tt.max)
		}
	}
}

func TestQuantity(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		text string
		want int
	}{
		{"ajoute deux lampes", 2},
		{"add three bulbs", 3},
		{"我要两个", 2},
		{"来三盏", 3},
		{"x3", 3},
		{"2x Aurore", 2},
		{"make it 4", 4},
		{"finalement une seule", 1},
		{"mets-en une", 1},
		{"just one", 1},
		{"vingt-cinq ampoules", 25},
		{"quatre-vingt-dix ampoules", 90},
		{"a dozen bulbs", 12},
		{"十个灯泡", 10},
		// Not quantities.
		{"which one is brighter", 0},
		{"je cherche une lampe", 0},
		{"ampoule 60 W", 0},
		{"LAMP-02", 0},
		{"quelle différence entre ces deux lampes", 0},
		{"je prends les deux", 0},
		{"the first two", 0},
		{"moins de 50 euros", 0},
		{"第二个", 0},
	}
	for _, tt := range tests {
		if got := nlu.Parse(tt.text, ix, "").Quantity; got != tt.want {
			t.Errorf("Parse(%q).Quantity = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestOrdinals(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		text string
		want []int
	}{
		{"la deuxième", []int{2}},
		{"je prends la 2e", []int{2}},
		{"the first two", []int{1, 2}},
		{"les deux premières", []int{1, 2}},
		{"the second one", []int{2}},
		{"the last one", []int{-1}},
		{"le dernier", []int{-1}},
		{"the last two", []int{-2, -1}},
		{"number 3", []int{3}},
		{"top 3", []int{1, 2, 3}},
		{"第一个", []int{1}},
		{"前两个", []int{1, 2}},
		{"最后一个", []int{-1}},
		{"the first and the third", []int{1, 3}},
		{"ajoute la 1 et la 3", []int{1, 3}},
		// Not positions.
		{"cheapest first", nil},
		{"wait a second", nil},
		{"je cherche une lampe", nil},
	}
	for _, tt := range tests {
		if got := nlu.Parse(tt.text, ix, "").Ordinals; !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q).Ordinals = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestOrder(t *testing.T) {
	ix := testIndex(t)
	tests := map[string]string{
		"ma commande A1B2C3":            "A1B2C3",
		"order ml-7k3q9d":               "ML-7K3Q9D",
		"订单ML-7K3Q9D发货了吗":               "ML-7K3Q9D",
		"order #123456":                 "123456",
		"ajoute LAMP-02":                "", // a SKU
		"ampoule e27 2700k":             "",
		"where is my order":             "",
		"commande de 3 lampes GU10 60W": "",
	}
	for text, want := range tests {
		if got := nlu.Parse(text, ix, "").Order; got != want {
			t.Errorf("Parse(%q).Order = %q, want %q", text, got, want)
		}
	}
}

func TestRefShown(t *testing.T) {
	ix := testIndex(t)
	tests := map[string]bool{
		"je la prends":            true,
		"prends-la":               true,
		"I'll take it":            true,
		"celle-ci":                true,
		"ces deux":                true,
		"those two":               true,
		"这个":                      true,
		"加入购物车":                   true, // an action with no object
		"make it 4":               true,
		"je cherche une lampe":    false,
		"abat-jour en lin":        false,
		"a lamp that is dimmable": false,
		"ajoute la Zénith":        false,
		"compare the first two":   false,
	}
	for text, want := range tests {
		if got := nlu.Parse(text, ix, "").RefShown; got != want {
			t.Errorf("Parse(%q).RefShown = %v, want %v", text, got, want)
		}
	}
}

// TestIntentPrecedence checks messages that mix signals.
func TestIntentPrecedence(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		text string
		want nlu.IntentName
	}{
		{"ajoute 2 lampes Aurore au panier", nlu.AddToCart},     // a verb beats product words
		{"lampe de bureau zenith", nlu.Details},                 // a name without a verb
		{"bonjour, je cherche une lampe de chevet", nlu.Search}, // greeting and a request
		{"merci, je la prends", nlu.AddToCart},                  // thanks and an action
		{"ma commande est arrivée cassée", nlu.RefundRequest},   // refund beats status
		{"je veux être remboursé, passez-moi un conseiller", nlu.Human},
		{"annule les ampoules", nlu.RemoveFromCart}, // cancel a cart line
		{"annule ma commande", nlu.CancelOrder},
		{"write me a poem about lamps", nlu.OutOfScope}, // off topic beats product words
		{"non merci", nlu.ConsentNo},
		{"ok d'accord", nlu.ConsentYes},
		{"oui, ajoute la Zénith", nlu.AddToCart},
		{"je voudrais deux lampes de chevet", nlu.Search}, // a count of a kind, not of a thing
		{"je veux juste une lampe de chevet", nlu.Search},
		{"quelle est la meilleure lampe de bureau ?", nlu.Search},
		{"thanks for your help", nlu.Thanks},
		{"des ampoules pour la Zénith", nlu.Search}, // another kind for a named product
		{"does the Celeste come with a shade?", nlu.Details},
		{"je cherche une lampe pour mon atelier", nlu.Search}, // "mon atelier" is not the Atelier
		{"combien coûte la livraison ?", nlu.Help},            // delivery terms, not an order
		{"where is my delivery", nlu.OrderStatus},
		{"au revoir", nlu.Thanks},
		{"parle moi de la révolution française", nlu.OutOfScope},
		{"2+2", nlu.OutOfScope},
	}
	for _, tt := range tests {
		if got := nlu.Parse(tt.text, ix, "").Name; got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.text, got, tt.want)
		}
	}
}

// TestNilIndex checks that Parse works without a catalog, finding no
// products or categories.
func TestNilIndex(t *testing.T) {
	in := nlu.Parse("ajoute 2 lampes Aurore au panier", nil, "fr")
	if in.Name != nlu.AddToCart || in.Quantity != 2 || len(in.Products) != 0 || in.Category != "" {
		t.Errorf("Parse without index = %+v", in)
	}
}

// TestHostileInput checks that odd input neither panics nor is taken for
// a request.
func TestHostileInput(t *testing.T) {
	ix := testIndex(t)
	for _, text := range []string{
		"", "   ", "\x00\x01\xff", strings.Repeat("lampe ", 5000), strings.Repeat("灯", 3000),
		"<img src=x onerror=alert(1)>", "${jndi:ldap://x}", "' OR '1'='1", "{{7*7}}",
		strings.Repeat("🙂", 1000), "999999999999999999999999 euros", "1e400 €", "x99999",
	} {
		in := nlu.Parse(text, ix, "fr")
		if len(text) < 100 && strings.ContainsAny(text, "<{$'") && in.Name != nlu.OutOfScope {
			t.Errorf("Parse(%q) = %s, want out_of_scope", text, in.Name)
		}
	}
}

func ExampleParse() {
	products := []concierge.Product{
		{SKU: "LAMP-01", Category: "bedside", Price: concierge.Money{Minor: 4900, Currency: "EUR"},
			Name: map[concierge.Locale]string{"fr": "Lampe de chevet Aurore", "en": "Aurore bedside lamp", "zh": "欧若拉床头灯"},
			Tags: []string{"lamp", "bedroom", "warm light"}},
		{SKU: "LAMP-02", Category: "desk", Price: concierge.Money{Minor: 7900, Currency: "EUR"},
			Name: map[concierge.Locale]string{"fr": "Lampe de bureau Zénith", "en": "Zenith desk lamp", "zh": "天顶台灯"},
			Tags: []string{"lamp", "desk", "dimmable"}},
	}
	ix := catalog.New(products, []concierge.Locale{"fr", "en", "zh"})
	for _, text := range []string{
		"ajoute 2 lampes Aurore au panier",
		"a warm bedside lamp under 60 euros",
		"欧若拉和天顶哪个好",
		"mets-en deux",
	} {
		in := nlu.Parse(text, ix, "fr")
		switch in.Name {
		case nlu.Search:
			fmt.Printf("%s %s: %q in %q under %d\n", in.Lang, in.Name, in.Query, in.Category, in.PriceMax)
		default:
			fmt.Printf("%s %s: %v ×%d shown=%v\n", in.Lang, in.Name, in.Products, in.Quantity, in.RefShown)
		}
	}
	// Output:
	// fr add_to_cart: [LAMP-01] ×2 shown=false
	// en search: "warm bedside lamp" in "bedside" under 6000
	// zh compare: [LAMP-01 LAMP-02] ×0 shown=false
	// fr add_to_cart: [] ×2 shown=true
}

func BenchmarkParse(b *testing.B) {
	ix := testIndex(b)
	for _, lang := range []struct {
		name string
		msgs []string
	}{
		{"fr", []string{"je cherche une lampe de bureau", "ajoute 2 lampes Aurore au panier", "où en est ma commande ?", "lampe a moins de 50 euros"}},
		{"en", []string{"looking for a desk lamp", "which one is brighter, Aurore or Zenith?", "I'll take it", "deks lamp"}},
		{"zh", []string{"我想买台灯", "五十欧以下的灯", "欧若拉和天顶哪个好", "加入购物车"}},
	} {
		b.Run(lang.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				nlu.Parse(lang.msgs[i%len(lang.msgs)], ix, "")
			}
		})
	}
}

// BenchmarkParseLarge parses the same messages against a catalog of
// 10,000 products: understanding reads the catalog (names, numbers in
// names, a search to tell one product from several), so its cost must
// stay flat as catalogs grow.
func BenchmarkParseLarge(b *testing.B) {
	ix := catalog.New(catalogtest.Large(b, "../catalog/testdata/catalog.yaml", 10000), []concierge.Locale{"fr", "en", "zh"})
	msgs := []string{"je cherche une lampe de bureau", "ajoute 2 lampes Aurore au panier", "une carte cadeau 30 €",
		"add two smart colour bulbs and the Aurore lamp", "I'd like the desk lamp, not the Zenith", "我想买台灯", "enlève-en un"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		nlu.Parse(msgs[i%len(msgs)], ix, "")
	}
}

func TestThenCheckout(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"I'll take it, checkout please", true},
		{"je la prends et je veux payer", true},
		{"I'll take it", false},
		{"checkout please", false},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, nil, "")
		if in.ThenCheckout != tt.want {
			t.Errorf("Parse(%q) = %s, ThenCheckout %v; want %v", tt.text, in.Name, in.ThenCheckout, tt.want)
		}
	}
}
