package store

// CachedStatements reports the size of the statement cache, for tests.
func (db *DB) CachedStatements() int {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	return len(db.stmts)
}
