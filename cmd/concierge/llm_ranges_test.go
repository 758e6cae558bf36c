package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
)

// TestLLMRangeFilter: through the LLM brain's search tool, a range the
// model gets upside down is a tool error that says why and shows
// nothing; the model corrects it, and the result lists only the lamps
// of 550 to 900 lumens, with the span of the lumens found in the facets.
func TestLLMRangeFilter(t *testing.T) {
	f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		_, res := turn(req)
		switch len(res) {
		case 0:
			return calls(call("search_products", `{"query":"lampe","ranges":{"lumens":{"min":"900","max":"550"}}}`))
		case 1:
			if !strings.Contains(res[0], `range of \"lumens\": min \"900\" is above max \"550\"`) || strings.Contains(res[0], "LAMP-") {
				t.Errorf("an upside-down range fed back %s", res[0])
			}
			return calls(call("search_products", `{"query":"lampe","ranges":{"lumens":{"min":550,"max":"900"}}}`))
		case 2:
			var got struct {
				Products []struct{ SKU string }
				Facets   struct {
					Attributes []struct {
						Name    string
						Numbers *struct {
							Min, Max string
							Count    int
						}
					}
				}
			}
			if err := json.Unmarshal([]byte(res[1]), &got); err != nil {
				t.Fatalf("%v: %s", err, res[1])
			}
			var skus []string
			for _, p := range got.Products {
				skus = append(skus, p.SKU)
			}
			slices.Sort(skus)
			if !slices.Equal(skus, []string{"LAMP-02", "LAMP-09"}) {
				t.Errorf("lamps of 550 to 900 lm: %v", skus)
			}
			i := slices.IndexFunc(got.Facets.Attributes, func(a struct {
				Name    string
				Numbers *struct {
					Min, Max string
					Count    int
				}
			}) bool {
				return a.Name == "lumens"
			})
			if i < 0 || got.Facets.Attributes[i].Numbers == nil || got.Facets.Attributes[i].Numbers.Min != "600" || got.Facets.Attributes[i].Numbers.Max != "800" {
				t.Errorf("facets: %s", res[1])
			}
		}
		return say("Voici deux lampes entre 550 et 900 lumens.")
	})
	s := startLLMShop(t, f, llmLimits{})
	es := s.customer("fr").say("une lampe entre 550 et 900 lumens")
	if !hasCard(es, "LAMP-02") || !hasCard(es, "LAMP-09") || hasCard(es, "LAMP-01") {
		t.Fatalf("replies: %s", dump(es))
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d model calls, want 3", n)
	}
}
