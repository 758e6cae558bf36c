package nlu

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/config"
)

func TestProbe(t *testing.T) {
	f, err := config.LoadFile(os.Getenv("PROBE_BOT"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	bot := f.Bot()
	ix := catalog.New(bot.Products, bot.Locales)
	for _, s := range strings.Split(os.Getenv("PROBE"), "|") {
		in := Parse(s, ix, bot.Locales[0])
		fmt.Printf("%-45q %s q=%d d=%d prods=%v ref=%v query=%q not=%q excl=%v bad=%v vague=%v\n", s, in.Name, in.Quantity, in.Delta, in.Products, in.RefShown, in.Query, in.NotQuery, in.Excluded, in.BadQuantity, in.VagueQuantity)
		for _, it := range in.Items {
			fmt.Printf("      item %q q=%d prods=%v query=%q ref=%v\n", it.Text, it.Quantity, it.Products, it.Query, it.RefShown)
		}
		fmt.Printf("      search: %v\n", ix.Search(catalog.Query{Text: in.Query, Exclude: in.NotQuery, Limit: 5}))
	}
}
