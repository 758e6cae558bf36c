package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that every failure
// is an *Errors whose diagnostics have positions.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*/*.yaml", "../examples/*.yaml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("bot: a\nchannels:\n  telegram:\npayments:\n  stripe:\ncatalog:\n  products:\n    -\n    - name: { en: }\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("bot: a\n<<: [*x, {}]\n"))
	env := getenv(map[string]string{"A": "1", "B": "x"})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse("fuzz.yaml", data, env)
		if err == nil {
			return
		}
		var errs *Errors
		if !errors.As(err, &errs) || len(errs.Diagnostics) == 0 {
			t.Fatalf("Parse error %T %v is not a non-empty *Errors", err, err)
		}
	})
}
