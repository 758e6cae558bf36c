package livecatalog

import (
	"slices"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
)

// ChangeSink is a Sink that can take a catalog in which only the listed
// products changed, and only in their prices and stock, without
// re-reading the others (agent.Shop updates its search index in place).
type ChangeSink interface {
	Sink
	SetChangedProducts(products []concierge.Product, changed []concierge.SKU)
}

// priceStock are the fields a change may set for patchPrices to apply it.
const priceStock = catalogfeed.FieldPrice | catalogfeed.FieldStock

// patchPrices applies changes that only set the price or the stock of
// products the layers give to the current catalog, without merging every
// layer again, and hands the result to the sink; c.mu is held. It reports
// false, changing nothing, when a change does more (a name, a new
// product, a withdrawal): rebuild must merge.
//
// A change's patch holds every field the API has set for its SKU since
// the last withdrawal (Upsert merges it with the one before), and merging
// sets a price or a stock by overwriting it, so setting them on the
// current product gives what merging the layers and the changes again
// would.
func (c *Catalog) patchPrices(changes []concierge.CatalogChange) bool {
	cur := c.current.Load()
	if cur == nil || len(changes) == 0 {
		return false
	}
	type patch struct {
		sku concierge.SKU
		it  catalogfeed.Item
	}
	patches := make([]patch, 0, len(changes))
	wanted := make(map[concierge.SKU]int, len(changes))
	for _, ch := range changes {
		if ch.Deleted || !c.base[ch.SKU] {
			return false
		}
		it, err := decodePatch(ch.Patch)
		if err != nil || it.Fields&^priceStock != 0 {
			return false
		}
		patches = append(patches, patch{ch.SKU, it})
		wanted[ch.SKU] = -1
	}
	products := slices.Clone(*cur)
	found := 0
	for i := range products {
		if at, ok := wanted[products[i].SKU]; ok && at < 0 {
			wanted[products[i].SKU] = i
			found++
		}
	}
	if found != len(wanted) {
		return false
	}
	changed := make([]concierge.SKU, 0, len(wanted))
	for sku := range wanted {
		changed = append(changed, sku)
	}
	for _, p := range patches {
		pr := &products[wanted[p.sku]]
		if p.it.Fields&catalogfeed.FieldPrice != 0 {
			pr.Price = p.it.Product.Price
		}
		if p.it.Fields&catalogfeed.FieldStock != 0 {
			pr.Stock = p.it.Product.Stock
		}
	}
	c.current.Store(&products)
	switch s := c.cfg.Sink.(type) {
	case nil:
	case ChangeSink:
		s.SetChangedProducts(products, changed)
	default:
		s.SetProducts(products)
	}
	return true
}
