package knowledge

import (
	"regexp"
	"strings"

	"kbot/knowledge/cjk"
	"kbot/knowledge/whitespace"
)

// Retrieval refuses a question, rather than answering from the nearest
// passages, when:
//   - it names a place (…市, …县, …区, …省) that no article mentions: the
//     knowledge base knows nothing about that place;
//   - it names a year that no article mentions;
//   - no retrieved passage holds enough of its weighted terms (coverage
//     below Options.MinCoverage);
//   - it asks who holds a post and no passage names anyone at that post
//     (see answertype.go).

// RefusalReason says why retrieval refused a question.
type RefusalReason string

// Refusal reasons.
const (
	// RefusalUnknownPlace: the question names a place no article mentions.
	RefusalUnknownPlace RefusalReason = "unknown place"
	// RefusalUnknownYear: the question names a year no article mentions.
	RefusalUnknownYear RefusalReason = "unknown year"
	// RefusalLowCoverage: no passage holds enough of the question's
	// weighted terms.
	RefusalLowCoverage RefusalReason = "low coverage"
	// RefusalNoHolder: the question asks who holds a post and no passage
	// names anyone at it.
	RefusalNoHolder RefusalReason = "no holder named"
)

// genericPlaceWords end in a place suffix without naming a place.
var genericPlaceWords = map[string]bool{
	"社区": true, "城区": true, "辖区": true, "园区": true, "景区": true, "小区": true, "片区": true,
	"山区": true, "矿区": true, "街区": true, "新区": true, "地区": true, "市区": true, "郊区": true,
	"城市": true, "都市": true, "超市": true, "上市": true, "全市": true, "本市": true, "我市": true,
	"该市": true, "各市": true, "全县": true, "本县": true, "我县": true, "该县": true, "各县": true,
	"全区": true, "本区": true, "我区": true, "该区": true, "各区": true, "全省": true, "本省": true,
	"我省": true, "该省": true, "各省": true, "外省": true, "外市": true, "外县": true, "反省": true,
	"节省": true, "误区": true, "盲区": true, "专区": true, "分区": true, "校区": true, "营区": true,
}

var yearPattern = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)[0-9]{2})\s*年`)

// unknownPlace returns the first place the question names that the index
// has never seen, or "".
func (x *Index) unknownPlace(q string) string {
	rs := []rune(whitespace.RemoveInLines(q))
	for i, r := range rs {
		if !strings.ContainsRune("市县区省", r) || i < 2 {
			continue
		}
		if genericPlaceWords[string(rs[i-1:i+1])] {
			continue
		}
		if !cjk.IsHan(rs[i-1]) || !cjk.IsHan(rs[i-2]) {
			continue
		}
		if x.places.resolve(string(rs[i-2:i+1])) != "" {
			continue
		}
		// The name is the two or three characters before the suffix; the
		// place is known when either reading occurs in the index.
		known := x.keywords.known(string(rs[i-2 : i+1]))
		if !known && i >= 3 && cjk.IsHan(rs[i-3]) {
			known = x.keywords.known(string(rs[i-3 : i+1]))
		}
		if !known {
			return string(rs[i-2 : i+1])
		}
	}
	return ""
}

// unknownYear returns a year the question names that no article mentions.
func (x *Index) unknownYear(q string) string {
	for _, m := range yearPattern.FindAllStringSubmatch(q, -1) {
		if len(x.keywords.postings[m[1]]) == 0 {
			return m[1]
		}
	}
	return ""
}

// refusalReason decides whether to refuse a question given its results:
// it returns why, or "" to answer.
func (x *Index) refusalReason(q string, results []Result, minCoverage float64) RefusalReason {
	if x.unknownPlace(q) != "" {
		return RefusalUnknownPlace
	}
	if x.unknownYear(q) != "" {
		return RefusalUnknownYear
	}
	best := 0.0
	for _, r := range results {
		best = max(best, r.Coverage)
	}
	if best < minCoverage {
		return RefusalLowCoverage
	}
	if unnamedHolder(q, results) != "" {
		return RefusalNoHolder
	}
	return ""
}
