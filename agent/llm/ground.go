package llm

import (
	"context"
	"fmt"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/nlu"
)

// grounded checks a cart change the model proposes against the
// customer's own words (invariant 8): the product must be named, picked
// or in focus, and the quantity stated or 1. The check is the rules
// brain's parser, so both brains keep the same rule; a refusal goes back
// to the model with its reason, like an unknown field or a made-up price.
func grounded(ctx context.Context, t *agent.Turn, a agent.Action) error {
	var ch nlu.CartChange
	switch c := a.(type) {
	case agent.AddToCartCall:
		ch = nlu.CartChange{SKU: c.SKU, Quantity: c.Quantity, Add: true}
	case agent.SetQuantityCall:
		ch = nlu.CartChange{SKU: c.SKU, Quantity: c.Quantity}
	default:
		return nil
	}
	cv, err := t.Tools.Cart(ctx)
	if err != nil {
		return err
	}
	at := nlu.Pointable{Focus: t.Conv.Memory.Focus, Shown: t.Conv.Memory.Shown, Cart: map[concierge.SKU]int{}}
	for _, l := range cv.Lines {
		at.Cart[l.Product.SKU] = l.Quantity
	}
	if t.Event.Kind == concierge.EventButton {
		at.Pressed = t.Event.Value
	}
	if done, err := variantChange(t, at, ch); err != nil || done {
		if err != nil {
			return fmt.Errorf("refused: %w", err)
		}
		return nil
	}
	if err := t.Shop.Limits().Check(t.Event.Text, t.Shop.Catalog, t.Locale, at, ch); err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	return nil
}
