package knowledge

import (
	"sort"
	"strings"
)

// RefusalReason says why retrieval refused a question.
type RefusalReason string

// Refusal reasons: the constraint of the question that no passage met, or
// the signal that was too weak.
const (
	// RefusalUnknownPlace: the question names a place (a county, a
	// village, a city) that no passage answering it is about.
	RefusalUnknownPlace RefusalReason = "unknown place"
	// RefusalUnknownTime: the question names a time (a year, a month,
	// 明天) that no passage answering it speaks of.
	RefusalUnknownTime RefusalReason = "unknown time"
	// RefusalUnknownPerson: the question names a person no passage
	// answering it mentions.
	RefusalUnknownPerson RefusalReason = "unknown person"
	// RefusalNoHolder: the question asks who holds a post and no passage
	// names anyone at it (of that organisation and place).
	RefusalNoHolder RefusalReason = "no holder named"
	// RefusalNoArticle: the question asks about an article (by title or
	// by its author's post) that the collection does not have.
	RefusalNoArticle RefusalReason = "no such article"
	// RefusalNotAQuestion: a request to produce something, not a
	// question about the collection.
	RefusalNotAQuestion RefusalReason = "not a question"
	// RefusalUnknownTerms: the question is mostly words the collection
	// never uses.
	RefusalUnknownTerms RefusalReason = "unknown terms"
	// RefusalDetailMissing: passages about the subject exist, but none
	// holds an answer of the kind asked (a figure, a name, a date).
	RefusalDetailMissing RefusalReason = "detail not given"
	// RefusalLowCoverage: no passage holds enough of what the question
	// asks about.
	RefusalLowCoverage RefusalReason = "low coverage"
)

// RefusalReasons lists every reason, for reports.
var RefusalReasons = []RefusalReason{
	RefusalUnknownPlace, RefusalUnknownTime, RefusalUnknownPerson, RefusalNoHolder, RefusalNoArticle,
	RefusalNotAQuestion, RefusalUnknownTerms, RefusalDetailMissing, RefusalLowCoverage,
}

// decision is the verdict on a question's results: each result's
// probability of answering, and why the question is refused ("" when it
// is answered).
type decision struct {
	probs []float64
	// sig are each result's signals.
	sig  []signals
	best int
	// threshold is the probability a passage must reach to answer.
	threshold float64
	reason    RefusalReason
	// best's signals, for the reason and for reports.
	signals signals
}

// decide scores every result and decides whether the question is
// answered.
func (x *Index) decide(a *analysis, results []Result, m answerModel, threshold float64) decision {
	if threshold <= 0 {
		threshold = answerThreshold
	}
	d := decision{probs: make([]float64, len(results)), sig: make([]signals, len(results)), best: -1, threshold: threshold}
	top := 0.0
	for _, r := range results {
		top = max(top, r.Score)
	}
	bestP := -1.0
	for i, r := range results {
		s := x.measure(a, r, top)
		p := m.prob(s)
		d.probs[i], d.sig[i] = p, s
		if p > bestP {
			bestP, d.best, d.signals = p, i, s
		}
	}
	if d.best >= 0 && bestP >= threshold {
		return d
	}
	d.reason = x.reasonFor(a, d.signals, len(results) > 0)
	return d
}

// reasonFor names why the best passage does not answer.
func (x *Index) reasonFor(a *analysis, s signals, any bool) RefusalReason {
	switch {
	case a.kind == kindTask:
		return RefusalNotAQuestion
	case len(a.unknown) > 0:
		return RefusalUnknownPlace
	case !any:
		return RefusalLowCoverage
	case s.miss != "":
		return s.miss
	case s.Unseen >= 0.3:
		return RefusalUnknownTerms
	case !s.kindOK && s.Focus >= 0.5:
		return RefusalDetailMissing
	}
	return RefusalLowCoverage
}

// refusalNote says, after a refusal, what the collection does have for
// the reason given.
func (x *Index) refusalNote(a *analysis, reason RefusalReason) string {
	switch reason {
	case RefusalUnknownPlace:
		regions := x.Regions()
		var named []string
		named = append(named, a.unknown...)
		if len(named) == 0 {
			named = append(append(named, a.counties...), a.places...)
		}
		s := ""
		if len(named) > 0 {
			s = "知识库里没有关于" + strings.Join(named, "、") + "的这方面内容。"
		}
		if len(regions) > 0 {
			s += "收录的文章涉及：" + strings.Join(regions, "、") + "。"
		}
		return s
	case RefusalUnknownTime:
		if p := x.lex.period(); p != "" {
			return "收录的工作动态时间范围是" + p + "。"
		}
	case RefusalNoArticle:
		var by []string
		for _, art := range x.articles {
			if art.Author != "" && art.AuthorPost != "" {
				by = append(by, art.Byline())
			}
		}
		sort.Strings(by)
		if len(by) > 0 {
			return "知识库里没有这篇文章。有署名职务的作者是：" + strings.Join(by, "；") + "。"
		}
		return "知识库里没有这篇文章。"
	case RefusalNoHolder:
		return "相关文章没有写明担任" + a.org + a.post + "的人是谁。"
	case RefusalDetailMissing:
		return "相关文章没有给出问题所问的这一点。"
	case RefusalNotAQuestion:
		return "我只回答关于知识库中文章内容的问题。"
	}
	return ""
}
