package catalog

import (
	"slices"
	"strings"
)

// An index keeps a few small things of every product and term: term
// strings, sets of term ids, a prodInfo. Allocated one by one among the
// build's garbage (folded texts, tokens, terms), they left the heap a
// third larger than what it held: every span kept a live object or two.
// The arenas carve them from large chunks instead. A chunk lives as long
// as one of its pieces does; indexes that Update makes from one another
// share the pieces of the products they share, so at most the chunks New
// filled stay alive beside those of the products added since.

// stringArena copies strings into shared chunks.
type stringArena struct{ b strings.Builder }

// arenaChunk is the size of a chunk of a stringArena or idArena, in
// elements; arenaMax is the longest piece taken from one.
const (
	arenaChunk = 16 << 10
	arenaMax   = 1 << 10
)

// clone returns a copy of s that shares no bytes with it.
func (a *stringArena) clone(s string) string {
	if len(s) > arenaMax {
		return strings.Clone(s)
	}
	if a.b.Cap()-a.b.Len() < len(s) {
		// A Builder never writes over the bytes it has handed out in
		// String, so the strings cut from the old chunk stay valid.
		a.b = strings.Builder{}
		a.b.Grow(4 * arenaChunk)
	}
	start := a.b.Len()
	a.b.WriteString(s)
	return a.b.String()[start:]
}

// arena copies small slices into shared chunks.
type arena[T any] struct{ free []T }

// clone returns a copy of xs whose capacity is its length, so that an
// append to it never writes over its neighbours; nil when xs is empty.
func (a *arena[T]) clone(xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	if len(xs) > arenaMax {
		return slices.Clone(xs)
	}
	if cap(a.free)-len(a.free) < len(xs) {
		a.free = make([]T, 0, arenaChunk)
	}
	n := len(a.free)
	a.free = append(a.free, xs...)
	return a.free[n:len(a.free):len(a.free)]
}

// alloc returns a new zero T.
func (a *arena[T]) alloc() *T {
	if len(a.free) == cap(a.free) {
		a.free = make([]T, 0, arenaMax)
	}
	a.free = a.free[:len(a.free)+1]
	return &a.free[len(a.free)-1]
}
