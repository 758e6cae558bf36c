package main

import (
	"strings"
	"testing"
)

// TestValidateUnsetVariables: on a machine without the secrets,
// examples/full.yaml is valid with warnings naming each unset variable;
// --strict-env makes them errors, and serve refuses to start.
func TestValidateUnsetVariables(t *testing.T) {
	const full = "../../examples/full.yaml"
	code, stdout, stderr := runCmd(t, "", "validate", full)
	if code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "full.yaml: ok (bot maison-lumiere-live") || !strings.Contains(stdout, "unset variables") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, want := range []string{"full.yaml:45:12: warning: environment variable TELEGRAM_TOKEN is not set", "warning: environment variable STRIPE_KEY is not set"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	code, _, stderr = runCmd(t, "", "validate", "--strict-env", full)
	if code != 1 || !strings.Contains(stderr, "full.yaml:45:12: environment variable TELEGRAM_TOKEN is not set") || strings.Contains(stderr, "warning:") {
		t.Errorf("--strict-env: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "validate", "--config", full, "--strict-env")
	if code != 1 {
		t.Errorf("--config --strict-env: exit %d\n%s", code, stderr)
	}

	code, _, stderr = runCmd(t, "", "serve", "--config", full, "--db", tempSQLite(t), "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "TELEGRAM_TOKEN is not set") {
		t.Errorf("serve: exit %d, want 1 naming the unset variable:\n%s", code, stderr)
	}
	if code, _, _ := runCmd(t, "", "validate"); code != 2 {
		t.Errorf("validate without a file: exit %d, want 2", code)
	}
}
