package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckVariants: validate reports the variants of a group that no
// attribute tells apart, at the product (in the bot file or its feed)
// that repeats an earlier one, and accepts groups whose variants differ.
func TestCheckVariants(t *testing.T) {
	const head = "bot: shop\nlocales: [fr]\ncatalog:\n  products:\n"
	tests := []struct {
		name  string
		bot   string
		feeds map[string]string
		want  []string // diagnostics, after the temporary directory
	}{
		{
			name: "told apart by size and colour",
			bot: head + `    - { sku: T-40, group: TRAIL, name: { fr: Trail }, price: "89.00", attrs: { size: "40", color: bleu } }
    - { sku: T-41, group: TRAIL, name: { fr: Trail }, price: "89.00", attrs: { size: "41", color: bleu } }
    - { sku: T-41N, group: TRAIL, name: { fr: Trail }, price: "89.00", attrs: { size: "41", color: noir } }
    - { sku: CAP, name: { fr: Casquette }, price: "19.00" }
`,
		},
		{
			name: "two identical variants in the bot file",
			bot: head + `    - { sku: T-40, group: TRAIL, name: { fr: Trail }, price: "89.00", attrs: { size: "40" } }
    - { sku: T-41, group: TRAIL, name: { fr: Trail }, price: "89.00", attrs: { size: "41" } }
    - { sku: T-40B, group: TRAIL, name: { fr: Trail }, price: "89.00", attrs: { size: " 40" } }
`,
			want: []string{`bot.yaml:7:28: product "T-40B" and product "T-40" (line 5) are variants of group "TRAIL" with the same attributes (size=40)`},
		},
		{
			name: "variants without attributes",
			bot: head + `    - sku: TEE-1
      group: TEE
      name: { fr: T-shirt }
      price: "15.00"
    - { sku: TEE-2, group: TEE, name: { fr: T-shirt }, price: "15.00" }
`,
			want: []string{`bot.yaml:9:28: product "TEE-2" and product "TEE-1" (line 6) are variants of group "TEE" with no attributes`},
		},
		{
			name: "in a feed, at its row",
			bot:  "bot: shop\nlocales: [fr]\ncatalog:\n  sources:\n    - { format: google_merchant, path: feed.tsv }\n",
			feeds: map[string]string{"feed.tsv": "id\ttitle\tprice\titem_group_id\tcolor\tsize\n" +
				"S-1\tShoe\t50.00 EUR\tSHOE\tblue\t42\n" +
				"S-2\tShoe\t50.00 EUR\tSHOE\tBlue\t42\n" +
				"S-3\tShoe\t50.00 EUR\tSHOE\tblack\t42\n"},
			want: []string{`feed.tsv:3:1: product "S-2" and product "S-1" (line 2) are variants of group "SHOE" with the same attributes (color=blue, size=42)`},
		},
		{
			name: "a later feed tells them apart",
			bot: head + `    - { sku: S-1, group: SHOE, name: { fr: Chaussure }, price: "50.00" }
    - { sku: S-2, group: SHOE, name: { fr: Chaussure }, price: "50.00" }
  sources:
    - { format: csv, path: sizes.csv }
`,
			feeds: map[string]string{"sizes.csv": "sku,size\nS-1,41\nS-2,42\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"bot.yaml": tt.bot}
			for k, v := range tt.feeds {
				files[k] = v
			}
			dir := writeTree(t, files)
			_, _, err := Check(filepath.Join(dir, "bot.yaml"), nil)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Check: %v, want %d errors", err, len(tt.want))
			}
			var got []string
			for _, d := range errs.Diagnostics {
				got = append(got, strings.TrimPrefix(d.String(), dir+string(filepath.Separator)))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d:\n got %s\nwant %s…", i, got[i], w)
				}
			}
			// Load (serve) does not refuse the file for this.
			if _, err := LoadFile(filepath.Join(dir, "bot.yaml"), nil); err != nil {
				t.Errorf("LoadFile: %v", err)
			}
		})
	}
}
