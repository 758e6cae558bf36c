package rules_test

import (
	"os"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/nlu"
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
		if step == "$NEW" {
			c = s.customer(concierge.Locale(os.Getenv("PROBE_LOC")))
			continue
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

func TestProbeNLU(t *testing.T) {
	p := os.Getenv("PROBE_NLU")
	if p == "" {
		t.Skip()
	}
	s := openShop(t)
	ix := s.agent.Shop(s.bot.ID).Catalog
	for _, u := range strings.Split(p, "|") {
		t.Logf("%q → %+v", u, nlu.Parse(u, ix, "fr"))
	}
}
