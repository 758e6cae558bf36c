// Package nlu turns what a shopper writes, in French, English or Chinese,
// into an Intent: what they want done (search, compare, add to the cart,
// pay, talk to a person…) and its slots (a query, a category, a budget, a
// quantity, the products named or pointed at, an order reference).
//
// It is the language understanding of the offline rules brain: deterministic,
// with no model and no I/O, and fast enough to run on every message. It
// owns the phrase tables of each intent and the readers of numbers, prices,
// positions and order references; product words and names belong to
// agent/catalog, which it asks through an *catalog.Index.
//
// It imports the root package concierge, agent/catalog and the standard
// library. It is imported by the agent's
// rules brain and its tools only (see deps_test.go).
package nlu

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// IntentName is what a message asks for.
type IntentName string

// The intents. Consent answers are only meaningful to a caller that asked a
// question; others may treat them as acknowledgements.
const (
	Greet          IntentName = "greet"
	Search         IntentName = "search"
	Details        IntentName = "details"
	Compare        IntentName = "compare"
	AddToCart      IntentName = "add_to_cart"
	RemoveFromCart IntentName = "remove_from_cart"
	ChangeQuantity IntentName = "change_quantity"
	ViewCart       IntentName = "view_cart"
	Checkout       IntentName = "checkout"
	ConsentYes     IntentName = "consent_yes"
	ConsentNo      IntentName = "consent_no"
	OrderStatus    IntentName = "order_status"
	CancelOrder    IntentName = "cancel_order"
	RefundRequest  IntentName = "refund_request"
	// Dispute contests a charge or an order: charged twice, never
	// received, not as described, a complaint. It is not a refund asked
	// for a product the customer has ("it's broken"), nor a question
	// about where an order is.
	Dispute    IntentName = "dispute"
	Human      IntentName = "human"
	Help       IntentName = "help"
	Thanks     IntentName = "thanks"
	OutOfScope IntentName = "out_of_scope"
)

// Intent is what Parse understood of one message.
type Intent struct {
	Name IntentName
	// Lang is the language of this text: "fr", "en", "zh", or "" when it
	// cannot tell (emoji, numbers only); callers then keep what they knew.
	Lang concierge.Locale
	// Query is the words to search for, without stop words, cue phrases,
	// prices or quantities ("lampe chevet", "可调光 灯泡"); "" when none.
	Query string
	// Category is the catalog category the message is about ("bulbs"), as
	// the index spells it, or "".
	Category string
	// PriceMax and PriceMin are budget bounds in minor units ("moins de 50
	// euros" → 5000, "entre 30 et 60 €" → 3000 and 6000); 0 when not said.
	// Amounts are read in the shop's currency, assumed to have two
	// decimals.
	PriceMax int64
	PriceMin int64
	// Measures bound a measure said with its unit ("plus de 450 lumens"
	// is Min "450 lm", "2公斤以下" Max "2 公斤"): catalog.Query.Measures.
	Measures []concierge.Range
	// Sort is PriceAsc for "le moins cher", "cheapest", "最便宜", PriceDesc
	// for "le plus cher", "most expensive".
	Sort catalog.Sort
	// Dropped is what a message made only of a negation rules out
	// ("finalement sans le flexible", "without the case"): the cart's line
	// it names, if any, is to be removed; otherwise it is a wish ("sans
	// gluten").
	Dropped string
	// ByPrice is set when the sort points at one of what was shown
	// rather than asking for a sorted list: "the cheaper one", "le moins
	// cher", "最便宜的", "便宜的那个", with no other words of a search.
	ByPrice bool
	// Picked is set when the message does nothing but pick one of what
	// was shown, by position or by price ("the second one", "the
	// cheapest one please", "le moins cher", "第二个", "便宜的那个"): a
	// choice, which puts it in the cart as "I'll take the second one"
	// does. Words that ask to see it ("show me", "details of", "what
	// about", "?") leave it unset: they ask to look, not to have.
	Picked bool
	// Quantity is how many, 0 when not said: callers adding to a cart
	// take 0 as 1.
	Quantity int
	// Products are the products the text names, in order of mention.
	Products []concierge.SKU
	// Ordinals are 1-based positions in what was last shown ("the first
	// two" → [1 2]); negative positions count from the end ("le dernier"
	// → [-1]).
	Ordinals []int
	// RefShown is set when the message points at something shown rather
	// than naming it: "je la prends", "celle-ci", "those two", "这个", or
	// an action with no object at all ("加入购物车", "make it 4").
	RefShown bool
	// Order is an order reference ("A1B2C3", "ML-7K3Q9D"), upper-cased.
	Order string
	// ThenCheckout is set on an AddToCart that also asks to pay ("I'll
	// take it, checkout please", "je la prends et je paie").
	ThenCheckout bool
	// Items are the products of a request for several ("two smart bulbs
	// and the Aurore lamp"), each with its own quantity; nil when the
	// message asks for one thing, which Products and Quantity then say.
	Items []Item
	// Excluded are the products the message rules out ("the desk lamp,
	// not the Zenith"), and NotQuery the words that rule them out ("cast
	// iron" in "a glass teapot, not the cast iron one"): results matching
	// them are not shown.
	Excluded []concierge.SKU
	NotQuery string
	// All is set on a RemoveFromCart that empties the cart ("vide mon
	// panier", "clear my cart", "清空购物车").
	All bool
	// Delta is a relative change of a cart line: -1 for "remove one",
	// "enlève-en un"; 0 when the message sets or removes the whole line.
	Delta int
	// BadQuantity is set when the message states a count that cannot be
	// ordered: zero, negative, a fraction, or more than the line's bound
	// (Limits). The caller answers and changes nothing. TooMany says the
	// count was above the bound.
	BadQuantity, TooMany bool
	// VagueQuantity is set for "quelques", "a few", "几个": the customer
	// wants more than one without saying how many, and is asked.
	VagueQuantity bool
	// AddVerb is set when the message says "add" ("ajoute", "add", "加",
	// "mets"): a count then goes on top of what the cart holds, where "je
	// voudrais deux" says how many in all.
	AddVerb bool
	// Question is set when the message asks something ("?", "有没有"):
	// it may name a product without picking it.
	Question bool
	// Wanted is set when the message asks to have something and is not a
	// question or a budget: "je voudrais un casque", "我想买波尔多红酒".
	// A search it leads to is a "which one?", and the pick that answers
	// it adds one (or the count asked).
	Wanted bool
	// pointed is set when the message points at something shown by
	// itself ("celle-ci", "the second one"), not only by having no
	// object.
	pointed bool
	// WantWord is set when the message says it wants or takes something
	// ("要", "je veux", "I'll take", "add"), even while it narrows a
	// search ("要便宜的"), and asks no question.
	WantWord bool
	// Swap is set on an AddToCart that replaces what is in the cart
	// rather than adding to it: "finalement le grand", "the cardboard
	// one instead", "换成黑色的".
	Swap bool
	// Continues is set when the message opens with "and", "et", "还有":
	// it goes on with what the customer asked before ("and a 150ml baby
	// bottle" after adding a cream is another add).
	Continues bool
	// Size is -1 for "the small one", "la petite", "小的" and +1 for "the
	// big one", "le grand", "大的": among products that differ only by a
	// number of their names, the smallest or the largest. 0 when not said.
	Size int
	// Strangers are the words of the request the catalog does not know
	// where they decide what was asked ("espresso" in "add an espresso
	// machine", catalog.Stranger), folded. A product found by the words
	// beside them is shown, not chosen.
	Strangers []string
}

// MaxQuantity is the largest count Parse takes as a quantity when no
// merchant bound is given (Limits); the agent's cart tool has the same
// default.
const MaxQuantity = concierge.DefaultMaxQuantity

// Limits are the merchant's bounds the parser reads numbers against. A
// print shop that sells 500 prints on a line reads "50 prints" as fifty;
// with the default bound of 20, 50 is more likely a name's number ("the
// 50 one") or a count to refuse.
type Limits struct {
	// MaxQuantity is the most of one product a cart line may hold; zero
	// means MaxQuantity.
	MaxQuantity int
}

func (l Limits) maxQuantity() int {
	if l.MaxQuantity > 0 {
		return l.MaxQuantity
	}
	return MaxQuantity
}

// maxInput is how much of a message Parse reads. Shoppers write a line or
// two; a longer text is cut rather than slowing the turn down.
const maxInput = 1000

// injection matches code rather than language (HTML, SQL, template
// syntax): such a message is out of scope whatever words it contains.
var injection = regexp.MustCompile(`(?i)<\s*/?\s*[a-z][a-z0-9]*(\s[^>]*)?/?>|javascript:|\bon(error|load|click)\s*=|` +
	`\b(drop|truncate|alter)\s+table\b|\bunion\s+(all\s+)?select\b|\bselect\s+[\w*,\s]+\s+from\b|` +
	`\binsert\s+into\b|\bdelete\s+from\b|;\s*--|'\s*or\s+'?1'?\s*=\s*'?1|\{\{.*\}\}|\$\{|<\?php|\bexec\s*\(`)

// arithmetic matches a sum to work out ("2+2", "what is 12*3"): not a
// shopping question.
var arithmetic = regexp.MustCompile(`\d\s*[+*×÷^]\s*\d+\s*(=|\?|$)`)

// looksLikeCode reports whether text is code or a sum rather than a
// message. The regular expressions only run on text with the characters
// they need.
func looksLikeCode(text string) bool {
	if (strings.ContainsAny(text, "<>;'{}$()=") || hasSQLWord(text)) && injection.MatchString(text) {
		return true
	}
	return strings.ContainsAny(text, "+*×÷^") && arithmetic.MatchString(text)
}

// hasSQLWord reports whether text has a word that starts an SQL statement.
func hasSQLWord(text string) bool {
	lower := strings.ToLower(text)
	for _, w := range []string{"select", "insert", "delete", "drop", "union", "truncate", "alter"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// parse is the state of reading one message.
type parse struct {
	// comparing is set while the parts of a comparison are cut: each
	// part is a product of its own, never a narrowing of the one before
	// ("compare the U80 and the U80 Pro").
	comparing bool
	toks      []tok
	used      []bool // tokens taken by a slot or a cue: not part of the query
	negated   []bool // tokens of what the customer rules out ("not the 25")
	bounds    []bool // tokens of Intent.Measures: neither the query nor a name's
	ix        *catalog.Index
	// max is the most of one product a line may hold (Limits): a larger
	// number is no quantity.
	max int
	// refused is set when the message refuses an add ("don't add the
	// capper"): nothing it names goes in.
	refused bool
	// unplaced are the numbers taken as a name's only because some name
	// writes them and they are too large to count ("the 50 one"), not
	// because they stand where a name has them.
	unplaced []number
	// spelled is how much of the one product found its name the words
	// say (catalog.Spells).
	spelled  float64
	named    []bool // numbers that are part of a product's name: in the query
	sigs     [numSignals]bool
	spans    []span
	question bool
	ref      bool
	// generic is set when the query describes products by kind without
	// naming any ("lampe de chevet"): a wish or a question about such
	// words is a search rather than an action on something shown.
	generic bool
	// context is set when the products named are not what the message is
	// about, but what it relates to: "des ampoules pour la Zénith" asks
	// for a kind of product the Zénith is not.
	context bool
	// offCatalog is set when the message has words the catalog does not
	// know and names nothing: "parle-moi de la révolution française" is
	// not a question about a product.
	offCatalog bool
	// unique is set when the query's words find exactly one product, and
	// specific when they also say enough of its name to choose it by
	// themselves ("la théière en verre", not "红茶" for one of the teas).
	unique, specific bool
	// more and less mark a relative change: "one more", "un de moins".
	more, less bool
	// qtyAt is the token where the quantity was read.
	qtyAt int
	// indefOne is set when the quantity is a Chinese "一" with a counter,
	// which says "a" as often as "one".
	indefOne bool
}

// Parse reads one message. ix is the bot's catalog index, used to find
// named products, categories and whether words describe products; it may
// be nil, and then no product or category is found. hint is the language
// the conversation was in; it only settles a tie between French and
// English.
func Parse(text string, ix *catalog.Index, hint concierge.Locale) Intent {
	return Limits{}.Parse(text, ix, hint)
}

// Parse reads one message as Parse does, against the merchant's bounds.
func (l Limits) Parse(text string, ix *catalog.Index, hint concierge.Locale) Intent {
	if in, ok := l.readCorrection(text, ix, hint); ok {
		return in
	}
	return l.parseOne(text, ix, hint, true)
}

// parseOne reads one message, or one item of a message when split is
// false.
func (l Limits) parseOne(text string, ix *catalog.Index, hint concierge.Locale, split bool) Intent {
	text = truncate(strings.TrimSpace(text), maxInput)
	if cmd, ok := botCommand(text); ok {
		return Intent{Name: cmd, Lang: hint}
	}
	toks, question := lex(text)
	toks = joinNameCodes(splitSizes(joinNumbers(hanMeasures(toks), ix), ix), ix)
	in := Intent{Lang: detectLang(text, toks, hint)}
	if len(toks) == 0 || looksLikeCode(text) {
		in.Name = OutOfScope
		return in
	}
	p := &parse{toks: toks, used: make([]bool, len(toks)), named: make([]bool, len(toks)), negated: make([]bool, len(toks)), question: question, ix: ix, max: l.maxQuantity()}
	// Numbers of product names first: "le coffret de six tasses" is one
	// set. Then slots, so that "moins de 50" is a price before any cue
	// sees its words.
	p.extractMeasures(&in) // "plus de 45 L" bounds, though a name writes 45 L
	p.markNamedNumbers(ix)
	p.markVariantValues() // "en 42" is a size where shoes come in 42
	// A word of a name ("700x25C") is not an order reference either.
	p.extractOrder(&in, func(s string) bool {
		return ix != nil && (ix.Product(concierge.SKU(s)) != nil || ix.NameWord(catalog.Fold(s)) || namesCode(ix, s))
	})
	p.extractPrice(&in)
	p.extractOrdinals(&in)
	// What the customer rules out before counting: "not the 25" is not 25.
	p.excludeNegated(&in, ix)
	in.BadQuantity, in.TooMany = p.badQuantity(p.max)
	in.VagueQuantity = p.readVague()
	p.extractQuantity(&in)
	p.readCues(&in)
	if p.question && p.politeAsk() {
		// "could I have the back protector?", "est-ce que je pourrais
		// avoir…?": a request put as a question.
		p.question = false
	}
	p.readRelative() // after the cues: "moins cher" sorts, it is not "un de moins"
	p.ref = p.extractRef()
	in.RefShown = p.ref
	in.pointed = p.ref || len(in.Ordinals) > 0
	in.Query = p.query()
	if ix != nil && in.Quantity == 0 {
		if n := p.amountOfMeasure(ix); n > 0 {
			in.Quantity, in.Query = n, p.query() // "3 kg of PLA": three 1 kg spools
		}
	}
	in.Strangers = p.strangers()
	if ix != nil {
		p.lookUp(&in, p.textBesideGreetings(&in), ix)
		in.Excluded = append(in.Excluded, p.owned(ix)...)
		// What was named only where it was ruled out is not asked for,
		// nor what the ruled-out words describe ("the Merci, not the
		// 100 ml one").
		in.Products = ix.Without(without(in.Products, in.Excluded), in.NotQuery, in.Query)
		p.unitsOfPacks(&in, ix)
		p.packSizeAfter(&in, ix)
		if p.countedTooMany(&in, ix) {
			in.BadQuantity, in.TooMany = true, true
		}
		if in.Size != 0 && len(in.Products) > 1 && !p.sigs[sigCompare] {
			// "大的龟背竹": of one name in two sizes, the large one.
			if s := ix.BySize(in.Products, in.Size > 0); s != "" {
				in.Products = []concierge.SKU{s}
			}
		}
	}
	in.ByPrice = in.Sort != catalog.Relevance && in.Query == "" && in.Category == "" && in.PriceMax == 0 &&
		in.PriceMin == 0 && len(in.Products) == 0 && p.superlative()
	in.Picked = p.onlyPicks(&in)
	in.Name = p.decide(&in)
	if (in.Name == RemoveFromCart || in.Name == Search) && ix != nil {
		p.justTheOther(&in, ix)
	}
	in.Continues = len(p.toks) > 1 && p.conjAt(0) > 0
	in.AddVerb = p.sigs[sigAdd]
	in.Question = p.question
	in.Wanted = (p.sigs[sigWant] || p.sigs[sigAdd] || p.polite()) && !p.question && !p.browsing(&in)
	in.WantWord = (p.sigs[sigWant] || p.sigs[sigAdd]) && !p.question
	p.readSwap(&in)
	in.ThenCheckout = in.Name == AddToCart && p.sigs[sigCheckout]
	browse := (in.Name == Search || in.Name == Details) && !p.question
	// "3 packs of 26 mm hinges and a brass cup handle": the words
	// together find nothing (no hinge is brass), each part finds its own.
	offScope := in.Name == OutOfScope && !p.question && in.Query != ""
	if split && offScope {
		p.splitItems(&in, ix, hint)
		if len(in.Items) > 1 && p.countedItems(in.Items) && p.everyItemFinds(in.Items) {
			in.Name = AddToCart
		} else {
			in.Items = nil
		}
	} else if split && (in.Name == AddToCart || in.Name == RemoveFromCart || browse) {
		p.splitItems(&in, ix, hint)
		if browse && len(in.Items) > 0 && p.sigs[sigWant] && !p.question && p.everyItemChooses(in.Items) {
			// "我要黄铜伞架和大号帽盒": a wish for products each part
			// names whole is an order, as one named alone would be.
			in.Name = AddToCart
		} else if browse && len(in.Items) > 0 && (!p.countedItems(in.Items) || !p.everyItemFinds(in.Items)) {
			// "des lampes et des ampoules" searches; "just a moment, let
			// me check with my wife" orders no "Moment" block.
			in.Items = nil
		} else if browse && len(in.Items) > 0 {
			// A list with counts is an order: "白色帆布鞋一双，黑色帆布鞋一双",
			// "un miel de litchi + un thé Earl Grey".
			in.Name = AddToCart
		}
	}
	if split && p.sigs[sigCompare] && ix != nil {
		p.compareItems(&in, ix, hint)
	}
	if split && ix != nil {
		p.pickAmongNamed(&in, ix, hint)
	}
	p.readDelta(&in)
	p.pointAtShown(&in)
	return in
}

// compareItems reads "compare the A4 Mallard OO and the A4 Mallard N
// gauge", "比较一下U80和U80 Pro": each part between the conjunctions
// chooses one product (by its words, then by the values it states), and
// when every part chooses another, those are compared.
func (p *parse) compareItems(in *Intent, ix *catalog.Index, hint concierge.Locale) {
	tmp := *in
	tmp.Items = nil
	p.comparing = true
	p.splitItems(&tmp, ix, hint)
	p.comparing = false
	if skus := p.eachChooses(tmp.Items, ix, hint); skus != nil {
		in.Products, in.Name = skus, Compare
	}
}

// eachChooses returns the product each of items chooses, in order, when
// every one chooses one of its own; nil otherwise.
func (p *parse) eachChooses(items []Item, ix *catalog.Index, hint concierge.Locale) []concierge.SKU {
	if len(items) < 2 {
		return nil
	}
	// "the 2-frame and the 4-frame extractor": the last part's last
	// word is the head of the parts before it too.
	last := items[len(items)-1]
	head := ""
	if f := strings.Fields(last.Query); len(f) > 1 && !strings.ContainsAny(f[len(f)-1], "0123456789") {
		// A number ("the 50mm f/1.4") sets the part apart; it is no head.
		head = f[len(f)-1]
	}
	if head != "" && (len(ix.Resolve(head)) == 1 || ix.VariantValue(catalog.Fold(head))) {
		// "le stand guitare pliable et le stand guitare triple", "la
		// visière fumée et la visière iridium": a word of one product's
		// own name, or a variant's value, is what sets it apart, not a
		// head the parts share.
		head = ""
	}
	var skus []concierge.SKU
	for k, it := range items {
		if k < len(items)-1 && head != "" && len(it.Products) == 0 && !slices.Contains(strings.Fields(it.Query), head) &&
			len(candidates(ix, it)) != 1 {
			// "the 2-frame and the 4-frame extractor": a part that does
			// not find one product by itself takes the last part's head.
			// One that does ("the Link 5 and the Mesh 50S") keeps it.
			text := it.Text + " " + head
			it = itemOf(text, Limits{MaxQuantity: p.max}.parseOne(text, ix, hint, false))
		}
		if head != "" {
			it.Category = "" // the category "frame" guesses (frames) is not the head's
		}
		cands := candidates(ix, it)
		if head != "" && len(it.Products) == 0 {
			// Of what the words find, what the head word finds.
			var headed []concierge.SKU
			for _, c := range cands {
				if ix.Finds(head, []concierge.SKU{c}) {
					headed = append(headed, c)
				}
			}
			if len(headed) > 0 {
				cands = headed
			}
		}
		if len(cands) > 2 && len(it.Products) == 0 {
			// "U80" finds the monitor, the Pro and their cuffs: of
			// those it finds best.
			cands = cands[:0]
			hits := ix.Search(catalog.Query{Text: it.Query, Category: it.Category, Limit: 8})
			for _, h := range hits {
				if h.Score >= hits[0].Score {
					cands = append(cands, h.SKU)
				}
			}
		}
		if len(cands) > 1 && len(it.Products) == 0 {
			// "the 50mm f/1.8 and the 50mm f/1.4": the lens, not the
			// hood "for 50mm f/1.8" the same words find.
			if parts := ix.PartsFor(it.Query, cands); len(parts) > 0 && len(parts) < len(cands) {
				cands = slices.DeleteFunc(slices.Clone(cands), func(c concierge.SKU) bool { return slices.Contains(parts, c) })
			}
		}
		s := concierge.SKU("")
		{
			// "la Ace 100 grip 2": the racket in grip 2, though "grip"
			// guesses the grips' category and names the grip for it.
			found := slices.Clone(it.Products)
			for _, h := range ix.Search(catalog.Query{Text: it.Query, Limit: 8}) {
				found = append(found, h.SKU)
			}
			s = valueOfOneGroup(ix, it.Text, found)
		}
		switch {
		case s != "":
		case len(cands) == 1:
			s = cands[0]
		case len(cands) > 1:
			if s = ix.Closest(it.Query, cands); s == "" {
				if fit, said, _ := ix.Narrow(it.Text, cands); len(fit) == 1 && len(said) > 0 {
					s = fit[0]
				}
			}
		}
		if s == "" || slices.Contains(skus, s) {
			return nil
		}
		skus = append(skus, s)
	}
	return skus
}

// valueOfOneGroup returns the variant that text's stated values choose
// in the one group of variants among cands whose values it states; ""
// when it states none, or values of several groups.
func valueOfOneGroup(ix *catalog.Index, text string, cands []concierge.SKU) concierge.SKU {
	found, seen := concierge.SKU(""), map[string]bool{}
	for _, c := range cands {
		g := ix.GroupOf(c)
		if g == "" || seen[g] {
			continue
		}
		seen[g] = true
		fit, said, missing := ix.Narrow(text, ix.Variants(c))
		if len(said) == 0 || len(missing) > 0 || len(fit) != 1 {
			continue
		}
		if found != "" {
			return ""
		}
		found = fit[0]
	}
	return found
}

// pickAmongNamed reads a message that names products and picks one of
// them: "entre l'intercom Link 5 et le Mesh 50S, je prends le moins
// cher", "j'hésite entre la visière fumée et la visière iridium… je
// prends la deuxième", "人体传感器和水浸传感器，我要便宜的那个". Each part
// must choose its product (as "compare X and Y" does); the one picked,
// by position or by price, is the one asked for, and the others are not.
func (p *parse) pickAmongNamed(in *Intent, ix *catalog.Index, hint concierge.Locale) {
	byPrice := in.Sort == catalog.PriceAsc || in.Sort == catalog.PriceDesc
	if len(in.Ordinals) != 1 && !(byPrice && p.superlative()) || in.Quantity > 1 || p.question {
		return
	}
	skus := in.Products
	if in.Name != Compare || len(skus) < 2 {
		if len(in.Items) < 2 {
			return
		}
		var named []Item
		for _, it := range in.Items {
			if it.Quantity > 1 {
				return // "two X and the cheaper Y" is an order
			}
			if it.Query != "" && ix.Meaningful(it.Query) {
				named = append(named, it) // not "je prends la deuxième"
			}
		}
		if skus = p.eachChooses(named, ix, hint); len(skus) < 2 {
			return
		}
	}
	pick := -1
	if len(in.Ordinals) == 1 {
		k := in.Ordinals[0]
		if k < 0 {
			k += len(skus) + 1
		}
		if k < 1 || k > len(skus) {
			return
		}
		pick = k - 1
	} else {
		for i, s := range skus {
			a, b := ix.Product(s), (*concierge.Product)(nil)
			if pick >= 0 {
				b = ix.Product(skus[pick])
			}
			if a == nil {
				return
			}
			if b == nil || in.Sort == catalog.PriceAsc && a.Price.Minor < b.Price.Minor || in.Sort == catalog.PriceDesc && a.Price.Minor > b.Price.Minor {
				pick = i
			}
		}
	}
	in.Name, in.Products, in.Items = AddToCart, []concierge.SKU{skus[pick]}, nil
	in.Ordinals, in.Sort, in.ByPrice, in.Picked = nil, catalog.Relevance, false, true
}

// amountOfMeasure reads an amount in the products' own measure, said
// with "of"/"de": "3 kg of red PLA" where the spools are of 1 kg is three
// spools, "2 litres d'alcool" two bottles of 1 L. The amount's words
// leave the query. "2 kg dumbbells" (no "of") is a weight, not an amount.
func (p *parse) amountOfMeasure(ix *catalog.Index) int {
	for i := 0; i < len(p.toks); i++ {
		if p.used[i] {
			continue
		}
		n, ok := numberAt(p.toks, i)
		if !ok || n.end+1 >= len(p.toks) || !catalog.AmountUnit(p.toks[n.end].norm) {
			continue
		}
		switch p.toks[n.end+1].norm {
		case "of", "de", "d":
		default:
			continue
		}
		span := n.end + 2
		for k := i; k < span; k++ {
			if p.used[k] {
				return 0
			}
		}
		p.use(i, span)
		if c := ix.CountOfMeasure(p.query(), n.value, p.toks[n.end].norm); c > 0 {
			return c
		}
		for k := i; k < span; k++ {
			p.used[k] = false
		}
	}
	return 0
}

// addCompound reports a "加" at i that makes a word with the character
// after it: one a name writes ("加厚" of "加厚锡纸"), or a verb of its own
// ("加气", refill; "加热", heat).
func (p *parse) addCompound(i int) bool {
	if i+1 >= len(p.toks) || p.toks[i+1].kind != tHan || !p.toks[i+1].glued {
		return false
	}
	next := p.toks[i+1].norm
	return addVerbs[next] || p.ix != nil && p.ix.HanPair("加"+next)
}

// addVerbs are the characters after "加" that make another verb.
var addVerbs = setOf("气", "油", "热", "湿", "速", "工", "班", "密", "固", "价", "盟", "剧", "冰")

// justTheOther reads "I don't want the Stitchmaster 5400, just the 3200",
// "je ne veux pas le noir, juste le rouge": what comes after "just" is
// asked for, what came before ruled out; no removal.
func (p *parse) justTheOther(in *Intent, ix *catalog.Index) {
	if !p.sigs[sigChangeWeak] {
		return
	}
	if in.Name == Search && len(in.Excluded) > 0 && len(in.Products) == 0 && !p.question {
		// "je ne veux pas la 5400, juste la 3200": the negation ruled the
		// first out already; the rest finds one product.
		hits := ix.Search(catalog.Query{Text: in.Query, Exclude: in.NotQuery, Limit: 2})
		if len(hits) == 1 && hits[0].Score > 0 {
			in.Name, in.Products = AddToCart, []concierge.SKU{hits[0].SKU}
		}
		return
	}
	if in.Name != RemoveFromCart || !p.sigs[sigDontWant] || len(in.Products) < 2 {
		return
	}
	at := -1
	for _, s := range p.spans {
		if s.sig == sigChangeWeak && len(s.at) > 0 && s.at[0] > 0 {
			at = s.at[0]
			break
		}
	}
	if at < 0 {
		return
	}
	// What the message names that the words before "just" do not ("the
	// 3200" alone may name nothing by itself).
	before := ix.Resolve(p.text(0, at))
	var keep []concierge.SKU
	for _, s := range in.Products {
		if !slices.Contains(before, s) {
			keep = append(keep, s)
		}
	}
	if len(keep) != 1 || len(before) == 0 {
		return
	}
	in.Name, in.Products, in.Excluded = AddToCart, keep, append(in.Excluded, before...)
}

// politeAsk reports a request put as a question: "can I have", "could I
// get", "puis-je avoir", "je pourrais avoir".
func (p *parse) politeAsk() bool {
	for i := range p.toks {
		if p.startsAt(i, politeAsks) > 0 {
			return true
		}
	}
	return false
}

var politeAsks = words("can i get", "could i get", "can i have", "could i have", "may i have", "can you add",
	"could you add", "puis je avoir", "je pourrais avoir", "pourrais je avoir", "je peux avoir", "pourriez vous m ajouter",
	"pouvez vous m ajouter", "pouvez vous ajouter", "pourriez vous ajouter")

// textBesideGreetings is the message without its greetings and thanks:
// "good morning" greets even in a shop that sells a coffee called
// Morning, and "merci" thanks in one with a perfume called Merci. A
// product named there is asked about only with other words ("le café
// Morning").
//
// The count is left out too: in "ajoute 2 intercoms Link 5" the 2 is no
// word of the "Link 5 Duo (pack de 2)" to choose it by.
func (p *parse) textBesideGreetings(in *Intent) string {
	social := slices.Clone(p.negated) // and without what was ruled out
	if in.Quantity > 1 && p.qtyAt >= 0 && p.qtyAt < len(p.toks) {
		social[p.qtyAt] = true
	}
	for _, s := range p.spans {
		if (s.sig == sigGreet || s.sig == sigThanks) && !p.determined(s.at[0]) && !p.gluedToHan(s.at[len(s.at)-1]) {
			for _, k := range s.at {
				social[k] = true
			}
		}
	}
	var parts []string
	for i := 0; i < len(p.toks); {
		if social[i] {
			i++
			continue
		}
		j := i
		for j < len(p.toks) && !social[j] {
			j++
		}
		parts = append(parts, p.text(i, j))
		i = j
	}
	return strings.Join(parts, " ")
}

// gluedToHan reports a Latin word written against Chinese text: "Merci淡香精"
// is the perfume Merci, not thanks.
func (p *parse) gluedToHan(i int) bool {
	return p.toks[i].kind != tHan && i+1 < len(p.toks) && p.toks[i+1].kind == tHan && p.toks[i+1].glued
}

// determined reports a word right after a determiner: "the Merci
// perfume" names the perfume Merci, "merci" alone thanks.
func (p *parse) determined(i int) bool {
	if i == 0 {
		return false
	}
	switch p.toks[i-1].norm {
	case "the", "le", "la", "les", "l", "un", "une", "a", "an", "this", "that", "ce", "cette", "du", "des", "de":
		return true
	}
	return false
}

// inNames returns the tokens cues may not take: those used by slots and
// the characters of Chinese product names ("行" in "飞行棋").
func (p *parse) inNames() []bool {
	if p.ix == nil {
		return p.used
	}
	out := p.used
	for i := 0; i < len(p.toks); {
		if p.toks[i].kind != tHan {
			i++
			continue
		}
		j := i
		var run []rune
		for j < len(p.toks) && p.toks[j].kind == tHan && (j == i || p.toks[j].glued) {
			run = append(run, []rune(p.toks[j].norm)...)
			j++
		}
		if marks := p.ix.HanNameSpans(run); marks != nil {
			if &out[0] == &p.used[0] {
				out = slices.Clone(p.used)
			}
			for k, m := range marks {
				out[i+k] = out[i+k] || m
			}
		}
		i = j
	}
	return out
}

// sizeLetter reports a clothing size written as a letter: after "taille"
// or "size", or before "号" or "码".
func (p *parse) sizeLetter(i int) bool {
	switch p.toks[i].norm {
	case "xs", "s", "m", "l", "xl":
	default:
		return false
	}
	if i > 0 && (p.toks[i-1].norm == "taille" || p.toks[i-1].norm == "size") {
		return true
	}
	if i > 0 && p.toks[i].orig == strings.ToUpper(p.toks[i].orig) && (i+1 == len(p.toks) || p.toks[i+1].norm == "one") {
		switch p.toks[i-1].norm {
		case "the", "le", "la", "en", "in":
			return true // "make it the L", "plutôt en M"
		}
	}
	return i+1 < len(p.toks) && (p.toks[i+1].norm == "号" || p.toks[i+1].norm == "码")
}

// botCommand reads the commands chat apps send for menu entries
// ("/start", "/help", "/cart"): they are not words to search for.
func botCommand(text string) (IntentName, bool) {
	if !strings.HasPrefix(text, "/") {
		return "", false
	}
	word, _, _ := strings.Cut(strings.ToLower(text[1:]), " ")
	word, _, _ = strings.Cut(word, "@") // "/start@MyShopBot" in groups
	switch word {
	case "start":
		return Greet, true
	case "help", "aide":
		return Help, true
	case "cart", "panier":
		return ViewCart, true
	case "orders", "order", "commandes":
		return OrderStatus, true
	}
	return "", false
}

// without returns skus minus those in drop.
func without(skus, drop []concierge.SKU) []concierge.SKU {
	if len(drop) == 0 {
		return skus
	}
	var out []concierge.SKU
	for _, s := range skus {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

// readCues matches the cue phrases of the tokens no slot took, outside
// the Chinese product names written in full.
func (p *parse) readCues(in *Intent) {
	protected := p.inNames()
	p.spans = matchCues(p.toks, protected)
	if &protected[0] != &p.used[0] {
		// Greetings and thanks are read even where a name has the same
		// characters ("早安" greets in a shop with a coffee called 早安);
		// whether they name the product is settled with the determiners
		// around them (textBesideGreetings).
		taken := make([]bool, len(p.toks))
		for _, s := range p.spans {
			for _, k := range s.at {
				taken[k] = true
			}
		}
		for _, s := range matchCues(p.toks, p.used) {
			if (s.sig == sigGreet || s.sig == sigThanks) && !slices.ContainsFunc(s.at, func(k int) bool { return taken[k] }) {
				p.spans = append(p.spans, s)
			}
		}
	}
	spans := p.spans[:0]
	for _, s := range p.spans {
		if s.sig == sigAbout && len(s.at) == 1 && p.ix != nil && p.ix.NameWord(p.toks[s.at[0]].norm) {
			// "add the X200 robot" in a shop that sells robot cleaners
			// is about the robot, not the assistant ("are you a robot?"
			// still is: the phrase is longer than the name's word).
			continue
		}
		if len(s.at) == 1 && p.letterOfName(s.at[0]) {
			// "the Mallard in N gauge": a name's letter, not "n'".
			continue
		}
		if s.sig == sigAdd && len(s.at) == 1 && p.toks[s.at[0]].norm == "加" && p.addCompound(s.at[0]) {
			// "点火枪可以加气吗": to refill, not to add; "加厚锡纸": a
			// name's word.
			continue
		}
		spans = append(spans, s)
		p.sigs[s.sig] = true
		for _, k := range s.at {
			p.used[k] = true
		}
	}
	p.spans = spans
	switch {
	case p.sigs[sigSortAsc]:
		in.Sort = catalog.PriceAsc
	case p.sigs[sigSortDesc]:
		in.Sort = catalog.PriceDesc
	}
	in.Size = p.size()
}

// Words that ask for the smallest or largest of products that differ by a
// number of their names. They stay in the query: "grand" may be a word of
// a name ("Grand cru").
var (
	smallWords = setOf("small", "smaller", "smallest", "petit", "petite", "petits", "petites", "mini")
	bigWords   = setOf("big", "bigger", "biggest", "large", "larger", "largest", "grand", "grande", "grands",
		"grandes", "gros", "grosse", "huge")
)

// size reads Intent.Size.
func (p *parse) size() int {
	for i, t := range p.toks {
		if p.used[i] || p.negated[i] {
			continue
		}
		switch {
		case t.kind == tWord && smallWords[t.norm]:
			return -1
		case t.kind == tWord && bigWords[t.norm]:
			return 1
		case t.kind == tHan && (t.norm == "小" || t.norm == "大") && (p.seq(i+1, "的") || p.seq(i+1, "一", "点") || p.seq(i-1, "最") || p.seq(i-1, "更")):
			if t.norm == "小" {
				return -1
			}
			return 1
		}
	}
	return 0
}

// lookUp asks the catalog which products the text names, which category
// the query is about, and whether the query describes products at all.
func (p *parse) lookUp(in *Intent, text string, ix *catalog.Index) {
	in.Products = ix.MeasuresFit(ix.Resolve(text), text)
	if in.Query == "" {
		return
	}
	l := ix.LookUp(in.Query, in.NotQuery, in.Products, 2)
	in.Category = l.Category
	if len(in.Products) > 0 && !p.sigs[sigDetails] && !p.sigs[sigCompare] {
		p.context = !l.Finds
	}
	hits := l.Hits
	// A hit with no score was selected by no word: the query was only
	// stop words.
	named := len(in.Products) > 0 && !p.context
	p.generic = !named && len(hits) > 0 && hits[0].Score > 0
	p.offCatalog = !named && len(hits) == 0
	p.unique = len(hits) == 1 && hits[0].Score > 0 || p.oneVariant(ix, in.Query, text, hits, in.Quantity) ||
		in.Quantity > 1 && len(hits) > 1 && hits[0].Score > 0 && p.closestOfCount(ix, in)
	p.spelled = l.Spelled
	p.specific = p.unique && (l.Spelled >= minSpelled || slices.Contains(p.named, true))
	if (p.generic || len(in.Products) > 1 && !p.context) && p.sigs[sigWant] && !p.question && in.NotQuery == "" && p.words(0, len(p.toks)) <= maxItemWords {
		// "I'd like 2 copies of 7 Wonders": a wish that says one name
		// whole, where the others found have more words left unsaid,
		// names that product (the rule a "which one?" answer follows).
		// A long message is a story, not a wish.
		skus := in.Products
		if len(skus) == 0 {
			for _, h := range ix.Search(catalog.Query{Text: in.Query, Limit: 8}) {
				if h.Score > 0 {
					skus = append(skus, h.SKU)
				}
			}
		}
		if s := ix.Closest(in.Query, skus); s != "" {
			in.Products = []concierge.SKU{s}
			p.generic = false
		}
	}
}

// closestOfCount reports whether, of the products the words find, one is
// closest to them where every other misses a word said ("2 lots de 6
// flèches carbone 500": the carbon arrows, not the wooden ones "lot de
// 6"): a count of it is an order, which the brain still resolves.
func (p *parse) closestOfCount(ix *catalog.Index, in *Intent) bool {
	var skus []concierge.SKU
	groups := map[string]bool{}
	for _, h := range ix.Search(catalog.Query{Text: in.Query, Exclude: in.NotQuery, Limit: 8}) {
		if g := ix.GroupOf(h.SKU); g != "" {
			if groups[g] {
				continue // a product's variants share its name
			}
			groups[g] = true
		}
		if h.Score > 0 {
			skus = append(skus, h.SKU)
		}
	}
	return len(skus) > 1 && ix.ClosestByWords(in.Query, skus) != ""
}

// packSizeAfter reads "the windscreens 5 pack" as the pack of 5 a name
// writes ("Foam windscreens (pack of 5)"), not five packs: a number
// after the product's words, before a singular "pack", where some
// product the words find holds that many.
func (p *parse) packSizeAfter(in *Intent, ix *catalog.Index) {
	i := p.qtyAt
	if in.Quantity < 2 || i <= 0 || i+1 >= len(p.toks) || p.toks[i].kind != tNumber || !singlePack[p.toks[i+1].norm] ||
		i+2 < len(p.toks) && p.toks[i+2].norm == "of" || !ix.Meaningful(p.text(0, i)) {
		return
	}
	skus := in.Products
	if len(skus) == 0 {
		for _, h := range ix.Search(catalog.Query{Text: in.Query, Category: in.Category, Limit: 8}) {
			skus = append(skus, h.SKU)
		}
	}
	for _, s := range skus {
		if n, _ := ix.PackSize(s); n == in.Quantity {
			in.Quantity = 0
			return
		}
	}
}

var singlePack = setOf("pack", "pk", "lot", "set", "box")

// unitsOfPacks reads a count of the things a pack holds: "10 feuilles de
// papier abrasif" where the paper is sold in lots of 10 is one lot, "20
// sheets" two; a count that no whole number of packs makes ("a ream" of
// a box of 5 reams) asks how many. Only when every product the words
// find is a pack of the same size, and the count's word names its
// units (catalog.CountsUnits), not the packs; "一个" counts a pack.
func (p *parse) unitsOfPacks(in *Intent, ix *catalog.Index) {
	count, at := in.Quantity, p.qtyAt+1
	if count == 1 {
		return // "加一个茶蜡 100个装": one of the pack
	}
	if count == 0 {
		// "add a ream of A4": the article counts one, in an order (a
		// search by words costs a search, and only an order needs it).
		if !p.sigs[sigAdd] && !p.sigs[sigWant] {
			return
		}
		count, at = 1, -1
		for i, t := range p.toks {
			if articleWords[strings.ToLower(t.orig)] && t.norm != "one" {
				at = i + 1
				break
			}
		}
	}
	if at < 0 || at >= len(p.toks) || p.toks[at].kind == tNumber {
		return
	}
	w := p.toks[at].norm
	skus := in.Products
	if len(skus) == 0 {
		// Every product found, not only the best: "trente stylos
		// Cristal" finds the box of 50 pens first, and the pen alone.
		for _, h := range ix.Search(catalog.Query{Text: in.Query, Category: in.Category, Limit: 8}) {
			if h.Score > 0 {
				skus = append(skus, h.SKU)
			}
		}
	}
	counts := func(w string) int {
		size := 0
		for _, s := range skus {
			n, units := ix.CountsUnits(s, w)
			if !units || size != 0 && n != size {
				return 0
			}
			size = n
		}
		return size
	}
	size, headed := counts(w), false
	if size == 0 && !countNouns[w] {
		// "4 white percale pillowcases": the units' word ends the
		// phrase, after what describes them. Only a count that makes
		// whole packs is read so ("4" of pairs is two; "3" stays three).
		k := at
		for k+1 < len(p.toks) && k+1 <= at+3 && p.toks[k+1].kind == tWord && !p.toks[k+1].sep {
			k++
		}
		if k > at {
			size, headed = counts(p.toks[k].norm), true
		}
	}
	if size == 0 || (headed || size == 2) && count%size != 0 {
		return // "3 taies" of a pair: three pairs, as before; only "4" makes two
	}
	if count%size != 0 {
		in.Quantity, in.VagueQuantity = 0, true
		return
	}
	in.Quantity = count / size
}

// oneVariant reports whether what the query finds is the variants of one
// group, and the message's values choose one of them: "2 pairs of leather
// gloves in size 8" is one product, as "the Tarn boots" alone would be.
//
// Products of no group are chosen so too when the values said fit one of
// all those found: "6 assiettes blanches 8 pouces" where the other 8-inch
// plate's pattern is blue-and-white.
func (p *parse) oneVariant(ix *catalog.Index, query, text string, hits []catalog.Hit, qty int) bool {
	if len(hits) < 2 || hits[0].Score <= 0 {
		return false
	}
	// Only a message that could order needs to know (reading values is
	// the dearest part of a parse): a count, an article, a wish.
	if qty == 0 && !p.sigs[sigWant] && !p.sigs[sigAdd] && !p.polite() && !p.leadingIndefinite() && !p.more {
		return false
	}
	g := ix.GroupOf(hits[0].SKU)
	var found []concierge.SKU
	for _, h := range ix.Search(catalog.Query{Text: query, Limit: 8}) {
		if h.Score > 0 && ix.GroupOf(h.SKU) != g {
			return false
		}
		if h.Score > 0 {
			found = append(found, h.SKU)
		}
	}
	if g != "" {
		found = ix.Variants(hits[0].SKU)
	}
	fit, said, missing := ix.NarrowShared(text, found)
	for _, v := range said {
		// "多士炉 4片 来一台": the 4 read as the count is the value's.
		if n, ok := leadingNumber(v); ok && n == qty {
			return false
		}
	}
	return len(fit) == 1 && len(said) > 0 && len(missing) == 0
}

// leadingNumber returns the whole number a value opens with ("4片",
// "120", "500 ml").
func leadingNumber(v string) (int, bool) {
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(v[:end])
	return n, err == nil
}

// articleWords count one thing before a number: "a 3000 reel" is one
// reel of the 3000 size, not 3000 reels.
var articleWords = setOf("a", "an", "un", "une", "one")

// countedTooMany reports a number taken as a name's only for being too
// large to count, when what the message finds does not write it: "add 40
// matte prints" in a shop whose photo book has 40 pages asks for forty
// prints, more than a line takes, not for one print.
func (p *parse) countedTooMany(in *Intent, ix *catalog.Index) bool {
	var counts []float64
	for _, n := range p.unplaced {
		// Only a number said as a count: before a word, not ruled out
		// ("不要1000片的") and not a measure ("230 g", "60 L").
		// A comma after it ends what it could count ("柔道服，白色，170，
		// 来一件": the 170 is the size).
		if p.negated[n.start] || p.sizeContext(n) || p.packOf(n) || n.end >= len(p.toks) || n.start > 0 && articleWords[p.toks[n.start-1].norm] || units[p.toks[n.end].norm] || p.measure(n.end-1) ||
			p.toks[n.end].kind != tWord && p.toks[n.end].kind != tHan || p.toks[n.end].sep {
			continue
		}
		counts = append(counts, n.value)
	}
	if len(counts) == 0 {
		return false
	}
	found := slices.Clone(in.Products)
	for _, h := range ix.Search(catalog.Query{Text: in.Query, Exclude: in.NotQuery, Limit: 5}) {
		found = append(found, h.SKU)
	}
	if len(found) == 0 {
		return false
	}
	for _, v := range counts {
		for _, sku := range found {
			if ix.NameHasNumber(sku, v) {
				return false
			}
		}
	}
	return true
}

// minSpelled is the share of a product's name a description must say for
// a wish to choose that product by itself ("la théière en verre"), rather
// than to search ("红茶", the kind at the end of one tea's name).
const minSpelled = 0.4

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Strange reports whether item holds words of Strangers: a product its
// other words find is then not what was asked. text is the whole message,
// for an item that has no text of its own.
func (in Intent) Strange(item Item, text string) bool {
	if len(in.Strangers) == 0 {
		return false
	}
	if item.Text != "" {
		text = item.Text
	}
	words := strings.FieldsFunc(catalog.Fold(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range in.Strangers {
		if slices.Contains(words, w) {
			return true
		}
	}
	return false
}

// strangers returns the words of the query that catalog.Stranger finds
// out of place beside their neighbour in the query, as typed: the cue
// words, counts and stop words the parser took are no neighbours.
func (p *parse) strangers() []string {
	if p.ix == nil {
		return nil
	}
	in := func(i int) bool {
		t := p.toks[i]
		return t.kind == tWord && !p.used[i] && !p.negated[i] && !queryStop[t.norm]
	}
	var out []string
	for i := 0; i+1 < len(p.toks); i++ {
		if !in(i) || !in(i+1) || p.toks[i+1].sep {
			continue
		}
		if i > 0 && p.toks[i-1].kind == tNumber {
			continue // "75 pound gift cards": a unit of the number, no qualifier
		}
		prev := ""
		if i > 0 && in(i-1) {
			prev = p.toks[i-1].norm
		}
		a, b := p.toks[i].norm, p.toks[i+1].norm
		if p.ix.Stranger(prev, a, b) {
			out = append(out, a, b)
		}
	}
	return out
}

// queryStop are words that never belong in a search query.
var queryStop = setOf(
	"a", "au", "aux", "avec", "ce", "ces", "cet", "cette", "c", "d", "de", "des", "du", "elle", "en", "et",
	"il", "j", "je", "l", "la", "le", "les", "m", "ma", "me", "mes", "moi", "mon", "n", "ne", "nos",
	"notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "quoi", "s", "sa", "se", "ses",
	"son", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
	"est", "suis", "ai", "avez", "dans", "tres", "trop", "peu", "quel", "quelle", "quels", "quelles",
	"ca", "cela", "ceci", "celle", "celui", "ci", "svp", "stp", "plait", "bonjour", "merci", "salut", "peux", "peut",
	"pouvez", "veux", "voudrais", "cherche", "avez", "faut", "besoin", "reste", "voir", "mais", "but",
	"an", "the", "i", "im", "my", "you", "your", "we", "it", "its", "this", "that", "these", "those",
	"of", "for", "to", "in", "at", "by", "with", "and", "or", "is", "are", "be", "am", "do", "does",
	"have", "has", "some", "please", "can", "could", "there", "what", "which", "one", "ones", "something",
	"ll", "re", "ve", "hi", "hello", "them", "both", "thanks", "so", "very", "really", "also",
	"的", "了", "吗", "呢", "吧", "啊", "呀", "我", "你", "您", "请", "一", "些", "也", "都", "很", "和", "或",
	"是", "在", "个", "有", "没", "想", "给", "这", "那", "哪", "么", "什", "款", "用",
)

// oneOfUnit reports an article or "one" right before a unit ("d'un
// litre", "one meter"): the number one of a measure.
func (p *parse) oneOfUnit(i int) bool {
	switch p.toks[i].norm {
	case "un", "une", "one":
		return !p.used[i] && i+1 < len(p.toks) && units[p.toks[i+1].norm] && p.toks[i+1].norm != "an" && p.toks[i+1].norm != "ans"
	}
	return false
}

// withWords say what a product has: a number after them ("the one with 2
// stems") describes the product.
var withWords = setOf("with", "avec", "带")

// measure reports whether the number at i is followed by a counter and
// "的" ("6杯的摩卡壶"): a measure of the thing, which tells products apart.
func (p *parse) measure(i int) bool {
	return i+2 < len(p.toks) && classifiers[p.toks[i+1].norm] && p.toks[i+2].norm == "的"
}

// nameLetter reports whether token i is a one-letter word that a name
// writes after the word before it ("vitamine D", "vitamin C"), so a word of
// the query rather than an article.
func (p *parse) nameLetter(i int) bool {
	return !p.used[i] && p.letterOfName(i)
}

// letterOfName reports whether the one letter at i stands beside a word
// of a name that writes it so ("vitamine D", "N gauge", "échelle N").
func (p *parse) letterOfName(i int) bool {
	t := p.toks[i]
	if p.ix == nil || t.kind != tWord || len(t.norm) != 1 || t.elided {
		return false
	}
	if i > 0 && p.toks[i-1].kind == tWord && len(p.toks[i-1].norm) > 2 && !p.toks[i-1].elided && p.ix.NameBigram(p.toks[i-1].norm, t.norm) {
		return true // "échelle N"
	}
	if i > 0 && (p.toks[i-1].kind == tWord || p.toks[i-1].kind == tHan) && !p.toks[i-1].elided && p.ix.NameLetter(p.toks[i-1].norm, t.norm) {
		return true // "vitamine D"
	}
	// "N gauge": the letter before the word a name writes after it.
	return i+1 < len(p.toks) && p.toks[i+1].kind == tWord && len(p.toks[i+1].norm) > 2 && p.ix.NameBigram(t.norm, p.toks[i+1].norm)
}

// query joins the tokens no slot or cue took, without stop words, numbers
// or symbols. Chinese characters that were next to each other stay
// together.
func (p *parse) query() string {
	var b strings.Builder
	prevKept := false
	for i, t := range p.toks {
		keep := !p.used[i] && (t.kind == tWord || t.kind == tHan || t.kind == tCode) && !queryStop[t.norm]
		if p.negated[i] || p.bounds != nil && p.bounds[i] {
			keep = false
		} else if !keep && !p.used[i] && catalog.EndsHanWord(t.norm) && p.inHanPair(i) {
			keep = true // "备用探针": the 用 of a name's 备用, no stop word (as the catalog reads it)
		} else if p.oneOfUnit(i) {
			keep = true
		} else if p.nameLetter(i) {
			keep = true // "vitamine D"
		} else if p.sizeLetter(i) {
			keep = true // "taille M", "L号"
			if i > 0 && p.toks[i-1].norm != "taille" && p.toks[i-1].norm != "size" && t.kind == tWord && (i+1 == len(p.toks) || p.toks[i+1].norm == "one") {
				// "make it the L": the letter alone is no word of a
				// name; said as a size, search finds it.
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString("size")
			}
		} else if t.kind == tWord && !p.used[i] && i > 0 && p.toks[i-1].kind == tNumber && units[t.norm] && p.ix != nil &&
			(t.glued && p.ix.NameWord(p.toks[i-1].norm+t.norm) || p.ix.VariantValue(catalog.Fold(p.toks[i-1].norm+" "+t.norm))) {
			// "5L" where a variant is "5 L": the unit tells it from "1 L".
			keep = true // "50L": the unit of a measure a name writes tells it from another 50
		} else if p.named[i] || t.kind == tNumber && i+1 < len(p.toks) && (units[p.toks[i+1].norm] || p.measure(i)) ||
			t.kind == tNumber && i > 0 && withWords[p.toks[i-1].norm] {
			// A number of a product's name ("chargeur 65 W"), or a size
			// ("a 2 m cable"): it tells products apart.
			// A number of a product's name: "chargeur 65 W".
			keep = true
		} else if keep {
			if _, isNum := numberWords[t.norm]; isNum {
				keep = false
			}
		}
		if !keep {
			prevKept = false
			continue
		}
		if b.Len() > 0 && !(t.kind == tHan && prevKept && t.glued) {
			b.WriteByte(' ')
		}
		if t.neg {
			b.WriteByte('-') // "-5 °C" is not "5 °C"
		}
		if p.oneOfUnit(i) {
			b.WriteString("1") // "une gourde d'un litre" is the 1 L one
			prevKept = true
			continue
		}
		b.WriteString(t.orig)
		prevKept = true
	}
	return b.String()
}

// inHanPair reports whether the Chinese character at i and one beside it
// are two characters some name writes together ("备用" of "备用探针").
func (p *parse) inHanPair(i int) bool {
	if p.ix == nil {
		return false
	}
	t := p.toks[i]
	return i > 0 && p.toks[i-1].kind == tHan && !queryStop[p.toks[i-1].norm] && p.ix.HanPair(p.toks[i-1].norm+t.norm) ||
		i+1 < len(p.toks) && p.toks[i+1].kind == tHan && !queryStop[p.toks[i+1].norm] && p.ix.HanPair(t.norm+p.toks[i+1].norm)
}
