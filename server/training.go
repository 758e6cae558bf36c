package server

import (
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/llm"
	"github.com/conciergehq/concierge/handoff"
)

// trainingCustomers are the models that role-play the customers of the
// staff-training simulator's cases (docs/training.md): one per bot whose
// file uses the LLM brain, over that brain's model. Bots with the rules
// brain replay their real customers' lines.
func (m *Main) trainingCustomers() (map[concierge.BotID]handoff.CustomerModel, error) {
	out := map[concierge.BotID]handoff.CustomerModel{}
	for _, b := range m.Bots {
		f := m.fileOf(b.ID)
		if b.Brain != concierge.BrainLLM || f == nil || f.Brain.LLM == nil {
			continue
		}
		c := f.Brain.LLM
		cfg := llm.Config{BaseURL: c.BaseURL, Model: c.Model, APIKey: c.APIKey, Organization: c.Organization, Headers: c.Headers,
			CallTimeout: m.LLMLimits.CallTimeout, Log: m.Log}
		if c.Timeout != "" {
			d, err := time.ParseDuration(c.Timeout)
			if err != nil {
				return nil, fmt.Errorf("bot %s: brain.llm.timeout: %w", b.ID, err)
			}
			cfg.CallTimeout = d
		}
		cust, err := llm.NewCustomer(cfg)
		if err != nil {
			return nil, fmt.Errorf("bot %s: training customer: %w", b.ID, err)
		}
		out[b.ID] = cust
	}
	return out, nil
}
