package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/conciergehq/concierge"
)

// retentionBatch is how many conversations one bot's retention pass
// erases: small enough that a pass holds the database briefly, and the
// next pass takes the rest.
const retentionBatch = 500

// EraseRetained erases, for each bot whose policies.retention_days is
// set, a batch of the conversations idle longer than that as of now
// (invariant 7). Errors are logged per bot; the next pass tries again.
func (db *DB) EraseRetained(ctx context.Context, bots []*concierge.Bot, now time.Time, log *slog.Logger) {
	for _, b := range bots {
		if b.Policies.RetentionDays <= 0 {
			continue
		}
		before := now.Add(-time.Duration(b.Policies.RetentionDays) * 24 * time.Hour)
		n, err := db.EraseIdle(ctx, b.ID, before, retentionBatch)
		if err != nil {
			log.Error("retention: erase", "bot", b.ID, "err", err)
			continue
		}
		if n > 0 {
			log.Info("retention: erased idle conversations", "bot", b.ID, "count", n, "retention_days", b.Policies.RetentionDays)
		}
	}
}
