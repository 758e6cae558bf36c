package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestEraseLeavesNoBytesInFiles: "concierge customer erase", run beside
// the running server, leaves the name the customer typed in no byte of
// the SQLite database nor of its WAL: not in a row, not in free space.
func TestEraseLeavesNoBytesInFiles(t *testing.T) {
	const name = "Zanzibar Quetzalcoatl-Okonkwo"
	s := startShop(t, "")
	c := s.customer("en")
	c.say("hello, my name is " + name)
	c.say("I look for a desk lamp")
	other := s.customer("en")
	other.say("hello, I look for a lamp")

	path := strings.TrimPrefix(s.m.DBURL, "sqlite:")
	code, out, errOut := runCmd(t, "", "customer", "erase", "--db", s.m.DBURL, "--bot", "maison-lumiere", "--channel", "web", "--chat", c.session, "--yes")
	if code != 0 {
		t.Fatalf("erase: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, word := range strings.Fields(name) {
			if bytes.Contains(b, []byte(word)) {
				t.Errorf("%s still holds %q after the erasure", f, word)
			}
		}
	}
	if len(other.history()) == 0 {
		t.Error("the other customer's conversation went too")
	}
}
