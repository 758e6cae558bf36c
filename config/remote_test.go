package config

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckSources: without a client the url sources are counted as
// skipped; with one they are fetched as serve would, their good rows
// counted and their bad ones reported under the URL without its key; a
// feed that cannot be fetched is an error naming the source.
func TestCheckSources(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte("id,title,price,stock\nLAMP-02,Zenith,75.00,4\nLAMP-03,Bad price,soon,1\n"))
	}))
	defer srv.Close()
	bot := "bot: lumiere\nlocales: [en]\ncurrency: EUR\ncatalog:\n  products:\n" +
		"    - { sku: LAMP-01, name: { en: Aurora }, price: \"45.00\", stock: 2 }\n  sources:\n" +
		"    - { format: csv, url: \"${FEED_URL}\" }\n"
	dir := writeTree(t, map[string]string{"bot.yaml": bot})
	load := func(feed string) *File {
		t.Helper()
		fs, err := Load(filepath.Join(dir, "bot.yaml"), func(k string) string {
			if k == "FEED_URL" {
				return feed
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		return fs[0]
	}
	ctx := context.Background()

	f := load(srv.URL + "/feed.csv?key=SECRET-KEY")
	if r, err := f.CheckSources(ctx, nil); err != nil || r.Skipped != 1 || r.Fetched != 0 {
		t.Fatalf("without a client: %+v, %v", r, err)
	}
	r, err := f.CheckSources(ctx, srv.Client())
	if err != nil || r.Fetched != 1 || r.Products != 1 || len(r.Problems) != 1 {
		t.Fatalf("fetched: %+v, %v", r, err)
	}
	if p := r.Problems[0]; p.File != srv.URL+"/feed.csv" || p.Line != 3 {
		t.Errorf("problem %+v: want line 3 of the URL without its query", p)
	}
	if strings.Contains(r.Problems[0].String(), "SECRET-KEY") {
		t.Errorf("the feed's key shows: %s", r.Problems[0])
	}
	if len(f.FeedProblems()) != 0 {
		t.Errorf("FeedProblems of a file without local feeds: %v", f.FeedProblems())
	}

	_, err = load(srv.URL+"/gone").CheckSources(ctx, srv.Client())
	if err == nil || !strings.Contains(err.Error(), "catalog.sources[0]") {
		t.Fatalf("a 404 feed: %v", err)
	}
}

// TestURLFeedsCompleteFiles: with url feeds, a file's product that lacks a
// name or a price is not a bad row at load (a url feed may give it), is
// kept for the server and left out of Bot's products; validate --fetch
// (CheckSources) merges files and fetched feeds and reports the products
// still without a name or a price at the row that first names them.
func TestURLFeedsCompleteFiles(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{\"products\": [\n {\"id\": \"A-1\", \"title\": \"Aurora\", \"price\": \"45.00 EUR\"},\n {\"id\": \"B-2\", \"title\": \"Zenith\"}\n]}\n"))
	}))
	defer srv.Close()
	bot := "bot: lumiere\nlocales: [en]\ncurrency: EUR\ncatalog:\n  sources:\n" +
		"    - { format: csv, path: stock.csv }\n" +
		"    - { format: acp, url: \"" + srv.URL + "/feed.json\" }\n"
	dir := writeTree(t, map[string]string{"bot.yaml": bot,
		// A-1 is named and priced by the url feed, C-3 by nothing.
		"stock.csv": "sku,stock,name\nA-1,4,\nC-3,2,Nova\n"})
	for _, check := range []bool{false, true} {
		var f *File
		var err error
		if check {
			var fs []*File
			fs, _, err = Check(filepath.Join(dir, "bot.yaml"), nil)
			if err == nil {
				f = fs[0]
			}
		} else {
			f, err = LoadFile(filepath.Join(dir, "bot.yaml"), nil)
		}
		if err != nil {
			t.Fatalf("check %v: %v", check, err)
		}
		if ps := f.Bot().Products; len(ps) != 0 {
			t.Errorf("check %v: Bot's products %+v, want none until the url feed is merged", check, ps)
		}
		layers := f.CatalogLayers()
		if len(layers) != 3 || len(layers[1].Items) != 2 {
			t.Fatalf("check %v: layers %+v", check, layers)
		}
		r, err := f.CheckSources(context.Background(), srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range r.Problems {
			got = append(got, strings.TrimPrefix(p.String(), dir+string(filepath.Separator)))
		}
		want := []string{
			`stock.csv:3:1: product "C-3" has no source that gives it a price`,
			srv.URL + `/feed.json:3:2: product "B-2" has no source that gives it a price`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("check %v: problems\n%s\nwant\n%s", check, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
