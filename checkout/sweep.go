package checkout

import (
	"context"
	"log/slog"
)

// ExpiryStore runs fn in one write transaction of the store.
type ExpiryStore interface {
	InExpiryTx(ctx context.Context, fn func(tx ExpiryTx) error) error
}

// expireBatch is how many orders one transaction expires.
const expireBatch = 100

// ExpireAll expires every unpaid order whose reservation ran out, a
// batch per transaction, and returns how many it expired. An error is
// logged and ends the pass; the next sweep tries again.
func (s *Service) ExpireAll(ctx context.Context, st ExpiryStore, log *slog.Logger) int {
	total := 0
	for {
		var n int
		err := st.InExpiryTx(ctx, func(tx ExpiryTx) error {
			var err error
			n, err = s.ExpireDue(ctx, tx, expireBatch)
			return err
		})
		total += n
		if err != nil {
			log.Error("expire orders", "err", err)
		}
		if err != nil || n < expireBatch {
			return total
		}
	}
}
