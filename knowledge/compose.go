package knowledge

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"kbot/knowledge/whitespace"
)

// An extractive answer quotes the passages that answer. It leads with
// the sentence that answers — the one holding an answer of the wanted
// kind next to what the question asks about — and follows with what
// supports it: a short fact gets one or two sentences, a list keeps its
// items, a way of doing things gets the concrete steps, in paragraphs.
// Headings are left out (they are not sentences), and every quoted
// sentence, or run of adjacent sentences, carries the [n] of its passage.

// Limits of an extractive answer: characters for a short fact and for a
// longer answer, and how many passages it quotes.
const (
	shortRunes   = 200
	longRunes    = 650
	maxSentences = 8
	maxSources   = 3
)

// quote is one quotable sentence of a result.
type quote struct {
	res, pos int
	text     string
	score    float64
	kindOK   bool
	// raw is the score before the weight of the passage's rank.
	raw float64
}

// compose answers from the results that decide found answering; scope is
// the county the answer is scoped to, and passages about other places
// are labelled with theirs. skip holds sentences already given (for 还有呢).
func (x *Index) compose(a *analysis, results []Result, d decision, scope string, skip string) Answer {
	if len(results) == 0 {
		return Answer{Mode: ModeExtractive}
	}
	if a.kind == kindArticle && (a.article || articleCue.MatchString(a.q) || asksOther.MatchString(a.q)) {
		if ans, ok := x.articleAnswer(a, results, d); ok {
			return ans
		}
	}
	if a.kind == kindSummary {
		if ans, ok := x.leadsAnswer(results, d); ok {
			return ans
		}
	}
	// The passages to quote: those that answer, best first, then those
	// close to answering as support.
	var use []int
	for i := range results {
		if d.probs[i] >= d.threshold {
			use = append(use, i)
		}
	}
	// Among those that answer, retrieval's order stands: the
	// probabilities decide which answer, not which answers best.
	for i := range results {
		if len(use) >= maxSources {
			break
		}
		// Support: passages close to answering, and for a longer answer
		// the other passages of the answering article (a way of doing
		// things goes on over several passages).
		sameArticle := d.best >= 0 && results[i].Article.ID == results[d.best].Article.ID && !shortKind(a.kind)
		if d.probs[i] < d.threshold && (d.probs[i] >= d.threshold/2 || sameArticle) {
			use = append(use, i)
		}
	}
	if len(use) > maxSources {
		use = use[:maxSources]
	}
	if len(use) == 0 {
		use = []int{0}
	}
	skipText := whitespace.Remove(skip)
	var cands []quote
	seen := map[string]bool{}
	for order, ri := range use {
		r := results[ri]
		pos := 0
		for _, line := range strings.Split(r.Chunk.Text, "\n") {
			if isHeadingLine(line) {
				continue
			}
			for _, s := range joinQuoted(splitSentences(line)) {
				s = strings.TrimSpace(s)
				if runeLen(s) < 4 {
					continue
				}
				pos++
				key := whitespace.Remove(s)
				if seen[key] || skipText != "" && strings.Contains(skipText, key) {
					continue
				}
				seen[key] = true
				share := x.share(a.focus, textOf(key))
				if x.weight(a.focus) == 0 {
					share = 0.5
				}
				ok := x.kindIn(a, key, r, share)
				score := share
				if ok {
					score += 0.6
				}
				if a.kind == kindList && share > 0 && listOpener.MatchString(key) {
					score += 0.3
				}
				switch a.kind {
				case kindMethod:
					// A way of doing things is answered by its steps, not
					// by the principle they serve.
					score += 0.3 * concreteness(key)
				case kindList, kindFact, kindSummary:
					score += 0.15 * concreteness(key)
				}
				raw := score
				// Earlier (better) passages weigh more.
				score *= 1 / (1 + 0.25*float64(order))
				cands = append(cands, quote{res: ri, pos: pos, text: s, score: score, kindOK: ok, raw: raw})
			}
		}
	}
	if len(cands) == 0 {
		return Answer{Mode: ModeExtractive}
	}
	chosen := x.choose(a, cands, &results)
	return x.render(chosen, results, scope)
}

// choose picks the sentences to quote: the answering sentence first.
func (x *Index) choose(a *analysis, cands []quote, results *[]Result) []quote {
	best := 0
	for i, c := range cands {
		if c.score > cands[best].score {
			best = i
		}
	}
	// The lead holds an answer of the wanted kind when some sentence
	// does, wherever its passage ranks: the best such by its own merit.
	for i, c := range cands {
		if c.kindOK && (!cands[best].kindOK || c.raw > cands[best].raw) {
			best = i
		}
	}
	lead := cands[best]
	chosen := []quote{lead}
	total := runeLen(lead.text)
	next := func(c quote) (quote, bool) {
		for _, n := range cands {
			if n.res == c.res && n.pos == c.pos+1 {
				return n, true
			}
		}
		return quote{}, false
	}
	switch a.kind {
	case kindNumber, kindDate, kindPlace, kindPerson:
		// A short fact: the sentence, and the next one when it goes on
		// about the same thing.
		if n, ok := next(lead); ok && total+runeLen(n.text) <= shortRunes && (runeLen(lead.text) < 60 || continues(n.text)) {
			chosen = append(chosen, n)
		}
		return chosen
	case kindList:
		// The numbered items that follow the sentence that opens the list.
		if items := x.listItems(lead, results); len(items) > 0 {
			return append(chosen, items...)
		}
	}
	// A longer answer: the best sentences of the answering passages.
	rest := append([]quote(nil), cands...)
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].score > rest[j].score })
	limit := longRunes
	if a.kind == kindFact {
		limit = longRunes / 2
	}
	concrete := a.kind == kindMethod && concreteness(whitespace.Remove(lead.text)) > 0
	for _, c := range rest {
		if len(chosen) >= maxSentences {
			break
		}
		if c.res == lead.res && c.pos == lead.pos || c.score < lead.score*0.45 || total+runeLen(c.text) > limit {
			continue
		}
		// When the lead is a concrete step, the support is steps too.
		if concrete && concreteness(whitespace.Remove(c.text)) == 0 {
			continue
		}
		chosen = append(chosen, c)
		total += runeLen(c.text)
	}
	// The lead's passage first, then the rest in reading order: by the
	// passages' places in the collection, each in its own order.
	head := chosen[0].res
	at := func(res int) int { return x.chunkAt[(*results)[res].Chunk.ID] }
	sort.SliceStable(chosen, func(i, j int) bool {
		ci, cj := chosen[i], chosen[j]
		if (ci.res == head) != (cj.res == head) {
			return ci.res == head
		}
		if ci.res != cj.res {
			return at(ci.res) < at(cj.res)
		}
		return ci.pos < cj.pos
	})
	return chosen
}

func shortKind(k answerKind) bool {
	return k == kindNumber || k == kindDate || k == kindPlace || k == kindPerson
}

// itemStart opens an item of a numbered list: 一是, 第二, （三）, 一要, 4.
var itemStart = regexp.MustCompile(`^(?:([一二三四五六七八九十]+)是|第([一二三四五六七八九十]+)|（([一二三四五六七八九十]+)）|([一二三四五六七八九十]+)要|([0-9]+)[.、．])`)

// listItems returns the numbered items that follow lead (or that it
// starts): 一是…, 二是…, in order, skipping the sentences that explain
// an item, until the numbering stops. Items may run on into passages of
// the article that retrieval did not return; those are added to results
// so that they can be cited.
func (x *Index) listItems(lead quote, results *[]Result) []quote {
	r := (*results)[lead.res]
	ai, ok := x.articleAt[r.Article.ID]
	ci, ok2 := x.chunkAt[r.Chunk.ID]
	if !ok || !ok2 {
		return nil
	}
	var out []quote
	want := 1
	leadText := whitespace.Remove(lead.text)
	if i := strings.LastIndex(leadText, "："); i >= 0 && itemNumber(leadText[i+len("："):]) > 0 {
		leadText = leadText[i+len("："):]
	}
	if n := itemNumber(leadText); n > 0 {
		want = n + 1
	}
	gap := 0
	seen := map[string]bool{whitespace.Remove(lead.text): true}
	started := false
	for i := ci; i < len(x.chunks) && x.chunkArticle[i] == ai; i++ {
		res := -1
		pos := 0
		for _, line := range strings.Split(x.chunks[i].Text, "\n") {
			if isHeadingLine(line) {
				continue
			}
			for _, sent := range joinQuoted(splitSentences(line)) {
				sent = strings.TrimSpace(sent)
				if runeLen(sent) < 4 {
					continue
				}
				pos++
				key := whitespace.Remove(sent)
				if i == ci && !started {
					started = key == whitespace.Remove(lead.text)
					continue
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				n := itemNumber(key)
				switch {
				case n == want:
					if res < 0 {
						res = x.resultFor(i, results)
					}
					out = append(out, quote{res: res, pos: pos, text: sent})
					want++
					gap = 0
				case n > 0:
					return out
				default:
					gap++
					if gap > 3 {
						return out
					}
				}
				if len(out) >= maxSentences {
					return out
				}
			}
		}
	}
	return out
}

// resultFor returns the index in results of chunk i, adding it when
// retrieval did not return it.
func (x *Index) resultFor(i int, results *[]Result) int {
	for k, r := range *results {
		if r.Chunk.ID == x.chunks[i].ID {
			return k
		}
	}
	*results = append(*results, Result{Chunk: x.chunks[i], Article: x.articles[x.chunkArticle[i]]})
	return len(*results) - 1
}

// itemNumber returns the ordinal an item opens with, or 0.
func itemNumber(s string) int {
	m := itemStart.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	for _, g := range m[1:] {
		if g == "" {
			continue
		}
		if g[0] >= '0' && g[0] <= '9' {
			n := 0
			for _, r := range g {
				n = n*10 + int(r-'0')
			}
			return n
		}
		return chineseNumber(g)
	}
	return 0
}

// chineseNumber reads 一 … 九十九.
func chineseNumber(s string) int {
	digits := map[rune]int{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	n, cur := 0, 0
	for _, r := range s {
		if r == '十' {
			if cur == 0 {
				cur = 1
			}
			n += cur * 10
			cur = 0
			continue
		}
		cur = digits[r]
	}
	return n + cur
}

// continues reports whether a sentence goes on from the one before it.
func continues(s string) bool {
	for _, w := range []string{"他们", "其中", "这", "该", "此", "同时", "并", "其", "共", "累计", "目前", "截至"} {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// concreteness counts the marks of a concrete step in a sentence: named
// programmes in quotes, figures, ordinals, a means (通过, 实施).
func concreteness(s string) float64 {
	n := float64(strings.Count(s, "“"))
	if hasFigure(s) {
		n++
	}
	if itemNumber(s) > 0 {
		n++
	}
	for _, w := range []string{"通过", "实施", "开展", "建立", "推行", "落实", "设立", "制定", "打造", "举办"} {
		if strings.Contains(s, w) {
			n++
			break
		}
	}
	return min(n, 3)
}

// isHeadingLine reports a line that is a heading rather than prose: a
// numbered heading without a full stop, or a short line with none.
func isHeadingLine(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" {
		return true
	}
	ends := strings.ContainsAny(t, "。！？；!?;")
	if headingLevel(t) > 0 && !ends {
		return true
	}
	return !ends && runeLen(t) <= 40 && !strings.ContainsAny(t, "，,")
}

// render writes the chosen sentences as paragraphs, one per passage run,
// with [n] after each run of adjacent sentences, and cites the passages.
func (x *Index) render(chosen []quote, results []Result, scope string) Answer {
	number := map[int]int{}
	var cites []Citation
	var paras []string
	var b strings.Builder
	for i, c := range chosen {
		n, ok := number[c.res]
		if !ok {
			n = len(cites) + 1
			number[c.res] = n
			cites = append(cites, citationOf(n, results[c.res]))
		}
		newPara := i == 0 || startsPara(chosen, i)
		if newPara && b.Len() > 0 {
			paras = append(paras, b.String())
			b.Reset()
		}
		if newPara && scope != "" {
			if other := otherRegion(results[c.res].Article, scope); other != "" {
				b.WriteString("（" + other + "）")
			}
		}
		b.WriteString(c.text)
		adjacent := i+1 < len(chosen) && chosen[i+1].res == c.res && chosen[i+1].pos == c.pos+1 && !startsPara(chosen, i+1)
		if !adjacent {
			fmt.Fprintf(&b, "[%d]", n)
		}
	}
	if b.Len() > 0 {
		paras = append(paras, b.String())
	}
	return Answer{Text: strings.Join(paras, "\n\n"), Citations: cites, Mode: ModeExtractive}
}

// startsPara reports whether chosen[i] opens a paragraph: it comes from
// another passage than the sentence before it, or opens a numbered item.
func startsPara(chosen []quote, i int) bool {
	return i > 0 && (chosen[i-1].res != chosen[i].res || itemNumber(whitespace.Remove(chosen[i].text)) > 0)
}

// otherRegion returns the place to label a passage with when its article
// is not about scope, or "".
func otherRegion(a Article, scope string) string {
	if contains(a.Regions, scope) {
		return ""
	}
	if len(a.Regions) > 0 {
		return strings.Join(a.Regions, "、")
	}
	return "未标明县区"
}

// articleAnswer answers a question about an article found by retrieval:
// who wrote it, or what its title is, naming the author in the text.
func (x *Index) articleAnswer(a *analysis, results []Result, d decision) (Answer, bool) {
	ri := d.best
	if ri < 0 {
		ri = 0
	}
	r := results[ri]
	art := r.Article
	c := citationOf(1, r)
	var text string
	switch {
	case asksOther.MatchString(a.q) || strings.Contains(a.q, "谁写") || strings.Contains(a.q, "哪个") && strings.Contains(a.q, "写"):
		if art.Author == "" {
			text = fmt.Sprintf("《%s》没有署名作者[1]。", art.Title)
		} else {
			text = fmt.Sprintf("《%s》的作者是%s[1]。", art.Title, art.Byline())
		}
	default:
		text = fmt.Sprintf("题目是《%s》[1]", art.Title)
		if by := art.Byline(); by != "" {
			text += "，作者" + by
		}
		text += "。"
	}
	return Answer{Text: text, Citations: []Citation{c}, Mode: ModeExtractive}, true
}

// joinQuoted joins sentences split inside a quotation (问：“为什么？不是
// 有天气预报吗？”), so that a quoted question keeps its answer.
func joinQuoted(sents []string) []string {
	var out []string
	open := 0
	for _, s := range sents {
		if open > 0 && len(out) > 0 {
			out[len(out)-1] += s
		} else {
			out = append(out, s)
		}
		open += strings.Count(s, "“") - strings.Count(s, "”")
		if open < 0 {
			open = 0
		}
	}
	return out
}

// leadsAnswer answers a question about an article's main points when the
// article has no numbered headings: the first sentence of each of its
// paragraphs, in order, from the best answering passage's article.
func (x *Index) leadsAnswer(results []Result, d decision) (Answer, bool) {
	if d.best < 0 {
		return Answer{}, false
	}
	art := results[d.best].Article
	ai := x.articleAt[art.ID]
	var b strings.Builder
	var cites []Citation
	seen := map[string]bool{}
	for i, c := range x.chunks {
		if x.chunkArticle[i] != ai {
			continue
		}
		for _, line := range strings.Split(c.Text, "\n") {
			if isHeadingLine(line) {
				continue
			}
			sents := splitSentences(strings.TrimSpace(line))
			if len(sents) == 0 {
				continue
			}
			lead := strings.TrimSpace(sents[0])
			key := whitespace.Remove(lead)
			if runeLen(lead) < 8 || seen[key] || !strings.HasPrefix(whitespace.Remove(art.Body), key) && !paragraphStart(art.Body, key) {
				continue
			}
			seen[key] = true
			n := len(cites) + 1
			cites = append(cites, citationOf(n, Result{Chunk: c, Article: art}))
			fmt.Fprintf(&b, "\n%d. %s[%d]", n, lead, n)
			if len(cites) >= 8 {
				break
			}
		}
		if len(cites) >= 8 {
			break
		}
	}
	if len(cites) < 2 {
		return Answer{}, false
	}
	head := fmt.Sprintf("《%s》各段要点：", art.Title)
	return Answer{Text: head + b.String(), Citations: cites, Mode: ModeExtractive}, true
}

// paragraphStart reports whether key opens a paragraph of body.
func paragraphStart(body, key string) bool {
	for _, p := range strings.Split(body, "\n") {
		if strings.HasPrefix(whitespace.Remove(p), key) {
			return true
		}
	}
	return false
}
