package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestButtonTokens: a token keeps its first value, is scoped by bot, and
// an unknown one is ErrNotFound.
func TestButtonTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SaveButtonTokens(ctx, "a", map[string]string{"t1": "add:LAMP-01", "t2": "cart"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveButtonTokens(ctx, "a", map[string]string{"t1": "changed"}); err != nil {
			t.Fatal(err)
		}
		if v, err := db.ButtonValue(ctx, "a", "t1"); err != nil || v != "add:LAMP-01" {
			t.Errorf("t1 = %q, %v", v, err)
		}
		if _, err := db.ButtonValue(ctx, "b", "t1"); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("other bot: %v, want ErrNotFound", err)
		}
		if _, err := db.ButtonValue(ctx, "a", "nope"); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("unknown: %v, want ErrNotFound", err)
		}
	})
}
