package catalog

import "sync"

// nameCache keeps the analysis of product names that the resolvers read
// on every turn: Closest, InNamedOrder and the like compare the names of
// a few candidates, and analysing each name again on each call cost more
// than the rest of those functions. Keyed by the name as written, since
// the analysis depends only on it and on the index's lexicon; bounded,
// since an index of a million products is not to keep a second copy of
// its names: when full it starts again empty.
type nameCache struct {
	mu    sync.RWMutex
	terms map[string][]term
	sets  map[string]map[string]bool
}

// nameCacheSize bounds each of a nameCache's maps: a shop's names, or the
// names a busy large shop's customers are shown.
const nameCacheSize = 1 << 13

// nameTerms returns the terms of a product name, as
// ix.lx.analyze(Fold(name)). The slice is shared: callers must not
// change it.
func (ix *Index) nameTerms(name string) []term {
	c := ix.nameCache
	if c == nil { // an index not made by assemble
		return ix.lx.analyze(Fold(name))
	}
	c.mu.RLock()
	ts, ok := c.terms[name]
	c.mu.RUnlock()
	if ok {
		return ts
	}
	ts = ix.lx.analyze(Fold(name))
	c.mu.Lock()
	if c.terms == nil || len(c.terms) >= nameCacheSize {
		c.terms = map[string][]term{}
	}
	c.terms[name] = ts
	c.mu.Unlock()
	return ts
}

// nameSet returns multiset(ix.nameTerms(name)), shared: callers must not
// change it.
func (ix *Index) nameSet(name string) map[string]bool {
	c := ix.nameCache
	if c == nil {
		return multiset(ix.lx.analyze(Fold(name)))
	}
	c.mu.RLock()
	set, ok := c.sets[name]
	c.mu.RUnlock()
	if ok {
		return set
	}
	set = multiset(ix.nameTerms(name))
	c.mu.Lock()
	if c.sets == nil || len(c.sets) >= nameCacheSize {
		c.sets = map[string]map[string]bool{}
	}
	c.sets[name] = set
	c.mu.Unlock()
	return set
}
