package knowledge

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"kbot/knowledge/whitespace"
)

// Whether a passage answers a question is decided by one scoring
// function over a few signals, each measured on the passage and its
// sentences:
//
//   - cover: the share of the question's IDF weight the passage holds;
//   - focus: the share of the weight of what the question asks about
//     (its terms outside the places, people, posts, times and titles it
//     pins down) that the passage text holds;
//   - bound: the share of that weight held by the best sentence that
//     holds an answer of the wanted kind (a figure for 多少, a name at the
//     post asked about, a date, a place, a list), 0 when no sentence does;
//   - unseen: the share of the question's characters that no term of the
//     collection covers;
//   - missed: how many of the question's constraints the passage's article
//     fails (a county or place it is not about, a time it never names, an
//     article other than the one asked about, a post holder it never
//     names, a request that is not a question);
//   - relative: the passage's retrieval score over the best one's.
//
// A logistic function of their weighted sum gives the probability that
// the passage answers; a question is answered when its best passage
// reaches answerThreshold. The weights are fitted on half of the
// development questions and checked on the other half (calibrate_test.go,
// BENCHMARKS.md).

// answerModel holds the fitted weights: bias, then one per signal.
type answerModel struct {
	Bias, Cover, Focus, Bound, Unseen, Missed, Relative float64
}

// fittedModel is the model fitted by go test ./knowledge -run
// TestCalibrate -calibrate (see calibrate_test.go).
var fittedModel = answerModel{Bias: -0.166, Cover: 1.548, Focus: 0.108, Bound: 2.209, Unseen: -1.120, Missed: -3.597, Relative: -0.157}

// answerThreshold is the probability a passage must reach to answer.
const answerThreshold = 0.5

// signals are one passage's measurements for one question.
type signals struct {
	Cover, Focus, Bound, Unseen, Missed, Relative float64
	// miss is the first constraint the passage failed, for the refusal's
	// reason.
	miss RefusalReason
	// kindOK is true when some sentence holds an answer of the wanted
	// kind.
	kindOK bool
}

func (m answerModel) prob(s signals) float64 {
	z := m.Bias + m.Cover*s.Cover + m.Focus*s.Focus + m.Bound*s.Bound + m.Unseen*s.Unseen + m.Missed*s.Missed + m.Relative*s.Relative
	return 1 / (1 + math.Exp(-z))
}

// measure computes the signals of result r for question analysis a;
// top is the best retrieval score among the results.
func (x *Index) measure(a *analysis, r Result, top float64) signals {
	ai := x.articleAt[r.Article.ID]
	// Coverage leaves out terms the index has never seen (most are
	// bigrams straddling two words); the characters no term covers count
	// against it here.
	s := signals{Cover: r.Coverage * (1 - a.unseen), Unseen: math.Max(a.unseen, a.focusUnseen)}
	if top > 0 {
		s.Relative = r.Score / top
	}
	s.Focus = x.focusShare(a, textOf(embedText(r.Article, r.Chunk)))
	for _, reason := range x.misses(a, ai, r) {
		s.Missed++
		if s.miss == "" {
			s.miss = reason
		}
	}
	for _, sent := range chunkSentences(r.Chunk.Text) {
		sent = whitespace.Remove(sent)
		share := x.focusShare(a, textOf(sent))
		if !x.kindIn(a, sent, r, share) {
			continue
		}
		s.kindOK = true
		s.Bound = math.Max(s.Bound, share)
	}
	// A question about a pinned article's points is answered by any of
	// its passages.
	if (a.kind == kindSummary || a.kind == kindArticle) && a.article && containsInt(a.articles, ai) {
		s.kindOK, s.Bound = true, 1
	}
	// A question that asks for a figure, a date, a place or a person is
	// answered only by a passage that holds one where it asks: that is a
	// constraint like the others. (A post's holder is checked above.)
	if !s.kindOK && a.post == "" && (a.kind == kindNumber || a.kind == kindDate || a.kind == kindPlace || a.kind == kindPerson) {
		s.Missed++
		if s.miss == "" {
			s.miss = RefusalDetailMissing
		}
	}
	return s
}

// misses returns the constraints of the question that article ai (and
// passage r) fails.
func (x *Index) misses(a *analysis, ai int, r Result) []RefusalReason {
	var out []RefusalReason
	text := x.lex.text[ai]
	art := x.articles[ai]
	if a.kind == kindTask {
		out = append(out, RefusalNotAQuestion)
	}
	for _, c := range a.counties {
		if !contains(art.Regions, c) && !strings.Contains(text, c) && !x.shortIn(c, text) {
			out = append(out, RefusalUnknownPlace)
		}
	}
	for i := range a.places {
		found := false
		for _, reading := range a.readings[i] {
			found = found || strings.Contains(text, reading)
		}
		if !found {
			out = append(out, RefusalUnknownPlace)
		}
	}
	for _, p := range a.people {
		if !strings.Contains(text, p) {
			out = append(out, RefusalUnknownPerson)
		}
	}
	for _, ym := range a.months {
		if !x.mentionsMonth(ai, ym) {
			out = append(out, RefusalUnknownTime)
		}
	}
	for _, y := range a.years {
		if !x.lex.years[ai][y] && !strings.Contains(text, strconv.Itoa(y)+"年") {
			out = append(out, RefusalUnknownTime)
		}
	}
	for _, w := range a.relative {
		if !strings.Contains(text, w) {
			out = append(out, RefusalUnknownTime)
		}
	}
	if a.article && !containsInt(a.articles, ai) {
		out = append(out, RefusalNoArticle)
	}
	if a.mentioned != "" && !strings.Contains(text, whitespace.Remove(a.mentioned)) {
		out = append(out, RefusalNoArticle)
	}
	if a.post != "" && !x.holderIn(a, r) {
		out = append(out, RefusalNoHolder)
	}
	return out
}

// shortIn reports whether text names county c by its short form.
func (x *Index) shortIn(c, text string) bool {
	short := x.shortName(c)
	return short != "" && strings.Contains(text, short)
}

func (x *Index) mentionsMonth(ai int, ym yearMonth) bool {
	text := x.lex.text[ai]
	if ym.year == 0 {
		if strings.Contains(text, strconv.Itoa(ym.month)+"月") {
			return true
		}
		for d := range x.lex.dates[ai] {
			if d.month == ym.month {
				return true
			}
		}
		return false
	}
	return x.lex.dates[ai][ym] || strings.Contains(text, ym.String())
}

// holderIn reports whether passage r names someone at the post the
// question asks about, of the organisation and place it names.
func (x *Index) holderIn(a *analysis, r Result) bool {
	texts := []string{r.Chunk.Text}
	if r.Article.Author != "" && r.Article.AuthorPost != "" {
		texts = append(texts, r.Article.AuthorPost+r.Article.Author)
	}
	for _, t := range texts {
		for _, h := range holdersIn(whitespace.Remove(t)) {
			if h.post == a.post && x.holderMatches(a, h, r.Article) {
				return true
			}
		}
	}
	return false
}

// holderMatches checks a mention's organisation and place against the
// question's: 区委 asks for a mention under 区委; a place named in the
// question must be the mention's (named before the post, or the
// article's own when the mention names none and its level fits).
func (x *Index) holderMatches(a *analysis, h holder, art Article) bool {
	prefix := h.prefix
	org := a.org
	level := ""
	if r := []rune(org); len(r) >= 2 && r[1] == '委' && strings.ContainsRune("省市县区", r[0]) {
		level, org = string(r[:2]), string(r[2:])
	}
	if level != "" && !strings.Contains(prefix, level) {
		return false
	}
	if org != "" && !strings.HasSuffix(prefix, org) {
		return false
	}
	if a.postPlace == "" {
		return true
	}
	if strings.Contains(prefix, a.postPlace) || x.shortIn(a.postPlace, prefix) {
		return true
	}
	// The mention names another place before the post.
	if len(x.places.find(prefix)) > 0 || len(placesIn(prefix)) > 0 {
		return false
	}
	if x.places.umbrella[a.postPlace] {
		// 市委 in an article about a county-level city is that city's.
		for _, reg := range art.Regions {
			if level != "" && strings.HasSuffix(reg, string([]rune(level)[0])) {
				return false
			}
		}
		return true
	}
	return contains(art.Regions, a.postPlace) || strings.Contains(x.lex.text[x.articleAt[art.ID]], a.postPlace)
}

// kindIn reports whether sentence s holds an answer of the wanted kind
// to what the question asks (share is the sentence's share of the
// question's focus).
func (x *Index) kindIn(a *analysis, s string, r Result, share float64) bool {
	relevant := share > 0
	switch a.kind {
	case kindNumber:
		if !relevant || !hasFigure(s) || !timeBound(a, s) {
			return false
		}
		if len(a.units) == 0 {
			return true
		}
		for _, u := range a.units {
			switch {
			case u == unitDigits:
				if longDigits.MatchString(s) {
					return true
				}
			case strings.HasPrefix(u, "#"):
				if figureWith(s, u[1:]) {
					return true
				}
			case strings.Contains(s, u):
				return true
			}
		}
		return false
	case kindDate:
		return relevant && datePattern.MatchString(s)
	case kindPlace:
		return relevant && placeIn(s, x.places)
	case kindPerson:
		if a.post != "" {
			return x.holderIn(a, Result{Chunk: Chunk{Text: s}, Article: r.Article})
		}
		if len(holdersIn(s)) > 0 {
			return true
		}
		for p := range x.lex.people {
			if strings.Contains(s, p) {
				return true
			}
		}
		return false
	case kindList:
		return relevant && (enumeration.MatchString(s) || listOpener.MatchString(s) || x.repeats(a, s) >= 3)
	case kindTask:
		return false
	}
	return relevant
}

// timeBound reports whether a sentence holds the year a question names,
// when it names one: a figure of another year does not answer.
func timeBound(a *analysis, s string) bool {
	if len(a.years) == 0 {
		return true
	}
	for _, y := range a.years {
		if strings.Contains(s, strconv.Itoa(y)) {
			return true
		}
	}
	return false
}

// focusShare is the share of the question's focus that a text holds,
// discounted by the focus's characters that no indexed term covers: a
// question about 学历 is not answered by a passage that holds none of
// its other words either. A question that asks nothing beyond what it
// pins down has all its focus everywhere.
func (x *Index) focusShare(a *analysis, in string) float64 {
	if len(hanRuns(functionChars.Replace(a.focusText))) == 0 {
		return 1
	}
	return x.share(a.focus, in) * (1 - a.focusUnseen)
}

// repeats counts how often the focus term that recurs most in s recurs:
// 抓好…，抓好…，抓好… lists its items by repeating what the question
// asks about.
func (x *Index) repeats(a *analysis, s string) int {
	best := 0
	for _, t := range a.focus {
		if runeLen(t) == 2 && len(x.keywords.postings[t]) > 0 {
			best = max(best, strings.Count(s, t))
		}
	}
	return best
}

// share is the IDF-weighted share of terms that text in (as textOf
// gives it) holds.
func (x *Index) share(terms []string, in string) float64 {
	var have, all float64
	for _, t := range terms {
		if len(x.keywords.postings[t]) == 0 {
			continue
		}
		w := x.keywords.idf(t)
		all += w
		if strings.Contains(in, t) {
			have += w
		}
	}
	if all == 0 {
		return 0
	}
	return have / all
}

// weight is the IDF weight of the terms the index knows.
func (x *Index) weight(terms []string) float64 {
	var all float64
	for _, t := range terms {
		if len(x.keywords.postings[t]) > 0 {
			all += x.keywords.idf(t)
		}
	}
	return all
}

// textOf is text as terms are looked up in it: without white space,
// lower-cased. A term of termsOf occurs in it as a substring (a word of
// letters or digits may also be found inside a longer one).
func textOf(text string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\u3000' || r == '\u00a0':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r < 0x80:
			return r
		case unicode.IsSpace(r):
			return -1
		}
		return unicode.ToLower(r)
	}, text)
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
