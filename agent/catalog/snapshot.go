package catalog

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/cespare/xxhash/v2"

	"github.com/conciergehq/concierge"
)

// A snapshot keeps what New spends its time on — the analysis of every
// product (its prodInfo and the ids of its prodTerms) and the term table
// that numbers their terms — and what assemble derives from the whole
// catalog at a cost that grows faster than the catalog, or with it and
// large: the posting lists, the words splitCompounds gives each product,
// the catalog's vocabulary, its proper names and its categories' markers.
// Load reads those instead of deriving them, and derives the rest (kinds,
// variants, Chinese runs, counts, the hash tables, whose seed is the
// process's) as New does; an index loaded
// from a snapshot is New's, term ids included, which TestSnapshotRoundTrip
// checks structure by structure.
//
// The two halves of the products and the derived part (postings to
// Chinese names) are decoded at the same time, the key hashed and the
// terms' hash tables laid out meanwhile.
//
// The format, all integers unsigned varints unless said otherwise, strings
// a length and bytes, sets of ids sorted and written as deltas, lists of
// ids a length and the ids:
//
//	magic "CCIX", format version (uint32 LE), key (uint64 LE)
//	term keys: count, keys in id order; nameNums keys: the same
//	products: count, then for each its prodInfo (strong with the words
//	  splitCompounds gave it, then those words as a list) and its
//	  prodTerms' written and nums sets
//	postings: the number of postings before the split words', the
//	  number of entries, then each entry in the postingMap's order: its
//	  term id, its postings in catalog order (count, then each as the
//	  delta of its product <<2 | its weight), and how many products
//	  splitCompounds added to it
//	categories: the categories' names, then the markers: count, then for
//	  each its term, count, and each marker's category and weight
//	vocabulary: the catalog's words by term id, in the vocabulary's order
//	proper names: count, then for each in nameWords' order its term id
//	  and the set of its products
//	Chinese names: 0 for none (nil), else 1, count, then each one's text
//	  and the set of its products
//	the places in the file (uint64 LE) of the postings and of product
//	  n/2's record, where Load starts decoding the derived part and the
//	  second half of the products while it decodes the first
//	xxhash64 (LE) of everything before it
//
// snapshotVersion is bumped whenever the format or what it holds changes.
const snapshotVersion = 2

var snapshotMagic = [4]byte{'C', 'C', 'I', 'X'}

// ErrStaleSnapshot is Load's error for a snapshot written for other
// products, other locales or another format version.
var ErrStaleSnapshot = errors.New("catalog: the snapshot is of another catalog")

// Snapshot is what New's analysis of a catalog leaves for WriteTo. It is
// made by NewSnapshot and holds the products' terms, which the index does
// not keep: write it and drop it.
type Snapshot struct {
	ix    *Index
	terms []*prodTerms
	// numKeys are the table's nameNums keys when the index was made.
	numKeys []string
}

// NewSnapshot is New, which also returns a Snapshot of the index for
// Load to read back at the next start.
func NewSnapshot(products []concierge.Product, locales []concierge.Locale) (*Index, *Snapshot) {
	ix, terms := newIndex(products, locales)
	return ix, &Snapshot{ix: ix, terms: terms, numKeys: ix.table.numSnapshot()}
}

// snapshotKey hashes what an index's analysis depends on, besides the
// code: the format, the locales and, in order, each product's fields
// that sameIndexed compares. Prices and stock are not in it: Load reads
// them from the products it is given.
func snapshotKey(products []concierge.Product, locales []concierge.Locale) uint64 {
	h := xxhash.New()
	// The fields are gathered in buf and hashed a few KiB at a time: a
	// product's are a dozen short strings.
	buf := make([]byte, 0, 1<<15)
	str := func(s string) {
		buf = append(binary.AppendUvarint(buf, uint64(len(s))), s...)
	}
	num := func(n int) { buf = binary.AppendUvarint(buf, uint64(n)) }
	var locs []concierge.Locale
	localized := func(m map[concierge.Locale]string) {
		num(len(m))
		locs = locs[:0]
		for l := range m {
			locs = append(locs, l)
		}
		slices.Sort(locs)
		for _, l := range locs {
			str(string(l))
			str(m[l])
		}
	}
	var attrs []string
	num(snapshotVersion)
	num(len(locales))
	for _, l := range locales {
		str(string(l))
	}
	num(len(products))
	for i := range products {
		p := &products[i]
		str(string(p.SKU))
		str(p.Category)
		str(p.Group)
		if p.Digital {
			num(1)
		} else {
			num(0)
		}
		localized(p.Name)
		localized(p.Description)
		num(len(p.Attrs))
		attrs = attrs[:0]
		for k := range p.Attrs {
			attrs = append(attrs, k)
		}
		slices.Sort(attrs)
		for _, k := range attrs {
			str(k)
			str(p.Attrs[k])
		}
		num(len(p.Tags))
		for _, t := range p.Tags {
			str(t)
		}
		if len(buf) > 1<<14 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return h.Sum64()
}

// WriteTo writes the snapshot to w.
func (s *Snapshot) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	sum := xxhash.New()
	bw := bufio.NewWriterSize(io.MultiWriter(cw, sum), 1<<16)
	e := &encoder{w: bw}
	ix := s.ix
	var head [16]byte
	copy(head[:], snapshotMagic[:])
	binary.LittleEndian.PutUint32(head[4:], snapshotVersion)
	binary.LittleEndian.PutUint64(head[8:], snapshotKey(ix.products, ix.locales))
	e.write(head[:])
	e.strings(ix.keys)
	e.strings(s.numKeys)
	e.uint(uint64(len(ix.infos)))
	halfAt := int64(-1)
	for i, in := range ix.infos {
		if i == len(ix.infos)/2 {
			halfAt = cw.n + int64(bw.Buffered())
		}
		e.info(in)
		e.ids(s.terms[i].written)
		e.ids(s.terms[i].nums)
	}
	derivedAt := cw.n + int64(bw.Buffered())
	e.postings(ix)
	e.strings(ix.categories)
	e.uint(uint64(len(ix.markers)))
	for _, k := range sortedKeys(ix.markers) {
		e.string(k)
		e.uint(uint64(len(ix.markers[k])))
		for _, m := range ix.markers[k] {
			e.uint(uint64(m.category))
			e.uint(uint64(m.weight))
		}
	}
	e.uint(uint64(len(ix.vocab.words)))
	for _, w := range ix.vocab.words {
		e.uint(uint64(e.id(ix, w)))
	}
	e.uint(uint64(len(ix.nameWords.words)))
	for _, w := range ix.nameWords.words {
		e.uint(uint64(e.id(ix, w)))
		e.docs(ix.names[w])
	}
	if ix.hanNames == nil {
		e.uint(0)
	} else {
		e.uint(1)
		e.uint(uint64(len(ix.hanNames)))
		for _, h := range ix.hanNames {
			e.string(h.text)
			e.docs(h.docs)
		}
	}
	if halfAt < 0 { // no products
		halfAt = derivedAt
	}
	e.write(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, uint64(derivedAt)), uint64(halfAt)))
	if err := e.flush(); err != nil {
		return cw.n, fmt.Errorf("catalog: write snapshot: %w", err)
	}
	var tail [8]byte
	binary.LittleEndian.PutUint64(tail[:], sum.Sum64())
	if _, err := cw.Write(tail[:]); err != nil {
		return cw.n, fmt.Errorf("catalog: write snapshot: %w", err)
	}
	return cw.n, nil
}

// id returns the term id of k, a term of ix.
func (e *encoder) id(ix *Index, k string) uint32 {
	ix.table.mu.Lock()
	id, ok := ix.table.lookup(k)
	ix.table.mu.Unlock()
	if (!ok || int(id) >= len(ix.keys)) && e.err == nil {
		e.err = fmt.Errorf("the term %q is not the index's", k)
	}
	return id
}

// postings writes ix's posting lists, each without the postings
// splitCompounds added (its splitDocs, at the end of the list).
func (e *encoder) postings(ix *Index) {
	total := 0
	for _, en := range ix.postings.entries {
		total += len(en.list) - len(ix.splitDocs[en.key])
	}
	if ix.postings.live != len(ix.postings.entries) && e.err == nil {
		e.err = errors.New("the posting lists have holes (an updated index)")
	}
	e.uint(uint64(total))
	e.uint(uint64(len(ix.postings.entries)))
	for _, en := range ix.postings.entries {
		e.uint(uint64(e.id(ix, en.key)))
		split := len(ix.splitDocs[en.key])
		main := en.list[:len(en.list)-split]
		e.uint(uint64(len(main)))
		prev := uint32(0)
		for _, p := range main {
			e.uint(uint64(uint32(p)>>2-prev)<<2 | uint64(p&3))
			prev = uint32(p) >> 2
		}
		e.uint(uint64(split))
	}
}

// docs writes a set of products as deltas.
func (e *encoder) docs(docs []int) {
	e.uint(uint64(len(docs)))
	prev := 0
	for _, d := range docs {
		e.uint(uint64(d - prev))
		prev = d
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// encoder writes a snapshot's parts; the first error sticks.
type encoder struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func (e *encoder) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) flush() error {
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

func (e *encoder) uint(n uint64) {
	e.buf = binary.AppendUvarint(e.buf[:0], n)
	e.write(e.buf)
}

func (e *encoder) string(s string) {
	e.uint(uint64(len(s)))
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *encoder) strings(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.string(s)
	}
}

// ids writes a sorted set of ids as deltas.
func (e *encoder) ids(ids []uint32) {
	e.uint(uint64(len(ids)))
	prev := uint32(0)
	for _, id := range ids {
		e.uint(uint64(id - prev))
		prev = id
	}
}

// info writes a prodInfo as New made it: strong with the words
// splitCompounds added, and those words (splitIn).
func (e *encoder) info(in *prodInfo) {
	e.string(in.skuKey)
	e.ids(in.strong)
	e.uint(uint64(len(in.splitIn)))
	for _, id := range in.splitIn {
		e.uint(uint64(id))
	}
	e.ids(in.structured)
	e.string(in.cuts)
	e.uint(uint64(len(in.nameCounts)))
	for _, wc := range in.nameCounts {
		e.uint(uint64(wc.word))
		e.uint(uint64(wc.n))
	}
	e.uint(uint64(in.latin))
	e.strings(in.leftovers)
	e.strings(in.hanRuns)
	e.strings(in.hanWhole)
	e.uint(uint64(len(in.attrTerms)))
	for _, a := range in.attrTerms {
		e.string(a.attr)
		e.string(a.key)
	}
	e.strings(in.keep())
	e.strings(in.letters())
}
