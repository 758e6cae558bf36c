package llm

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/nlu"
)

// Variants and the cart rule on the LLM brain. The model reads a product
// with variants as one product with its choices and the SKU of each
// variant; a cart change of a variant is allowed when the customer's
// words choose that variant ("the blue one in 42") and the product
// itself passes the rule (named, picked or in focus, in a quantity they
// stated), the product being whichever of its variants they can point
// at. The same catalog.Index.Narrow reads the words as in the rules brain.

// errNoChoice is a variant added before the customer chose it.
var errNoChoice = errors.New("the customer has not said which variant")

// variantChange checks a change that adds a variant of a group before
// the parser does: the customer's words must choose that variant. When
// they do while the customer looks at the product (one of its variants
// is in focus or shown), the words are the pick and only the quantity is
// left to check (done); otherwise the parser checks the change as usual.
// A change of a variant already in the cart, or of a product without
// variants, is left to the parser.
func variantChange(t *agent.Turn, at nlu.Pointable, ch nlu.CartChange) (done bool, err error) {
	ix := t.Shop.Catalog
	group := ix.Variants(ch.SKU)
	if group == nil || at.Cart[ch.SKU] > 0 {
		return false, nil
	}
	fit, _, missing := ix.Narrow(t.Event.Text, group)
	notShown := func(s concierge.SKU) bool { return !slices.Contains(at.Shown, s) }
	if offered := slices.DeleteFunc(slices.Clone(group), notShown); len(missing) == 0 && len(fit) > 1 && len(offered) > 1 {
		// The variants offered are what was chosen before ("la bleue",
		// then "en 42"); a list shows one variant for the whole group.
		if kept := slices.DeleteFunc(slices.Clone(fit), notShown); len(kept) > 0 {
			fit = kept
		}
	}
	if len(missing) > 0 || len(fit) != 1 || fit[0] != ch.SKU {
		return false, fmt.Errorf("%w: ask them which one they want (%s), and add nothing until they choose", errNoChoice, choicesOf(ix, group))
	}
	looking := slices.ContainsFunc(group, func(s concierge.SKU) bool { return s == at.Focus || slices.Contains(at.Shown, s) })
	if !looking {
		return false, nil
	}
	in := t.Shop.Limits().Parse(t.Event.Text, ix, t.Locale)
	if want, stated := max(ch.Quantity, 1), max(in.Quantity, 1); ch.Add && want != stated {
		return false, fmt.Errorf("the customer asked for %d of %s, not %d", stated, ch.SKU, want)
	}
	return true, nil
}

// choicesOf writes a group's choices for the model: "size 40, 41, 42;
// color bleu, noir".
func choicesOf(ix *catalog.Index, group []concierge.SKU) string {
	var parts []string
	for _, c := range ix.Choices(group) {
		parts = append(parts, c.Attr+" "+strings.Join(c.Values, ", "))
	}
	return strings.Join(parts, "; ")
}

// variantView is one variant as the model reads it.
type variantView struct {
	SKU   concierge.SKU     `json:"sku"`
	Attrs map[string]string `json:"choice"`
	Price string            `json:"price"`
	Stock int               `json:"stock"`
}

// variantsOf returns the variants of pv for the model, with the values of
// the attributes that tell them apart; nil for a product without.
func variantsOf(t *agent.Turn, pv agent.ProductView) []variantView {
	if len(pv.Variants) < 2 {
		return nil
	}
	var skus []concierge.SKU
	for _, v := range pv.Variants {
		skus = append(skus, v.SKU)
	}
	cs := t.Shop.Catalog.Choices(skus)
	out := make([]variantView, 0, len(pv.Variants))
	for _, v := range pv.Variants {
		vv := variantView{SKU: v.SKU, Price: t.Shop.Text.Money(t.Locale, v.Price), Stock: v.Stock, Attrs: map[string]string{}}
		for _, c := range cs {
			vv.Attrs[c.Attr] = v.Attrs[c.Attr]
		}
		out = append(out, vv)
	}
	return out
}
