package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestAgentsSearchRanked: the server wires the chat's ranked search into
// the agents' catalog search, so UCP's catalog search finds what a chat
// customer would: bulbs for the French plural "ampoules" and for the
// misspelt "bulbz" (which the word match missed), and lamps only for
// "lampe" (the word match also listed the bulbs whose descriptions
// mention lamps). Both databases.
func TestAgentsSearchRanked(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shop) {
		for _, tc := range []struct{ query, prefix string }{
			{"ampoules", "BULB-"},
			{"bulbz", "BULB-"},
			{"lampe", "LAMP-"},
		} {
			st, out, _ := s.agent(agentCall{"POST", "/ucp/maison-lumiere/catalog/search", ucpHeaders(""), `{"query":"` + tc.query + `","pagination":{"limit":50}}`})
			products, _ := out["products"].([]any)
			if st != http.StatusOK || len(products) == 0 {
				t.Fatalf("%s: %d %v", tc.query, st, out)
			}
			for i := range products {
				if id, _ := jget(out, "products."+strconv.Itoa(i)+".id").(string); !strings.HasPrefix(id, tc.prefix) {
					t.Errorf("%s: product %d is %s, want only %s*", tc.query, i, id, tc.prefix)
				}
			}
		}
	})
}
