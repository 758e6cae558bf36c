package config

import (
	"testing"
	"time"
)

// TestSuppliers: the supplier sources of a bot file reach the offers
// package with their keys from the environment, their durations and the
// shop's currency, and are not product layers.
func TestSuppliers(t *testing.T) {
	f, err := LoadFile("testdata/good/supplier.yaml", getenv(testEnv))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Suppliers()
	if len(got) != 2 {
		t.Fatalf("%d suppliers, want 2", len(got))
	}
	rooms, bikes := got[0], got[1]
	if rooms.Name != "rooms" || rooms.Headers["Authorization"] != "Bearer sup-token-value-123" || rooms.Currency != "EUR" ||
		rooms.Timeout != 2*time.Second || rooms.CacheTTL != 30*time.Second || rooms.Paths.Available != "left" || rooms.Paths.List != "data.rooms" {
		t.Errorf("rooms = %+v", rooms)
	}
	if bikes.Timeout != 0 || bikes.CacheTTL >= 0 || bikes.Paths.List != "@this" {
		t.Errorf("bikes = %+v: want the default timeout and no cache", bikes)
	}
	for _, l := range f.CatalogLayers() {
		if l.Source != nil && l.Source.Format == FormatHTTP {
			t.Errorf("supplier %s is a catalog layer", l.Name)
		}
	}
	if n := len(f.Bot().Products); n != 1 {
		t.Errorf("%d products, want the bot file's 1", n)
	}
}
