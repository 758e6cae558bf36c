package config

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testEnv is the environment of the tests in testdata. Its values must never
// appear in an error message.
var testEnv = map[string]string{
	"SHOP_NAME":      "Maison Test",
	"TG_TOKEN":       "123456:AAE-test-token-value",
	"TG_SECRET":      "tg_secret_value_123",
	"SPEECH_KEY":     "sk-speech-value-123",
	"SECRET_KIND":    "sekrit-kind-value",
	"SECRET_URL":     "not a url sekrit-url-value",
	"SECRET_TIMEOUT": "sekrit-timeout-value",
	"SECRET_TOKEN":   "sekrit token value!",
	"SECRET_PRICE":   "12.3456789",
	"SUPPLIER_TOKEN": "sup-token-value-123",
}

func getenv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./config -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (run go test ./config -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestBad loads every file in testdata/bad and compares the diagnostics
// with its .golden file.
func TestBad(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad cases: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := LoadFile(path, getenv(testEnv))
			if err == nil {
				t.Fatalf("LoadFile(%s) = %+v, want an error", path, f)
			}
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("LoadFile(%s) error is %T, want *Errors: %v", path, err, err)
			}
			out := err.Error()
			for _, d := range errs.Diagnostics {
				if d.File != path || d.Line < 1 || d.Col < 1 {
					t.Errorf("diagnostic without a position: %+v", d)
				}
			}
			for name, secret := range testEnv {
				if strings.Contains(out, secret) {
					t.Errorf("the value of %s appears in the errors:\n%s", name, out)
				}
			}
			golden(t, strings.TrimSuffix(path, ".yaml")+".golden", []byte(out+"\n"))
		})
	}
}

// TestGood loads every file in testdata/good and compares the File, with
// its defaults, and its Bot with the .golden file.
func TestGood(t *testing.T) {
	files, err := filepath.Glob("testdata/good/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no good cases: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := LoadFile(path, getenv(testEnv))
			if err != nil {
				t.Fatal(err)
			}
			if f.Path() != path {
				t.Errorf("Path() = %q, want %q", f.Path(), path)
			}
			out, err := json.MarshalIndent(map[string]any{"file": f, "bot": f.Bot()}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(path, ".yaml")+".golden", append(out, '\n'))
		})
	}
}

func TestErrorsSorted(t *testing.T) {
	e := &Errors{Diagnostics: []Diagnostic{
		{File: "b.yaml", Line: 1, Col: 1, Message: "b"},
		{File: "a.yaml", Line: 10, Col: 2, Message: "a10"},
		{File: "a.yaml", Line: 2, Col: 5, Message: "a2"},
		{File: "a.yaml", Message: "whole file"},
	}}
	want := "a.yaml: whole file\na.yaml:2:5: a2\na.yaml:10:2: a10\nb.yaml:1:1: b"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestParseNilGetenv(t *testing.T) {
	t.Setenv("CONCIERGE_TEST_SHOP", "from-os")
	f, err := Parse("inline.yaml", []byte("bot: ${CONCIERGE_TEST_SHOP}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "from-os" {
		t.Errorf("ID = %q, want the value of the OS environment", f.ID)
	}
}

func TestLoadMissingPath(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), getenv(nil))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want one wrapping os.ErrNotExist", err)
	}
	var errs *Errors
	if errors.As(err, &errs) {
		t.Errorf("a missing file is not a diagnostic: %v", err)
	}
}
