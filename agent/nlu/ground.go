package nlu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// The cart rule binds every brain: a product enters the cart only when
// the customer named it, picked it or has it in focus, and a quantity
// only when they stated it (or it is 1). A brain that does not parse
// itself (the LLM brain) has its cart changes checked here, against the
// customer's own words, with the parser the rules brain uses.

// Pointable is what the customer can point at without naming it.
type Pointable struct {
	// Focus is the product looked at last ("I'll take it").
	Focus concierge.SKU
	// Shown are the products of the last list, in order ("the second").
	Shown []concierge.SKU
	// Cart is how many of each product the cart holds.
	Cart map[concierge.SKU]int
	// Pressed is the value of the button the customer pressed, if the
	// message is a press ("add:LAMP-01").
	Pressed string
}

// CartChange is a change of the cart someone other than the customer
// proposes: Add adds Quantity (0 means 1), otherwise the line is set to
// Quantity (0 removes it).
type CartChange struct {
	SKU      concierge.SKU
	Quantity int
	Add      bool
}

// Check returns nil when the customer's message text allows change, and
// otherwise an error that says why, for the proposer to correct itself
// (ask the customer instead). Removing, or lowering a line, is always
// allowed: it cannot put in the cart what was not asked for.
func Check(text string, ix *catalog.Index, hint concierge.Locale, at Pointable, ch CartChange) error {
	return Limits{}.Check(text, ix, hint, at, ch)
}

// Check is Check against the merchant's bounds: the customer's words are
// read as Limits.Parse reads them.
func (l Limits) Check(text string, ix *catalog.Index, hint concierge.Locale, at Pointable, ch CartChange) error {
	have := at.Cart[ch.SKU]
	if !ch.Add && ch.Quantity <= have {
		return nil
	}
	if at.Pressed != "" && strings.HasSuffix(at.Pressed, ":"+string(ch.SKU)) && (ch.Add && ch.Quantity <= 1 || !ch.Add && ch.Quantity <= have+1) {
		return nil // the customer pressed this product's add (or +1) button
	}
	in := l.Parse(text, ix, hint)
	if slices.Contains(in.Excluded, ch.SKU) {
		return fmt.Errorf("the customer ruled %s out in their message; do not add it", ch.SKU)
	}
	stated, ok := statedFor(in, text, ix, at, ch.SKU)
	if !ok {
		return fmt.Errorf("the customer did not name, pick or point at %s in their message; ask them which product they mean instead of adding one", ch.SKU)
	}
	want := ch.Quantity
	if ch.Add {
		want = max(ch.Quantity, 1)
	}
	allowed := max(stated, 1)
	if !ch.Add {
		// Setting a line: to the count stated, or one more than it had
		// ("one more", "encore une").
		switch {
		case stated > 0:
			allowed = stated
		case in.Delta > 0:
			allowed = have + in.Delta
		default:
			allowed = have + 1
		}
	}
	if in.Delta > 0 && ch.Add {
		allowed = in.Delta
	}
	if want != allowed {
		return fmt.Errorf("the customer asked for %d of %s, not %d; a number inside a product's name is not a quantity", allowed, ch.SKU, want)
	}
	return nil
}

// statedFor returns the quantity the message states for sku (0 when none
// is stated) and whether the message designates sku at all: by name, by a
// description it alone fits among what the words find, by position in
// what was shown, or by pointing at the product in focus.
func statedFor(in Intent, text string, ix *catalog.Index, at Pointable, sku concierge.SKU) (int, bool) {
	items := in.Items
	if len(items) == 0 {
		items = []Item{{Query: in.Query, Category: in.Category, Products: in.Products, Quantity: in.Quantity, RefShown: in.RefShown}}
	}
	for _, it := range items {
		if slices.Contains(it.Products, sku) {
			return it.Quantity, true
		}
	}
	for _, it := range items {
		if it.Query == "" || len(it.Products) > 0 || ix == nil {
			continue
		}
		// Words that fit this product alone, or that pick it among those
		// shown ("the glass one"); words that fit several are no choice.
		hits := ix.Search(catalog.Query{Text: it.Query, Category: it.Category, Exclude: in.NotQuery, Limit: 5})
		for _, h := range hits {
			if h.SKU == sku && (len(hits) == 1 && !in.Strange(it, text) || slices.Contains(at.Shown, sku) && len(hits) < len(at.Shown)) {
				return it.Quantity, true
			}
		}
	}
	for _, o := range in.Ordinals {
		if o < 0 {
			o += len(at.Shown) + 1
		}
		if o >= 1 && o <= len(at.Shown) && at.Shown[o-1] == sku {
			return in.Quantity, true
		}
	}
	pointed := in.RefShown || in.Delta != 0 || in.Name == ChangeQuantity
	if pointed && (sku == at.Focus || len(at.Shown) == 1 && at.Shown[0] == sku || at.Cart[sku] > 0) {
		return in.Quantity, true
	}
	return 0, false
}
