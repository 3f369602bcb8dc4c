package llm

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"kbot/knowledge"
)

// MaxReferences is how many top passages are listed as 参考 when an answer
// cites none.
const MaxReferences = 3

// markerRE matches one citation marker as models write them: [1], [1,2],
// [1、3], 【2】, ［3］, [资料2]. Adjacent markers are merged into a group.
var markerRE = regexp.MustCompile(`[\[【［]\s*(?:资料|段落|来源|passage\s*)?(\d{1,3}(?:\s*[,，、]\s*(?:资料|段落|来源)?\s*\d{1,3})*)\s*[\]】］]`)

var digitsRE = regexp.MustCompile(`\d{1,3}`)

// span is a byte range [start, end) of the text.
type span struct{ start, end int }

// quote is a quoted span; inner is the text between the marks.
type quote struct {
	span
	inner string
}

// group is a run of adjacent markers and the passage numbers they name.
type group struct {
	span
	nums []int
}

// dropStats counts markers removed by the check, for metrics.
type dropStats struct {
	outOfRange int
	quote      int
}

// CheckCitations checks the citation markers of a model's answer against
// the passages it was given (numbered [1]..[len(results)] in order) and
// returns the text with its markers rewritten, and the sources it cites.
//
// A marker that names no given passage is dropped. A marker whose sentence
// quotes a span (“…”, "…", 「…」) that does not occur in the cited passage,
// compared ignoring whitespace and with "…" standing for an omission, is
// dropped too. The passages still cited are renumbered 1, 2, … in order of
// first use, and the markers in the text are rewritten to match. When no
// citation survives, the top passages (at most MaxReferences) are returned
// with Reference set, and the text carries no markers. Citation.Text is the
// whole passage.
func CheckCitations(text string, results []knowledge.Result) (string, []knowledge.Citation) {
	out, cits, _ := checkCitations(text, results)
	return out, cits
}

func checkCitations(text string, results []knowledge.Result) (string, []knowledge.Citation, dropStats) {
	var stats dropStats
	groups := findGroups(text)
	if len(groups) == 0 {
		return text, references(results), stats
	}
	quotes := findQuotes(text)
	terms := terminators(text, quotes)

	normPassages := make([]string, len(results))
	normDone := make([]bool, len(results))
	passage := func(i int) string {
		if !normDone[i] {
			normPassages[i] = normalizeForMatch(results[i].Chunk.Text)
			normDone[i] = true
		}
		return normPassages[i]
	}

	renum := make(map[int]int) // passage number -> new number
	var order []int            // passage indexes in order of first use
	var b strings.Builder
	b.Grow(len(text))
	last, prevEnd := 0, 0
	for _, g := range groups {
		segStart := max(prevEnd, sentenceStart(text, terms, g.start))
		var kept []int
		for _, n := range g.nums {
			if n < 1 || n > len(results) {
				stats.outOfRange++
				continue
			}
			if !quotesOccur(quotes, segStart, g.start, passage(n-1)) {
				stats.quote++
				continue
			}
			if !containsInt(kept, n) {
				kept = append(kept, n)
			}
		}
		b.WriteString(text[last:g.start])
		if len(kept) == 0 {
			trimTrailingBlanks(&b)
		}
		for _, n := range kept {
			m, ok := renum[n]
			if !ok {
				order = append(order, n-1)
				m = len(order)
				renum[n] = m
			}
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(m))
			b.WriteByte(']')
		}
		last, prevEnd = g.end, g.end
	}
	b.WriteString(text[last:])
	if len(order) == 0 {
		return b.String(), references(results), stats
	}
	cits := make([]knowledge.Citation, len(order))
	for i, idx := range order {
		cits[i] = citation(i+1, results[idx], false)
	}
	return b.String(), cits, stats
}

// findGroups returns the marker groups of text in order.
func findGroups(text string) []group {
	locs := markerRE.FindAllStringSubmatchIndex(text, -1)
	var groups []group
	for _, loc := range locs {
		var nums []int
		for _, d := range digitsRE.FindAllString(text[loc[2]:loc[3]], -1) {
			n, _ := strconv.Atoi(d) // at most three digits: cannot fail
			nums = append(nums, n)
		}
		if k := len(groups); k > 0 && strings.TrimSpace(text[groups[k-1].end:loc[0]]) == "" {
			groups[k-1].end = loc[1]
			groups[k-1].nums = append(groups[k-1].nums, nums...)
			continue
		}
		groups = append(groups, group{span: span{loc[0], loc[1]}, nums: nums})
	}
	return groups
}

// findQuotes returns the quoted spans of text: “…”, 「…」, 『…』 and
// straight double quotes paired in order. An unclosed mark opens nothing.
func findQuotes(text string) []quote {
	var qs []quote
	open, openAt, openSize := rune(0), 0, 0
	for i, r := range text {
		if open != 0 {
			if r == closing(open) {
				qs = append(qs, quote{span: span{openAt, i + utf8.RuneLen(r)}, inner: text[openAt+openSize : i]})
				open = 0
			}
			continue
		}
		if closing(r) != 0 {
			open, openAt, openSize = r, i, utf8.RuneLen(r)
		}
	}
	return qs
}

func closing(open rune) rune {
	switch open {
	case '“':
		return '”'
	case '"':
		return '"'
	case '「':
		return '」'
	case '『':
		return '』'
	}
	return 0
}

// terminators returns the byte offsets just after each sentence end of
// text that is not inside a quote.
func terminators(text string, quotes []quote) []int {
	var ends []int
	qi := 0
	for i, r := range text {
		for qi < len(quotes) && quotes[qi].end <= i {
			qi++
		}
		if qi < len(quotes) && quotes[qi].start <= i {
			continue // inside a quote
		}
		switch r {
		case '。', '！', '？', '!', '?', '；', ';', '\n':
			ends = append(ends, i+utf8.RuneLen(r))
		}
	}
	return ends
}

// sentenceStart returns where the sentence a marker at pos belongs to
// begins. A marker placed after the full stop (“…”。[1]) belongs to the
// sentence before it, so terminators right before pos are skipped.
func sentenceStart(text string, terms []int, pos int) int {
	p := pos
	for p > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:p])
		if !unicode.IsSpace(r) && !strings.ContainsRune("。！？!?；;", r) {
			break
		}
		p -= size
	}
	start := 0
	for _, t := range terms {
		if t > p {
			break
		}
		start = t
	}
	return start
}

// quotesOccur reports whether every quote ending within [from, to) occurs
// in the normalised passage.
func quotesOccur(quotes []quote, from, to int, passage string) bool {
	for _, q := range quotes {
		if q.end <= from || q.end > to {
			continue
		}
		if !occurs(q.inner, passage) {
			return false
		}
	}
	return true
}

// ellipsis splits a quote into the parts a model kept when it elided text.
var ellipsis = strings.NewReplacer("……", "\x00", "…", "\x00", "...", "\x00")

// occurs reports whether the quoted text occurs in the normalised passage,
// its parts in order when it contains an ellipsis.
func occurs(inner, passage string) bool {
	from := 0
	for _, part := range strings.Split(ellipsis.Replace(inner), "\x00") {
		part = normalizeForMatch(part)
		if part == "" {
			continue
		}
		i := strings.Index(passage[from:], part)
		if i < 0 {
			return false
		}
		from += i + len(part)
	}
	return true
}

// normalizeForMatch removes whitespace and maps the brackets the prompt
// neutralised, so a quote matches the passage as the model saw it.
func normalizeForMatch(s string) string {
	s = neutralise(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// trimTrailingBlanks removes spaces and tabs at the end of b, so a dropped
// marker leaves no gap.
func trimTrailingBlanks(b *strings.Builder) {
	s := b.String()
	t := strings.TrimRight(s, " \t")
	if len(t) == len(s) {
		return
	}
	b.Reset()
	b.WriteString(t)
}

// references lists the top passages as background when nothing is cited.
func references(results []knowledge.Result) []knowledge.Citation {
	n := min(len(results), MaxReferences)
	if n == 0 {
		return nil
	}
	cits := make([]knowledge.Citation, n)
	for i := range n {
		cits[i] = citation(i+1, results[i], true)
	}
	return cits
}

func citation(n int, r knowledge.Result, reference bool) knowledge.Citation {
	return knowledge.Citation{
		N:          n,
		ArticleID:  r.Article.ID,
		ChunkID:    r.Chunk.ID,
		Title:      r.Article.Title,
		Author:     r.Article.Author,
		AuthorPost: r.Article.AuthorPost,
		Section:    r.Article.Section,
		Heading:    r.Chunk.Heading,
		Text:       r.Chunk.Text,
		Reference:  reference,
	}
}

func containsInt(s []int, n int) bool {
	for _, v := range s {
		if v == n {
			return true
		}
	}
	return false
}
