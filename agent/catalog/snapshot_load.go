package catalog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/cespare/xxhash/v2"

	"github.com/conciergehq/concierge"
)

// Load reads a snapshot that Snapshot.WriteTo wrote and returns the index
// of products, the same as New(products, locales) would build. It fails
// with ErrStaleSnapshot when the snapshot was written for other products
// (other fields the index reads, another order), other locales or another
// format, and with another error when it is truncated or corrupt: its
// checksum is checked before anything is decoded. Prices and stock are
// read from products. The products are not copied.
//
// The snapshot is read whole into memory first (its size beside the
// index while it is decoded).
func Load(r io.Reader, products []concierge.Product, locales []concierge.Locale) (*Index, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("catalog: load snapshot: %w", err)
	}
	if len(data) < 16+8 || !bytes.Equal(data[:4], snapshotMagic[:]) {
		return nil, errors.New("catalog: load snapshot: not a snapshot")
	}
	if v := binary.LittleEndian.Uint32(data[4:]); v != snapshotVersion {
		return nil, fmt.Errorf("%w (format %d, want %d)", ErrStaleSnapshot, v, snapshotVersion)
	}
	body, tail := data[:len(data)-8], data[len(data)-8:]
	if xxhash.Sum64(body) != binary.LittleEndian.Uint64(tail) {
		return nil, errors.New("catalog: load snapshot: bad checksum (truncated or corrupt)")
	}
	if binary.LittleEndian.Uint64(data[8:]) != snapshotKey(products, locales) {
		return nil, ErrStaleSnapshot
	}
	return decode(body[16:], products, locales)
}

// decode decodes a snapshot's body, checked by its checksum. The decoder
// checks lengths and ids; what it does not check (that packed cuts, say,
// are as packCuts packs them) would only be wrong in a snapshot made by
// hand with a checksum to match, and makes assemble panic: that panic is
// Load's error, not the server's end.
func decode(body []byte, products []concierge.Product, locales []concierge.Locale) (ix *Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			ix, err = nil, fmt.Errorf("catalog: load snapshot: malformed: %v", r)
		}
	}()
	d := &decoder{b: body}
	ix = d.index(products, locales)
	if d.err != nil {
		return nil, fmt.Errorf("catalog: load snapshot: %w", d.err)
	}
	return ix, nil
}

// readAll reads r whole, in one allocation when r can tell its size (a
// file).
func readAll(r io.Reader) ([]byte, error) {
	if st, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+1))
			_, err := buf.ReadFrom(r)
			return buf.Bytes(), err
		}
	}
	return io.ReadAll(r)
}

// decoder reads a snapshot's parts from b; the first error sticks, and
// every read after it returns zero values.
type decoder struct {
	b   []byte
	err error
	// scratch is reused for the id sets before they go to an arena.
	scratch []uint32
	strs    stringArena
	ids     arena[uint32]
	infos   arena[prodInfo]
	lists   arena[string]
	counts  arena[wordCount]
	attrs   arena[attrTerm]
	list    []string
}

// rest is count's limit for a length of elements of one byte or more.
const rest = -1

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.fail("bad number at %d bytes from the end", len(d.b))
		return 0
	}
	d.b = d.b[k:]
	return n
}

// count reads a length of at most limit, or of at most the bytes left
// when limit is rest: each element takes one byte or more.
func (d *decoder) count(limit int) int {
	n := d.uint()
	if limit == rest {
		limit = len(d.b)
	}
	if n > uint64(limit) {
		d.fail("a length of %d, at most %d expected", n, limit)
		return 0
	}
	return int(n)
}

// bytes reads a string's bytes, which alias the snapshot.
func (d *decoder) bytes() []byte {
	n := d.count(rest)
	if d.err != nil {
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// string reads a string into the decoder's arena.
func (d *decoder) string() string { return d.strs.clone(string(d.bytes())) }

// strings reads a list of strings, nil when empty.
func (d *decoder) strings() []string {
	n := d.count(rest)
	d.list = d.list[:0]
	for range n {
		d.list = append(d.list, d.string())
	}
	return d.lists.clone(d.list)
}

// idSet reads a sorted set of ids below limit into the scratch.
func (d *decoder) idSet(limit int) []uint32 {
	n := d.count(rest)
	d.scratch = d.scratch[:0]
	id := uint64(0)
	for k := range n {
		delta := d.uint()
		if k > 0 && delta == 0 {
			d.fail("an id set repeats an id")
		}
		id += delta
		if id >= uint64(limit) {
			d.fail("id %d of %d", id, limit)
		}
		if d.err != nil {
			return nil
		}
		d.scratch = append(d.scratch, uint32(id))
	}
	return d.scratch
}

// table reads the keys of the table's terms, or of its nameNums keys,
// and lays out their hash table at the size New's inserts leave it,
// without probing for each key whether it is already there: WriteTo
// wrote each once.
func (d *decoder) table(tt *termTable, nums bool) {
	n := d.count(rest)
	keys := make([]string, 0, n)
	for range n {
		b := d.bytes()
		if d.err != nil {
			return
		}
		keys = append(keys, tt.strs.clone(string(b)))
	}
	var h idHash
	if n > 0 {
		size := 16
		for n*8 > size*5 {
			size *= 2
		}
		h.slots = make([]uint32, size)
		for id := range keys {
			h.place(tt.seed, keys, uint32(id)+1)
		}
		h.n = n
	}
	if nums {
		tt.numKeys, tt.numIDs = keys, h
	} else {
		tt.keys, tt.ids = keys, h
	}
}

func (d *decoder) index(products []concierge.Product, locales []concierge.Locale) *Index {
	table := newTermTable()
	table.mu.Lock()
	d.table(table, false)
	d.table(table, true)
	table.mu.Unlock()
	if n := d.uint(); d.err == nil && n != uint64(len(products)) {
		d.fail("%d products, want %d", n, len(products))
	}
	infos := make([]*prodInfo, len(products))
	terms := make([]*prodTerms, len(products))
	keepOf, lettersOf := make([][]string, len(products)), make([][]string, len(products))
	categories := map[string]string{}
	for i := range products {
		infos[i] = d.info(table)
		terms[i] = d.terms(table)
		if d.err != nil {
			return nil
		}
		c, ok := categories[products[i].Category]
		if !ok {
			c = Fold(products[i].Category)
			categories[products[i].Category] = c
		}
		infos[i].category = c
		keepOf[i], lettersOf[i] = infos[i].keep(), infos[i].letters()
		terms[i].strongWords = vocabIDs(table.keys, infos[i].strong)
		terms[i].structWords = vocabIDs(table.keys, infos[i].structured)
	}
	if len(d.b) != 0 {
		d.fail("%d bytes after the products", len(d.b))
		return nil
	}
	lx, kept := lexiconWith(keepOf, lettersOf)
	return assemble(products, locales, lx, kept, table, infos, nil, nil, termsOf{all: terms})
}

// info reads what encoder.info wrote.
func (d *decoder) info(tt *termTable) *prodInfo {
	nk := len(tt.keys)
	in := d.infos.alloc()
	in.skuKey = d.string()
	in.strong = d.ids.clone(d.idSet(nk))
	in.structured = d.ids.clone(d.idSet(nk))
	in.cuts = d.string()
	n := d.count(rest)
	counted := make([]wordCount, 0, n)
	for range n {
		w, c := d.uint(), d.uint()
		if w >= uint64(nk) || c > 1<<31-1 {
			d.fail("bad name count")
			return in
		}
		counted = append(counted, wordCount{uint32(w), int32(c)})
	}
	in.nameCounts = d.counts.clone(counted)
	if l := d.uint(); l <= 1<<31-1 {
		in.latin = int32(l)
	} else {
		d.fail("bad count of names")
	}
	in.leftovers = d.strings()
	in.hanRuns = d.strings()
	in.hanWhole = d.strings()
	n = d.count(rest)
	attrs := make([]attrTerm, 0, n)
	for range n {
		attrs = append(attrs, attrTerm{d.string(), d.string()})
	}
	in.attrTerms = d.attrs.clone(attrs)
	keep, letters := d.strings(), d.strings()
	if len(keep) > 0 || len(letters) > 0 {
		in.rare = &prodRare{keep: keep, letters: letters}
	}
	return in
}

// terms reads what encoder.terms wrote.
func (d *decoder) terms(tt *termTable) *prodTerms {
	nk := len(tt.keys)
	pt := &prodTerms{}
	n := d.count(rest)
	pt.terms = make([]weightedTerm, 0, n)
	id := uint64(0)
	for k := range n {
		v := d.uint()
		delta, w := v>>2, v&3
		if (k > 0 && delta == 0) || w == 0 {
			d.fail("bad term")
		}
		id += delta
		if id >= uint64(nk) {
			d.fail("id %d of %d", id, nk)
		}
		if d.err != nil {
			return pt
		}
		pt.terms = append(pt.terms, weightedTerm{uint32(id), float32(w)})
	}
	pt.written = cloneIDs(d.idSet(nk))
	pt.nums = cloneIDs(d.idSet(len(tt.numKeys)))
	return pt
}

func cloneIDs(ids []uint32) []uint32 {
	if len(ids) == 0 {
		return nil
	}
	return append([]uint32(nil), ids...)
}

// vocabIDs returns the ids of ids whose terms a misspelling may be
// corrected to, as analyseProduct gathers prodTerms.strongWords and
// structWords.
func vocabIDs(keys []string, ids []uint32) []uint32 {
	var out []uint32
	for _, id := range ids {
		if k := keys[id]; k != "" && k[0] != '@' && isWord(k) && runeLen(k) >= 3 {
			out = append(out, id)
		}
	}
	return out
}
