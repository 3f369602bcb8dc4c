package magazine

import (
	"strings"
	"unicode/utf8"

	"kbot/knowledge/whitespace"
)

// Extractions mark where a page starts in different ways, or not at all:
// pdftotext writes a form feed, some extractors indent a page's first line
// by one space (or an ideographic space), kbot pdf-text leaves a blank
// line between pages of single-spaced text. Without any mark, pages are
// found from the text: a page ends after its running header.

// pageMark is how a text marks the start of a page.
type pageMark uint8

const (
	markNone        pageMark = iota
	markFormFeed             // \f before a page's first line
	markSpace                // a page's first line begins with one ASCII space
	markIdeographic          // … with one U+3000
	markBlank                // blank lines between pages, more than the spacing
)

// findPageMark decides how the raw lines mark pages. An indent counts as
// a page mark only when it is rare: most lines starting with a space
// would be paragraph indents of a plain document.
func findPageMark(raw []string) pageMark {
	nonBlank, space, ideo := 0, 0, 0
	for i, l := range raw {
		if strings.ContainsRune(l, '\f') {
			return markFormFeed
		}
		if strings.TrimFunc(l, isSpace) == "" {
			continue
		}
		nonBlank++
		if i == 0 {
			continue
		}
		switch {
		case strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "  "):
			space++
		case strings.HasPrefix(l, "\u3000") && !strings.HasPrefix(l, "\u3000\u3000"):
			ideo++
		}
	}
	// A page holds more lines than a paragraph: indents of paragraphs
	// are far more frequent than page starts.
	switch {
	case space >= 2 && space*6 <= nonBlank:
		return markSpace
	case ideo >= 2 && ideo*6 <= nonBlank:
		return markIdeographic
	}
	single, double, pages := spacingGaps(raw)
	if pages >= 2 && pages*8 <= single+double {
		return markBlank
	}
	return markNone
}

// spacingGaps counts the gaps between non-blank lines: none, one blank
// line, and the gaps wider than the text's line spacing (page breaks when
// the text marks pages with blank lines).
func spacingGaps(raw []string) (single, double, wider int) {
	gaps := blankGaps(raw)
	for _, g := range gaps {
		switch g {
		case 0:
			single++
		case 1:
			double++
		}
	}
	limit := spacingOf(single, double)
	for _, g := range gaps {
		if g > limit {
			wider++
		}
	}
	return single, double, wider
}

// spacingOf returns how many blank lines separate two lines of running
// text: 1 for double-spaced text, else 0.
func spacingOf(single, double int) int {
	if double*10 >= (single+double)*6 {
		return 1
	}
	return 0
}

// blankGaps returns, for each non-blank line but the last, how many blank
// lines follow it.
func blankGaps(raw []string) []int {
	var gaps []int
	run, seen := 0, false
	for _, l := range raw {
		if strings.TrimFunc(l, isSpace) == "" {
			run++
			continue
		}
		if seen {
			gaps = append(gaps, run)
		}
		seen, run = true, 0
	}
	return gaps
}

// pageStartsOf returns, for each raw line, whether a new page starts at
// it, and the lines with their page mark removed.
func pageStartsOf(raw []string, mark pageMark) (starts []bool, lines []string) {
	starts = make([]bool, len(raw))
	lines = make([]string, len(raw))
	copy(lines, raw)
	switch mark {
	case markFormFeed:
		next := false
		for i, l := range raw {
			if next && strings.TrimFunc(l, isSpace) != "" {
				starts[i], next = true, false
			}
			if k := strings.IndexByte(l, '\f'); k >= 0 {
				lines[i] = strings.ReplaceAll(l, "\f", "")
				if strings.TrimFunc(l[:k], isSpace) == "" && strings.TrimFunc(lines[i], isSpace) != "" {
					starts[i] = true
				} else {
					next = true
				}
			}
		}
	case markSpace, markIdeographic:
		prefix := " "
		if mark == markIdeographic {
			prefix = "\u3000"
		}
		for i, l := range raw {
			if i > 0 && strings.HasPrefix(l, prefix) && strings.TrimFunc(l, isSpace) != "" {
				starts[i] = true
			}
		}
	case markBlank:
		single, double, _ := spacingGaps(raw)
		limit := spacingOf(single, double)
		run, seen := 0, false
		for i, l := range raw {
			if strings.TrimFunc(l, isSpace) == "" {
				run++
				continue
			}
			if seen && run > limit {
				starts[i] = true
			}
			seen, run = true, 0
		}
	}
	return starts, lines
}

// recurringHeaders finds the running headers among the lines at page
// boundaries: header-shaped lines that recur on pages close to each other
// (a section runs over consecutive pages). A title, a byline or a numbered
// heading that happens to recur far apart (the same issue twice in a file,
// the same heading in two articles) is not a header. near is how close
// two occurrences must be, in the unit of pos.
func recurringHeaders(texts []string, pos []int, near, minHits int) map[string]bool {
	last := map[string]int{}
	hits := map[string]int{}
	for i, t := range texts {
		if !recurringShaped(t) {
			continue
		}
		if p, ok := last[t]; ok && pos[i]-p <= near && pos[i] != p {
			hits[t]++
		}
		last[t] = pos[i]
	}
	out := map[string]bool{}
	for t, n := range hits {
		if n >= minHits && (utf8.RuneCountInString(t) >= 5 || n >= 2) {
			out[t] = true
		}
	}
	return out
}

// recurringShaped reports a line that may be a running header: short, no
// sentence punctuation, not a numbered heading.
func recurringShaped(t string) bool {
	return headerShaped(t) && !hasSentencePunct(t) && !headingRe.MatchString(t) && !dateLeadRe.MatchString(t)
}

// inferPages cuts a text without page marks into pages at its running
// headers. Headers open pages when the text starts with one and does not
// end with one; otherwise they close pages.
func (is *issue) inferPages() {
	isHeader := func(l srcLine) bool {
		_, hdr := is.headerOf(l.text)
		return hdr || isRegionLabel(l.text)
	}
	first, last := -1, -1
	for i, l := range is.lines {
		if l.role != roleBlank {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	open := first >= 0 && isHeader(is.lines[first]) && !isHeader(is.lines[last])
	var pages []*srcPage
	page := &srcPage{num: 1, author: -1}
	pages = append(pages, page)
	inHeader := false
	for i := range is.lines {
		l := &is.lines[i]
		if l.role == roleBlank {
			l.page = page.num
			continue
		}
		hdr := isHeader(*l)
		if len(page.lines) > 0 && (open && hdr && !inHeader || !open && inHeader && !hdr) {
			page = &srcPage{num: len(pages) + 1, author: -1}
			pages = append(pages, page)
		}
		inHeader = hdr
		l.page = page.num
		page.lines = append(page.lines, i)
	}
	is.pages = pages
}

// boundaryTexts returns the text of each page's first and last lines
// (without spaces) and their pages, or of every line with its position
// when pages are not marked. minHits is how often a header must recur
// near an earlier occurrence: without page marks any line is a candidate,
// so a header must be seen on three pages.
func (is *issue) boundaryTexts() (texts []string, pos []int, near, minHits int) {
	if is.mark == markNone {
		n, prev := 0, ""
		for _, l := range is.lines {
			if l.role == roleBlank {
				continue
			}
			// The second line of a numbered heading (三、…落 / 实重要讲话
			// 重要指示精神) recurs in parallel headings; it is no header.
			if !(topHeadingRe.MatchString(prev) && !strings.ContainsAny(prev, "。！？")) {
				texts = append(texts, whitespace.RemoveInLines(l.text))
				pos = append(pos, n)
			}
			prev = l.text
			n++
		}
		return texts, pos, 160, 2
	}
	for _, li := range is.boundaryLines() {
		texts = append(texts, whitespace.RemoveInLines(is.lines[li].text))
		pos = append(pos, is.lines[li].page)
	}
	return texts, pos, 3, 1
}
