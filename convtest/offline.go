package convtest

import (
	"fmt"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/config"
)

// Offline changes a loaded bot file for a test run: its channels are
// dropped (the tests talk as a web chat; no platform is contacted), its
// payment providers are replaced by the sandbox (whose notifications the
// pay steps send), no hand-off webhook is posted to another helpdesk,
// and, when brain is not empty, brain.kind becomes brain. An LLM brain
// keeps the file's brain.llm settings; a file without them cannot run
// on it.
func Offline(f *config.File, brain string) error {
	switch k := concierge.BrainKind(brain); k {
	case "":
	case concierge.BrainRules, concierge.BrainLLM:
		f.Brain.Kind = k
	default:
		return fmt.Errorf("convtest: --brain %q: want rules or llm", brain)
	}
	if f.Brain.Kind == concierge.BrainLLM && f.Brain.LLM == nil {
		return fmt.Errorf("convtest: bot %s: the llm brain needs brain.llm (base_url, model) in the bot file", f.ID)
	}
	f.Channels = config.Channels{Web: &config.Web{Enabled: true}}
	f.Payments = config.Payments{Sandbox: &config.Sandbox{Enabled: true}}
	f.Handoff.Webhook = nil
	return nil
}
