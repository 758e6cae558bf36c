package catalog

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// TestIDHash inserts and removes ids at random, through several growths
// and many removals in clusters, and compares the set with a map.
func TestIDHash(t *testing.T) {
	seed := maphash.MakeSeed()
	var keys []string
	for i := range 5000 {
		keys = append(keys, fmt.Sprint("k", i))
	}
	var h idHash
	want := map[uint32]bool{}
	rng := rand.New(rand.NewPCG(3, 4))
	for step := range 40000 {
		id := uint32(rng.IntN(len(keys)))
		if want[id] {
			h.remove(seed, keys, id)
			delete(want, id)
		} else {
			h.insert(seed, keys, id)
			want[id] = true
		}
		if step%997 != 0 {
			continue
		}
		if h.n != len(want) {
			t.Fatalf("step %d: %d ids, want %d", step, h.n, len(want))
		}
		for i, k := range keys {
			got, ok := h.find(seed, keys, k)
			if ok != want[uint32(i)] || ok && got != uint32(i) {
				t.Fatalf("step %d: find(%q) = %d, %v; want %v", step, k, got, ok, want[uint32(i)])
			}
		}
	}
}

// TestPostingMap sets and empties lists at random, cloning now and then,
// and compares every map with a Go map kept beside it.
func TestPostingMap(t *testing.T) {
	m := newPostingMap(maphash.MakeSeed(), 0)
	want := map[string][]posting{}
	rng := rand.New(rand.NewPCG(5, 6))
	for step := range 20000 {
		k := fmt.Sprint("t", rng.IntN(3000))
		var list []posting
		if rng.IntN(3) > 0 {
			list = []posting{newPosting(int32(step), weightTag)}
		}
		m.set(k, list)
		if list == nil {
			delete(want, k)
		} else {
			want[k] = list
		}
		if step%1000 == 0 {
			m = m.clone()
		}
		if step%997 != 0 {
			continue
		}
		got := map[string][]posting{}
		m.each(func(k string, ps []posting) { got[k] = ps })
		if m.len() != len(want) || len(got) != len(want) {
			t.Fatalf("step %d: %d terms (%d listed), want %d", step, m.len(), len(got), len(want))
		}
		for k, ps := range want {
			if g := m.get(k); len(g) != 1 || g[0] != ps[0] {
				t.Fatalf("step %d: get(%q) = %v, want %v", step, k, g, ps)
			}
		}
	}
}
