package catalogfeed

import (
	"maps"
	"slices"

	"github.com/conciergehq/concierge"
)

// Catalog merges products from several sources by SKU, in order: a later
// source wins on the fields it gives, and per-locale names and
// descriptions are merged locale by locale, so that a French feed and an
// English feed of the same SKUs make bilingual products. The zero Catalog
// is empty and ready.
type Catalog struct {
	products []concierge.Product
	fields   []Fields // what the items of each product gave, together
	index    map[concierge.SKU]int
}

// Add merges one item into c.
func (c *Catalog) Add(it Item) {
	if c.index == nil {
		c.index = map[concierge.SKU]int{}
	}
	i, ok := c.index[it.Product.SKU]
	if !ok {
		c.index[it.Product.SKU] = len(c.products)
		c.products = append(c.products, clone(it.Product))
		c.fields = append(c.fields, it.Fields)
		return
	}
	c.fields[i] |= it.Fields
	p, q := &c.products[i], &it.Product
	if it.Fields&FieldName != 0 {
		p.Name = mergeTexts(p.Name, q.Name)
	}
	if it.Fields&FieldDescription != 0 {
		p.Description = mergeTexts(p.Description, q.Description)
	}
	if it.Fields&FieldCategory != 0 {
		p.Category = q.Category
	}
	if it.Fields&FieldPrice != 0 {
		p.Price = q.Price
	}
	switch {
	case it.Fields&FieldStock != 0:
		p.Stock = q.Stock
	case it.Fields&FieldInStock != 0 && p.Stock == 0:
		p.Stock = q.Stock
	}
	if it.Fields&FieldTags != 0 {
		p.Tags = slices.Clone(q.Tags)
	}
	if it.Fields&FieldImage != 0 {
		p.Image = q.Image
	}
	if it.Fields&FieldDigital != 0 {
		p.Digital = q.Digital
	}
	if it.Fields&FieldGroup != 0 {
		p.Group = q.Group
	}
	if it.Fields&FieldAttrs != 0 {
		if p.Attrs == nil {
			p.Attrs = map[string]string{}
		}
		maps.Copy(p.Attrs, q.Attrs)
	}
}

// AddProduct merges a product with every field given, as a bot file's own
// product is.
func (c *Catalog) AddProduct(p concierge.Product) {
	c.Add(Item{Product: p, Fields: AllFields})
}

// Needed is what a merged product must have been given by some source.
const Needed = FieldName | FieldPrice

// Missing returns which of Needed no item of sku gave: a feed may leave a
// product's name or price to another source, and a product that no source
// gives both must not be sold (it would have no name, or cost nothing).
// An unknown SKU misses nothing.
func (c *Catalog) Missing(sku concierge.SKU) Fields {
	i, ok := c.index[sku]
	if !ok {
		return 0
	}
	return Needed &^ c.fields[i]
}

// Len returns the number of distinct SKUs.
func (c *Catalog) Len() int { return len(c.products) }

// Products returns the merged products in the order their SKUs first
// appeared. The caller owns the slice.
func (c *Catalog) Products() []concierge.Product {
	return slices.Clone(c.products)
}

// mergeTexts adds b's locales to a, b winning.
func mergeTexts(a, b map[concierge.Locale]string) map[concierge.Locale]string {
	if len(b) == 0 {
		return a
	}
	out := maps.Clone(a)
	if out == nil {
		out = map[concierge.Locale]string{}
	}
	maps.Copy(out, b)
	return out
}

// clone copies a product's maps and slices so that merging never changes
// an Item.
func clone(p concierge.Product) concierge.Product {
	p.Name = maps.Clone(p.Name)
	p.Description = maps.Clone(p.Description)
	p.Tags = slices.Clone(p.Tags)
	p.Attrs = maps.Clone(p.Attrs)
	return p
}
