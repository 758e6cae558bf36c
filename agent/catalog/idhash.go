package catalog

import "hash/maphash"

// idHash is a set of term ids found by their keys: an open-addressing
// table of ids whose strings are in a termTable's keys. It holds 4 bytes
// a slot where a map[string] holds the string header and the value
// besides, which at a million products is most of what the term table
// and the sets of terms by role cost.
type idHash struct {
	slots []uint32 // id+1, 0 for an empty slot; the length is a power of two
	n     int
}

// find returns the id of s, if the set has it; keys are the strings of
// the ids.
func (h *idHash) find(seed maphash.Seed, keys []string, s string) (uint32, bool) {
	if h.n == 0 {
		return 0, false
	}
	mask := uint64(len(h.slots) - 1)
	for i := maphash.String(seed, s) & mask; ; i = (i + 1) & mask {
		v := h.slots[i]
		if v == 0 {
			return 0, false
		}
		if keys[v-1] == s {
			return v - 1, true
		}
	}
}

// insert adds id, which the set does not have.
func (h *idHash) insert(seed maphash.Seed, keys []string, id uint32) {
	if (h.n+1)*8 > len(h.slots)*5 {
		old := h.slots
		h.slots = make([]uint32, max(16, 2*len(old)))
		for _, v := range old {
			if v != 0 {
				h.place(seed, keys, v)
			}
		}
	}
	h.place(seed, keys, id+1)
	h.n++
}

func (h *idHash) place(seed maphash.Seed, keys []string, v uint32) {
	mask := uint64(len(h.slots) - 1)
	for i := maphash.String(seed, keys[v-1]) & mask; ; i = (i + 1) & mask {
		if h.slots[i] == 0 {
			h.slots[i] = v
			return
		}
	}
}

// remove takes id, which the set has, out, moving back the ids after it
// that it had pushed further from their slots.
func (h *idHash) remove(seed maphash.Seed, keys []string, id uint32) {
	mask := uint64(len(h.slots) - 1)
	i := maphash.String(seed, keys[id]) & mask
	for h.slots[i] != id+1 {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; h.slots[j] != 0; j = (j + 1) & mask {
		home := maphash.String(seed, keys[h.slots[j]-1]) & mask
		// The id at j may move to the hole at i unless its home slot is
		// cyclically in (i, j].
		if i <= j && (home <= i || home > j) || i > j && home <= i && home > j {
			h.slots[i] = h.slots[j]
			i = j
		}
	}
	h.slots[i] = 0
	h.n--
}

// clone returns a copy of h that may be changed without changing h.
func (h *idHash) clone() idHash {
	return idHash{slots: append([]uint32(nil), h.slots...), n: h.n}
}

// keySet is the set of the terms with a count (a role in some product),
// for an index: immutable once made, read without locks.
type keySet struct {
	seed maphash.Seed
	keys []string // the strings of the ids
	idHash
}

// has reports whether the set holds the term k.
func (s *keySet) has(k string) bool {
	_, ok := s.find(s.seed, s.keys, k)
	return ok
}

// len returns the number of terms in the set.
func (s *keySet) len() int { return s.n }

// newKeySet gathers the ids whose count is not 0, or, from prev, the
// same set patched by the ids of moved (those whose count left or
// reached 0).
func newKeySet(seed maphash.Seed, keys []string, prev *keySet, count []int32, moved []uint32) *keySet {
	if prev == nil {
		s := &keySet{seed: seed, keys: keys}
		for id, n := range count {
			if n > 0 {
				s.insert(seed, keys, uint32(id))
			}
		}
		return s
	}
	if len(moved) == 0 {
		return prev
	}
	s := &keySet{seed: seed, keys: keys, idHash: prev.clone()}
	for _, id := range moved {
		_, in := s.find(seed, keys, keys[id])
		switch now := count[id] > 0; {
		case now && !in:
			s.insert(seed, keys, id)
		case !now && in:
			s.remove(seed, keys, id)
		}
	}
	return s
}
