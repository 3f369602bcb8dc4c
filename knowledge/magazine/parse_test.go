package magazine

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"kbot/knowledge"
	"kbot/knowledge/cjk"
	"kbot/knowledge/internal/golden"
	"kbot/knowledge/whitespace"
)

func seedIssue(t testing.TB) (string, string) {
	t.Helper()
	name, data := knowledge.Bundled()
	return name, string(data)
}

// dumpArticles renders articles for a golden file: one block each, with
// the start and end of the body and its length.
func dumpArticles(arts []knowledge.Article) string {
	var b strings.Builder
	for i, a := range arts {
		rs := []rune(a.Body)
		head := string(rs[:min(24, len(rs))])
		tail := string(rs[max(0, len(rs)-24):])
		fmt.Fprintf(&b, "#%d %s\n", i+1, a.ID)
		fmt.Fprintf(&b, "  title:   %s\n", a.Title)
		fmt.Fprintf(&b, "  author:  %s\n", a.Author)
		fmt.Fprintf(&b, "  post:    %s\n", a.AuthorPost)
		fmt.Fprintf(&b, "  section: %s\n", a.Section)
		fmt.Fprintf(&b, "  regions: %s\n", strings.Join(a.Regions, " "))
		fmt.Fprintf(&b, "  pages:   %d-%d\n", a.PageStart, a.PageEnd)
		fmt.Fprintf(&b, "  body:    %d chars, %d paragraphs\n", len(rs), strings.Count(a.Body, "\n")+1)
		fmt.Fprintf(&b, "  starts:  %q\n", head)
		fmt.Fprintf(&b, "  ends:    %q\n", tail)
	}
	return b.String()
}

func TestParseIssueGolden(t *testing.T) {
	name, text := seedIssue(t)
	arts, err := parseIssue(name, text)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "parse", "seed.golden"), dumpArticles(arts))
}

// TestParseIssueSeed pins what the bundled issue must yield, article by
// article: the bylined pieces with exact title, author, post and region.
func TestParseIssueSeed(t *testing.T) {
	name, text := seedIssue(t)
	arts, err := parseIssue(name, text)
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]knowledge.Article{}
	for _, a := range arts {
		byTitle[a.Title] = a
	}
	tests := []struct {
		title, author, post, section string
		regions                      []string
	}{
		{"深刻理解 准确把握 全力推动新时代党的组织路线落地见效", "陈雪松", "永吉县委常委、组织部长", "学习贯彻习近平总书记考察吉林重要讲话重要指示精神", []string{"永吉县"}},
		{"深刻领会 贯彻落实好新时代党的组织路线", "刘秋伟", "磐石市委常委、组织部长", "学习贯彻习近平总书记考察吉林重要讲话重要指示精神", []string{"磐石市"}},
		{"学而深思 学而力行 不断开创组织工作新局面", "陈国辉", "蛟河市委常委、组织部长", "学习贯彻习近平总书记考察吉林重要讲话重要指示精神", []string{"蛟河市"}},
		{"激励干部担当作为 为推进桦甸全面振兴发展凝心聚力", "李晓恒", "桦甸市委常委、组织部长", "学习贯彻习近平总书记考察吉林重要讲话重要指示精神", []string{"桦甸市"}},
		{"贯彻落实新时代党的组织路线 不断厚植党的执政根基", "王莉", "船营区委常委、组织部长", "学习贯彻习近平总书记考察吉林重要讲话重要指示精神", []string{"船营区"}},
		{"坚持党建引领 构建社区管理服务新格局", "昌邑区哈达湾街道绿地·筑石红社区党总支", "", "城市基层党建服务品牌", []string{"昌邑区"}},
		{"“五位一体”聚合力党建引领扬“善德”", "丰满区沿丰街道幸福里社区党支部", "", "城市基层党建服务品牌", []string{"丰满区"}},
		{"以人为本惠民生 蹄疾步稳求创新", "经开区九站街道化纤社区党委", "", "城市基层党建服务品牌", []string{"经开区"}},
		{"固阵地 强堡垒 谱写基层党建新篇章", "永吉县口前镇党委", "", "“五好一满意”基层组织创建", []string{"永吉县"}},
		{"党建引领 产业带动 着力打造脱贫致富示范村", "舒兰市天德乡三梁村党支部", "", "“五好一满意”基层组织创建", []string{"舒兰市"}},
		{"六措并举 创五好支部", "龙潭区江密峰镇夹信子村党支部", "", "“五好一满意”基层组织创建", []string{"龙潭区"}},
		{"把党的组织优势巩固好发展好发挥好", "", "", "卷首语", nil},
		{"毛主席反对浪费", "", "", "史事通鉴", nil},
		{"夯实干部队伍“铸魂”工程", "", "", "理论评论", nil},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			a, ok := byTitle[tt.title]
			if !ok {
				t.Fatalf("no article titled %q", tt.title)
			}
			if a.Author != tt.author || a.AuthorPost != tt.post || a.Section != tt.section {
				t.Errorf("got author %q post %q section %q, want %q %q %q", a.Author, a.AuthorPost, a.Section, tt.author, tt.post, tt.section)
			}
			if !slices.Equal(a.Regions, tt.regions) {
				t.Errorf("regions = %v, want %v", a.Regions, tt.regions)
			}
			if a.Source != name || a.PageStart == 0 || a.PageEnd < a.PageStart {
				t.Errorf("source %q pages %d-%d", a.Source, a.PageStart, a.PageEnd)
			}
		})
	}
	t.Run("quoted statements split into pieces", func(t *testing.T) {
		var n int
		for _, a := range arts {
			if a.Section == "高层动态" {
				n++
				if !strings.HasPrefix(a.Title, "习近平：") || !strings.Contains(a.Body, "权威解读：") {
					t.Errorf("piece %q lacks its headline or commentary", a.Title)
				}
			}
		}
		if n != 3 {
			t.Errorf("高层动态 has %d pieces, want 3", n)
		}
	})
	t.Run("news column split into items with their place", func(t *testing.T) {
		var items []knowledge.Article
		for _, a := range arts {
			if a.Section == "组织工作动态" {
				items = append(items, a)
			}
		}
		if len(items) < 30 {
			t.Fatalf("组织工作动态 has %d items, want at least 30", len(items))
		}
		for _, it := range items {
			if it.Author != "" {
				t.Errorf("item %q has an invented author %q", it.Title, it.Author)
			}
			if len(it.Regions) == 0 {
				t.Errorf("item %q has no region", it.Title)
			}
			if !dateLeadRe.MatchString(it.Title) || !strings.HasPrefix(it.Body, strings.TrimSuffix(it.Title, "…")) {
				t.Errorf("item title %q is not the opening of its body", it.Title)
			}
		}
		want := map[string]string{
			"7 月 20 日，永吉县委常委会对": "永吉县",
			"7 月 28 日，舒兰市委组织部":  "舒兰市",
			"8 月 20 日，省委组织部调研组": "昌邑区",
			"7 月 22 日，印发《关于在全区": "丰满区",
			"7 月以来，吉林市各级党组织":    "吉林市",
		}
		for prefix, region := range want {
			found := false
			for _, it := range items {
				if strings.HasPrefix(it.Body, prefix) {
					found = true
					if it.Regions[0] != region {
						t.Errorf("item %q: regions %v, want %s first", prefix, it.Regions, region)
					}
				}
			}
			if !found {
				t.Errorf("no item starts with %q", prefix)
			}
		}
	})
	t.Run("artefacts removed and page breaks joined", func(t *testing.T) {
		all := ""
		for _, a := range arts {
			all += a.Body + "\n"
		}
		for _, bad := range []string{"学习贯彻习近平总书记考察吉林重要讲话重要指示精神\n", "组 织 工 作 动 态", "磐 石市", "全市组织工作动态", "史 事 通 鉴", "优 秀人才", "第 一。"} {
			if strings.Contains(all, bad) {
				t.Errorf("bodies still hold %q", bad)
			}
		}
		for _, joined := range []string{"民营经济在新一轮东北振兴中", "永吉县革命烈士陵园", "第二次巡检中名列第一。", "本质上都是用人问题", "同时，突出对干部政治素质的考察", "抓好重大任务落实，不断推动基层党组织全面进步全面过硬"} {
			if !strings.Contains(all, joined) {
				t.Errorf("bodies lack %q joined across a page break", joined)
			}
		}
		for _, kept := range []string{"“星火爱心 助梦飞扬”", "“红色引领 绿色发展”"} {
			if !strings.Contains(all, kept) {
				t.Errorf("bodies lost the real space in %q", kept)
			}
		}
	})
	t.Run("headings are paragraphs of their own", func(t *testing.T) {
		a := byTitle["深刻理解 准确把握 全力推动新时代党的组织路线落地见效"]
		paras := strings.Split(a.Body, "\n")
		for _, h := range []string{"一、学深悟透习近平总书记考察吉林重要讲话重要指示精神，深入践行新时代党的组织路线", "四、聚焦创新人才工作政策，为永吉高质量发展提供人才支撑"} {
			if !slices.Contains(paras, h) {
				t.Errorf("heading %q is not a paragraph", h)
			}
		}
	})
	t.Run("stray fragment kept untitled", func(t *testing.T) {
		if !strings.HasPrefix(arts[0].Body, "制度，2015 年") || arts[0].Author != "" {
			t.Errorf("first article = %q by %q, want the stray fragment kept without author", arts[0].Title, arts[0].Author)
		}
	})
}

func TestParseIssueIDsStableAndUnique(t *testing.T) {
	name, text := seedIssue(t)
	a1, err := parseIssue(name, text)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range a1 {
		if seen[a.ID] {
			t.Errorf("duplicate ID %s (%s)", a.ID, a.Title)
		}
		seen[a.ID] = true
	}
	// Editing a body keeps the ID; position does not matter.
	edited := strings.Replace(text, "必须坚持以党的科学理论为根本遵循", "必须始终坚持以党的科学理论为根本遵循", 1)
	a2, err := parseIssue("renamed.txt", edited)
	if err != nil {
		t.Fatal(err)
	}
	if len(a1) != len(a2) {
		t.Fatalf("article count changed from %d to %d", len(a1), len(a2))
	}
	for i := range a1 {
		if a1[i].ID != a2[i].ID {
			t.Errorf("article %q: ID changed from %s to %s after a body edit", a1[i].Title, a1[i].ID, a2[i].ID)
		}
	}
}

func TestParseIssueRejectsNoText(t *testing.T) {
	for _, in := range []string{"", "\n\n  \n", " \n \n"} {
		if _, err := parseIssue("x.txt", in); err == nil {
			t.Errorf("parseIssue(%q) gave no error", in)
		}
	}
}

// synIssue lays out a synthetic issue the way the magazine's PDF text
// looks: a page starts with a line indented by one space, paragraphs'
// first lines are indented by two characters, the title block and byline
// sit at the end of an article's first page, running headers at page
// ends. It uses other titles, authors, places, order and line width than
// the bundled issue, and single or double spacing.
type synIssue struct {
	width   int // column width in Han characters
	perPage int // body lines on a page
	double  bool
	pages   [][]string
}

type synArticle struct {
	header string   // running header of its pages
	title  []string // title lines, empty for a news column
	author string
	post   string
	paras  []string
	labels []string // letter-spaced place labels at page ends
}

// wrap breaks a paragraph into lines of the column width in display units,
// the first indented by two characters.
func (s *synIssue) wrap(p string) []string {
	var lines []string
	limit := 2*s.width - 4
	var cur strings.Builder
	w := 0
	for _, r := range p {
		rw := 2
		if r < 0x80 {
			rw = 1
		}
		if w+rw > limit {
			lines = append(lines, cur.String())
			cur.Reset()
			w = 0
			limit = 2 * s.width
		}
		cur.WriteRune(r)
		w += rw
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

func (s *synIssue) add(a synArticle) {
	var body []string
	for _, p := range a.paras {
		body = append(body, s.wrap(p)...)
	}
	first := true
	for len(body) > 0 {
		n := min(s.perPage, len(body))
		page := slices.Clone(body[:n])
		body = body[n:]
		if first {
			page = append(page, a.title...)
			if a.author != "" {
				page = append(page, a.author)
			}
		}
		if len(body) == 0 && a.post != "" {
			page = append(page, a.post)
		}
		page = append(page, a.labels...)
		page = append(page, a.header)
		s.pages = append(s.pages, page)
		first = false
	}
}

func (s *synIssue) text() string {
	var b strings.Builder
	for i, page := range s.pages {
		for j, l := range page {
			if j == 0 && i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(l)
			b.WriteByte('\n')
			if s.double {
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// synParagraph makes a paragraph of n sentences about a place.
func synParagraph(place string, n, seed int) string {
	parts := []string{
		"坚持把党的建设摆在突出位置", "持续推进基层组织规范化建设", "组织党员干部深入村屯走访群众",
		"围绕产业发展建立联系帮扶机制", "把服务群众的成效作为检验标准", "定期召开专题会议研究解决难题",
		"积极推动人才向基层一线流动", "严格落实各项制度确保取得实效",
	}
	var b strings.Builder
	for i := range n {
		if i == 0 {
			b.WriteString(place)
		}
		b.WriteString(parts[(seed+i)%len(parts)])
		if i%2 == 0 {
			b.WriteString("，")
		} else {
			b.WriteString("。")
		}
	}
	s := strings.TrimSuffix(b.String(), "，")
	if !strings.HasSuffix(s, "。") {
		s += "。"
	}
	return s
}

// fitParagraphs adjusts paragraphs so each ends clearly short of the
// column, as a typesetter's last lines do.
func (s *synIssue) fit(paras []string) []string {
	out := make([]string, len(paras))
	for i, p := range paras {
		for {
			lines := s.wrap(p)
			last := lines[len(lines)-1]
			firstEnds := len(lines) > 1 && endsSentence(lines[0])
			if displayWidth(last) <= 2*s.width-6 && !firstEnds {
				break
			}
			p = strings.TrimSuffix(p, "。") + "，扎实推进。"
		}
		out[i] = p
	}
	return out
}

func buildSynIssue(width, perPage int, double bool) (string, map[string]synArticle) {
	s := &synIssue{width: width, perPage: perPage, double: double}
	arts := map[string]synArticle{}
	news := synArticle{
		header: "本 市 要 闻",
		paras: s.fit([]string{
			"6 月 2 日，云州市委组织部召开全市基层党建工作推进会，部署下半年重点任务。",
			"6 月 9 日，安平县委组织部举办村党组织书记培训班，" + synParagraph("", 3, 1),
			"6 月以来，清河市组织开展党员志愿服务活动，" + synParagraph("", 2, 2),
			"6 月 18 日至 20 日，东湖区委组织部组织干部赴云州市学习考察，" + synParagraph("", 3, 3),
			"6 月 25 日，召开全区组织工作会议，" + synParagraph("", 2, 4),
		}),
		labels: []string{"安 平县", "东 湖区"},
	}
	signed := synArticle{
		header: "基层党建工作交流",
		title:  []string{"夯实基层基础", "推动乡村振兴"},
		author: "赵明远",
		post:   "（作者：安平县委常委、组织部长）",
		paras: s.fit([]string{
			synParagraph("安平县", 6, 0),
			"一、抓班子强队伍",
			synParagraph("", 9, 2) + "近年来安平县各乡镇在云州市的部署下持续发力。",
			synParagraph("", 7, 5),
			"二、抓服务惠民生",
			synParagraph("", 8, 1),
		}),
	}
	org := synArticle{
		header: "基层党建工作交流",
		title:  []string{"小村庄的大变化"},
		author: "清河市柳林镇党委",
		paras: s.fit([]string{
			synParagraph("柳林镇", 5, 3),
			synParagraph("", 8, 6) + "全镇在云州市各部门支持下办成一批实事。",
			synParagraph("", 6, 7),
		}),
	}
	unsigned := synArticle{
		header: "史 海 钩 沉",
		title:  []string{"老支书的账本"},
		paras: s.fit([]string{
			synParagraph("当年", 5, 4),
			synParagraph("", 9, 0),
		}),
	}
	// The order differs from the bundled issue: news first, the unsigned
	// piece between two signed ones.
	for _, a := range []synArticle{news, signed, unsigned, org} {
		s.add(a)
		key := strings.Join(a.title, " ")
		arts[key] = a
	}
	return s.text(), arts
}

func TestParseIssueSynthetic(t *testing.T) {
	tests := []struct {
		name    string
		width   int
		perPage int
		double  bool
	}{
		{"single-spaced 22-character column", 22, 9, false},
		{"double-spaced 15-character column", 15, 12, true},
		{"single-spaced 26-character column", 26, 7, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, want := buildSynIssue(tt.width, tt.perPage, tt.double)
			arts, err := parseIssue("other-issue.txt", text)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]knowledge.Article{}
			var items []knowledge.Article
			for _, a := range arts {
				if a.Section == "本市要闻" {
					items = append(items, a)
					continue
				}
				got[a.Title] = a
			}
			check := func(title, author, post, section string, regions []string) {
				t.Helper()
				a, ok := got[title]
				if !ok {
					t.Fatalf("no article titled %q; got %v", title, slices.Collect(func(yield func(string) bool) {
						for k := range got {
							if !yield(k) {
								return
							}
						}
					}))
				}
				if a.Author != author || a.AuthorPost != post || a.Section != section || !slices.Equal(a.Regions, regions) {
					t.Errorf("%q: got %q %q %q %v, want %q %q %q %v", title, a.Author, a.AuthorPost, a.Section, a.Regions, author, post, section, regions)
				}
				if wantBody := strings.Join(want[title].paras, "\n"); a.Body != wantBody {
					t.Errorf("%q body:\n got %q\nwant %q", title, a.Body, wantBody)
				}
			}
			check("夯实基层基础 推动乡村振兴", "赵明远", "安平县委常委、组织部长", "基层党建工作交流", []string{"安平县"})
			check("小村庄的大变化", "清河市柳林镇党委", "", "基层党建工作交流", []string{"清河市"})
			check("老支书的账本", "", "", "史海钩沉", nil)
			if len(items) != 5 {
				t.Fatalf("news column gave %d items, want 5: %v", len(items), items)
			}
			wantRegions := [][]string{{"云州市"}, {"安平县"}, {"清河市"}, {"东湖区"}, {"东湖区"}}
			newsParas := want[""].paras
			for i, it := range items {
				if !slices.Equal(it.Regions, wantRegions[i]) {
					t.Errorf("item %d %q: regions %v, want %v", i, it.Title, it.Regions, wantRegions[i])
				}
				if it.Body != newsParas[i] {
					t.Errorf("item %d body:\n got %q\nwant %q", i, it.Body, newsParas[i])
				}
				if it.Author != "" || !strings.HasPrefix(it.Body, strings.TrimSuffix(it.Title, "…")) {
					t.Errorf("item %d: title %q author %q", i, it.Title, it.Author)
				}
			}
		})
	}
}

// hanOnly keeps the Han characters of s.
func hanOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if cjk.IsHan(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSubsequence reports whether every rune of sub appears in s in order.
func isSubsequence(sub, s string) bool {
	for _, r := range sub {
		i := strings.IndexRune(s, r)
		if i < 0 {
			return false
		}
		s = s[i+utf8.RuneLen(r):]
	}
	return true
}

// checkNoTextLost asserts the parser's invariants on one input: every Han
// character of the body lines reaches an article body in order; title,
// byline and post lines reach the articles' fields; only real running
// headers and labels are dropped; IDs are unique.
func checkNoTextLost(t *testing.T, text string) {
	t.Helper()
	is := readIssue("fuzz.txt", text)
	arts := is.articles()
	var out, fields strings.Builder
	ids := map[string]bool{}
	for _, a := range arts {
		out.WriteString(hanOnly(a.Title + a.Body))
		// A post line may give both the name and the post (（作者：张三，…）).
		fields.WriteString(hanOnly(a.Title) + "|" + hanOnly(a.Author) + "|" + hanOnly(a.AuthorPost) + "|" + hanOnly(a.Author+a.AuthorPost) + "|")
		if ids[a.ID] {
			t.Fatalf("duplicate ID %s", a.ID)
		}
		ids[a.ID] = true
		if !utf8.ValidString(a.Body) || !utf8.ValidString(a.Title) {
			t.Fatalf("invalid UTF-8 in article %q", a.Title)
		}
	}
	boundary := map[string]int{}
	for _, li := range is.boundaryLines() {
		boundary[whitespace.RemoveInLines(is.lines[li].text)]++
	}
	var body strings.Builder
	for _, l := range is.lines {
		switch l.role {
		case roleBody:
			body.WriteString(hanOnly(l.text))
		case roleTitle, roleAuthor:
			if !strings.Contains(fields.String(), hanOnly(l.text)) {
				t.Fatalf("title or byline line %q is in no article", l.text)
			}
		case rolePost:
			inner := strings.Replace(hanOnly(l.text), "作者", "", 1)
			if !strings.Contains(fields.String(), inner) {
				t.Fatalf("post line %q is in no article", l.text)
			}
		case roleLabel:
			_, spaced := letterSpaced(l.text)
			if !isRegionLabel(l.text) || !spaced && !is.atBoundary(is.pages[l.page-1], slices.Index(is.lines, l)) {
				t.Fatalf("line %q dropped as a place label, but it is no place name at a page end", l.text)
			}
		case roleHeader:
			_, spaced := letterSpaced(l.text)
			if !spaced && boundary[whitespace.RemoveInLines(l.text)] < 2 && !containsHeader(is, l.text) {
				t.Fatalf("line %q dropped as a header, but it is neither letter-spaced nor repeated at page boundaries", l.text)
			}
		}
	}
	if !isSubsequence(body.String(), out.String()) {
		t.Fatalf("body text lost or reordered:\n in: %q\nout: %q", body.String(), out.String())
	}
}

func containsHeader(is *issue, s string) bool {
	t := whitespace.RemoveInLines(s)
	for h := range is.headers {
		if strings.Contains(t, h) {
			return true
		}
	}
	return false
}

func TestParseIssueKeepsAllText(t *testing.T) {
	_, seed := seedIssue(t)
	syn, _ := buildSynIssue(20, 10, true)
	tests := []struct {
		name, text string
	}{
		{"bundled issue", seed},
		{"synthetic issue", syn},
		{"one line", "只有一行文字。"},
		{"byline without article", "（作者：某县委常委）\n"},
		{"post of a post only", "正文第一句。\n标题\n张三\n（作者：常委）\n"},
		{"short post after a byline", "正文第一句。\n\n标题\n张三\n 组 织 工 作\n第二页正文。\n（作者：常委）\n"},
		{"post naming another author", "正文第一句。\n\n标题\n张三\n 组 织 工 作\n第二页正文。\n（作者：李四）\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNoTextLost(t, tt.text)
		})
	}
}

func FuzzParseIssue(f *testing.F) {
	_, seed := seedIssue(f)
	syn, _ := buildSynIssue(18, 8, false)
	f.Add(syn)
	f.Add(seed[:4000])
	f.Add(" 组 织 工 作 动 态\n7 月 1 日，某县召开会议。\n\n 磐 石市\n标题\n张三\n （作者：某县委常委）")
	f.Add("---\ntitle: x\n---\n正文")
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		checkNoTextLost(t, text)
	})
}

func BenchmarkParseIssue(b *testing.B) {
	name, text := seedIssue(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := parseIssue(name, text); err != nil {
			b.Fatal(err)
		}
	}
}

// News items of a column are articles of their own, each with the
// region it opens with.
func TestParseIssueNewsItems(t *testing.T) {
	text := strings.Join([]string{
		"7 月 1 日，安平县委组织部召开村党组织书记培训会。",
		"7 月 8 日，清河市开展党员志愿服务活动。",
		"7 月 15 日，东湖区委组织部举办干部业务培训班。",
		"本 市 要 闻",
	}, "\n")
	arts, err := parseIssue("news.txt", text)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"本市要闻 | 7 月 1 日，安平县委组织部召开村党组织书记培训会 | [安平县]",
		"本市要闻 | 7 月 8 日，清河市开展党员志愿服务活动 | [清河市]",
		"本市要闻 | 7 月 15 日，东湖区委组织部举办干部业务培训班 | [东湖区]",
	}
	var got []string
	for _, a := range arts {
		got = append(got, fmt.Sprintf("%s | %s | %v", a.Section, a.Title, a.Regions))
	}
	if !slices.Equal(got, want) {
		t.Errorf("articles =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParsePost(t *testing.T) {
	tests := []struct{ in, name, post string }{
		{"（作者：永吉县委常委、组织部长）", "", "永吉县委常委、组织部长"},
		{"（作者：常委）", "", "常委"},
		{"（作者：张明）", "张明", ""},
		{"（作者：张明，永吉县委组织部干部）", "张明", "永吉县委组织部干部"},
		{"（作者系舒兰市委组织部部长）", "", "舒兰市委组织部部长"},
		{"正文", "", ""},
	}
	for _, tt := range tests {
		name, post := parsePost(tt.in)
		if name != tt.name || post != tt.post {
			t.Errorf("parsePost(%q) = %q, %q; want %q, %q", tt.in, name, post, tt.name, tt.post)
		}
	}
}
