package concierge

// Product is one item of a bot's catalog, as the merchant describes it in the
// bot file. Names and descriptions are per locale.
type Product struct {
	SKU         SKU               `json:"sku"`
	Name        map[Locale]string `json:"name"`
	Description map[Locale]string `json:"description,omitempty"`
	Category    string            `json:"category,omitempty"`
	Price       Money             `json:"price"`
	// Stock is the merchant's stock at start; the live count is in the store.
	Stock   int               `json:"stock"`
	Tags    []string          `json:"tags,omitempty"`
	Image   string            `json:"image,omitempty"`
	Digital bool              `json:"digital,omitempty"`
	Attrs   map[string]string `json:"attrs,omitempty"`
	// Group names the product this one is a variant of ("TRAIL-RUNNER"):
	// products with the same Group are the sizes and colours of one
	// thing, each with its own SKU, price and stock, told apart by their
	// Attrs (size, color…). Feeds call it item_group_id. Empty for a
	// product that has no variants.
	Group string `json:"group,omitempty"`
}

// Title returns the product's name in loc, falling back to any name.
func (p *Product) Title(loc Locale, fallback Locale) string {
	if n := p.Name[loc]; n != "" {
		return n
	}
	if n := p.Name[fallback]; n != "" {
		return n
	}
	for _, n := range p.Name {
		return n
	}
	return string(p.SKU)
}

// Text returns d's text in loc, falling back as Title does.
func LocalText(d map[Locale]string, loc, fallback Locale) string {
	if n := d[loc]; n != "" {
		return n
	}
	if n := d[fallback]; n != "" {
		return n
	}
	for _, n := range d {
		return n
	}
	return ""
}
