package catalogindex_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/conciergehq/concierge"
)

// ftsIndex is the SQLite FTS5 candidate, measured against bleve by the
// benchmarks and kept only for that: a temporary database per benchmark,
// no migration. Names, descriptions and tags of every locale go into one
// contentless FTS5 table with the unicode61 tokenizer folding diacritics;
// Chinese is cut into bigrams before it reaches SQLite (unicode61 would
// keep a whole run of Han characters as one token), the way bleve's cjk
// analyzer does. FTS5 has no French stemmer, no elision and no typo
// tolerance: those would need a custom tokenizer or a spellfix table.
type ftsIndex struct{ db *sql.DB }

const ftsSchema = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS product (
	id       INTEGER PRIMARY KEY,
	sku      TEXT NOT NULL UNIQUE,
	category TEXT NOT NULL,
	price    INTEGER NOT NULL,
	in_stock INTEGER NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS product_fts USING fts5(
	name, descr, tags,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);`

func openFTS(ctx context.Context, dir string) (benchIndex, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "catalog.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer; the benchmarks search from one goroutine
	if _, err := db.ExecContext(ctx, ftsSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("fts5: schema: %w", err)
	}
	return &ftsIndex{db: db}, nil
}

func (f *ftsIndex) Close() error { return f.db.Close() }

func (f *ftsIndex) Upsert(ctx context.Context, ps []concierge.Product) error {
	for start := 0; start < len(ps); start += 2000 {
		if err := f.upsertBatch(ctx, ps[start:min(start+2000, len(ps))]); err != nil {
			return err
		}
	}
	return nil
}

func (f *ftsIndex) upsertBatch(ctx context.Context, ps []concierge.Product) (err error) {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	del, err := tx.PrepareContext(ctx, `DELETE FROM product_fts WHERE rowid = (SELECT id FROM product WHERE sku = ?)`)
	if err != nil {
		return err
	}
	up, err := tx.PrepareContext(ctx, `INSERT INTO product (sku, category, price, in_stock) VALUES (?, ?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET category = excluded.category, price = excluded.price, in_stock = excluded.in_stock
		RETURNING id`)
	if err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO product_fts (rowid, name, descr, tags) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if _, err := del.ExecContext(ctx, p.SKU); err != nil {
			return err
		}
		var id int64
		if err := up.QueryRowContext(ctx, p.SKU, p.Category, p.Price.Minor, p.Stock > 0 || p.Digital).Scan(&id); err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, id, joinText(p.Name), joinText(p.Description), strings.Join(p.Tags, " ")); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (f *ftsIndex) Search(ctx context.Context, text string, limit int) ([]concierge.SKU, error) {
	match := ftsMatch(text)
	if match == "" {
		return nil, nil
	}
	rows, err := f.db.QueryContext(ctx, `SELECT p.sku FROM product_fts JOIN product p ON p.id = product_fts.rowid
		WHERE product_fts MATCH ? ORDER BY rank LIMIT ?`, match, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []concierge.SKU
	for rows.Next() {
		var sku string
		if err := rows.Scan(&sku); err != nil {
			return nil, err
		}
		out = append(out, concierge.SKU(sku))
	}
	return out, rows.Err()
}

func joinText(m map[concierge.Locale]string) string {
	var parts []string
	for _, s := range m {
		parts = append(parts, cjkBigrams(s))
	}
	slices.Sort(parts)
	return strings.Join(parts, "\n")
}

// ftsStop is a few fr/en function words: FTS5 has no stop list, and an OR
// of "de" over a million products ranks most of them.
var ftsStop = map[string]bool{
	"a": true, "an": true, "the": true, "for": true, "of": true, "in": true, "and": true, "to": true, "i": true,
	"je": true, "de": true, "du": true, "des": true, "le": true, "la": true, "les": true, "l": true, "un": true,
	"une": true, "en": true, "et": true, "pour": true, "d": true,
}

// ftsMatch turns a shopper's text into an FTS5 query: its words, Chinese
// cut into bigrams, quoted and joined by OR.
func ftsMatch(text string) string {
	var terms []string
	for _, w := range strings.FieldsFunc(cjkBigrams(strings.ToLower(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if !ftsStop[w] && !slices.Contains(terms, `"`+w+`"`) {
			terms = append(terms, `"`+w+`"`)
		}
	}
	return strings.Join(terms, " OR ")
}

// cjkBigrams rewrites each run of Han, kana or Hangul characters in s as
// its overlapping bigrams separated by spaces ("我想买台灯" → "我想 想买
// 买台 台灯"); a lone character stays as it is.
func cjkBigrams(s string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		switch len(run) {
		case 0:
		case 1:
			b.WriteString(" " + string(run) + " ")
		default:
			b.WriteByte(' ')
			for i := 0; i+1 < len(run); i++ {
				b.WriteString(string(run[i:i+2]) + " ")
			}
		}
		run = run[:0]
	}
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			run = append(run, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}
