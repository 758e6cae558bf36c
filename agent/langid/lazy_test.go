package langid_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/langid"
)

// lazyEnv, when set, makes the test binary run TestLazyChild: a fresh
// process, where no detector has loaded lingua's models yet.
const lazyEnv = "LANGID_LAZY_CHILD"

// TestLazy checks that a detector asked before its models are loaded
// gives the answers of one built by New, in a fresh process: every case
// of testdata/cases.yaml is asked of a NewLazy detector while Load runs on
// another goroutine, as a server starts.
func TestLazy(t *testing.T) {
	if testing.Short() {
		t.Skip("loads lingua's models in a fresh process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLazyChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), lazyEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "lazy-ok") {
		t.Fatalf("child ran no case:\n%s", out)
	}
}

// TestLazyChild is the child side of TestLazy; it does nothing in a normal
// run.
func TestLazyChild(t *testing.T) {
	if os.Getenv(lazyEnv) == "" {
		t.Skip("run by TestLazy only")
	}
	cases := load[detectCase](t, "testdata/cases.yaml")
	d := langid.NewLazy(sampleLocales)
	select {
	case <-d.Loaded():
		t.Fatal("NewLazy loaded the models")
	default:
	}
	var wg sync.WaitGroup
	wg.Go(d.Load)
	n := 0
	for _, c := range cases {
		if c.Locales != nil {
			continue
		}
		got, ok := d.Detect(c.Text, c.Current, c.Hint)
		if got != c.Want || ok == c.SaysNothing {
			t.Errorf("%q current=%s hint=%s: Detect = %q, %v; want %q, %v", c.Text, c.Current, c.Hint, got, ok, c.Want, !c.SaysNothing)
		}
		n++
	}
	wg.Wait()
	<-d.Loaded()
	fmt.Printf("lazy-ok %d cases\n", n)
}

// TestLazyWithoutLoad checks that Detect loads the models itself when
// nothing called Load: the first message that lingua must decide.
func TestLazyWithoutLoad(t *testing.T) {
	locales := []concierge.Locale{"fr", "en"}
	d := langid.NewLazy(locales)
	// No function word of either language: the quick look cannot settle
	// it, lingua must.
	const text = "lampe bureau laiton doré abat-jour"
	got, ok := d.Detect(text, "", "")
	want, wantOK := built.get(locales).Detect(text, "", "")
	if got != want || ok != wantOK {
		t.Errorf("Detect = %q, %v; New's detector says %q, %v", got, ok, want, wantOK)
	}
	select {
	case <-d.Loaded():
	default:
		t.Error("Detect answered without lingua's models")
	}
}

// TestLazyNoModels checks that a detector whose locales need no model is
// loaded at once.
func TestLazyNoModels(t *testing.T) {
	for _, locales := range [][]concierge.Locale{{"zh"}, {"fr", "zh"}, {"xx"}, nil} {
		d := langid.NewLazy(locales)
		select {
		case <-d.Loaded():
		default:
			t.Errorf("%v: not loaded at once", locales)
		}
	}
}
