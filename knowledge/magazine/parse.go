package magazine

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"kbot/knowledge"
	"kbot/knowledge/cjk"
	"kbot/knowledge/whitespace"
)

// The magazine issue arrives as text extracted from its PDF. What the
// parser relies on is the shape of that text, learned from the file itself:
//
//   - a line that begins with a space starts a new page; the page's first
//     line usually continues the last sentence of the page before;
//   - running section headers sit at a page's start or end; they are short
//     lines that recur at page boundaries, or labels set with letter
//     spacing (组 织 工 作 动 态);
//   - an article's title lines and its byline sit at the end of its first
//     page, after the body text of that page; "（作者：…）" closes an
//     article and names the author's post;
//   - body lines fill the column, so a line clearly shorter than the column
//     ends a paragraph.
//
// Nothing in here knows the titles, authors or places of a given issue.

// errNoArticles is returned when a source holds no article text at all.
var errNoArticles = errors.New("no article text found")

type lineRole uint8

const (
	roleBlank  lineRole = iota
	roleBody            // article text
	roleHeader          // running header or section label; names the section
	roleLabel           // letter-spaced place label in a news column
	roleTitle           // a line of an article's title
	roleAuthor          // the byline under a title
	rolePost            // （作者：…）
)

type srcLine struct {
	no      int    // 1-based line number in the source
	page    int    // 1-based page number
	text    string // the line without the page-start space and trailing spaces
	role    lineRole
	adj     bool   // the next source line is not blank
	section string // for headers: the section this header names
}

type srcPage struct {
	num   int
	lines []int // indexes of the page's non-blank lines
	width int   // the body column's width in display units
	// section is the running header found at the page's start or end.
	section string
	titles  []int // title lines at the page end, top first
	author  int   // byline line, or -1
}

// issue is one parse of an issue: the classified lines and the drafts
// built from them.
type issue struct {
	name    string
	lines   []srcLine
	pages   []*srcPage
	headers map[string]string // header text without spaces → section name
	double  bool              // body lines are double-spaced
	width   int               // the most common column width in the issue
	mark    pageMark          // how the text marks its pages
	// rewrapped is set when the extraction wrapped every page on its
	// own: a page that ends mid-paragraph ends with a short line.
	rewrapped bool
	// rough is the column width of the whole text, before lines are
	// classified; 0 when too few lines.
	rough int
	// wide is the column width above which indents cannot be told
	// (see wideColumn); wider when the wide pages are set precisely.
	wide int
}

var (
	postRe = regexp.MustCompile(`^[（(]\s*作者\s*(?:[：:]|系)\s*(.+?)\s*[）)]$`)
	// headingRe matches the numbering that opens a heading or list item.
	headingRe = regexp.MustCompile(`^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、]\D|第[一二三四五六七八九十]+[，、]|[一二三四五六七八九十][是要]|[①-⑳])`)
	// topHeadingRe matches the numbering of a section heading (一、（一）).
	topHeadingRe = regexp.MustCompile(`^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])`)
	// dateLeadRe matches a news item's opening time phrase: 7 月 22 日，
	// 8 月 3 日至 9 日，7 月以来，七一期间，
	dateLeadRe = regexp.MustCompile(`^(?:(?:\d{4}\s*年\s*)?\d{1,2}\s*月(?:初|上旬|中旬|下旬|中|底|末|份)?(?:\s*\d{1,2}\s*日)?(?:\s*(?:至|—|－|-|～|~)\s*(?:\d{1,2}\s*月\s*)?\d{1,2}\s*日)?(?:以来|期间|前后|前夕|之际)?|[\p{Han}]{1,6}(?:期间|以来|前夕|之际)|同日|近日|日前)\s*[，,]`)
	// datedLeadRe matches the dated form of a news item's opening (7 月
	// 22 日，): strong enough to open an item at any line start after a
	// finished sentence. A phrase like 活动开展以来， opens one only at a
	// paragraph start.
	datedLeadRe = regexp.MustCompile(`^(?:\d{4}\s*年\s*)?\d{1,2}\s*月`)
	// speakerRe matches a quoted leader's headline: 习近平：…
	speakerRe     = regexp.MustCompile(`^\p{Han}{2,8}[：:]`)
	attributionRe = regexp.MustCompile(`^(?:—{2,}|－{2,}|-{2,})`)
)

// orgSuffixes end the name of an authoring body (永吉县口前镇党委).
var orgSuffixes = []string{"党委", "党支部", "党总支", "党工委", "党组", "委员会", "组织部", "宣传部", "支部", "工委",
	"党小组", "办公室", "研究室", "课题组", "编辑部", "党校", "学院", "协会", "工作站", "联合会"}

// parseIssue splits text extracted from an issue of the magazine into
// articles. name is the source file's base name (goes into knowledge.Article.Source).
// It returns errNoArticles when the text holds no article text.
func parseIssue(name, text string) ([]knowledge.Article, error) {
	is := readIssue(name, text)
	arts := is.articles()
	if len(arts) == 0 {
		return nil, fmt.Errorf("parse issue %s: %w", name, errNoArticles)
	}
	return arts, nil
}

// readIssue classifies every line of the text; articles() then builds the
// articles.
func readIssue(name, text string) *issue {
	is := &issue{name: name, headers: map[string]string{}}
	is.split(normaliseNewlines(text))
	is.learnHeaders()
	if is.mark == markNone {
		is.inferPages()
	}
	is.classify()
	is.measure()
	is.rewrapped = is.detectRewrap()
	for _, p := range is.pages {
		is.findTitleBlock(p)
	}
	return is
}

// split cuts the text into lines and pages.
func (is *issue) split(text string) {
	raw := strings.Split(text, "\n")
	is.mark = findPageMark(raw)
	starts, raw := pageStartsOf(raw, is.mark)
	page := &srcPage{num: 1, author: -1}
	is.pages = append(is.pages, page)
	for i, l := range raw {
		l = strings.TrimRightFunc(l, isSpace)
		if starts[i] && len(page.lines) > 0 {
			page = &srcPage{num: len(is.pages) + 1, author: -1}
			is.pages = append(is.pages, page)
		}
		l = strings.TrimLeftFunc(l, isSpace)
		ln := srcLine{no: i + 1, page: page.num, text: l, role: roleBody}
		if l == "" || !strings.ContainsFunc(l, func(r rune) bool { return !isSpace(r) }) {
			ln.role = roleBlank
			ln.text = ""
		}
		is.lines = append(is.lines, ln)
		if ln.role != roleBlank {
			page.lines = append(page.lines, len(is.lines)-1)
		}
	}
	nonBlank, followed := 0, 0
	for i := range is.lines {
		if is.lines[i].role == roleBlank {
			continue
		}
		nonBlank++
		if i+1 < len(is.lines) && is.lines[i+1].role != roleBlank {
			is.lines[i].adj = true
		} else {
			followed++
		}
	}
	is.double = nonBlank > 0 && followed*10 >= nonBlank*6
	var texts []string
	for _, l := range is.lines {
		if l.role != roleBlank {
			texts = append(texts, l.text)
		}
	}
	is.rough = columnWidth(texts)
}

// learnHeaders finds the running headers: short lines that recur at page
// boundaries of nearby pages, and letter-spaced labels.
func (is *issue) learnHeaders() {
	texts, pos, near, minHits := is.boundaryTexts()
	for t := range recurringHeaders(texts, pos, near, minHits) {
		is.headers[t] = t
	}
	for _, l := range is.lines {
		if l.role == roleBlank {
			continue
		}
		if j, ok := letterSpaced(l.text); ok && !isRegionLabel(l.text) && utf8.RuneCountInString(j) >= 3 {
			is.headers[j] = j
		}
	}
}

// boundaryLines lists each page's first and last non-blank line.
func (is *issue) boundaryLines() []int {
	var out []int
	for _, p := range is.pages {
		if len(p.lines) == 0 {
			continue
		}
		out = append(out, p.lines[0])
		if len(p.lines) > 1 {
			out = append(out, p.lines[len(p.lines)-1])
		}
	}
	return out
}

// headerShaped reports whether a line could be a running header: short, no
// sentence ending, not a byline.
func headerShaped(t string) bool {
	n := utf8.RuneCountInString(t)
	if n < 4 || n > 30 || endsSentence(t) || postRe.MatchString(t) {
		return false
	}
	return strings.ContainsFunc(t, cjk.IsHan)
}

// isRegionLabel reports a place label of a news column: a place name
// alone on its line, letter-spaced (磐 石市) or not (磐石市).
func isRegionLabel(s string) bool {
	j, ok := letterSpaced(s)
	if !ok {
		t := strings.TrimFunc(s, isSpace)
		last, _ := utf8.DecodeLastRuneInString(t)
		return strings.ContainsRune("县市区旗", last) && !strings.ContainsFunc(t, func(r rune) bool { return !cjk.IsHan(r) }) && placeShaped(t)
	}
	n := utf8.RuneCountInString(j)
	last, _ := utf8.DecodeLastRuneInString(j)
	return n >= 2 && n <= 5 && strings.ContainsRune("县市区旗", last) && strings.Count(strings.TrimSpace(s), " ") <= 2
}

// headerOf returns the section a line names when it is a running header or
// a variant of one (全市组织工作动态 for 组织工作动态).
func (is *issue) headerOf(text string) (string, bool) {
	t := whitespace.RemoveInLines(text)
	if s, ok := is.headers[t]; ok {
		return s, true
	}
	if j, ok := letterSpaced(text); ok {
		if s, ok := is.headers[j]; ok {
			return s, true
		}
	}
	return "", false
}

// headerVariantOf returns the section a line names when it ends with a
// running header after a few more characters (全市组织工作动态 for
// 组织工作动态).
// Only lines at a page boundary are read this way.
func (is *issue) headerVariantOf(text string) (string, bool) {
	t := whitespace.RemoveInLines(text)
	n := utf8.RuneCountInString(t)
	if n > 30 || hasSentencePunct(t) {
		return "", false
	}
	best := ""
	for _, h := range sortedKeys(is.headers) {
		hn := utf8.RuneCountInString(h)
		if hn >= 4 && n <= hn+6 && strings.HasSuffix(t, h) && len(h) > len(best) {
			best = h
		}
	}
	if best != "" {
		return is.headers[best], true
	}
	return "", false
}

// classify marks headers, labels and bylines, and cuts headers glued to
// the first or last line of a page.
func (is *issue) classify() {
	for _, p := range is.pages {
		for k, li := range p.lines {
			l := &is.lines[li]
			// A cover or header line that names the issue is no text of
			// an article (issue.go reads it); it names no section.
			if namesIssue(l.text) {
				l.role = roleHeader
				continue
			}
			if sec, ok := is.headerOf(l.text); ok {
				l.role, l.section = roleHeader, sec
				continue
			}
			if _, spaced := letterSpaced(l.text); spaced && isRegionLabel(l.text) {
				l.role = roleLabel
				continue
			}
			if postRe.MatchString(strings.TrimSpace(l.text)) {
				l.role = rolePost
				continue
			}
			if k == 0 || k == len(p.lines)-1 || is.atBoundary(p, li) {
				if sec, ok := is.headerVariantOf(l.text); ok {
					l.role, l.section = roleHeader, sec
					continue
				}
			}
			if k == 0 {
				is.unglue(l, true)
			}
			if k == len(p.lines)-1 {
				is.unglue(l, false)
			}
		}
		// A place name alone on a line, set without letter spacing, is a
		// label only among the labels and headers that end a page.
		for k := len(p.lines) - 1; k >= 0; k-- {
			l := &is.lines[p.lines[k]]
			if l.role == roleHeader || l.role == roleLabel {
				continue
			}
			if l.role != roleBody || !isRegionLabel(l.text) {
				break
			}
			l.role = roleLabel
		}
		for _, li := range p.lines {
			l := is.lines[li]
			if l.role == roleHeader && p.section == "" && is.atBoundary(p, li) {
				p.section = l.section
			}
		}
		// A header glued to a body line still names the page's section.
		if p.section == "" {
			for _, li := range p.lines {
				if l := is.lines[li]; l.role == roleBody && l.section != "" {
					p.section = l.section
					break
				}
			}
		}
	}
}

// unglue removes a running header stuck to the start (or end) of a body
// line at a page boundary, keeping the rest of the line as body.
func (is *issue) unglue(l *srcLine, atStart bool) {
	// A line no wider than the column holds nothing glued to it: it may
	// well open with the section's own words.
	if is.rough > 0 && displayWidth(l.text) <= is.rough+4 {
		return
	}
	t := whitespace.RemoveInLines(l.text)
	for _, h := range sortedKeys(is.headers) {
		sec := is.headers[h]
		if utf8.RuneCountInString(h) < 4 || len(t) <= len(h) {
			continue
		}
		if atStart && strings.HasPrefix(t, h) {
			l.text = strings.TrimLeftFunc(dropRunes(l.text, utf8.RuneCountInString(h), true), isSpace)
			l.section = sec
			return
		}
		if !atStart && strings.HasSuffix(t, h) {
			l.text = strings.TrimRightFunc(dropRunes(l.text, utf8.RuneCountInString(h), false), isSpace)
			l.section = sec
			return
		}
	}
}

// dropRunes removes n non-space runes from the start (or end) of s,
// together with the spaces among them.
func dropRunes(s string, n int, fromStart bool) string {
	rs := []rune(s)
	if fromStart {
		i := 0
		for i < len(rs) && n > 0 {
			if !isSpace(rs[i]) {
				n--
			}
			i++
		}
		return string(rs[i:])
	}
	i := len(rs)
	for i > 0 && n > 0 {
		i--
		if !isSpace(rs[i]) {
			n--
		}
	}
	return string(rs[:i])
}

// atBoundary reports whether line li is at its page's start or end, with
// only other headers or labels between it and the boundary.
func (is *issue) atBoundary(p *srcPage, li int) bool {
	k := slices.Index(p.lines, li)
	before, after := true, true
	for _, o := range p.lines[:k] {
		if r := is.lines[o].role; r != roleHeader && r != roleLabel {
			before = false
		}
	}
	for _, o := range p.lines[k+1:] {
		if r := is.lines[o].role; r != roleHeader && r != roleLabel {
			after = false
		}
	}
	return before || after
}

// measure finds each page's column width.
func (is *issue) measure() {
	var all []string
	for _, p := range is.pages {
		var texts []string
		for _, li := range p.lines {
			if l := is.lines[li]; l.role == roleBody {
				texts = append(texts, l.text)
			}
		}
		p.width = columnWidth(texts)
		all = append(all, texts...)
	}
	is.width = columnWidth(all)
	if is.width == 0 {
		is.width = 36
	}
	for _, p := range is.pages {
		if p.width == 0 {
			p.width = is.width
		}
	}
	is.wide = wideColumn
	if is.preciseWidePages() {
		is.wide = 1 << 30
		// Set to the character, a page is as wide as its full lines:
		// the many indented first lines of a page do not narrow it.
		for _, p := range is.pages {
			if p.width < is.width && p.width >= is.width-6 {
				p.width = is.width
			}
		}
	}
}

// preciseWidePages reports whether the lines of the issue's wide pages
// fill their column to the character: then an indent shows there too.
func (is *issue) preciseWidePages() bool {
	hist := map[int]int{}
	near := 0
	for _, p := range is.pages {
		if p.width <= wideColumn {
			continue
		}
		for _, li := range p.lines {
			if l := is.lines[li]; l.role == roleBody {
				if w := displayWidth(l.text); w >= p.width-8 {
					hist[w]++
					near++
				}
			}
		}
	}
	mode := 0
	for w, n := range hist {
		if n > hist[mode] || n == hist[mode] && w > mode {
			mode = w
		}
	}
	// Full lines measure the column, or a mark more where a closing mark
	// was squeezed in.
	exact := hist[mode-1] + hist[mode] + hist[mode+1] + hist[mode+2]
	return near >= 20 && exact*10 >= near*7
}

// detectRewrap tells a text wrapped page by page from one wrapped as it
// flows: a page that ends inside a paragraph ends with a full line in
// the one, a short line in the other.
func (is *issue) detectRewrap() bool {
	short, full := 0, 0
	for _, p := range is.pages[:max(0, len(is.pages)-1)] {
		li := is.lastBody(p)
		if li < 0 {
			continue
		}
		t := is.lines[li].text
		switch w := displayWidth(t); {
		case w >= p.width-1:
			full++
		case !endsSentence(t) && w <= p.width-4 && !is.authorShaped(t):
			short++
		}
	}
	return short >= 2 && short > full
}

// lastBody returns the index of the last body line of page p, or -1.
func (is *issue) lastBody(p *srcPage) int {
	for k := len(p.lines) - 1; k >= 0; k-- {
		switch is.lines[p.lines[k]].role {
		case roleBody:
			return p.lines[k]
		case roleHeader, roleLabel:
			continue
		}
		return -1
	}
	return -1
}

// columnWidth estimates the width of the column some lines were set in.
// Punctuation squeezed to justify a line lets a full line hold an extra
// character, so full lines measure the column width or a little more: the
// estimate is the most common width, or a slightly smaller one that is
// nearly as common. It returns 0 when the lines are too few to tell.
func columnWidth(lines []string) int {
	hist := map[int]int{}
	n := 0
	for _, l := range lines {
		if utf8.RuneCountInString(l) < 6 {
			continue
		}
		hist[displayWidth(l)]++
		n++
	}
	if n < 8 {
		return 0
	}
	m, mn := 0, 0
	for w, c := range hist {
		if c > mn || (c == mn && w > m) {
			m, mn = w, c
		}
	}
	for w := m - max(2, m/20); w < m; w++ {
		if hist[w]*3 >= mn {
			return w
		}
	}
	return m
}

// findTitleBlock looks at the end of a page for an article's title lines
// and byline.
func (is *issue) findTitleBlock(p *srcPage) {
	// The tail is what follows the last body line after headers and
	// labels are set aside.
	end := len(p.lines) - 1
	for end >= 0 {
		r := is.lines[p.lines[end]].role
		if r != roleHeader && r != roleLabel {
			break
		}
		end--
	}
	if end < 1 {
		return
	}
	last := p.lines[end]
	if is.lines[last].role != roleBody {
		return
	}
	// A title block sits on the first page of its article: the page
	// must not continue a sentence from the page before.
	if !is.freshStart(p) {
		return
	}
	if is.authorShaped(is.lines[last].text) {
		titles := is.titleLinesBefore(p, end, 3, true)
		if len(titles) > 0 {
			p.titles, p.author = titles, last
			for _, t := range titles {
				is.lines[t].role = roleTitle
			}
			is.lines[last].role = roleAuthor
			return
		}
	}
	// An unsigned piece: a title alone at the page end, right before a
	// running header, after text that has ended or is not its
	// continuation.
	if !is.headerFollows(p, end) {
		return
	}
	l := is.lines[last]
	if !titleShaped(l.text) || headingRe.MatchString(l.text) {
		return
	}
	// On pages wrapped on their own, the short line above an unsigned
	// title is the page's cut text far more often than a title's first
	// line: such a title is taken as one line.
	var titles []int
	if !is.rewrapped {
		titles = is.titleLinesBefore(p, end, 2, false)
	}
	titles = append(titles, last)
	first := slices.Index(p.lines, titles[0])
	if first < 1 {
		return
	}
	if prev := is.lines[p.lines[first-1]]; prev.role == roleBody && !is.foreignAfter(p, first) {
		return
	}
	if is.restOfSentence(p, titles[0]) {
		return
	}
	// A full line after an unfinished one continues it, unless it is
	// wider than the column with no comma or stop to squeeze, or the
	// page opens a new section (whose first article's title it must be).
	if prev := is.lines[p.lines[first-1]]; prev.role == roleBody && !endsSentence(prev.text) &&
		displayWidth(is.lines[titles[0]].text) >= p.width-1 && displayWidth(is.lines[titles[0]].text) <= p.width &&
		!is.opensSection(p) {
		return
	}
	// After a finished sentence, a line no wider than an indented first
	// line may open a paragraph that the next page continues.
	if prev := is.lines[p.lines[first-1]]; prev.role == roleBody && endsSentence(prev.text) &&
		is.indented(is.lines[titles[0]].text, p.width) && !is.nextPageOpensParagraph(p) {
		return
	}
	p.titles = titles
	for _, t := range titles {
		is.lines[t].role = roleTitle
	}
}

// freshStart reports whether page p can open an article: it is the
// first page, an article ends on it (a post line or a section label in
// the middle of it), or the text before it ended a sentence.
func (is *issue) freshStart(p *srcPage) bool {
	for _, li := range p.lines {
		if l := is.lines[li]; l.role == rolePost || (l.role == roleHeader && !is.atBoundary(p, li)) {
			return true
		}
	}
	for pn := p.num - 1; pn >= 1; pn-- {
		q := is.pages[pn-1]
		for k := len(q.lines) - 1; k >= 0; k-- {
			switch l := is.lines[q.lines[k]]; l.role {
			case rolePost:
				return true
			case roleBody:
				return endsSentence(l.text)
			}
		}
	}
	return true
}

// opensSection reports whether page p's running header names another
// section than the page before.
func (is *issue) opensSection(p *srcPage) bool {
	if p.num <= 1 || p.section == "" || is.pages[p.num-2].section == "" || is.pages[p.num-2].section == p.section {
		return false
	}
	// A news column opens with a dated item, not under a title.
	for _, li := range p.lines {
		if l := is.lines[li]; l.role == roleBody {
			return !dateLeadRe.MatchString(l.text)
		}
	}
	return true
}

// nextPageOpensParagraph reports whether the first body line after page
// p is indented like the first line of a paragraph.
// A page of another section opens an article, and so a paragraph, too.
func (is *issue) nextPageOpensParagraph(p *srcPage) bool {
	for pn := p.num; pn < len(is.pages); pn++ {
		q := is.pages[pn]
		if q.section != "" && q.section != p.section {
			return true
		}
		for _, li := range q.lines {
			if l := is.lines[li]; l.role == roleBody {
				return is.indented(l.text, q.width) || headingRe.MatchString(l.text)
			}
		}
	}
	return true
}

// headerFollows reports whether a running header comes right after line
// index k of page p, on the same page or at the start of the next.
func (is *issue) headerFollows(p *srcPage, k int) bool {
	if k+1 < len(p.lines) && is.lines[p.lines[k+1]].role == roleHeader {
		return true
	}
	if p.num < len(is.pages) {
		next := is.pages[p.num] // pages are numbered from 1
		if len(next.lines) > 0 && is.lines[next.lines[0]].role == roleHeader {
			return true
		}
	}
	return false
}

// foreignAfter reports whether line index k of page p cannot be the end of
// the paragraph before it: only a numbered heading ends without a
// sentence end, and a heading holds no full stop.
func (is *issue) foreignAfter(p *srcPage, k int) bool {
	prev := is.lines[p.lines[k-1]]
	if endsSentence(prev.text) {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(prev.text)
	if !cjk.IsHan(last) && !isLatinWord(last) {
		// The line before broke after a comma or a quote: a short line
		// without a full stop cannot end that sentence.
		return true
	}
	// Walk back a few lines: the short line continues a heading only
	// when a numbered heading opens there with no sentence end since.
	for j := k - 1; j >= 0 && j >= k-4; j-- {
		l := is.lines[p.lines[j]]
		if l.role != roleBody || strings.ContainsAny(l.text, "。！？") {
			return true
		}
		if headingRe.MatchString(l.text) {
			return false
		}
	}
	return true
}

// titleLinesBefore collects up to max title lines that end right before
// line index k of page p, top first.
func (is *issue) titleLinesBefore(p *srcPage, k, max int, needOne bool) []int {
	var out []int
	for j := k - 1; j >= 0 && len(out) < max; j-- {
		li := p.lines[j]
		l := is.lines[li]
		if l.role != roleBody || !titleShaped(l.text) {
			break
		}
		// A line of a title of several lines is a phrase of its own, not
		// the tail of a heading or sentence (精神).
		if len(out) > 0 && utf8.RuneCountInString(whitespace.RemoveInLines(l.text)) < 4 {
			break
		}
		// An indented line after a finished sentence opens a paragraph.
		if j > 0 && len(out) > 0 && is.indented(l.text, p.width) && !hasInnerSpace(l.text) {
			if above := is.lines[p.lines[j-1]]; above.role == roleBody && endsSentence(above.text) {
				break
			}
		}
		full := displayWidth(l.text) >= p.width-1
		if full && !hasInnerSpace(l.text) && !(is.double && l.adj) && displayWidth(l.text) <= p.width {
			// A full line that is not set apart from what follows is the
			// body's last line, not a title — unless a byline needs a
			// title and no shorter line gives one. A line wider than the
			// column with no comma or stop to squeeze is no body line.
			if needOne && len(out) == 0 && balanced(l.text) {
				out = append(out, li)
			}
			break
		}
		out = append(out, li)
	}
	// A page wrapped on its own ends its text with a short line: after a
	// long line that does not finish its sentence, the topmost short
	// line is the rest of that sentence, not a title.
	if len(out) > 0 && is.restOfSentence(p, out[len(out)-1]) {
		out = out[:len(out)-1]
	}
	// Of a title block of several lines, the topmost is no title line
	// when it opens a numbered point (一要…, 四是…): it is the start of a
	// paragraph that the page end cut short.
	if n := len(out); n >= 2 && headingRe.MatchString(is.lines[out[n-1]].text) {
		out = out[:n-1]
	}
	slices.Reverse(out)
	return out
}

// restOfSentence reports, for a text wrapped page by page, whether line
// li is the short rest of the paragraph the long line above it belongs to.
func (is *issue) restOfSentence(p *srcPage, li int) bool {
	if !is.rewrapped {
		return false
	}
	k := slices.Index(p.lines, li)
	if k < 1 {
		return false
	}
	above := is.lines[p.lines[k-1]]
	// A long line that ends a sentence rarely ends its paragraph too: the
	// next sentence goes on in the short line.
	return above.role == roleBody && displayWidth(above.text) >= p.width-max(6, p.width/8) &&
		(!endsSentence(above.text) || displayWidth(above.text) >= p.width-1)
}

// titleShaped reports a line that could be part of a title: no sentence
// punctuation, not too long, some Han text.
func titleShaped(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 2 && n <= 32 && !hasSentencePunct(s) && strings.ContainsFunc(s, cjk.IsHan) && !endsSentence(s) && balanced(s)
}

// balanced reports a line that closes every quotation and book title it
// opens: a title is whole, a body line may break inside a quotation.
func balanced(s string) bool {
	return strings.Count(s, "“") == strings.Count(s, "”") && strings.Count(s, "《") == strings.Count(s, "》") &&
		strings.Count(s, "（") == strings.Count(s, "）")
}

func hasInnerSpace(s string) bool {
	rs := []rune(strings.TrimSpace(s))
	for i := 1; i+1 < len(rs); i++ {
		if isSpace(rs[i]) && cjk.Is(rs[i-1]) && cjk.Is(rs[i+1]) {
			return true
		}
	}
	return false
}

// authorShaped reports a byline: a person's name (2–4 characters, perhaps
// letter-spaced) or the name of an authoring body.
func (is *issue) authorShaped(s string) bool {
	t := whitespace.RemoveInLines(s)
	if t == "" || strings.ContainsAny(t, "，。、；！？：,;!?“”《》（）()") {
		return false
	}
	n := 0
	for _, r := range t {
		if !cjk.IsHan(r) && r != '·' && r != '•' {
			return false
		}
		n++
	}
	if n >= 2 && n <= 4 && (!strings.ContainsFunc(s, isSpace) || isSpacedName(s)) {
		return true
	}
	if n > 30 {
		return false
	}
	for _, suf := range orgSuffixes {
		if strings.HasSuffix(t, suf) && n > utf8.RuneCountInString(suf)+1 {
			return true
		}
	}
	return false
}

func isSpacedName(s string) bool {
	_, ok := letterSpaced(s)
	return ok
}

// paraEnd reports whether a body line ends its paragraph, given the two
// lines after it (empty at the end) and whether it opens its paragraph.
//
// A line inside a paragraph fills the column; the last falls short of it,
// except that a paragraph does not end inside an open quotation, and a
// line is not short when what the next line opens with (a number, a
// quotation, a character with its closing mark) could not fit on it. The
// first line of a paragraph is indented, so it falls short too: it ends
// the paragraph when it ends a sentence (a run-in heading, as the magazine
// sets them), is much shorter, or is followed by another indented line
// that is no heading's last (a one-line heading or paragraph).
func (is *issue) paraEnd(line, next, after string, width int, first bool) bool {
	w := displayWidth(line)
	if openQuote(line) {
		return false
	}
	// A first line that ends a sentence at its end is a run-in heading,
	// however much the typesetter squeezed into it.
	if first && endsSentence(line) {
		return true
	}
	if w >= width-1 {
		return false
	}
	// A line is short too when what the next line opens with (a number,
	// a Latin word, a quotation mark with its first character) did not
	// fit on it.
	limit := width
	if first {
		limit -= 4
	}
	if next != "" && w+leadWidth(next) > limit {
		if !endsSentence(line) && (!first || !is.indented(next, width)) {
			return false
		}
		// A sentence that ends there goes on in a line that is not
		// indented.
		if !first && (displayWidth(next) >= width-1 || !is.indented(next, width)) {
			return false
		}
	}
	if !first {
		// On a narrow column a last line may miss the column by one
		// character only: it ends the paragraph when the next line's
		// opening would have fitted and that line is indented.
		return w <= width-3 || endsSentence(line) ||
			width <= 32 && next != "" && w+leadWidth(next) <= width && is.indented(next, width) && !endsSentence(next)
	}
	if w <= width-max(6, width/8) || endsSentence(line) {
		return true
	}
	// Followed by an indented line, a first line is a heading of its own,
	// unless that line is the heading's last and another indented line
	// follows it, or it opens a dated news item.
	return next != "" && !dateLeadRe.MatchString(line) && is.indented(next, width) && !endsSentence(next) &&
		(after == "" || !is.indented(after, width) || headingRe.MatchString(after)) &&
		(after == "" || displayWidth(next)+leadWidth(after) <= width)
}

// leadWidth measures what a line opens with that a typesetter does not
// break: a run of Latin letters and digits, or an opening mark with the
// character after it, else one character.
func leadWidth(s string) int {
	rs := []rune(s)
	w, i := 0, 0
	// Opening marks travel with what follows them.
	for i < len(rs) && strings.ContainsRune("“‘《（", rs[i]) {
		w += runeDisplayWidth(rs[i])
		i++
	}
	switch {
	case i < len(rs) && isLatinWord(rs[i]):
		for i < len(rs) && isLatinWord(rs[i]) {
			w++
			i++
		}
		// A space usually set the word apart from the text before it.
		w++
	case i < len(rs):
		w += runeDisplayWidth(rs[i])
		i++
	}
	// A closing mark never starts a line: it travels with the character
	// before it.
	for i < len(rs) && strings.ContainsRune("，。、；：？！”’）》", rs[i]) {
		w += runeDisplayWidth(rs[i])
		i++
	}
	return w
}

func runeDisplayWidth(r rune) int {
	if r < 0x80 {
		return 1
	}
	return 2
}

// wideColumn is the width above which a column is too wide to tell an
// indent from the play that squeezed punctuation gives a line: a full-page
// line holds many marks, and its width varies by more than an indent.
const wideColumn = 60

// indented reports a line that looks like the indented first line of a
// paragraph: short of the column by about two characters. Punctuation may
// have been squeezed, so the line's narrowest reading must leave room for
// the indent and its widest must not fill the column.
func (is *issue) indented(line string, width int) bool {
	if width > is.wide {
		return false
	}
	w := displayWidth(line)
	return w < width-1 && w >= width-max(6, width/8) && minWidth(line) <= width-4
}

// startsParagraph reports whether line, which follows prev and precedes
// next inside what looked like one paragraph, is in fact the indented
// first line of a new one: prev filled the column and finished a sentence
// or a heading, and line is indented.
func (is *issue) startsParagraph(para []string, line, next string, width int) bool {
	prev := para[len(para)-1]
	if displayWidth(prev) < width-1 || next == "" {
		return false
	}
	// A numbered point after a numbered heading opens a paragraph.
	if isHeading(para) && headingRe.MatchString(line) {
		return true
	}
	// After a finished sentence, an indented line is a paragraph's first
	// (or a one-line heading); after a heading broken mid-word, only when
	// a full line follows it.
	if !endsSentence(prev) && displayWidth(next) < width-1 {
		return false
	}
	// prev may end a heading (no full stop anywhere in it) mid-word.
	last, _ := utf8.DecodeLastRuneInString(prev)
	heading := cjk.IsHan(last) && topHeadingRe.MatchString(para[0]) && !strings.ContainsAny(strings.Join(para, ""), "。！？")
	if !endsSentence(prev) && !heading {
		return false
	}
	// A line wider than an indented one that is short only because what
	// follows could not fit is full, not indented.
	if w := displayWidth(line); is.indented(line, width) && !endsSentence(line) && !openQuote(prev) && (w <= width-4 || w+leadWidth(next) <= width) {
		return true
	}
	// A line of an indent's width that ends a sentence, with a full line
	// after it, is a run-in heading: the paragraph it opens breaks after
	// it, as the magazine sets them.
	if endsSentence(prev) && endsSentence(line) && is.indented(line, width) && displayWidth(next) >= width-1 {
		return true
	}
	// A shorter line without a sentence end after a finished one is a
	// heading of its own line, when a paragraph's first line follows.
	return endsSentence(prev) && !openQuote(prev) && !endsSentence(line) && displayWidth(line) < width-1 &&
		(is.indented(next, width) || topHeadingRe.MatchString(line))
}

// openQuote reports a line that leaves a quotation or bracket open. A
// closing mark with nothing open before it on the line closes one opened
// on an earlier line and is ignored.
func openQuote(s string) bool {
	depth := 0
	for _, r := range s {
		switch r {
		case '“', '《', '（':
			depth++
		case '”', '》', '）':
			if depth > 0 {
				depth--
			}
		}
	}
	return depth > 0
}

// draft is an article being assembled from the classified lines.
type draft struct {
	titleLines []int
	author     int // line index, or -1
	post       string
	section    string
	lines      []int // body lines in reading order
	closed     bool  // a "（作者：…）" line ended it
}

// drafts cuts the body lines into articles. An article starts at the top
// of a page that carries a title block (or after a byline or mid-page
// section label on that page), where a page's running header names a
// different section than the current article's, or after an article was
// closed by its byline.
func (is *issue) drafts() []*draft {
	var out []*draft
	var cur *draft
	pending := "" // section named by a label in the middle of a page
	for _, p := range is.pages {
		newAt := -1
		if len(p.titles) > 0 {
			newAt = 0
			for k, li := range p.lines {
				r := is.lines[li].role
				if r == rolePost || (r == roleHeader && !is.atBoundary(p, li)) {
					newAt = k + 1
				}
			}
		}
		if cur != nil && p.section != "" && newAt != 0 {
			switch {
			case cur.section == "":
				cur.section = p.section
			case cur.section != p.section:
				cur = nil
			}
		}
		open := func(titled bool) {
			cur = &draft{author: -1, section: p.section}
			if pending != "" {
				cur.section, pending = pending, ""
			}
			if titled {
				cur.titleLines, cur.author = p.titles, p.author
			}
			out = append(out, cur)
		}
		for k, li := range p.lines {
			if k == newAt {
				open(true)
			}
			l := is.lines[li]
			switch l.role {
			case roleHeader:
				if !is.atBoundary(p, li) {
					pending, cur = l.section, nil
				}
			case rolePost:
				if cur != nil && !cur.closed {
					cur.post, cur.closed = strings.TrimSpace(l.text), true
					continue
				}
				is.lines[li].role = roleBody
				fallthrough
			case roleBody:
				if cur == nil || cur.closed {
					open(false)
				}
				if cur.section == "" && l.section != "" {
					cur.section = l.section
				}
				cur.lines = append(cur.lines, li)
			}
		}
		if newAt >= len(p.lines) {
			open(true)
		}
	}
	// An article whose pages carry no header runs in the section of the
	// article before it.
	for i := 1; i < len(out); i++ {
		if out[i].section == "" {
			out[i].section = out[i-1].section
		}
	}
	return out
}

// para is one paragraph of an article with the pages it spans.
type para struct {
	text string
	page int // page of its first line
	last int // page of its last line
}

// paragraphs joins a draft's lines into paragraphs. A numbered heading
// after a finished sentence starts a paragraph; so does, in a news column,
// a dated line after a finished sentence, because each item begins so.
func (is *issue) paragraphs(d *draft, news bool) []para {
	widths := is.draftWidths(d)
	var out []para
	var cur []string
	var curPage, lastPage int
	flush := func() {
		if len(cur) == 0 {
			return
		}
		text := cleanSpaces(joinLines(cur))
		for _, t := range splitRunInHeading(text) {
			out = append(out, para{text: t, page: curPage, last: lastPage})
		}
		cur = nil
	}
	for i, li := range d.lines {
		l := is.lines[li]
		if i > 0 {
			prev := is.lines[d.lines[i-1]]
			next := ""
			if i+1 < len(d.lines) {
				next = is.lines[d.lines[i+1]].text
			}
			// A rewrapped page ends mid-paragraph with a short line: the
			// sentence goes on, or the next page goes on in a full line.
			pageJoin := is.rewrapped && prev.page != l.page && !isHeading(cur) &&
				(!endsSentence(prev.text) || displayWidth(l.text) >= widths[l.page]-1)
			brk := !pageJoin && is.paraEnd(prev.text, l.text, next, widths[prev.page], len(cur) == 1) ||
				(len(cur) > 1 && is.startsParagraph(cur, l.text, next, widths[l.page])) ||
				(endsSentence(prev.text) && headingRe.MatchString(l.text)) ||
				is.headingEnds(cur, l.text, widths[prev.page]) ||
				(news && endsSentence(prev.text) && datedLeadRe.MatchString(l.text))
			if brk {
				flush()
			}
		}
		if len(cur) == 0 {
			curPage = l.page
		}
		lastPage = l.page
		cur = append(cur, l.text)
	}
	flush()
	return out
}

// isHeading reports a paragraph that is a numbered section heading (一、,
// （一）): it opens with the number and holds no full stop.
func isHeading(para []string) bool {
	if len(para) == 0 || !topHeadingRe.MatchString(para[0]) {
		return false
	}
	for _, l := range para {
		if strings.ContainsAny(l, "。！？") {
			return false
		}
	}
	return true
}

// headingEnds reports whether the numbered heading in para ends before
// line: the heading holds no full stop, its last line falls short of the
// column, and line is indented like a paragraph's first.
func (is *issue) headingEnds(para []string, line string, width int) bool {
	if len(para) < 2 || !headingRe.MatchString(para[0]) {
		return false
	}
	for _, l := range para {
		if strings.ContainsAny(l, "。！？") {
			return false
		}
	}
	w := displayWidth(line)
	return displayWidth(para[len(para)-1]) < width-1 && w < width-1 && w >= width-max(8, width/6)
}

// draftWidths measures the column width of each page of a draft from the
// draft's own lines, since one page can hold two layouts.
func (is *issue) draftWidths(d *draft) map[int]int {
	byPage := map[int][]string{}
	for _, li := range d.lines {
		l := is.lines[li]
		byPage[l.page] = append(byPage[l.page], l.text)
	}
	out := map[int]int{}
	for pg, texts := range byPage {
		w := columnWidth(texts)
		if w == 0 {
			// Too few lines to measure: take the page's width unless
			// these lines are clearly narrower (a fragment of another
			// layout), then their own longest lines.
			w = is.pages[pg-1].width
			mx := 0
			for _, t := range texts {
				mx = max(mx, displayWidth(t))
			}
			if mx > 0 && mx+4 < w {
				w = mx - 2
			}
		}
		if pw := is.pages[pg-1].width; is.wide > wideColumn && w < pw && w >= pw-6 {
			w = pw // set to the character: see measure
		}
		out[pg] = w
	}
	return out
}

// splitRunInHeading puts a numbered heading that runs into its paragraph
// (一、贯彻落实好…，要把…放在首要位置。办好…) on a paragraph of its own,
// so that a chunker finds it.
func splitRunInHeading(s string) []string {
	if !topHeadingRe.MatchString(s) {
		return []string{s}
	}
	i := strings.Index(s, "。")
	if i < 0 {
		return []string{s}
	}
	i += len("。")
	if i >= len(s) || utf8.RuneCountInString(s[:i]) > 60 {
		return []string{s}
	}
	return []string{s[:i], s[i:]}
}

// isNewsColumn reports a run of dated news items: an untitled article
// whose first line and several more open with a date right after a
// finished sentence.
func (is *issue) isNewsColumn(d *draft) bool {
	if len(d.titleLines) > 0 || len(d.lines) == 0 {
		return false
	}
	if !dateLeadRe.MatchString(is.lines[d.lines[0]].text) {
		return false
	}
	// Items are dated (7 月 22 日，): an article that lost its title and
	// tells a story (去年以来，…今年以来，…) is no news column.
	n := 0
	for i := 0; i < len(d.lines); i++ {
		if datedLeadRe.MatchString(is.lines[d.lines[i]].text) && (i == 0 || endsSentence(is.lines[d.lines[i-1]].text)) {
			n++
		}
	}
	return n >= 3
}

// piece is an article before regions and IDs are known.
type piece struct {
	knowledge.Article
	derived bool   // the title was made from the text
	news    bool   // an item of a news column
	lead    string // text that names the item's subject
}

// articles builds the issue's articles in reading order.
func (is *issue) articles() []knowledge.Article {
	var pieces []piece
	for _, d := range is.drafts() {
		pieces = append(pieces, is.piecesOf(d)...)
	}
	pieces = slices.DeleteFunc(pieces, func(p piece) bool {
		return strings.TrimSpace(p.Body) == "" && p.Title == "" && p.Author == ""
	})
	assignRegions(pieces, is.labels())
	return assignIDs(pieces)
}

// piecesOf turns a draft into one article, or into the items of a news
// column or the pieces of a column of quoted statements.
func (is *issue) piecesOf(d *draft) []piece {
	news := is.isNewsColumn(d)
	paras := is.paragraphs(d, news)
	base := knowledge.Article{Section: d.section, Source: is.name}
	if len(d.titleLines) > 0 {
		var t []string
		for _, li := range d.titleLines {
			t = append(t, strings.TrimSpace(is.lines[li].text))
		}
		base.Title = strings.Join(t, " ")
		if d.author >= 0 {
			base.Author = whitespace.RemoveInLines(is.lines[d.author].text)
		}
	}
	if d.post != "" {
		name, post := parsePost(d.post)
		switch {
		case base.Author == "":
			base.Author = name
		case name != "" && name != base.Author:
			// The byline and the post name different people: keep what
			// the post says rather than lose it.
			post = strings.TrimPrefix(name+"，"+post, "，")
			post = strings.TrimSuffix(post, "，")
		}
		base.AuthorPost = post
	}
	var out []piece
	switch {
	case base.Title != "" || base.Author != "":
		a := base
		a.Body = joinParas(paras)
		setPages(&a, paras)
		if len(d.titleLines) > 0 {
			tp := is.lines[d.titleLines[0]].page
			if a.PageStart == 0 || tp < a.PageStart {
				a.PageStart = tp
			}
			a.PageEnd = max(a.PageEnd, tp)
		}
		derived := a.Title == ""
		if derived {
			a.Title = firstSentence(a.Body)
		}
		out = append(out, piece{Article: a, derived: derived})
	case news:
		for _, item := range splitNews(paras) {
			a := base
			a.Body = joinParas(item)
			setPages(&a, item)
			a.Title = newsTitle(item[0].text)
			out = append(out, piece{Article: a, derived: true, news: true, lead: newsLead(item[0].text)})
		}
	default:
		for _, q := range splitQuoted(paras) {
			a := base
			setPages(&a, q.all)
			a.Body = joinParas(q.body)
			if q.headline != "" {
				a.Title = strings.TrimSuffix(q.headline, "。")
				out = append(out, piece{Article: a})
				continue
			}
			a.Title = firstSentence(a.Body)
			out = append(out, piece{Article: a, derived: true})
		}
	}
	return out
}

func setPages(a *knowledge.Article, ps []para) {
	for _, p := range ps {
		if a.PageStart == 0 || p.page < a.PageStart {
			a.PageStart = p.page
		}
		a.PageEnd = max(a.PageEnd, p.last)
	}
}

// labels returns the place labels of the issue's news columns.
func (is *issue) labels() []string {
	var out []string
	for _, l := range is.lines {
		if l.role == roleLabel {
			out = append(out, whitespace.RemoveInLines(l.text))
		}
	}
	return out
}

func joinParas(ps []para) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// parsePost splits a "（作者：…）" line into a name, when it gives one, and
// the author's post.
func parsePost(s string) (name, post string) {
	m := postRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", ""
	}
	body := strings.TrimSpace(m[1])
	if i := strings.IndexAny(body, "，,"); i > 0 {
		head := whitespace.RemoveInLines(body[:i])
		if isName(head) {
			return head, strings.TrimSpace(strings.TrimLeft(body[i:], "，,"))
		}
	}
	if t := whitespace.RemoveInLines(body); isName(t) {
		return t, ""
	}
	return "", body
}

// isName reports a person's name: two to four Han characters that do not
// end like a post (常委, 部长, 书记, 主任, 委员).
func isName(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 4 || strings.ContainsFunc(s, func(r rune) bool { return !cjk.IsHan(r) }) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	return !strings.ContainsRune("委长员记任师授部处科", last)
}

// splitNews cuts a news column into its items: each begins with a dated
// paragraph. Paragraphs before the first dated one stay with it.
func splitNews(ps []para) [][]para {
	var out [][]para
	for _, p := range ps {
		if len(out) == 0 || dateLeadRe.MatchString(p.text) {
			out = append(out, []para{p})
			continue
		}
		out[len(out)-1] = append(out[len(out)-1], p)
	}
	return out
}

// newsLead returns the opening of a news item after its date: the
// subject that says where the item happened.
func newsLead(s string) string {
	if m := dateLeadRe.FindStringIndex(s); m != nil {
		s = s[m[1]:]
	}
	rs := []rune(s)
	return string(rs[:min(len(rs), 16)])
}

// quoted is one piece of a column of quoted statements (a headline naming
// the speaker, the quotation, its attribution line and a commentary).
type quoted struct {
	headline string
	body     []para
	all      []para
}

// splitQuoted splits a column of quoted statements at each headline that
// an attribution line ("———2020 年…强调") follows within a few paragraphs.
// Text without that shape comes back as one untitled piece.
func splitQuoted(ps []para) []quoted {
	var heads []int
	for i, p := range ps {
		if !attributionRe.MatchString(p.text) {
			continue
		}
		from := 0
		if len(heads) > 0 {
			from = heads[len(heads)-1] + 1
		}
		for j := i - 1; j >= from && j >= i-5; j-- {
			if speakerRe.MatchString(ps[j].text) {
				heads = append(heads, j)
				break
			}
		}
	}
	if len(heads) == 0 {
		return []quoted{{body: ps, all: ps}}
	}
	var out []quoted
	if heads[0] > 0 {
		out = append(out, quoted{body: ps[:heads[0]], all: ps[:heads[0]]})
	}
	for k, h := range heads {
		end := len(ps)
		if k+1 < len(heads) {
			end = heads[k+1]
		}
		out = append(out, quoted{headline: ps[h].text, body: ps[h+1 : end], all: ps[h:end]})
	}
	return out
}

const maxMadeTitle = 36

// newsTitle makes a news item's title from its date and its first clause;
// a comma inside quotation marks or a book title does not end the clause.
func newsTitle(s string) string {
	rs := []rune(firstLine(s))
	lead := 0
	if m := dateLeadRe.FindStringIndex(string(rs)); m != nil {
		lead = utf8.RuneCountInString(string(rs)[:m[1]])
	}
	end, depth := len(rs), 0
	for i := lead; i < len(rs); i++ {
		switch r := rs[i]; {
		case strings.ContainsRune("“《（〈", r):
			depth++
		case strings.ContainsRune("”》）〉", r):
			depth = max(0, depth-1)
		case depth == 0 && strings.ContainsRune("，。；！？,;!?", r) && i-lead >= 6:
			end = i
		}
		if end < len(rs) {
			break
		}
	}
	return clip(rs[:end])
}

// firstSentence makes a title for an unsigned piece printed without one
// from its first sentence.
func firstSentence(s string) string {
	rs := []rune(firstLine(s))
	end := len(rs)
	for i, r := range rs {
		if strings.ContainsRune("。；！？!?", r) {
			end = i
			break
		}
	}
	return clip(rs[:end])
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// clip shortens a made title to maxMadeTitle characters, marking the cut.
func clip(rs []rune) string {
	if len(rs) > maxMadeTitle {
		return strings.TrimSpace(string(rs[:maxMadeTitle])) + "…"
	}
	return strings.TrimSpace(string(rs))
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
