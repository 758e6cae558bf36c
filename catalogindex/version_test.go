package catalogindex

import (
	"strings"
	"testing"
)

// TestOpenRefusesOtherSchema checks that an index written by another
// version of the mapping is refused with a message that says what to do,
// instead of being searched with fields it does not have.
func TestOpenRefusesOtherSchema(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.bi.SetInternal(versionKey, []byte("0")); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), dir)
	if err == nil || !strings.Contains(err.Error(), "import again") {
		t.Fatalf("Open of a schema-0 index: %v, want a refusal that says to import again", err)
	}
}
