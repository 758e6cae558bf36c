package rules_test

import (
	"os"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

// TEMPORARY probe; deleted before hand-back.
func TestProbe(t *testing.T) {
	p := os.Getenv("PROBE")
	if p == "" {
		t.Skip()
	}
	s := openShop(t)
	c := s.customer(concierge.Locale(os.Getenv("PROBE_LOC")))
	for _, step := range strings.Split(p, "|") {
		var rs = c.say
		if strings.HasPrefix(step, "!") {
			rs = c.press
			step = step[1:]
		}
		if step == "$PAY" {
			o := c.orders()[0]
			t.Logf("pay: %s", s.pay(o, o.Total, "evt1"))
			t.Logf("   -> %s", dump(c.replies()))
			continue
		}
		out := rs(step)
		conv := c.conv()
		t.Logf(">> %q  (loc=%s state=%s mem=%+v cart=%v)%s", step, conv.Locale, conv.State, conv.Memory, c.cart(), dump(out))
	}
}
