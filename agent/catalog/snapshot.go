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

// A snapshot keeps what New spends most of its time on — the analysis of
// every product (its prodInfo and prodTerms) and the term table that
// numbers their terms — so that Load can assemble the same index from the
// same products without reading their texts again. What depends on the
// whole catalog (postings, vocabulary, proper names, kinds, compounds) is
// assembled again by Load, as New does: a snapshot cannot disagree with
// it, and an index loaded from one is New's, term ids included.
//
// The format, all integers unsigned varints unless said otherwise, strings
// a length and bytes, sets of ids sorted and written as deltas:
//
//	magic "CCIX", format version (uint32 LE), key (uint64 LE)
//	term keys: count, keys in id order; nameNums keys: the same
//	products: count, then for each its prodInfo and prodTerms
//	xxhash64 (LE) of everything before it
//
// The key is a hash of the format version, the locales and the fields of
// each product the analysis reads (snapshotKey): Load refuses a snapshot
// whose key is not that of the products it is given. It does not cover
// the code that analyses: a caller that keeps snapshots across versions of
// the program must keep them apart (the server names them after its
// executable's hash).

// snapshotVersion is bumped whenever the format or what it holds changes.
const snapshotVersion = 1

var snapshotMagic = [4]byte{'C', 'C', 'I', 'X'}

// ErrStaleSnapshot is Load's error for a snapshot written for other
// products, other locales or another format version.
var ErrStaleSnapshot = errors.New("catalog: the snapshot is of another catalog")

// Snapshot is what New's analysis of a catalog leaves for WriteTo. It is
// made by NewSnapshot and holds the products' terms, which the index does
// not keep: write it and drop it.
type Snapshot struct {
	ix    *Index
	infos []*prodInfo
	terms []*prodTerms
	// numKeys are the table's nameNums keys when the index was made.
	numKeys []string
}

// NewSnapshot is New, which also returns a Snapshot of the index for
// Load to read back at the next start.
func NewSnapshot(products []concierge.Product, locales []concierge.Locale) (*Index, *Snapshot) {
	ix, terms := newIndex(products, locales)
	return ix, &Snapshot{ix: ix, infos: ix.infos, terms: terms, numKeys: ix.table.numSnapshot()}
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
	var head [16]byte
	copy(head[:], snapshotMagic[:])
	binary.LittleEndian.PutUint32(head[4:], snapshotVersion)
	binary.LittleEndian.PutUint64(head[8:], snapshotKey(s.ix.products, s.ix.locales))
	e.write(head[:])
	e.strings(s.ix.keys)
	e.strings(s.numKeys)
	e.uint(uint64(len(s.infos)))
	for i, in := range s.infos {
		e.info(in)
		e.terms(s.terms[i])
	}
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

// info writes a prodInfo as New made it: strong before splitCompounds
// added its words (Load's assemble adds them again).
func (e *encoder) info(in *prodInfo) {
	e.string(in.skuKey)
	strong := in.strong
	if len(in.splitIn) > 0 {
		strong = make([]uint32, 0, len(in.strong))
		for _, id := range in.strong {
			if !slices.Contains(in.splitIn, id) {
				strong = append(strong, id)
			}
		}
	}
	e.ids(strong)
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

// terms writes a prodTerms; strongWords and structWords are not written:
// Load derives them from the prodInfo.
func (e *encoder) terms(pt *prodTerms) {
	e.uint(uint64(len(pt.terms)))
	prev := uint32(0)
	for _, t := range pt.terms {
		e.uint(uint64(t.id-prev)<<2 | uint64(t.weight))
		prev = t.id
	}
	e.ids(pt.written)
	e.ids(pt.nums)
}
