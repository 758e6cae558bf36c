package agentcommerce

import (
	"context"

	"github.com/conciergehq/concierge"
)

// stocker is a transaction that reads many SKUs' stock at once
// (*store.Tx is one); others are read one by one.
type stocker interface {
	Stocks(ctx context.Context, bot concierge.BotID, skus []concierge.SKU) (map[concierge.SKU]int, error)
}

// Stocks reads the stock of skus in tx: in one query where the
// transaction can, else one by one. Feeds and catalog answers that list a
// group's variants read them so.
func Stocks(ctx context.Context, tx Tx, bot concierge.BotID, skus []concierge.SKU) (map[concierge.SKU]int, error) {
	if s, ok := tx.(stocker); ok {
		return s.Stocks(ctx, bot, skus)
	}
	out := make(map[concierge.SKU]int, len(skus))
	for _, sku := range skus {
		n, err := tx.Stock(ctx, bot, sku)
		if err != nil {
			return nil, err
		}
		out[sku] = n
	}
	return out, nil
}
