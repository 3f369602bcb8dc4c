package magazine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"kbot/knowledge"
	"kbot/knowledge/whitespace"
)

// This file holds the layout generator: a structural model of an issue
// (its columns and articles, their titles, bylines, posts and paragraphs)
// rendered as text the way different PDF extractions lay it out, so that
// the parser can be checked to give the same article table whatever the
// extraction did.

// blockKind says how a block of the model is set on the page.
type blockKind int

const (
	// blockTitled is an article with a title block (and perhaps a byline)
	// at the end of its first page.
	blockTitled blockKind = iota
	// blockNews is a news column: dated items, place labels at page ends.
	blockNews
	// blockQuoted is a column of quoted statements, each opened by a
	// headline paragraph.
	blockQuoted
)

// modelItem is one article of the model with what the parser must find.
type modelItem struct {
	paras []string
	want  knowledge.Article // title, author, post, section (regions are recomputed)
	lead  string            // a news item's subject, for regions
	label string            // a news item's place label
}

// modelBlock is a run of text that starts on a new page.
type modelBlock struct {
	kind       blockKind
	section    string
	titleLines []string
	author     string // the byline as printed
	post       string // the "（作者：…）" line, or ""
	items      []modelItem
}

// issueModel is an issue as a list of blocks, with the line its cover
// page prints (吉林党建 2020年第7期), if any.
type issueModel struct {
	cover  string
	blocks []modelBlock
}

// perturbed returns another issue made from m: every string replaced by
// r (place and person names, dates), under another cover.
func (m issueModel) perturbed(r *strings.Replacer, cover string) issueModel {
	out := issueModel{cover: cover}
	for _, b := range m.blocks {
		nb := b
		nb.section = r.Replace(b.section)
		nb.author = r.Replace(b.author)
		nb.post = r.Replace(b.post)
		nb.titleLines = nil
		for _, t := range b.titleLines {
			nb.titleLines = append(nb.titleLines, r.Replace(t))
		}
		nb.items = nil
		for _, it := range b.items {
			ni := it
			ni.paras = nil
			for _, p := range it.paras {
				ni.paras = append(ni.paras, r.Replace(p))
			}
			ni.want.Title = r.Replace(it.want.Title)
			ni.want.Author = r.Replace(it.want.Author)
			ni.want.AuthorPost = r.Replace(it.want.AuthorPost)
			ni.want.Section = r.Replace(it.want.Section)
			ni.lead = r.Replace(it.lead)
			ni.label = r.Replace(it.label)
			nb.items = append(nb.items, ni)
		}
		out.blocks = append(out.blocks, nb)
	}
	return out
}

// bundledModel derives the model from the bundled issue's parse. The stray
// fragment the issue opens with (the end of an article of an earlier
// issue) is left out.
func bundledModel(t testing.TB) issueModel {
	t.Helper()
	name, data := knowledge.Bundled()
	is := readIssue(name, string(data))
	var m issueModel
	for _, d := range is.drafts() {
		ps := is.piecesOf(d)
		if len(ps) == 0 {
			continue
		}
		b := modelBlock{section: ps[0].Section, post: d.post}
		switch {
		case len(d.titleLines) > 0:
			b.kind = blockTitled
			for _, li := range d.titleLines {
				b.titleLines = append(b.titleLines, strings.TrimSpace(is.lines[li].text))
			}
			if d.author >= 0 {
				b.author = strings.TrimSpace(is.lines[d.author].text)
			}
		case ps[0].news:
			b.kind = blockNews
		case !ps[0].derived:
			b.kind = blockQuoted
		default:
			continue // the stray fragment
		}
		for _, p := range ps {
			it := modelItem{paras: strings.Split(p.Body, "\n"), want: p.Article, lead: p.lead}
			if b.kind == blockQuoted {
				// The headline is a paragraph of its own before the body.
				it.paras = append([]string{p.Title + "。"}, it.paras...)
			}
			if b.kind == blockNews && len(p.Regions) > 0 {
				it.label = p.Regions[0]
			}
			b.items = append(b.items, it)
		}
		m.blocks = append(m.blocks, b)
	}
	return m
}

// layout is one way an extraction can lay an issue out.
type layout struct {
	width   int  // column width in Han characters
	perPage int  // lines on a page
	double  bool // a blank line after every body line
	// marker opens every page but the first: " ", "\u3000", "\f",
	// "blank" (an empty line between pages) or "" (nothing).
	marker string
	// rewrap re-wraps every page on its own, so the last line of a page
	// that ends mid-paragraph is short.
	rewrap bool
	// spaced sets place labels and two-character names with letter
	// spacing (磐 石市, 王 莉); short section names always are (组 织 工
	// 作 动 态).
	spaced bool
	// headerFirst puts the running header at the start of a page rather
	// than at its end.
	headerFirst bool
	seed        uint64
}

func (l layout) String() string {
	m := map[string]string{" ": "space", "\u3000": "ideographic-space", "\f": "form-feed", "blank": "blank-line", "": "no-marker"}[l.marker]
	sp := "single"
	if l.double {
		sp = "double"
	}
	wrap := "flowed"
	if l.rewrap {
		wrap = "rewrapped"
	}
	return fmt.Sprintf("w%d-p%d-%s-%s-%s-spaced=%v-headfirst=%v-seed%d", l.width, l.perPage, sp, m, wrap, l.spaced, l.headerFirst, l.seed)
}

// pageLine is one printed line; tight lines are set without the blank
// line double spacing puts after body lines (title blocks, bylines).
type pageLine struct {
	text  string
	tight bool
}

// renderer lays out the blocks of a model page by page.
type renderer struct {
	l      layout
	rng    *rand.Rand
	pages  [][]pageLine
	expect issueModel // the model as the parser must read this layout
}

// wrapper breaks paragraphs into column lines across pages.
type wrapper struct {
	l     layout
	rng   *rand.Rand
	paras []string
	cur   []rune // what is left of the paragraph being set
	first bool   // cur is at the start of its paragraph
	// pieces are the paragraphs as the parser must read them; split[i]
	// is the index in pieces where model paragraph i starts.
	pieces []string
	split  []int
}

func runeWidth(r rune) int {
	if r < 0x80 {
		return 1
	}
	return 2
}

func (w *wrapper) done() bool { return len(w.cur) == 0 && len(w.paras) == 0 }

// line sets the next line. last says it is the last body line of its
// page, which page-by-page re-wrapping leaves short.
func (w *wrapper) line(last bool) string {
	if len(w.cur) == 0 {
		w.cur, w.first = []rune(w.paras[0]), true
		w.paras = w.paras[1:]
		w.split = append(w.split, len(w.pieces))
		w.pieces = append(w.pieces, "")
	}
	limit := 2 * w.l.width
	if w.first {
		limit -= 4
	}
	n, width := 0, 0
	for n < len(w.cur) && width+runeWidth(w.cur[n]) <= limit {
		width += runeWidth(w.cur[n])
		n++
	}
	if last && w.l.rewrap && n < len(w.cur) {
		n = max(1, n/3+w.rng.IntN(max(1, n/3)))
	}
	// No line starts with a closing mark or ends with an opening one
	// (the typesetter squeezes the mark into the line before) or breaks
	// a number or a Latin word.
	for range 8 {
		switch {
		case n == 0 || n >= len(w.cur):
		case strings.ContainsRune("，。、；：？！”’）》…—", w.cur[n]):
			n++
			continue
		case n > 1 && strings.ContainsRune("“‘（《", w.cur[n-1]),
			n > 1 && isLatinWord(w.cur[n]) && isLatinWord(w.cur[n-1]):
			n--
			continue
		}
		break
	}
	// The magazine opens a paragraph with a numbered lead (二是, 第三，)
	// that follows a finished sentence at the start of a line; running
	// text that only happens to break there is squeezed to avoid it.
	if n > 2 && n+2 < len(w.cur) && endsSentence(string(w.cur[:n])) && headingRe.MatchString(string(w.cur[n:])) {
		n++
	}
	// An extractor drops the spaces at a line break.
	s := strings.TrimRightFunc(string(w.cur[:n]), isSpace)
	w.pieces[len(w.pieces)-1] += string(w.cur[:n])
	// A paragraph's first line that ends a sentence at its very end reads
	// as a run-in heading of its own line: the magazine sets those so,
	// and the text cannot tell the two apart. The paragraph is expected
	// to be read in two.
	if w.first && n < len(w.cur) && endsSentence(s) && displayWidth(s) >= limit-2 {
		w.pieces = append(w.pieces, "")
	}
	w.cur, w.first = []rune(strings.TrimLeftFunc(string(w.cur[n:]), isSpace)), false
	return s
}

// spacedLabel letter-spaces a name the way the magazine sets its labels.
func (r *renderer) spacedLabel(s string) string {
	if !r.l.spaced {
		return s
	}
	rs := []rune(s)
	if len(rs) > 8 {
		return s
	}
	if len(rs) == 3 && strings.ContainsRune("县市区", rs[2]) {
		return string(rs[0]) + " " + string(rs[1:])
	}
	parts := make([]string, len(rs))
	for i, c := range rs {
		parts[i] = string(c)
	}
	return strings.Join(parts, " ")
}

// spaceOut letter-spaces a short name (卷 首 语).
func spaceOut(s string) string {
	rs := []rune(s)
	if len(rs) > 6 {
		return s
	}
	parts := make([]string, len(rs))
	for i, c := range rs {
		parts[i] = string(c)
	}
	return strings.Join(parts, " ")
}

// page adds one page: the header, body lines and what ends the page.
func (r *renderer) page(section string, body []string, tail []pageLine) {
	var p []pageLine
	// The magazine letter-spaces its short section names always.
	header := pageLine{text: spaceOut(section)}
	if r.l.headerFirst {
		p = append(p, header)
	}
	for _, b := range body {
		p = append(p, pageLine{text: b})
	}
	p = append(p, tail...)
	if !r.l.headerFirst {
		p = append(p, header)
	}
	r.pages = append(r.pages, p)
}

func (r *renderer) block(b modelBlock) {
	w := &wrapper{l: r.l, rng: r.rng}
	var labels []string
	for _, it := range b.items {
		w.paras = append(w.paras, it.paras...)
	}
	// A news column names the places of its items at page ends; track
	// which item each line's paragraph belongs to.
	paraItem := []int{}
	for i, it := range b.items {
		for range it.paras {
			paraItem = append(paraItem, i)
		}
	}
	first := true
	for !w.done() {
		var tail []pageLine
		if first && b.kind == blockTitled {
			for _, t := range b.titleLines {
				tail = append(tail, pageLine{text: t, tight: true})
			}
			if b.author != "" {
				author := b.author
				if whitespace.RemoveInLines(author) == author && utf8.RuneCountInString(author) == 2 {
					author = r.spacedLabel(author)
				}
				tail = append(tail, pageLine{text: author, tight: true})
			}
		}
		n := max(3, r.l.perPage-len(tail))
		var body []string
		startPara := len(paraItem) - len(w.paras)
		for k := 0; k < n && !w.done(); k++ {
			body = append(body, w.line(k == n-1))
		}
		endPara := len(paraItem) - len(w.paras)
		if w.done() && b.post != "" {
			tail = append(tail, pageLine{text: b.post})
		}
		if b.kind == blockNews {
			labels = labels[:0]
			for p := max(0, startPara-1); p < endPara && p < len(paraItem); p++ {
				if l := b.items[paraItem[p]].label; l != "" && !slices.Contains(labels, l) {
					labels = append(labels, l)
				}
			}
			for _, l := range labels {
				tail = append(tail, pageLine{text: r.spacedLabel(l)})
			}
		}
		r.page(b.section, body, tail)
		first = false
	}
	// The block as the parser must read it.
	exp := b
	exp.items = slices.Clone(b.items)
	k := 0
	for i, it := range b.items {
		var paras []string
		for range it.paras {
			end := len(w.pieces)
			if k+1 < len(w.split) {
				end = w.split[k+1]
			}
			for _, p := range w.pieces[w.split[k]:end] {
				paras = append(paras, strings.TrimSpace(p))
			}
			k++
		}
		exp.items[i].paras = paras
	}
	r.expect.blocks = append(r.expect.blocks, exp)
}

// text joins the pages with the layout's spacing and page markers.
func (r *renderer) text() string {
	var b strings.Builder
	for i, p := range r.pages {
		if i > 0 {
			switch r.l.marker {
			case "blank":
				b.WriteString("\n")
			case "":
			default:
				b.WriteString(r.l.marker)
			}
		}
		for j, l := range p {
			b.WriteString(l.text)
			b.WriteString("\n")
			// Title lines are set tight; a page's last line keeps the
			// spacing before whatever marks the next page.
			if r.l.double && (!l.tight || j == len(p)-1) {
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// render lays a model out. It returns the text and the model as the
// parser must read it: the same, but for paragraphs whose first line ends
// a sentence at its very end, which read as two (see wrapper.line).
func render(m issueModel, l layout) (string, issueModel) {
	r := &renderer{l: l, rng: rand.New(rand.NewPCG(l.seed, 7))}
	r.expect.cover = m.cover
	if m.cover != "" {
		r.pages = append(r.pages, []pageLine{{text: m.cover}})
	}
	for _, b := range m.blocks {
		r.block(b)
	}
	return r.text(), r.expect
}

// wantTable is the article table a model must give, with regions worked
// out from the model's own text (the layout must not change them).
func (m issueModel) wantTable() []knowledge.Article {
	var pieces []piece
	var labels []string
	for _, b := range m.blocks {
		for _, it := range b.items {
			a := it.want
			a.Body = strings.Join(it.paras, "\n")
			if b.kind == blockQuoted {
				a.Body = strings.Join(it.paras[1:], "\n")
			}
			pieces = append(pieces, piece{Article: a, news: b.kind == blockNews, lead: it.lead})
			if it.label != "" {
				labels = append(labels, it.label)
			}
		}
	}
	assignRegions(pieces, labels)
	out := make([]knowledge.Article, len(pieces))
	for i, p := range pieces {
		out[i] = p.Article
	}
	return out
}

// tableRow is what the table compares of an article.
func tableRow(a knowledge.Article) string {
	// A made title may lose a space that stood at a line break, and so
	// be clipped a character later.
	title := whitespace.RemoveInLines(a.Title)
	if strings.HasSuffix(title, "…") {
		title = string([]rune(title)[:24]) + "…"
	}
	return fmt.Sprintf("%s | %s | %s | %s | %s", title, a.Author, a.AuthorPost, a.Section, strings.Join(a.Regions, "、"))
}

// compareTables reports the differences between the wanted and the parsed
// table, and paragraphs broken or glued at page joins.
func compareTables(want, got []knowledge.Article) []string {
	var probs []string
	wr := make([]string, len(want))
	for i, a := range want {
		wr[i] = tableRow(a)
	}
	gr := make([]string, len(got))
	for i, a := range got {
		gr[i] = tableRow(a)
	}
	for _, r := range wr {
		if !slices.Contains(gr, r) {
			probs = append(probs, "missing: "+r)
		}
	}
	for _, r := range gr {
		if !slices.Contains(wr, r) {
			probs = append(probs, "spurious: "+r)
		}
	}
	if len(probs) > 0 {
		return probs
	}
	if !slices.Equal(wr, gr) {
		probs = append(probs, "articles out of order")
	}
	for i := range want {
		// A space at a line break is lost in extraction.
		if whitespace.RemoveInLines(want[i].Body) != whitespace.RemoveInLines(got[i].Body) {
			probs = append(probs, fmt.Sprintf("body of %q differs: %s", want[i].Title, paraDiff(whitespace.RemoveInLines(want[i].Body), whitespace.RemoveInLines(got[i].Body))))
		}
	}
	return probs
}

// paraDiff names the first paragraph that differs.
func paraDiff(want, got string) string {
	wp, gp := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wp), len(gp)) {
		var w, g string
		if i < len(wp) {
			w = wp[i]
		}
		if i < len(gp) {
			g = gp[i]
		}
		if w != g {
			wr, gr := []rune(w), []rune(g)
			k := 0
			for k < len(wr) && k < len(gr) && wr[k] == gr[k] {
				k++
			}
			from := max(0, k-20)
			return fmt.Sprintf("paragraph %d at rune %d:\n want …%q\n  got …%q", i+1, k, string(wr[from:min(len(wr), k+30)]), string(gr[from:min(len(gr), k+30)]))
		}
	}
	return ""
}

// randomLayout draws a layout from a seed.
func randomLayout(seed uint64) layout {
	rng := rand.New(rand.NewPCG(seed, 1))
	markers := []string{" ", "\u3000", "\f", "blank", ""}
	width := 17 + rng.IntN(24)
	return layout{
		width:       width,
		perPage:     14 + rng.IntN(30),
		double:      rng.IntN(2) == 0,
		marker:      markers[rng.IntN(len(markers))],
		rewrap:      rng.IntN(2) == 0,
		spaced:      rng.IntN(2) == 0,
		headerFirst: rng.IntN(3) == 0,
		seed:        seed,
	}
}

// shuffled returns the model with its blocks in another order and, when
// drop, some of them left out.
func (m issueModel) shuffled(seed uint64, drop bool) issueModel {
	rng := rand.New(rand.NewPCG(seed, 3))
	blocks := slices.Clone(m.blocks)
	rng.Shuffle(len(blocks), func(i, j int) { blocks[i], blocks[j] = blocks[j], blocks[i] })
	if drop {
		blocks = slices.DeleteFunc(blocks, func(modelBlock) bool { return rng.IntN(4) == 0 })
	}
	return issueModel{blocks: blocks}
}

func checkLayout(t *testing.T, m issueModel, l layout) {
	t.Helper()
	checkLayoutBodies(t, m, l, true)
}

// checkLayoutBodies checks the article table of a layout, and the
// paragraphs too when bodies is set.
func checkLayoutBodies(t *testing.T, m issueModel, l layout, bodies bool) {
	t.Helper()
	text, want := render(m, l)
	got, err := parseIssue("layout.txt", text)
	if err != nil {
		t.Fatalf("%s: %v", l, err)
	}
	if probs := compareTables(want.wantTable(), got); len(probs) > 0 && (bodies || !strings.HasPrefix(probs[0], "body of")) {
		t.Errorf("%s: %d problems:\n%s", l, len(probs), strings.Join(probs[:min(len(probs), 12)], "\n"))
	}
}

func TestLayoutsGiveTheSameTable(t *testing.T) {
	m := bundledModel(t)
	if len(m.blocks) < 10 {
		t.Fatalf("model has %d blocks", len(m.blocks))
	}
	for _, marker := range []string{" ", "\u3000", "\f", "blank", ""} {
		for _, double := range []bool{false, true} {
			for _, rewrap := range []bool{false, true} {
				for _, width := range []int{18, 27, 40} {
					if width != 18 && rewrap {
						continue
					}
					l := layout{width: width, perPage: 24, double: double, marker: marker, rewrap: rewrap, spaced: width%2 == 0, headerFirst: width == 27, seed: uint64(width)}
					t.Run(l.String(), func(t *testing.T) {
						t.Parallel()
						checkLayout(t, m, l)
					})
				}
			}
		}
	}
}

// TestLayoutsProperty draws layouts at random: width (17–40 characters),
// page length, spacing, page mark, wrapping, letter spacing, header
// position, the order of the articles and which of them are left out.
// Each layout must give the article table of the model (title, author,
// post, section, regions, no spurious article). Some random layouts still
// defeat the parser (a short page-end line that reads as a title line,
// mostly on re-wrapped pages; 8 of the 60 drawn here); the test logs
// each and fails when more than a quarter of them do, so that a
// regression shows. KBOT_LAYOUT_SEEDS sets how many layouts are drawn.
func TestLayoutsProperty(t *testing.T) {
	m := bundledModel(t)
	n := 60
	if s := os.Getenv("KBOT_LAYOUT_SEEDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		n = 10
	}
	bad := 0
	for seed := range uint64(n) {
		l := randomLayout(seed)
		mm := m.shuffled(seed, seed%2 == 1)
		text, want := render(mm, l)
		got, err := parseIssue("layout.txt", text)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		probs := slices.DeleteFunc(compareTables(want.wantTable(), got), func(p string) bool {
			return strings.HasPrefix(p, "body of") || p == "articles out of order"
		})
		if len(probs) > 0 {
			bad++
			t.Logf("%s: %s", l, strings.Join(probs[:min(len(probs), 4)], "; "))
		}
	}
	t.Logf("%d of %d layouts gave a different article table", bad, n)
	if bad*4 > n {
		t.Errorf("%d of %d random layouts gave a different article table, more than a quarter", bad, n)
	}
}

// otherIssue is a second issue made from the bundled one: other places,
// people and months, under a cover that names it.
func otherIssue(m issueModel) issueModel {
	r := strings.NewReplacer(
		"永吉", "安平", "磐石", "清河", "蛟河", "东湖", "桦甸", "云岭", "船营", "西城", "昌邑", "南山", "丰满", "北塘", "龙潭", "青石", "舒兰", "柳林",
		"陈雪松", "赵明远", "刘秋伟", "孙立群", "陈国辉", "周海波", "李晓恒", "吴振东", "王 莉", "郑 岚", "王莉", "郑岚",
		"三梁村", "杏花村", "7 月", "9 月", "8 月", "10 月",
	)
	return m.perturbed(r, "吉林党建 2020年第9期")
}

// TestTwoIssuesInOneFile renders two issues, each under its cover, into
// one file: both article tables come back, each article with its issue.
func TestTwoIssuesInOneFile(t *testing.T) {
	m := bundledModel(t)
	m.cover = "吉林党建 2020年第8期"
	second := otherIssue(m)
	for _, l := range []layout{
		{width: 18, perPage: 24, double: true, marker: " ", spaced: true, seed: 1},
		{width: 18, perPage: 24, marker: "\f", seed: 18},
		{width: 21, perPage: 26, marker: "blank", seed: 3},
	} {
		t.Run(l.String(), func(t *testing.T) {
			text1, want1 := render(m, l)
			text2, want2 := render(second, l)
			sep := "\n"
			if l.marker == "\f" {
				sep = "\n\f"
			}
			got, notes, err := readIssues("two.txt", text1+sep+text2)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "holds 2 issues") }) {
				t.Errorf("notes %q do not say the file holds two issues", notes)
			}
			var got1, got2 []knowledge.Article
			for _, a := range got {
				switch a.IssueName() {
				case "吉林党建 2020年第8期":
					got1 = append(got1, a)
				case "吉林党建 2020年第9期":
					got2 = append(got2, a)
				default:
					t.Errorf("article %q has issue %q", a.Title, a.IssueName())
				}
			}
			// Regions are learned from the whole file, so the wanted
			// table is worked out over both issues.
			both := issueModel{blocks: append(slices.Clone(want1.blocks), want2.blocks...)}
			all := both.wantTable()
			n1 := len(want1.wantTable())
			for _, p := range compareTables(all[:n1], got1) {
				t.Errorf("first issue: %s", p)
			}
			for _, p := range compareTables(all[n1:], got2) {
				t.Errorf("second issue: %s", p)
			}
		})
	}
}
