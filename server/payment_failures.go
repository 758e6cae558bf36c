package server

import (
	"context"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/store"
)

// failuresGlue applies failed payment attempts in a store transaction.
type failuresGlue struct {
	db *store.DB
	co *checkout.Service
}

func (g failuresGlue) PaymentFailed(ctx context.Context, bot *concierge.Bot, f concierge.PaymentFailure) (string, error) {
	var res checkout.Applied
	err := g.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = g.co.Failed(ctx, tx, bot, f)
		return err
	})
	return string(res), err
}
