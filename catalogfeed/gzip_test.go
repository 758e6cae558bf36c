package catalogfeed

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestGunzipFeed: a gzip-compressed sample reads as the plain one does
// (the same golden file); a gzip bomb, a stream cut short and a plain
// file are refused with an error that says which.
func TestGunzipFeed(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "google_products.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !IsGzip(raw) {
		t.Fatal("IsGzip: the sample is gzip")
	}
	plain, err := Gunzip(bytes.NewReader(raw), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if IsGzip(plain) {
		t.Fatal("IsGzip: a TSV feed is not gzip")
	}
	feed, err := Read(bytes.NewReader(plain), Options{Format: GoogleMerchant, Name: "google_products.tsv", Locale: "en", Currency: "EUR", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(feed); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "google_products.tsv.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("the gzip sample reads differently from the plain one:\n%s", got.Bytes())
	}
	// The cap holds for the decompressed bytes: exactly the size passes,
	// one byte less is refused.
	if _, err := Gunzip(bytes.NewReader(raw), int64(len(plain))); err != nil {
		t.Errorf("a cap of the feed's own size: %v", err)
	}
	if _, err := Gunzip(bytes.NewReader(raw), int64(len(plain)-1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a cap one byte short: got %v, want ErrTooLarge", err)
	}

	for _, tt := range []struct {
		file    string
		tooBig  bool
		message string
	}{
		// 8 MiB of spaces in 8 KiB.
		{"bomb.json.gz", true, "the feed is larger than the size cap: over 1048576 bytes once decompressed"},
		{"truncated.tsv.gz", false, "decompressing the feed: unexpected EOF"},
		{"google_products.tsv", false, "not a gzip stream: gzip: invalid header"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			b, err := Gunzip(f, 1<<20)
			if err == nil || b != nil {
				t.Fatalf("got %d bytes, err %v; want an error and nothing", len(b), err)
			}
			if errors.Is(err, ErrTooLarge) != tt.tooBig || err.Error() != tt.message {
				t.Errorf("got %q (too large: %v), want %q", err, errors.Is(err, ErrTooLarge), tt.message)
			}
		})
	}
}
