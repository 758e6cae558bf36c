package langid_test

import (
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

// BenchmarkDetect is the cost of Detect per message on the sample bot, for
// the kinds of message it meets.
func BenchmarkDetect(b *testing.B) {
	d := built.get(sampleLocales)
	cases := []struct {
		name          string
		text          string
		current, hint concierge.Locale
	}{
		{"short-kept", "merci", "en", ""},
		{"short-no-current", "teacups", "", ""},
		{"sentence", "je voudrais le coffret de six tasses", "en", ""},
		{"mixed", "je voudrais le chargeur USB-C 65W", "fr", ""},
		{"chinese", "我想买一个台灯", "fr", ""},
		{"emoji", "🙂🙂🙂", "fr", ""},
		{"long-5000", strings.Repeat("do you sell cast iron teapots and matching cups? ", 110)[:5000], "fr", ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.Detect(c.text, c.current, c.hint)
			}
		})
	}
}
