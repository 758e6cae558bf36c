package langid_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/langid"
	"github.com/goccy/go-yaml"
)

// sampleLocales are the locales of the sample bot, French first.
var sampleLocales = []concierge.Locale{"fr", "en", "zh"}

// detectors builds each locale set once for the whole test binary: a
// Detector takes about a second to build.
type detectors struct {
	mu sync.Mutex
	m  map[string]*langid.Detector
}

func (ds *detectors) get(locales []concierge.Locale) *langid.Detector {
	key := fmt.Sprint(locales)
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if d, ok := ds.m[key]; ok {
		return d
	}
	if ds.m == nil {
		ds.m = make(map[string]*langid.Detector)
	}
	d := langid.New(locales)
	ds.m[key] = d
	return d
}

var built detectors

func load[T any](t testing.TB, name string) []T {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var rows []T
	if err := yaml.Unmarshal(b, &rows); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows
}

type detectCase struct {
	Text        string             `yaml:"text"`
	Locales     []concierge.Locale `yaml:"locales"`
	Current     concierge.Locale   `yaml:"current"`
	Hint        concierge.Locale   `yaml:"hint"`
	Want        concierge.Locale   `yaml:"want"`
	SaysNothing bool               `yaml:"says_nothing"`
}

func TestDetect(t *testing.T) {
	for _, c := range load[detectCase](t, "testdata/cases.yaml") {
		locales := c.Locales
		if locales == nil {
			locales = sampleLocales
		}
		name := fmt.Sprintf("%q/%v/current=%s/hint=%s", c.Text, locales, c.Current, c.Hint)
		t.Run(name, func(t *testing.T) {
			got, ok := built.get(locales).Detect(c.Text, c.Current, c.Hint)
			if got != c.Want || ok == c.SaysNothing {
				t.Errorf("Detect = %q, %v; want %q, %v", got, ok, c.Want, !c.SaysNothing)
			}
		})
	}
}

// labelled is one message of testdata/utterances.yaml or mixed.yaml.
type labelled struct {
	Text string           `yaml:"text"`
	Lang concierge.Locale `yaml:"lang"`
}

// The least shares of messages of three words or more that Detect must get
// right over the fixtures, by what it knows besides the message. The target
// is 99% for the message alone. lingua alone reached 98.8% there; with the
// function-word look first (quick.go) it is 99.8% (418 of 419), and 99.8%
// once the conversation has a language. The thresholds sit just under what
// was measured, so that a change of library version or rule that loses
// accuracy fails.
const (
	// minAlone: no current language, no hint (a first message).
	minAlone = 0.99
	// minKept: current is the message's language; a miss is a
	// conversation switched to the wrong language.
	minKept = 0.99
	// minSwitched: current is another locale and the shopper changed
	// language; a miss keeps answering in the old one.
	minSwitched = 0.95
)

// otherLocale is the conversation's language before a shopper switched to
// loc, for TestAccuracy.
var otherLocale = map[concierge.Locale]concierge.Locale{"fr": "en", "en": "fr", "zh": "fr"}

// TestAccuracy measures Detect on the labelled messages of testdata/ three
// ways: alone, in a conversation already in the message's language, and in
// one in another language. Messages of fewer than three words are reported
// but not held to a threshold, since Detect leaves them to the
// conversation's language; messages with no words (emoji, code) must give
// ok=false whatever their label. Chinese is counted in characters, since it
// is written without spaces. Run with -v for the figures and the misses.
func TestAccuracy(t *testing.T) {
	d := built.get(sampleLocales)
	type tally struct{ right, all int }
	var alone, kept, switched, short, silent tally
	byLang := map[concierge.Locale]*tally{}
	var misses []string
	score := func(tl *tally, u labelled, current concierge.Locale, how string) {
		tl.all++
		if got, ok := d.Detect(u.Text, current, ""); got == u.Lang && ok {
			tl.right++
		} else {
			misses = append(misses, fmt.Sprintf("%s: %q is %s, got %q", how, u.Text, u.Lang, got))
		}
	}
	for _, file := range []string{"testdata/utterances.yaml", "testdata/mixed.yaml"} {
		for _, u := range load[labelled](t, file) {
			switch n := words(u.Text); {
			case n == 0:
				silent.all++
				if _, ok := d.Detect(u.Text, "", ""); !ok {
					silent.right++
				} else {
					misses = append(misses, fmt.Sprintf("%q says nothing, got ok=true", u.Text))
				}
			case n < 3:
				short.all++
				if got, _ := d.Detect(u.Text, "", ""); got == u.Lang {
					short.right++
				}
			default:
				if byLang[u.Lang] == nil {
					byLang[u.Lang] = &tally{}
				}
				before := alone.right
				score(&alone, u, "", "alone")
				byLang[u.Lang].all++
				byLang[u.Lang].right += alone.right - before
				score(&kept, u, u.Lang, "kept")
				score(&switched, u, otherLocale[u.Lang], "switched from "+string(otherLocale[u.Lang]))
			}
		}
	}
	for _, loc := range sampleLocales {
		if l := byLang[loc]; l != nil {
			t.Logf("3 words or more, %s alone: %d/%d = %.1f%%", loc, l.right, l.all, pct(l.right, l.all))
		}
	}
	for _, c := range []struct {
		name string
		tl   tally
		min  float64
	}{
		{"alone (no current, no hint)", alone, minAlone},
		{"kept (current is its language)", kept, minKept},
		{"switched (current is another)", switched, minSwitched},
	} {
		acc := pct(c.tl.right, c.tl.all)
		t.Logf("3 words or more, %s: %d/%d = %.1f%% (threshold %.1f%%)", c.name, c.tl.right, c.tl.all, acc, 100*c.min)
		if acc < 100*c.min {
			t.Errorf("accuracy on messages of 3 words or more, %s, is %.1f%%, below %.1f%%", c.name, acc, 100*c.min)
		}
	}
	t.Logf("1 or 2 words alone (no threshold: they keep current): %d/%d = %.1f%%", short.right, short.all, pct(short.right, short.all))
	t.Logf("no words, ok=false: %d/%d", silent.right, silent.all)
	for _, m := range misses {
		t.Logf("miss: %s", m)
	}
	if silent.right != silent.all {
		t.Errorf("%d messages that say nothing gave ok=true", silent.all-silent.right)
	}
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }

// words counts a message's words as TestAccuracy reports them: fields with
// a letter and no digit, and each Han character.
func words(text string) int {
	n := 0
	for _, f := range strings.Fields(text) {
		letter, digit := false, false
		for _, r := range f {
			switch {
			case unicode.Is(unicode.Han, r):
				n++
			case unicode.IsLetter(r):
				letter = true
			case r >= '0' && r <= '9':
				digit = true
			}
		}
		if letter && !digit {
			n++
		}
	}
	return n
}

// TestLongInputIsCapped checks that a 5,000-character message costs no
// more than its first sentences: Detect reads a bounded prefix.
func TestLongInputIsCapped(t *testing.T) {
	d := built.get(sampleLocales)
	long := strings.Repeat("je voudrais le coffret de six tasses en porcelaine. ", 100)[:5000]
	if got, ok := d.Detect(long, "en", ""); got != "fr" || !ok {
		t.Fatalf("Detect(5,000 characters) = %q, %v; want fr", got, ok)
	}
	head := long[:300]
	allocsLong := testing.AllocsPerRun(20, func() { d.Detect(long, "en", "") })
	allocsHead := testing.AllocsPerRun(20, func() { d.Detect(head, "en", "") })
	t.Logf("allocations per Detect: %.0f for 5,000 characters, %.0f for 300", allocsLong, allocsHead)
	if allocsLong > allocsHead*1.1 {
		t.Errorf("5,000 characters allocate %.0f times, 300 characters %.0f: the input is not capped", allocsLong, allocsHead)
	}
}

// TestConcurrent runs Detect from several goroutines on one Detector; run
// with -race.
func TestConcurrent(t *testing.T) {
	d := built.get(sampleLocales)
	texts := map[string]concierge.Locale{
		"je voudrais le coffret de six tasses": "fr",
		"do you sell cast iron teapots?":       "en",
		"我想买台灯":                                "zh",
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				for text, want := range texts {
					if got, _ := d.Detect(text, "", ""); got != want {
						t.Errorf("Detect(%q) = %q; want %q", text, got, want)
					}
				}
			}
		})
	}
	wg.Wait()
}
