package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles creates files (name → content) in a new temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadFolder(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b-shop.yml":   "bot: b-shop\n",
		"a-shop.yaml":  "bot: a-shop\n",
		".hidden.yaml": "bot: [not, read]\n",
		"README.md":    "not a bot file\n",
	})
	files, err := Load(dir, getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range files {
		ids = append(ids, f.ID)
	}
	if got := strings.Join(ids, ","); got != "a-shop,b-shop" {
		t.Errorf("bots = %s, want a-shop,b-shop in file name order", got)
	}
	if files[0].Path() != filepath.Join(dir, "a-shop.yaml") {
		t.Errorf("Path() = %q", files[0].Path())
	}
}

func TestLoadFolderDuplicateBot(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"one.yaml": "bot: shop\nname: One\n",
		"two.yaml": "# the same id again\nname: Two\nbot: shop\n",
	})
	_, err := Load(dir, getenv(nil))
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load = %v, want *Errors", err)
	}
	want := filepath.Join(dir, "two.yaml") + `:3:6: bot id "shop" is already used by ` + filepath.Join(dir, "one.yaml") + "; each bot needs its own id"
	if err.Error() != want {
		t.Errorf("error =\n%s\nwant\n%s", err, want)
	}
}

func TestLoadFolderCollectsEveryFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml": "bot: a\ncurrency: EURO\n",
		"b.yaml": "bot: b\nlocales: [xx]\n",
		"c.yaml": "bot: c\n",
	})
	_, err := Load(dir, getenv(nil))
	var errs *Errors
	if !errors.As(err, &errs) || len(errs.Diagnostics) != 2 {
		t.Fatalf("Load = %v, want two diagnostics", err)
	}
	if errs.Diagnostics[0].File != filepath.Join(dir, "a.yaml") || errs.Diagnostics[1].File != filepath.Join(dir, "b.yaml") {
		t.Errorf("diagnostics not sorted by file: %v", err)
	}
}

func TestLoadEmptyFolder(t *testing.T) {
	dir := writeFiles(t, map[string]string{"notes.txt": "hello"})
	_, err := Load(dir, getenv(nil))
	var errs *Errors
	if !errors.As(err, &errs) || !strings.Contains(err.Error(), "no bot files") {
		t.Errorf("Load(empty folder) = %v, want a no bot files diagnostic", err)
	}
}
