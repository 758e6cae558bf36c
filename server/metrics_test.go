package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestAgentEventMetrics: order events an agent's platform has not taken
// show as pending, and those given up on as failed, by protocol.
func TestAgentEventMetrics(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/c.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"cs_1", "cs_2"} {
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddAgentEvent(ctx, "shop", "acp", s, concierge.OrderID("O-"+s), "order_create", concierge.OrderPaid)
		}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := db.ClaimAgentEvents(ctx, "acp", 1, time.Minute)
	if err != nil || len(evs) != 1 {
		t.Fatalf("claim: %d %v", len(evs), err)
	}
	if ok, err := db.FinishAgentEvent(ctx, &evs[0], store.HookFailed, time.Time{}, true, "HTTP 500"); !ok || err != nil {
		t.Fatalf("finish: %v %v", ok, err)
	}
	c := &agentEventCollector{db: db, desc: prometheus.NewDesc("concierge_agent_events", "test", []string{"protocol", "status"}, nil)}
	want := `# HELP concierge_agent_events test
# TYPE concierge_agent_events gauge
concierge_agent_events{protocol="acp",status="failed"} 1
concierge_agent_events{protocol="acp",status="pending"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
