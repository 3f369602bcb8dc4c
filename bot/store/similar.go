package store

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// minSimilarity is the least Dice coefficient of two questions' character
// bigrams for them to count as one question. Moving a phrase
// (磐石市的党建经验有哪些 / 磐石市有哪些党建经验) scores about 0.75–0.85,
// adding 请问…呢 about 0.85; rewording (村集体经济怎么发展 / 如何发展村集体经济)
// falls to about 0.6 and stays apart.
const minSimilarity = 0.7

// normalize reduces a question to what tells it apart: full-width forms
// folded to their narrow forms (and half-width kana to full-width), lower
// case, no punctuation, symbols or spaces.
func normalize(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// shape is what similarity compares of a normalised question: its
// character bigrams, sorted and without repeats, and its characters,
// sorted with repeats (2021 and 2022 differ in their count of 2s).
type shape struct {
	bigrams []uint64
	runes   []rune
}

func shapeOf(norm string) shape {
	rs := []rune(norm)
	var bg []uint64
	switch len(rs) {
	case 0:
	case 1:
		bg = []uint64{uint64(rs[0])}
	default:
		bg = make([]uint64, 0, len(rs)-1)
		for i := 1; i < len(rs); i++ {
			bg = append(bg, uint64(rs[i-1])<<32|uint64(rs[i]))
		}
	}
	slices.Sort(bg)
	slices.Sort(rs)
	return shape{bigrams: slices.Compact(bg), runes: rs}
}

// nearDuplicate reports whether two questions ask the same thing in other
// words: their bigrams overlap by a Dice coefficient of at least
// minSimilarity, and they do not each have characters the other lacks
// (counting repeats).
//
// The second rule is what keeps 永吉县有哪些经验 and 磐石市有哪些经验 apart
// even when the shared part is long: a question that differs from another
// by substituted characters (another place, another year, another name)
// is another question. Added or reordered characters (请问…呢, word order)
// keep it the same. The rule needs no word lists; its price is that two
// phrasings that both add something (请问X / X呢) stay apart, and that a
// question can join a more specific one that contains it (有哪些经验 /
// 磐石市有哪些经验). Gaps lists every phrasing of a group, so such a merge
// hides nothing.
func nearDuplicate(a, b shape) bool {
	if dice(a.bigrams, b.bigrams) < minSimilarity {
		return false
	}
	return subset(a.runes, b.runes) || subset(b.runes, a.runes)
}

// dice is 2|A∩B| / (|A|+|B|) over sorted sets.
func dice(a, b []uint64) float64 {
	if len(a)+len(b) == 0 {
		return 1
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			common++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b))
}

// subset reports whether sorted multiset a is contained in sorted
// multiset b.
func subset(a, b []rune) bool {
	j := 0
	for _, r := range a {
		for j < len(b) && b[j] < r {
			j++
		}
		if j == len(b) || b[j] != r {
			return false
		}
		j++ // each of b's runes matches once
	}
	return true
}

// cluster groups shapes, given most important first, into near-duplicate
// groups: each joins the first group all of whose members it nearly
// duplicates, or starts a new one. Requiring all members, not one, stops
// chains (A≈B, B≈C) from merging questions that differ. It returns the
// groups as indexes into shapes, in order of their first member.
func cluster(shapes []shape) [][]int {
	var groups [][]int
next:
	for i, s := range shapes {
		for g, members := range groups {
			all := true
			for _, m := range members {
				if !nearDuplicate(s, shapes[m]) {
					all = false
					break
				}
			}
			if all {
				groups[g] = append(groups[g], i)
				continue next
			}
		}
		groups = append(groups, []int{i})
	}
	return groups
}
