package catalog_test

import (
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// TestHanHead: a Chinese name ends with what the thing is: "逗猫棒" is the
// wand, not the wand's refills; a set of blocks is blocks too, so two
// kinds of blocks stay a question.
func TestHanHead(t *testing.T) {
	zh := func(sku, name string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"zh": name}}
	}
	ix := catalog.New([]concierge.Product{
		zh("WAND", "羽毛逗猫棒"),
		zh("REFILL", "逗猫棒替换头 5个装"),
		zh("CITY", "城市积木套装300块"),
		zh("BIG", "大颗粒积木100块"),
		zh("BIN-L", "冰箱收纳盒 长款"),
		zh("BIN-S", "冰箱收纳盒 短款"),
	}, []concierge.Locale{"zh"})
	tests := []struct {
		text string
		skus []concierge.SKU
		want concierge.SKU
	}{
		{"逗猫棒", []concierge.SKU{"WAND", "REFILL"}, "WAND"},
		{"逗猫棒", []concierge.SKU{"REFILL", "WAND"}, "WAND"},
		{"积木", []concierge.SKU{"CITY", "BIG"}, ""},
		// "款" (a style) is a stop word; the character before it is
		// the value, glued to the name or not.
		{"冰箱收纳盒长款", []concierge.SKU{"BIN-L", "BIN-S"}, "BIN-L"},
		{"冰箱收纳盒 短款", []concierge.SKU{"BIN-L", "BIN-S"}, "BIN-S"},
	}
	for _, tt := range tests {
		if got := ix.Closest(tt.text, tt.skus); got != tt.want {
			t.Errorf("Closest(%q, %v) = %q, want %q", tt.text, tt.skus, got, tt.want)
		}
	}
}

// TestHanNameSharedPrefix: "压缩袋" opens the pump's name but the bags'
// name writes it too: it is a kind, and names neither by itself.
func TestHanNameSharedPrefix(t *testing.T) {
	zh := func(sku, name string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"zh": name}}
	}
	ix := catalog.New([]concierge.Product{zh("BAGS", "真空压缩袋 8件套"), zh("PUMP", "压缩袋电动抽气泵")}, []concierge.Locale{"zh"})
	if got := ix.Resolve("两套真空压缩袋"); len(got) == 1 && got[0] == "PUMP" {
		t.Errorf("Resolve(两套真空压缩袋) = %v: the pump, by a word the bags' name writes", got)
	}
}
