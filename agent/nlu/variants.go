package nlu

// Sizes of variants. In a shop whose shoes come in 40, 41 and 42, "la
// bleue en 42", "the blue one in 42", "taille 42", "pointure 42" and
// "42码" say which variant, never a quantity of 42: the number is marked
// as a word of the product (named), so that no reader of quantities sees
// it and the query keeps it. Only numbers that are values of an attribute
// that tells some group's variants apart are read so (catalog.Index's
// VariantValue); in any other shop nothing changes.

// sizeBefore are the words that introduce a value of a variant.
var sizeBefore = words("en", "in", "taille", "size", "pointure", "尺码")

// enVerbs are the imperatives that take "en" as a pronoun, before a count:
// "mets-en 2", "prends-en 3" count what was shown, even in a shop that
// sells a size 2.
var enVerbs = map[string]bool{"mets": true, "mettez": true, "prends": true, "prenez": true, "ajoute": true, "ajoutez": true,
	"rajoute": true, "rajoutez": true, "donne": true, "donnez": true, "garde": true, "gardez": true, "remets": true, "remettez": true,
	"ajoutes": true, "enleve": true, "enleves": true, "enlevez": true, "retire": true, "retires": true, "retirez": true,
	"supprime": true, "supprimez": true, "ote": true, "otez": true, "vire": true, "virez": true}

// markVariantValues marks the numbers said as a variant's value.
func (p *parse) markVariantValues() {
	if p.ix == nil {
		return
	}
	for i := 0; i < len(p.toks); i++ {
		t := p.toks[i]
		if p.used[i] || t.kind != tNumber || t.neg || !p.ix.VariantValue(t.norm) {
			continue
		}
		n, ok := numberAt(p.toks, i)
		if !ok || n.end != i+1 {
			continue
		}
		if p.saidAsValue(n) {
			p.markNamed(n)
		}
	}
	// "en 47" where shoes come in 40 to 42 is a size the shop lacks, which
	// the brain says so, not 47 pairs.
	for i := 0; i < len(p.toks) && p.ix.HasVariants(); i++ {
		t := p.toks[i]
		if p.used[i] || t.kind != tNumber || t.neg {
			continue
		}
		if n, ok := numberAt(p.toks, i); ok && n.end == i+1 && (p.sizeContext(n) || p.packOf(n)) {
			p.markNamed(n) // "en 47", "48块装的": which one, never how many
		}
	}
}

// saidAsValue reports whether the number n reads as a variant's value:
// after "en", "in", "taille", "size", "pointure", "尺码", before "码" or
// "号", alone, or too large to be a count and not a price.
func (p *parse) saidAsValue(n number) bool {
	if p.sizeContext(n) {
		return true
	}
	if len(p.toks) == 1 {
		return true // the answer to "which size?"
	}
	if p.packOf(n) {
		return true // "two packs of 25", "48块装的": the pack the variant is
	}
	return n.value > float64(p.max) && !p.moneyLike(n) && !p.priceBound(n)
}

// packOf reports a number said as the size of a pack: after "pack of",
// "box of", "lot de", "boîte de", or before "只装", "块装", "个装".
func (p *parse) packOf(n number) bool {
	if n.start >= 2 && (p.toks[n.start-1].norm == "of" || p.toks[n.start-1].norm == "de") && packSizeNouns[p.toks[n.start-2].norm] {
		return true
	}
	return n.end+1 < len(p.toks) && p.toks[n.end].kind == tHan && classifiers[p.toks[n.end].norm] && p.toks[n.end+1].norm == "装"
}

// packSizeNouns say what a pack is called before "of"/"de" and its size.
var packSizeNouns = setOf("pack", "packs", "box", "boxes", "tub", "tubs", "bag", "bags", "lot", "lots", "boite", "boites",
	"paquet", "paquets", "sachet", "sachets", "carton", "cartons", "set", "sets")

// sizeContext reports a number said as a size: after "en", "in",
// "taille", "size", "pointure", "尺码" (but not "mets-en 2"), or before
// "码" or "号".
func (p *parse) sizeContext(n number) bool {
	if k := p.endsBefore(n.start, sizeBefore); k > 0 {
		at := n.start - k
		return !(p.toks[at].norm == "en" && at > 0 && enVerbs[p.toks[at-1].norm])
	}
	return n.end < len(p.toks) && (p.toks[n.end].norm == "码" || p.toks[n.end].norm == "号")
}
