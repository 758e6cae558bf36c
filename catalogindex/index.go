// Package catalogindex is the catalog's full-text index on disk: it finds
// the SKUs that match a shopper's words in French, English or Chinese,
// with typos, under price, category, attribute and stock filters, and
// takes product changes one by one without a rebuild.
//
// It answers with candidate SKUs only. Scoring a product against the
// conversation (the lexicon, categories, numbers, the understanding's
// rules) stays in agent/catalog: the intended consumer asks the index for
// a few hundred candidates and lets agent/catalog score only those. That
// wiring is not done yet (docs/decisions.md, "Catalog search at scale").
//
// It wraps github.com/blevesearch/bleve/v2 with its scorch engine, chosen
// over SQLite FTS5 on the figures in docs/benchmarks.md. It imports the
// root package and bleve only; server wires it, and nothing in agent/ may
// import it (the agent takes a small interface).
package catalogindex

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"

	"github.com/conciergehq/concierge"
)

// batchSize bounds one bleve batch during Upsert: large enough that a bulk
// import is not dominated by per-batch segment work, small enough that a
// batch's analysed documents stay a few tens of MB.
const batchSize = 2000

// versionKey is where the schema version lives among the index's internal
// values.
var versionKey = []byte("catalogindex.schema")

// Index is a catalog index in a directory. It is safe for concurrent use:
// searches run while products are upserted, and each search sees every
// Upsert or Delete that returned before it started.
type Index struct {
	dir string
	bi  bleve.Index
}

// Open opens the index in dir, creating it (and dir) if there is none. An
// existing index is opened as it is, without reading the catalog again;
// one built by an incompatible version of this package is refused.
func Open(ctx context.Context, dir string) (*Index, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("catalogindex: open: %w", err)
	}
	if dir == "" {
		return nil, errors.New("catalogindex: open: no directory")
	}
	_, err := os.Stat(filepath.Join(dir, "index_meta.json"))
	switch {
	case err == nil:
		return openExisting(dir)
	case errors.Is(err, os.ErrNotExist):
		return create(dir)
	default:
		return nil, fmt.Errorf("catalogindex: open %s: %w", dir, err)
	}
}

func openExisting(dir string) (*Index, error) {
	bi, err := bleve.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("catalogindex: open %s: %w", dir, err)
	}
	v, err := bi.GetInternal(versionKey)
	if err != nil || string(v) != schemaVersion {
		_ = bi.Close()
		if err != nil {
			return nil, fmt.Errorf("catalogindex: open %s: schema version: %w", dir, err)
		}
		return nil, fmt.Errorf("catalogindex: open %s: index has schema %q, this build needs %q: delete the directory and import again", dir, v, schemaVersion)
	}
	return &Index{dir: dir, bi: bi}, nil
}

func create(dir string) (*Index, error) {
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return nil, fmt.Errorf("catalogindex: create %s: %w", dir, err)
	}
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	bi, err := bleve.New(dir, m)
	if err != nil {
		return nil, fmt.Errorf("catalogindex: create %s: %w", dir, err)
	}
	if err := bi.SetInternal(versionKey, []byte(schemaVersion)); err != nil {
		_ = bi.Close()
		return nil, fmt.Errorf("catalogindex: create %s: %w", dir, err)
	}
	return &Index{dir: dir, bi: bi}, nil
}

// Close flushes the index to disk and releases it. Calls after Close fail.
func (ix *Index) Close() error {
	if err := ix.bi.Close(); err != nil {
		return fmt.Errorf("catalogindex: close %s: %w", ix.dir, err)
	}
	return nil
}

// Upsert adds ps or replaces the products with the same SKUs. All of ps is
// checked first: a product without a SKU or with a negative price fails
// the call and nothing is changed. Products are then applied in batches of
// a few thousand; each batch is atomic and visible to the next search when
// it is applied. A cancelled ctx stops between batches, leaving the
// earlier ones applied: an upsert is idempotent, so the caller retries the
// whole call.
func (ix *Index) Upsert(ctx context.Context, ps []concierge.Product) error {
	for i := range ps {
		if err := validate(ps[i]); err != nil {
			return fmt.Errorf("catalogindex: upsert: product %d: %w", i, err)
		}
	}
	for start := 0; start < len(ps); start += batchSize {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("catalogindex: upsert: %w", err)
		}
		b := ix.bi.NewBatch()
		for _, p := range ps[start:min(start+batchSize, len(ps))] {
			if err := b.Index(string(p.SKU), document(p)); err != nil {
				return fmt.Errorf("catalogindex: upsert %s: %w", p.SKU, err)
			}
		}
		if err := ix.bi.Batch(b); err != nil {
			return fmt.Errorf("catalogindex: upsert: %w", err)
		}
	}
	return nil
}

// Delete withdraws sku from the index. Deleting a SKU that is not there is
// not an error, so a replayed delete is harmless.
func (ix *Index) Delete(ctx context.Context, sku concierge.SKU) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("catalogindex: delete: %w", err)
	}
	if sku == "" {
		return errors.New("catalogindex: delete: empty SKU")
	}
	if err := ix.bi.Delete(string(sku)); err != nil {
		return fmt.Errorf("catalogindex: delete %s: %w", sku, err)
	}
	return nil
}

// Count returns the number of products in the index.
func (ix *Index) Count() (int, error) {
	n, err := ix.bi.DocCount()
	if err != nil {
		return 0, fmt.Errorf("catalogindex: count: %w", err)
	}
	return int(n), nil
}
