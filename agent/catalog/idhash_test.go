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
