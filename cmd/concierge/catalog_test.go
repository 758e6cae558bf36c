package main

import (
	"strings"
	"testing"
)

// TestValidateCatalogFeeds: validate counts the products of a bot file's
// feeds, and reports bad feed rows as file:row:column errors, with or
// without --strict-env.
func TestValidateCatalogFeeds(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "validate", "testdata/feeds/shop.yaml")
	if code != 0 || !strings.Contains(stdout, "shop.yaml: ok (bot feed-shop, 2 products)") {
		t.Errorf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, args := range [][]string{{"validate", "testdata/feeds/bad.yaml"}, {"validate", "--strict-env", "testdata/feeds/bad.yaml"}} {
		code, stdout, stderr := runCmd(t, "", args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s%s", args, code, stdout, stderr)
		}
		for _, want := range []string{
			`testdata/feeds/bad.tsv:3:18: price: "douze EUR" is not a number`,
			`testdata/feeds/bad.tsv:4:19: price: "14.00 USD" is in USD but the shop sells in EUR`,
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, stderr)
			}
		}
	}
}

// TestCatalogFeedsConversation: `concierge test` plays a conversation on a
// shop whose catalog is two feeds (French, then English with the stock).
func TestCatalogFeedsConversation(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "test", "--config", "testdata/feeds/shop.yaml", "testdata/feeds/tests.yaml")
	if code != 0 {
		t.Errorf("test: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestCatalogFeedsServe: serve skips bad feed rows, loads the rest, and
// counts the skipped rows in a metric.
func TestCatalogFeedsServe(t *testing.T) {
	m := &Main{ConfigPath: "testdata/feeds/bad.yaml", DBURL: tempSQLite(t)}
	s := runMain(t, m)
	if got := m.Bots[0].Products; len(got) != 1 || got[0].SKU != "TEA-01" || got[0].Price.Minor != 1250 {
		t.Errorf("products: %+v", got)
	}
	_, body := get(t, s.base+"/metrics")
	if !strings.Contains(body, `concierge_catalog_rows_skipped{bot="bad-feed-shop",source="testdata/feeds/bad.tsv"} 2`) {
		t.Errorf("metrics lack the skipped rows:\n%s", grepLines(body, "catalog"))
	}
	if logs := s.logs.String(); !strings.Contains(logs, "catalog source: bad rows skipped") || !strings.Contains(logs, "skipped=2") {
		t.Errorf("the log does not say: %s", grepLines(logs, "catalog"))
	}
}
