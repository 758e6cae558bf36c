package catalog

import (
	"strings"

	"github.com/conciergehq/concierge"
)

// ForUseOnly reports whether text's Chinese words name what sku is used
// for, not sku: the last word typed ("茶饼" of "我要普洱茶饼") is in its
// Chinese names only inside a purpose, before "用" ("普洱茶刀（撬茶饼
// 用）"). A search that finds only such a product found
// something for the thing asked, not the thing.
func (ix *Index) ForUseOnly(text string, sku concierge.SKU) bool {
	p := ix.Product(sku)
	if p == nil {
		return false
	}
	var head string
	for _, t := range tokenize(Fold(text)) {
		if t.han && runeLen(t.text) >= 2 {
			rs := []rune(t.text)
			head = string(rs[len(rs)-2:])
		}
	}
	if head == "" {
		return false
	}
	seen := false
	for _, name := range p.Name {
		f := Fold(name)
		for at := 0; ; {
			k := strings.Index(f[at:], head)
			if k < 0 {
				break
			}
			k += at
			seen = true
			if !inPurpose(f, k, len(head)) {
				return false
			}
			at = k + len(head)
		}
	}
	return seen
}

// inPurpose reports whether the word at f[k:k+n] says what a thing is
// for: "用" right after it ("撬茶饼用"). Brackets alone say nothing: they
// hold a pack's size as often ("（5卷装）").
func inPurpose(f string, k, n int) bool {
	return strings.HasPrefix(f[k+n:], "用")
}
