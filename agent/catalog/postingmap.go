package catalog

import "hash/maphash"

// postingMap holds the index's posting lists by term: the terms and
// their lists in one array, found through an open-addressing table of
// their places. A million products give several million terms, most of
// them with one short list (a proper name, a name's two words joined),
// and a map[string][]posting spent some 100 bytes on each; this spends
// the entry's 40 and a few bytes of table.
type postingMap struct {
	seed    maphash.Seed
	slots   []uint32 // place in entries + 1, 0 for none; the length is a power of two
	entries []postingEntry
	// live counts the entries with postings: set keeps the entry of a
	// term whose list it empties, with no list, until the map is cloned.
	live int
}

type postingEntry struct {
	key  string
	list []posting
}

func newPostingMap(seed maphash.Seed, n int) *postingMap {
	m := &postingMap{seed: seed, entries: make([]postingEntry, 0, n)}
	m.slots = make([]uint32, slotsFor(n))
	return m
}

// slotsFor returns the length of a table for n entries.
func slotsFor(n int) int {
	s := 16
	for s*5 < n*8 {
		s *= 2
	}
	return s
}

// get returns the postings of term k (nil for none). They must not be
// modified.
func (m *postingMap) get(k string) []posting {
	if i, ok := m.find(k); ok {
		return m.entries[m.slots[i]-1].list
	}
	return nil
}

// find returns the slot of term k, or false and the empty slot where it
// would go.
func (m *postingMap) find(k string) (uint64, bool) {
	mask := uint64(len(m.slots) - 1)
	for i := maphash.String(m.seed, k) & mask; ; i = (i + 1) & mask {
		e := m.slots[i]
		if e == 0 {
			return i, false
		}
		if m.entries[e-1].key == k {
			return i, true
		}
	}
}

// set sets the postings of term k; an empty list removes them.
func (m *postingMap) set(k string, list []posting) {
	if len(list) == 0 {
		list = nil
	}
	i, ok := m.find(k)
	if ok {
		e := &m.entries[m.slots[i]-1]
		switch {
		case len(e.list) == 0 && list != nil:
			m.live++
		case len(e.list) > 0 && list == nil:
			m.live--
		}
		e.list = list
		return
	}
	if list == nil {
		return
	}
	if (len(m.entries)+1)*8 > len(m.slots)*5 {
		m.rehash(slotsFor(len(m.entries) + 1))
		i, _ = m.find(k)
	}
	m.entries = append(m.entries, postingEntry{key: k, list: list})
	m.slots[i] = uint32(len(m.entries))
	m.live++
}

func (m *postingMap) rehash(n int) {
	m.slots = make([]uint32, n)
	mask := uint64(n - 1)
	for e := range m.entries {
		i := maphash.String(m.seed, m.entries[e].key) & mask
		for m.slots[i] != 0 {
			i = (i + 1) & mask
		}
		m.slots[i] = uint32(e + 1)
	}
}

// len returns the number of terms with postings.
func (m *postingMap) len() int { return m.live }

// each calls fn with every term that has postings and its list.
func (m *postingMap) each(fn func(k string, list []posting)) {
	for _, e := range m.entries {
		if len(e.list) > 0 {
			fn(e.key, e.list)
		}
	}
}

// clone returns a copy of m that set may change without changing m.
func (m *postingMap) clone() *postingMap {
	if m.live == len(m.entries) {
		return &postingMap{seed: m.seed, slots: append([]uint32(nil), m.slots...), entries: append([]postingEntry(nil), m.entries...), live: m.live}
	}
	c := &postingMap{seed: m.seed, entries: make([]postingEntry, 0, m.live), live: m.live}
	for _, e := range m.entries {
		if len(e.list) > 0 {
			c.entries = append(c.entries, e)
		}
	}
	c.rehash(slotsFor(len(c.entries)))
	return c
}
