package config

import (
	"errors"
	"maps"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateCheckWarnsOfUnsetVariables: on a machine without the secrets,
// Check reads examples/full.yaml with one warning per unset variable and no
// error, while Load (what serve uses) still refuses it.
func TestValidateCheckWarnsOfUnsetVariables(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		wantWarnings int
	}{
		{"no variable set", nil, len(fullEnv)},
		{"every variable set", fullEnv, 0},
		{"all but two", without(fullEnv, "STRIPE_KEY", "WECHAT_AES_KEY"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, warnings, err := Check("../examples/full.yaml", getenv(tt.env))
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if len(files) != 1 {
				t.Fatalf("Check returned %d files, want 1", len(files))
			}
			if len(warnings) != tt.wantWarnings {
				t.Fatalf("%d warnings, want %d: %v", len(warnings), tt.wantWarnings, warnings)
			}
			for _, w := range warnings {
				if w.Line == 0 || !strings.HasPrefix(w.Message, "warning: environment variable ") {
					t.Errorf("warning %q: want a position and the variable's name", w)
				}
				name := strings.Fields(strings.TrimPrefix(w.Message, "warning: environment variable "))[0]
				if tt.env[name] != "" {
					t.Errorf("warning about %s, which is set", name)
				}
			}
			_, loadErr := Load("../examples/full.yaml", getenv(tt.env))
			if (loadErr != nil) != (tt.wantWarnings > 0) {
				t.Errorf("Load: %v; want an error exactly when a variable is unset", loadErr)
			}
		})
	}
}

// TestValidateCheckKeepsErrors: a malformed reference and a structural
// mistake stay errors beside the warnings.
func TestValidateCheckKeepsErrors(t *testing.T) {
	src := `bot: shop
channels:
  telegram: { token: "${UNSET_TOKEN}", secret_token: "${1BAD}" }
catalog:
  products:
    - { sku: A, price: "1.001" }
`
	path := filepath.Join(writeFiles(t, map[string]string{"shop.yaml": src}), "shop.yaml")
	_, warnings, err := Check(path, getenv(nil))
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Check: %v, want *Errors", err)
	}
	msg := err.Error()
	for _, want := range []string{`"1BAD" is not a valid environment variable name`, `1.001`} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "UNSET_TOKEN") {
		t.Errorf("an unset variable is an error:\n%s", msg)
	}
	if len(warnings) != 1 || warnings[0].String() != path+":3:22: warning: environment variable UNSET_TOKEN is not set" {
		t.Errorf("warnings = %v", warnings)
	}
}

func without(env map[string]string, names ...string) map[string]string {
	out := maps.Clone(env)
	for _, n := range names {
		delete(out, n)
	}
	return out
}
