package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// TestMigrateConcurrently: three replicas starting at the same moment on
// an empty PostgreSQL schema all migrate without an error, and the schema
// ends up migrated once: the migrations run under an advisory lock.
func TestMigrateConcurrently(t *testing.T) {
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	var dbs []*store.DB
	for range 3 {
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	start := make(chan struct{})
	errs := make([]error, len(dbs))
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = db.Migrate(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: migrate: %v", i, err)
		}
	}
	for i, db := range dbs {
		if err := db.Ready(ctx); err != nil {
			t.Errorf("replica %d: not ready after migrating: %v", i, err)
		}
	}
}
