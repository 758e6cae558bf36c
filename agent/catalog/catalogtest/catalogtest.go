// Package catalogtest loads test catalogs for the tests of agent/catalog
// and the packages built on it, the way net/http/httptest serves tests of
// net/http. Only tests import it.
package catalogtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/conciergehq/concierge"
)

// file is the shape of a test catalog: the catalog section of a bot file.
type file struct {
	Currency string `yaml:"currency"`
	Products []struct {
		SKU         string            `yaml:"sku"`
		Name        map[string]string `yaml:"name"`
		Description map[string]string `yaml:"description"`
		Category    string            `yaml:"category"`
		Price       string            `yaml:"price"`
		Stock       int               `yaml:"stock"`
		Tags        []string          `yaml:"tags"`
		Digital     bool              `yaml:"digital"`
		Attrs       map[string]string `yaml:"attrs"`
		Group       string            `yaml:"group"`
	} `yaml:"products"`
}

// Load reads the catalog at path into products with prices in minor
// units. It fails the test on any error.
func Load(tb testing.TB, path string) []concierge.Product {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("catalogtest: %v", err)
	}
	var f file
	if err := yaml.Unmarshal(data, &f); err != nil {
		tb.Fatalf("catalogtest: %s: %v", path, err)
	}
	out := make([]concierge.Product, 0, len(f.Products))
	for _, p := range f.Products {
		minor, err := parseMinor(p.Price)
		if err != nil {
			tb.Fatalf("catalogtest: %s: %s: %v", path, p.SKU, err)
		}
		out = append(out, concierge.Product{
			SKU:         concierge.SKU(p.SKU),
			Name:        locales(p.Name),
			Description: locales(p.Description),
			Category:    p.Category,
			Price:       concierge.Money{Minor: minor, Currency: f.Currency},
			Stock:       p.Stock,
			Tags:        p.Tags,
			Digital:     p.Digital,
			Attrs:       p.Attrs,
			Group:       p.Group,
		})
	}
	return out
}

// parseMinor turns "49.00" or "49" into 4900, for currencies with two
// decimals, which is what test catalogs use.
func parseMinor(s string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("price %q has more than two decimals", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("price %q: %w", s, err)
	}
	c, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || w < 0 {
		return 0, fmt.Errorf("price %q is not a positive decimal", s)
	}
	return w*100 + c, nil
}

func locales(m map[string]string) map[concierge.Locale]string {
	if m == nil {
		return nil
	}
	out := make(map[concierge.Locale]string, len(m))
	for k, v := range m {
		out[concierge.Locale(k)] = v
	}
	return out
}

// Large multiplies the catalog at path into n products, each with its own
// proper name, to measure search and parsing on a catalog of a real
// shop's size.
func Large(tb testing.TB, path string, n int) []concierge.Product {
	base := Load(tb, path)
	syllables := []string{"ka", "lo", "mi", "ra", "ve", "no", "ti", "sa", "pu", "de", "zo", "fe"}
	out := make([]concierge.Product, 0, n)
	for i := 0; len(out) < n; i++ {
		p := base[i%len(base)]
		name := ""
		for k := i; k > 0 || name == ""; k /= len(syllables) {
			name += syllables[k%len(syllables)]
		}
		p.SKU = concierge.SKU(fmt.Sprintf("%s-%d", p.SKU, i))
		p.Name = map[concierge.Locale]string{}
		for loc, s := range base[i%len(base)].Name {
			p.Name[loc] = s + " " + name
		}
		out = append(out, p)
	}
	return out
}

// Sizes returns the catalog sizes a scale benchmark runs at: those of
// CATALOG_SIZES ("10000,100000"), or else defaults.
func Sizes(tb testing.TB, defaults ...int) []int {
	tb.Helper()
	s := os.Getenv("CATALOG_SIZES")
	if s == "" {
		return defaults
	}
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			tb.Fatalf("CATALOG_SIZES: %v", err)
		}
		sizes = append(sizes, n)
	}
	return sizes
}
