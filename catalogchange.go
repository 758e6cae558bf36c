package concierge

// CatalogChange is one product changed through the catalog API, as the
// store keeps it for every replica: Patch is the change as package
// livecatalog encodes it (the store does not read it), Deleted withdraws
// the product, and Version orders the changes of one bot.
type CatalogChange struct {
	SKU     SKU
	Patch   []byte
	Deleted bool
	Version int64
}
