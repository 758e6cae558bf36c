package catalogfeed

import (
	"bytes"
	"encoding/json"
	"strings"
)

// addACPProduct adds one product object of an ACP feed: a flat product
// (one SKU, as the 2025 product feed spec writes it, with item_group_id
// for variants), or a product of the nested feed (schema.feed.json of
// 2026-04-17) whose "variants" are each a SKU of ours in the product's
// group.
func addACPProduct(fields jsonFields, start int, pos lines, b *builder) {
	vs, ok := fields.get("variants")
	if !ok || len(vs.raw) == 0 || vs.raw[0] != '[' {
		b.add(jsonRecord(fields, start, pos, b))
		return
	}
	line, col := pos.at(start)
	dec := json.NewDecoder(bytes.NewReader(vs.raw))
	if _, err := dec.Token(); err != nil {
		b.problem(line, col, "variants: %v", err)
		return
	}
	n := 0
	for dec.More() {
		at := vs.at + skipSpace(vs.raw, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			l, c := pos.at(at)
			b.problem(l, c, "variants: %v", err)
			return
		}
		vf, err := objectFields(raw, at)
		if err != nil || raw[0] != '{' {
			l, c := pos.at(at)
			b.problem(l, c, "variants: expected a variant object, got %s", shorten(string(raw)))
			continue
		}
		n++
		b.add(variantRecord(fields, vf, at, pos, b))
	}
	if n == 0 {
		b.problem(line, col, "the product has no variants")
	}
}

// variantRecord is the record of one variant of a nested ACP product: the
// variant's own fields, its variant_options as attributes ("Size": "42"
// is the attribute size), its availability object as an availability,
// and the product's id as its group. The product's title is its name
// (the options are shown apart), and the product's description and
// media stand in for the variant's when it has none.
func variantRecord(product, variant jsonFields, start int, pos lines, b *builder) *record {
	rec := jsonRecord(variant, start, pos, b)
	at := func(f jsonField) cell {
		l, c := pos.at(f.at)
		return cell{text: jsonText(f.raw, b.o.Currency), line: l, col: c, label: f.key}
	}
	if f, ok := product.get("id"); ok {
		rec.cells["group"] = at(f)
	}
	if f, ok := product.get("title"); ok && jsonText(f.raw, b.o.Currency) != "" {
		rec.cells["name"] = at(f)
	}
	if f, ok := product.get("description"); ok && rec.cells["description"].text == "" {
		rec.cells["description"] = at(f)
	}
	for _, key := range []string{"variant_options", "availability", "categories", "media"} {
		f, ok := variant.get(key)
		if !ok && key == "media" {
			f, ok = product.get(key)
		}
		if !ok {
			continue
		}
		c := at(f)
		switch key {
		case "variant_options":
			var opts []struct{ Name, Value string }
			_ = json.Unmarshal(f.raw, &opts)
			for _, o := range opts {
				if name := normaliseHeader(o.Name); name != "" && strings.TrimSpace(o.Value) != "" {
					rec.attr(name, cell{text: strings.TrimSpace(o.Value), line: c.line, col: c.col, label: "variant_options." + o.Name})
				}
			}
		case "availability":
			var a struct {
				Available *bool  `json:"available"`
				Status    string `json:"status"`
			}
			if json.Unmarshal(f.raw, &a) != nil {
				continue // a plain string, read as in a flat feed
			}
			switch {
			case a.Status != "":
				c.text = a.Status
			case a.Available != nil && *a.Available:
				c.text = "in_stock"
			case a.Available != nil:
				c.text = "out_of_stock"
			}
			rec.cells["availability"] = c
		case "categories":
			var cats []struct{ Value string }
			if json.Unmarshal(f.raw, &cats) == nil && len(cats) > 0 {
				c.text = cats[0].Value
				rec.set("category", c)
			}
		case "media":
			var media []struct{ Type, URL string }
			_ = json.Unmarshal(f.raw, &media)
			for _, m := range media {
				if m.Type == "image" || m.Type == "" {
					c.text = m.URL
					rec.set("image", c)
					break
				}
			}
		}
	}
	return rec
}
