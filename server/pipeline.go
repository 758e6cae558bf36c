package server

import (
	"context"
	"fmt"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/convtest"
)

// Pipeline opens m, whose Files and DBURL are set, and returns bot's
// pipeline for convtest (concierge test): both turn runners (rules batches, planned
// LLM turns), the HTTP handler that receives the sandbox's notifications
// and the sandbox provider that signs them.
func (m *Main) Pipeline(ctx context.Context, bot concierge.BotID) (*convtest.Pipeline, error) {
	if err := m.Open(ctx); err != nil {
		if m.DB != nil {
			m.DB.Close()
		}
		return nil, err
	}
	p := &convtest.Pipeline{DB: m.DB, Turns: []convtest.TurnRunner{m.Runner, m.Planned}, Webhooks: m.Server, Close: m.DB.Close}
	for _, b := range m.Bots {
		if b.ID == bot {
			p.Bot = b
		}
	}
	if sb := m.SandboxProvider(bot); sb != nil {
		p.Sandbox = sb
	}
	if p.Bot == nil {
		m.DB.Close()
		return nil, fmt.Errorf("no bot %s", bot)
	}
	return p, nil
}
