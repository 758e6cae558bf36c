package catalog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"slices"

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
// index while it is decoded). The products' key is hashed while the
// snapshot is read and decoded, and the term table's hashes are laid out
// while the products' records are decoded, each on a goroutine of its
// own: a stale snapshot is decoded before it is refused.
func Load(r io.Reader, products []concierge.Product, locales []concierge.Locale) (*Index, error) {
	keyc := make(chan uint64, 1)
	go func() { keyc <- snapshotKey(products, locales) }()
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
	ix, err := decode(body, products, locales)
	if binary.LittleEndian.Uint64(data[8:]) != <-keyc {
		return nil, ErrStaleSnapshot
	}
	return ix, err
}

// decode decodes a snapshot's body, checked by its checksum. The decoder
// checks lengths and ids; what it does not check (that packed cuts, say,
// are as packCuts packs them, or that the vocabulary's words are sorted)
// would only be wrong in a snapshot made by hand with a checksum to
// match, and gives a wrong index or a panic: a panic, on this goroutine
// or one of the decoder's, is Load's error, not the server's end.
func decode(body []byte, products []concierge.Product, locales []concierge.Locale) (ix *Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			ix, err = nil, fmt.Errorf("catalog: load snapshot: malformed: %v", r)
		}
	}()
	// The body ends with the places of the derived part and of the
	// second half of the products.
	if len(body) < 16+16 {
		return nil, errors.New("catalog: load snapshot: malformed: no trailer")
	}
	end := uint64(len(body) - 16)
	derivedAt, halfAt := binary.LittleEndian.Uint64(body[end:]), binary.LittleEndian.Uint64(body[end+8:])
	if halfAt < 16 || halfAt > derivedAt || derivedAt > end {
		return nil, fmt.Errorf("catalog: load snapshot: malformed: parts at %d and %d of %d bytes", halfAt, derivedAt, len(body))
	}
	d := &decoder{b: body[16:halfAt]}
	ix = d.index(products, locales, body[halfAt:derivedAt], body[derivedAt:end])
	if d.err != nil {
		return nil, fmt.Errorf("catalog: load snapshot: %w", d.err)
	}
	return ix, nil
}

// readAll reads r whole, in one allocation when r can tell its size (a
// file). (bytes.Buffer.ReadFrom would double the buffer to read the EOF
// into its last 512 bytes, copying the whole file once more.)
func readAll(r io.Reader) ([]byte, error) {
	if st, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			buf := make([]byte, 0, fi.Size()+1)
			for {
				if len(buf) == cap(buf) {
					buf = append(buf, 0)[:len(buf)] // the file grew
				}
				n, err := r.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				if err == io.EOF {
					return buf, nil
				}
				if err != nil {
					return buf, err
				}
			}
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
	docs    []int
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

// keys reads the keys of the table's terms, or of its nameNums keys;
// WriteTo wrote each once.
func (d *decoder) keys() []string {
	n := d.count(rest)
	if n == 0 || d.err != nil {
		return nil // as New leaves it
	}
	// The keys are cut from one copy of the bytes that hold them (and
	// their lengths), not copied one by one.
	from := d.b
	ends := make([]int, n)
	for k := range ends {
		d.bytes()
		if d.err != nil {
			return nil
		}
		ends[k] = len(from) - len(d.b)
	}
	region := string(from[:ends[n-1]])
	keys := make([]string, n)
	for k, end := range ends {
		start := 0
		if k > 0 {
			start = ends[k-1]
		}
		_, w := binary.Uvarint(from[start:])
		keys[k] = region[start+w : end]
	}
	return keys
}

// hashKeys returns the hashes of keys under seed, and their idHash laid
// out at the size New's inserts leave it, without probing for each key
// whether it is already there. The index's other tables of the same keys
// reuse the hashes.
func hashKeys(seed maphash.Seed, keys []string) ([]uint64, idHash) {
	hashes := make([]uint64, len(keys))
	for id, k := range keys {
		hashes[id] = maphash.String(seed, k)
	}
	var h idHash
	if n := len(keys); n > 0 {
		h.slots = make([]uint32, slotsFor(n))
		for id := range keys {
			placeHashed(h.slots, hashes[id], uint32(id)+1)
		}
		h.n = n
	}
	return hashes, h
}

// placeHashed puts v in the first free slot from hash's, as idHash.place
// and postingMap.rehash do.
func placeHashed(slots []uint32, hash uint64, v uint32) {
	mask := uint64(len(slots) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		if slots[i] == 0 {
			slots[i] = v
			return
		}
	}
}

// hashedSet makes the keySet of the ids whose count is not 0, as
// newKeySet does, from the keys' hashes.
func hashedSet(seed maphash.Seed, keys []string, hashes []uint64, count []int32) *keySet {
	s := &keySet{seed: seed, keys: keys}
	n := 0
	for _, c := range count {
		if c > 0 {
			n++
		}
	}
	if n == 0 {
		return s
	}
	s.slots = make([]uint32, slotsFor(n))
	for id, c := range count {
		if c > 0 {
			placeHashed(s.slots, hashes[id], uint32(id)+1)
		}
	}
	s.n = n
	return s
}

// index reads a snapshot's body and assembles its index as assemble
// does with no prev, reading what the snapshot stores of it. Every field
// assemble sets must be set here: TestSnapshotRoundTrip compares them
// all with New's.
func (d *decoder) index(products []concierge.Product, locales []concierge.Locale, secondHalf, derivedPart []byte) *Index {
	table := newTermTable()
	keys := d.keys()
	numKeys := d.keys()
	if n := d.uint(); d.err == nil && n != uint64(len(products)) {
		d.fail("%d products, want %d", n, len(products))
	}
	if d.err != nil {
		return nil
	}
	table.keys, table.numKeys = keys, numKeys
	// The table's hashes are laid out while the products are decoded,
	// which read its keys alone; nothing reads its ids until hashed.
	var hashes, numHashes []uint64
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		var ids, numIDs idHash
		hashes, ids = hashKeys(table.seed, keys)
		numHashes, numIDs = hashKeys(table.seed, numKeys)
		table.mu.Lock()
		table.ids, table.numIDs = ids, numIDs
		table.mu.Unlock()
	}()
	defer func() { <-hashed }()
	// The derived part is decoded meanwhile too.
	var der derived
	decoded := make(chan struct{})
	go func() {
		defer close(decoded)
		der = decodeDerived(derivedPart, keys, len(products), &hashes, hashed)
	}()
	defer func() { <-decoded }()
	ix := &Index{
		products: products,
		docs:     make([]doc, len(products)),
		hanWhole: map[string][]int{},
		scratch:  newScratch(len(products)),
		locales:  slices.Clone(locales),
		table:    table,
		keys:     keys,
		facets:   &facetCache{},

		nameCache: &nameCache{},
	}
	ix.infos = make([]*prodInfo, len(products))
	ix.split = make([][]string, len(products))
	keepOf, lettersOf := make([][]string, len(products)), make([][]string, len(products))
	// The second half of the products is decoded beside the first, its
	// terms counted apart.
	half := len(products) / 2
	var counts2 termCounts
	var err2 error
	halved := make(chan struct{})
	go func() {
		defer close(halved)
		defer func() {
			if r := recover(); r != nil {
				err2 = fmt.Errorf("malformed: %v", r)
			}
		}()
		d2 := &decoder{b: secondHalf}
		d2.products(ix, half, len(products), &counts2, keepOf, lettersOf)
		if d2.err == nil && len(d2.b) != 0 {
			d2.fail("%d bytes after the products", len(d2.b))
		}
		err2 = d2.err
	}()
	defer func() { <-halved }()
	c := &ix.counts
	d.products(ix, 0, half, c, keepOf, lettersOf)
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes after the first half of the products", len(d.b))
	}
	<-halved
	if d.err == nil && err2 != nil {
		d.fail("%v", err2)
	}
	if d.err != nil {
		return nil
	}
	c2 := &counts2
	for _, a := range [][2][]int32{{c.known, c2.known}, {c.descr, c2.descr}, {c.written, c2.written}, {c.nums, c2.nums}, {c.common, c2.common}} {
		for id, n := range a[1] {
			a[0][id] += n
		}
	}
	ix.lx, ix.keep = lexiconWith(keepOf, lettersOf)
	for i, in := range ix.infos {
		p := &products[i]
		d := &ix.docs[i]
		d.category = in.category
		d.price = p.Price.Minor
		d.available = p.Stock > 0 || p.Digital
		d.strong = in.strong
	}
	// The maps of SKUs and whole Chinese names, which nothing below
	// reads, are filled meanwhile.
	mapped := make(chan struct{})
	go func() {
		defer close(mapped)
		for i, in := range ix.infos {
			for _, h := range in.hanWhole {
				ix.hanWhole[h] = append(ix.hanWhole[h], i)
			}
		}
		ix.mapSKUs(nil, nil)
	}()
	defer func() { <-mapped }()
	<-hashed
	ix.written = hashedSet(table.seed, keys, hashes, c.written)
	ix.numKeys = hashedSet(table.seed, numKeys, numHashes, c.nums)
	ix.splitDocs = map[string][]int32{}
	for i, parts := range ix.split {
		for _, w := range parts {
			ix.splitDocs[w] = append(ix.splitDocs[w], int32(i))
		}
	}
	<-decoded
	if der.err != nil {
		d.fail("%v", der.err)
		return nil
	}
	ix.postings = der.postings
	ix.postings.seed = table.seed
	// The postings splitCompounds added, at the ends of their lists as
	// layPostings adds them.
	splits := 0
	for k, e := range der.splitAt {
		en := &ix.postings.entries[e]
		docs := ix.splitDocs[en.key]
		if len(docs) != der.splitN[k] {
			d.fail("%d split postings of %q, want %d", der.splitN[k], en.key, len(docs))
			return nil
		}
		for _, doc := range docs {
			en.list = append(en.list, newPosting(doc, weightName))
		}
		splits += len(docs)
	}
	for _, docs := range ix.splitDocs {
		splits -= len(docs)
	}
	if splits != 0 {
		d.fail("split postings missing")
		return nil
	}
	ix.layBounds(nil)
	ix.buildKinds(keys)
	// The lexicon's and stop words, which buildVocab takes from the
	// lexicon alone; the catalog's are the snapshot's.
	ix.buildVocab(nil, nil, countDelta{})
	ix.vocab.words = der.vocab
	ix.names, ix.nameWords, ix.hanNames = der.names, newVocabulary(der.nameWords), der.hanNames
	ix.categories, ix.markers = der.categories, der.markers
	ix.buildHanRuns()
	ix.buildVariants()
	<-mapped
	return ix
}

// products decodes the records of products [from, to) into ix, counting
// their terms in c (made here).
func (d *decoder) products(ix *Index, from, to int, c *termCounts, keepOf, lettersOf [][]string) {
	keys, nk, nn := ix.keys, len(ix.keys), len(ix.table.numKeys)
	c.known, c.descr, c.written, c.nums, c.common = make([]int32, nk), make([]int32, nk), make([]int32, nk), make([]int32, nn), make([]int32, nk)
	categories := map[string]string{}
	// isWordID[id]: 0 not yet seen, 1 a word a misspelling may be
	// corrected to (as analyseProduct gathers prodTerms.strongWords), 2 not.
	isWordID := make([]uint8, nk)
	vocab := func(id uint32) bool {
		if isWordID[id] == 0 {
			isWordID[id] = 2
			if k := keys[id]; k != "" && k[0] != '@' && isWord(k) && runeLen(k) >= 3 {
				isWordID[id] = 1
			}
		}
		return isWordID[id] == 1
	}
	var pt prodTerms
	var splitStrs arena[string]
	for i := from; i < to; i++ {
		in := d.info(nk)
		if d.err != nil {
			return
		}
		ix.infos[i] = in
		p := &ix.products[i]
		cat, ok := categories[p.Category]
		if !ok {
			cat = Fold(p.Category)
			categories[p.Category] = cat
		}
		in.category = cat
		keepOf[i], lettersOf[i] = in.keep(), in.letters()
		if len(in.splitIn) > 0 {
			split := make([]string, len(in.splitIn))
			for k, id := range in.splitIn {
				split[k] = keys[id]
			}
			ix.split[i] = splitStrs.clone(split)
		}
		// The prodTerms that countTerms reads, its ids of words as
		// analyseProduct gathers them (before splitCompounds).
		pt.strongWords, pt.structWords = pt.strongWords[:0], pt.structWords[:0]
		for _, id := range in.strong {
			if vocab(id) && !slices.Contains(in.splitIn, id) {
				pt.strongWords = append(pt.strongWords, id)
			}
		}
		for _, id := range in.structured {
			if vocab(id) {
				pt.structWords = append(pt.structWords, id)
			}
		}
		pt.written = append(pt.written[:0], d.idSet(nk)...)
		pt.nums = append(pt.nums[:0], d.idSet(nn)...)
		if d.err != nil {
			return
		}
		c.add(in, &pt, 1, nil)
	}
}

// id reads a term id below limit.
func (d *decoder) id(limit int) uint32 {
	id := d.uint()
	if id >= uint64(limit) {
		d.fail("id %d of %d", id, limit)
		return 0
	}
	return uint32(id)
}

// derived is what a snapshot stores of what assemble derives from the
// whole catalog, decoded apart from the products.
type derived struct {
	postings *postingMap
	// splitAt are the entries of postings to which splitCompounds added
	// postings, splitN how many.
	splitAt []int32
	splitN  []int
	vocab   []string
	// categories and markers are buildCategories's.
	categories []string
	markers    map[string][]marker
	// names, nameWords and hanNames are buildNames's.
	names     map[string][]int
	nameWords []string
	hanNames  []hanName
	err       error
}

// decodeDerived decodes the derived part b of a snapshot whose terms are
// keys and products n, once hashed is closed laying out the posting map
// with the keys' hashes.
func decodeDerived(b []byte, keys []string, n int, hashes *[]uint64, hashed <-chan struct{}) (der derived) {
	defer func() {
		if r := recover(); r != nil {
			der = derived{err: fmt.Errorf("malformed: %v", r)}
		}
	}()
	d := &decoder{b: b}
	ids := d.postings(&der, keys, n)
	d.categories(&der)
	if n := d.count(rest); n > 0 {
		der.vocab = make([]string, n)
		for k := range der.vocab {
			der.vocab[k] = keys[d.id(len(keys))]
		}
	}
	d.names(&der, keys, n)
	if len(d.b) != 0 {
		d.fail("%d bytes after the index", len(d.b))
	}
	if d.err != nil {
		return derived{err: d.err}
	}
	<-hashed
	m := der.postings
	for e, id := range ids {
		placeHashed(m.slots, (*hashes)[id], uint32(e)+1)
	}
	return der
}

// postings reads what encoder.postings wrote: the posting lists in one
// array, as buildPostings lays them, and which entries splitCompounds
// added postings to. It returns the entries' term ids.
func (d *decoder) postings(der *derived, keys []string, docs int) []uint32 {
	total := d.count(rest)
	n := d.count(len(keys))
	if d.err != nil {
		return nil
	}
	flat := make([]posting, total)
	m := &postingMap{entries: make([]postingEntry, n), slots: make([]uint32, slotsFor(n)), live: n}
	ids := make([]uint32, n)
	at := 0
	for e := range m.entries {
		id := d.id(len(keys))
		k := d.count(total - at)
		if d.err != nil {
			return nil
		}
		list := flat[at : at+k : at+k]
		doc := uint64(0)
		for j := range list {
			v := d.uint()
			delta, w := v>>2, v&3
			if (j > 0 && delta == 0) || w == 0 {
				d.fail("bad posting")
			}
			doc += delta
			if doc >= uint64(docs) {
				d.fail("posting of product %d of %d", doc, docs)
			}
			if d.err != nil {
				return nil
			}
			list[j] = newPosting(int32(doc), float32(w))
		}
		at += k
		if s := d.count(docs); s > 0 {
			der.splitAt = append(der.splitAt, int32(e))
			der.splitN = append(der.splitN, s)
		} else if k == 0 {
			d.fail("an empty posting list")
			return nil
		}
		ids[e] = id
		m.entries[e] = postingEntry{key: keys[id], list: list}
	}
	if at != total {
		d.fail("%d postings, %d said", at, total)
	}
	der.postings = m
	return ids
}

// categories reads buildCategories's categories and markers.
func (d *decoder) categories(der *derived) {
	if n := d.count(rest); n > 0 {
		der.categories = make([]string, n)
		for k := range der.categories {
			der.categories[k] = d.string()
		}
	}
	n := d.count(rest)
	der.markers = make(map[string][]marker, n)
	for range n {
		k := d.string()
		ms := make([]marker, d.count(rest))
		for j := range ms {
			c, w := d.uint(), d.uint()
			if c >= uint64(len(der.categories)) || w > 2 {
				d.fail("bad marker")
				return
			}
			ms[j] = marker{int(c), int(w)}
		}
		if len(ms) == 0 {
			d.fail("a term that marks no category")
		}
		if d.err != nil {
			return
		}
		der.markers[k] = ms
	}
}

// names reads buildNames's names, nameWords and hanNames.
func (d *decoder) names(der *derived, keys []string, n int) {
	var docs arena[int]
	set := func() []int {
		ids := d.idSet(n)
		if len(ids) == 0 {
			d.fail("a name of no product")
		}
		if d.err != nil {
			return nil
		}
		d.docs = d.docs[:0]
		for _, id := range ids {
			d.docs = append(d.docs, int(id))
		}
		return docs.clone(d.docs)
	}
	count := d.count(rest)
	der.names = make(map[string][]int, count)
	der.nameWords = make([]string, count) // sortedKeys's: never nil
	for k := range der.nameWords {
		w := keys[d.id(len(keys))]
		der.nameWords[k] = w
		der.names[w] = set()
		if d.err != nil {
			return
		}
	}
	switch d.uint() {
	case 0:
	case 1:
		count := d.count(rest)
		der.hanNames = make([]hanName, 0, count)
		for range count {
			text := d.string()
			der.hanNames = append(der.hanNames, hanName{text: text, docs: set()})
			if d.err != nil {
				return
			}
		}
	default:
		d.fail("bad Chinese names")
	}
}

// info reads what encoder.info wrote.
func (d *decoder) info(nk int) *prodInfo {
	in := d.infos.alloc()
	in.skuKey = d.string()
	in.strong = d.ids.clone(d.idSet(nk))
	if n := d.count(rest); n > 0 {
		split := make([]uint32, n)
		for k := range split {
			split[k] = d.id(nk)
			if d.err == nil && !hasID(in.strong, split[k]) {
				d.fail("a split word not in the product's words")
			}
		}
		in.splitIn = d.ids.clone(split)
	}
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
