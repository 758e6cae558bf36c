package catalog

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/conciergehq/concierge"
)

// New's analysis of the products (lexiconParts, then analyseProduct) is
// most of a build's work, and each product's alone but for the term
// table, which numbers the terms in the order the products first have
// them. On a large catalog it is split between GOMAXPROCS workers: the
// products are cut into chunks in catalog order, each analysed by one
// worker into a term table of its own; the chunks' tables are then
// merged in catalog order into the first one, each term getting the id
// the sequential build would have given it (the first time a catalog
// order meets a term is the first time the first chunk that has it
// does), and the term ids of the products of the later chunks are
// renumbered and sorted again. The index is the one a single worker
// builds, term ids and posting order included.

// parallelMin is the number of products under which New analyses them
// on one goroutine: below it the workers' start, their term tables and
// the merge cost about what they save.
const parallelMin = 4096

// chunksPerWorker is the number of chunks each worker analyses: the
// chunks' tables are merged while the workers analyse the next ones, and
// fewer, larger chunks would leave more of that merge to the end.
const chunksPerWorker = 8

// buildSplit, when set, forces the number of workers and the size of the
// chunks, whatever the catalog's size (tests).
var buildSplit atomic.Pointer[split]

type split struct{ workers, chunk int }

// splitFor returns the workers and chunk size New uses for n products.
func splitFor(n int) (workers, chunk int) {
	if s := buildSplit.Load(); s != nil {
		return s.workers, s.chunk
	}
	workers = runtime.GOMAXPROCS(0)
	if n < parallelMin || workers < 2 {
		return 1, n
	}
	return workers, max(1024, (n+workers*chunksPerWorker-1)/(workers*chunksPerWorker))
}

// parallelRange calls fn with consecutive ranges of [0, n), of chunk
// elements, on workers goroutines.
func parallelRange(n, workers, chunk int, fn func(lo, hi int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n {
					return
				}
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}

// analyseAll returns the lexicon of products (lexiconWith) with the words
// it keeps, their term table, and each product's record and terms, as
// analyseProduct makes them one after the other.
func analyseAll(products []concierge.Product, locales []concierge.Locale) (lx *lexicon, kept []string, table *termTable, infos []*prodInfo, terms []*prodTerms) {
	n := len(products)
	workers, chunk := splitFor(n)
	chunk = max(chunk, 1)
	keep, letters := make([][]string, n), make([][]string, n)
	shared := sharedLexicon()
	parts := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			keep[i], letters[i] = lexiconParts(shared, &products[i])
		}
	}
	infos, terms = make([]*prodInfo, n), make([]*prodTerms, n)
	if workers < 2 || n <= chunk {
		parts(0, n)
		lx, kept = lexiconWith(keep, letters)
		table = newTermTable()
		an := newAnalyser(lx, locales, table)
		table.mu.Lock()
		for i := range products {
			infos[i], terms[i] = an.analyseProduct(&products[i], keep[i], letters[i])
		}
		table.mu.Unlock()
		return lx, kept, table, infos, terms
	}
	parallelRange(n, workers, chunk, parts)
	lx, kept = lexiconWith(keep, letters)

	chunks := (n + chunk - 1) / chunk
	tables := make([]*termTable, chunks)
	var (
		next    atomic.Int64
		mu      sync.Mutex // guards done, merging and merged
		done    = make([]bool, chunks)
		merging bool
		merged  int
	)
	// mergeReady merges the tables of the chunks analysed, in order, into
	// table (the first chunk's), while no other worker does, and
	// renumbers their products' terms.
	mergeReady := func() {
		mu.Lock()
		if merging {
			mu.Unlock()
			return
		}
		merging = true
		type ready struct {
			k             int
			remap, numMap []uint32
		}
		var rs []ready
		for merged < chunks && done[merged] {
			k := merged
			mu.Unlock()
			r := ready{k: k}
			if k == 0 {
				table = tables[0]
			} else {
				r.remap, r.numMap = table.merge(tables[k])
			}
			tables[k] = nil
			rs = append(rs, r)
			mu.Lock()
			merged++
		}
		merging = false
		mu.Unlock()
		for _, r := range rs {
			if r.k == 0 {
				continue // the first chunk's ids are the table's
			}
			for i := r.k * chunk; i < min((r.k+1)*chunk, n); i++ {
				renumber(infos[i], terms[i], r.remap, r.numMap)
			}
		}
	}
	var wg sync.WaitGroup
	for range min(workers, chunks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			an := newAnalyser(lx, locales, nil)
			for {
				k := int(next.Add(1)) - 1
				if k >= chunks {
					return
				}
				t := newTermTable()
				an.table = t
				for i := k * chunk; i < min((k+1)*chunk, n); i++ {
					infos[i], terms[i] = an.analyseProduct(&products[i], keep[i], letters[i])
				}
				mu.Lock()
				tables[k] = t
				done[k] = true
				mu.Unlock()
				mergeReady()
			}
		}()
	}
	wg.Wait()
	// Every chunk is merged: the worker that marked the last one done
	// either merged it or left it to the one merging, which reads done
	// again before it stops.
	return lx, kept, table, infos, terms
}

// adopt returns the id of s, adding it without copying it: s is a key of
// another table, whose bytes are the index's already.
func (tt *termTable) adopt(s string) uint32 {
	if id, ok := tt.ids.find(tt.seed, tt.keys, s); ok {
		return id
	}
	id := uint32(len(tt.keys))
	tt.keys = append(tt.keys, s)
	tt.ids.insert(tt.seed, tt.keys, id)
	return id
}

// adoptNum is adopt for the keys of nameNums.
func (tt *termTable) adoptNum(s string) uint32 {
	if id, ok := tt.numIDs.find(tt.seed, tt.numKeys, s); ok {
		return id
	}
	id := uint32(len(tt.numKeys))
	tt.numKeys = append(tt.numKeys, s)
	tt.numIDs.insert(tt.seed, tt.numKeys, id)
	return id
}

// merge adds the terms and nameNums keys of from, in the order of its
// ids, to tt, and returns the id in tt of each id of from.
func (tt *termTable) merge(from *termTable) (remap, numMap []uint32) {
	remap = make([]uint32, len(from.keys))
	for id, k := range from.keys {
		remap[id] = tt.adopt(k)
	}
	numMap = make([]uint32, len(from.numKeys))
	for id, k := range from.numKeys {
		numMap[id] = tt.adoptNum(k)
	}
	return remap, numMap
}

// renumber gives the term ids of a product analysed with another table
// the ids remap (numMap for nameNums keys) gives them, each set sorted
// again.
func renumber(in *prodInfo, pt *prodTerms, remap, numMap []uint32) {
	ids := func(set []uint32, m []uint32) {
		for j, id := range set {
			set[j] = m[id]
		}
		slices.Sort(set)
	}
	ids(in.strong, remap)
	ids(in.structured, remap)
	for j := range in.nameCounts {
		in.nameCounts[j].word = remap[in.nameCounts[j].word]
	}
	for j := range pt.terms {
		pt.terms[j].id = remap[pt.terms[j].id]
	}
	slices.SortFunc(pt.terms, func(a, b weightedTerm) int { return cmp.Compare(a.id, b.id) })
	ids(pt.strongWords, remap)
	ids(pt.structWords, remap)
	ids(pt.written, remap)
	ids(pt.nums, numMap)
}
