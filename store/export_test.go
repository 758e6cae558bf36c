package store

import "context"

// CachedStatements reports the size of the statement cache, for tests.
func (db *DB) CachedStatements() int {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	return len(db.stmts)
}

// MigrateTo applies the migrations up to version v and no further, so a
// test can write rows as an older version did before migrating the rest.
func (db *DB) MigrateTo(ctx context.Context, v int64) error {
	p, err := db.migrator(ctx, false)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, v)
	return err
}

// ExecRaw runs a statement written with ? placeholders, for rows an older
// version wrote.
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.w.ExecContext(ctx, db.q(query), args...)
	return err
}
