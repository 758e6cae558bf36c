package config

import "testing"

func TestSuggest(t *testing.T) {
	keys := []string{"sku", "name", "description", "category", "price", "stock", "tags", "image", "digital", "attrs"}
	tests := []struct{ word, want string }{
		{"prise", "price"},
		{"Price", "price"},
		{"stok", "stock"},
		{"nmae", "name"},
		{"descripton", "description"},
		{"tag", "tags"},
		{"colour", ""},
		{"x", ""},
		{"sk", "sku"},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, keys); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
