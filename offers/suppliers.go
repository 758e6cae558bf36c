package offers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/conciergehq/concierge"
)

// Suppliers are a bot's supplier sources, asked together.
type Suppliers struct {
	clients []*Client
}

// NewSuppliers returns the set of clients; their names must differ.
func NewSuppliers(clients ...*Client) (*Suppliers, error) {
	seen := map[string]bool{}
	for _, c := range clients {
		if seen[c.Name()] {
			return nil, fmt.Errorf("offers: two sources named %q", c.Name())
		}
		seen[c.Name()] = true
	}
	return &Suppliers{clients: clients}, nil
}

// Find asks every supplier at once and returns their offers in the order
// of the sources. A supplier that fails leaves its offers out and its
// *Error in err (errors.Join of them): the others' offers are still
// returned, so a slow supplier does not hide the rest.
func (s *Suppliers) Find(ctx context.Context, req concierge.OfferRequest) ([]concierge.Offer, error) {
	found := make([][]concierge.Offer, len(s.clients))
	errs := make([]error, len(s.clients))
	var wg sync.WaitGroup
	for i, c := range s.clients {
		wg.Go(func() { found[i], errs[i] = c.Search(ctx, req) })
	}
	wg.Wait()
	var out []concierge.Offer
	for _, f := range found {
		out = append(out, f...)
	}
	return out, errors.Join(errs...)
}

// Recheck asks o's supplier for o as it is now (see Client.Recheck).
func (s *Suppliers) Recheck(ctx context.Context, o concierge.Offer) (concierge.Offer, error) {
	for _, c := range s.clients {
		if c.Name() == o.Source {
			return c.Recheck(ctx, o)
		}
	}
	return concierge.Offer{}, &Error{Source: o.Source, Kind: ErrGone, Detail: "the bot file no longer has this supplier"}
}
