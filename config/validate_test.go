package config

import "testing"

func TestParent(t *testing.T) {
	tests := map[string]string{
		"catalog.products[2].price": "catalog.products[2]",
		"catalog.products[2]":       "catalog.products",
		"bot":                       "",
		"":                          "",
	}
	for in, want := range tests {
		if got := parent(in); got != want {
			t.Errorf("parent(%q) = %q, want %q", in, got, want)
		}
	}
}
