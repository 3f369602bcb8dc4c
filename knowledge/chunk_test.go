package knowledge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"full stops", "一是照本宣科多。二是粗放式培训多。", []string{"一是照本宣科多。", "二是粗放式培训多。"}},
		{"closing quote stays with its sentence", "他说：“要抓好。”然后走了。", []string{"他说：“要抓好。”", "然后走了。"}},
		{"runs of enders", "真的吗？！好……走吧", []string{"真的吗？！", "好……", "走吧"}},
		{"semicolon ends a clause", "一是多；二是少。", []string{"一是多；", "二是少。"}},
		{"no ender", "没有句号", []string{"没有句号"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitSentences(tt.in)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("splitSentences(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHeadingLevel(t *testing.T) {
	tests := map[string]int{
		"一、工作成效":      1,
		"十二、其他":       2 - 1,
		"（一）坚持党的领导。":  2,
		"(三)强化监督":     2,
		"1.建立台账":      3,
		"2、做好服务":      3,
		"2020年，社区成立":  0,
		"3.5万元":       0,
		"一是照本宣科多":     0,
		"一、二线城市的干部来了": 1,
	}
	for in, want := range tests {
		if got := headingLevel(in); got != want {
			t.Errorf("headingLevel(%q) = %d, want %d", in, got, want)
		}
	}
}

func testArticle(body string) Article {
	return Article{ID: "a1b2c3d4e5f6", Title: "测试", Body: body}
}

func TestChunkArticleKeepsSentencesWholeAndWithinSize(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString("社区党支部坚持把服务群众作为工作的出发点和落脚点，")
		b.WriteString(strings.Repeat("推进", i%5))
		b.WriteString("取得了明显成效。")
		if i%7 == 6 {
			b.WriteString("\n")
		}
	}
	a := testArticle(b.String())
	opts := ChunkOptions{Size: 120, Overlap: 40}
	chunks := chunkArticle(a, opts)
	if len(chunks) < 5 {
		t.Fatalf("got %d chunks, want many", len(chunks))
	}
	joined := ""
	for _, c := range chunks {
		if n := utf8.RuneCountInString(strings.ReplaceAll(c.Text, "\n", "")); n > opts.Size {
			t.Errorf("chunk %s has %d runes, limit %d", c.ID, n, opts.Size)
		}
		joined += c.Text
	}
	for _, s := range splitSentences(strings.ReplaceAll(a.Body, "\n", "")) {
		if !strings.Contains(strings.ReplaceAll(joined, "\n", ""), s) {
			t.Errorf("sentence %q is not whole in any chunk", s)
		}
	}
	// Overlap: consecutive chunks share their boundary sentence.
	shared := 0
	for i := 1; i < len(chunks); i++ {
		last := splitSentences(strings.ReplaceAll(chunks[i-1].Text, "\n", ""))
		if strings.HasPrefix(strings.ReplaceAll(chunks[i].Text, "\n", ""), last[len(last)-1]) {
			shared++
		}
	}
	if shared == 0 {
		t.Error("no chunk repeats the last sentence of the one before: overlap is not applied")
	}
}

func TestChunkArticleCutsOnlyOverlongSentences(t *testing.T) {
	long := strings.Repeat("很长的句子没有句号，", 30) + "结束。"
	a := testArticle("短句。" + long + "又一短句。")
	chunks := chunkArticle(a, ChunkOptions{Size: 100, Overlap: 0})
	for _, c := range chunks {
		if n := utf8.RuneCountInString(c.Text); n > 100 {
			t.Errorf("chunk of %d runes exceeds 100", n)
		}
	}
	var all string
	for _, c := range chunks {
		all += c.Text
	}
	if all != a.Body {
		t.Errorf("without overlap the chunks must join back to the body\n got %q\nwant %q", all, a.Body)
	}
}

func TestChunkArticleHeadings(t *testing.T) {
	body := "引言一句。\n一、工作成效\n成效很大。\n（一）就业服务。帮助就业。\n二、经验启示\n启示很多。"
	chunks := chunkArticle(testArticle(body), ChunkOptions{Size: 300})
	want := map[string]string{
		"引言一句。":  "",
		"成效很大。":  "一、工作成效",
		"帮助就业。":  "一、工作成效 / （一）就业服务。",
		"启示很多。":  "二、经验启示",
		"一、工作成效": "一、工作成效",
		"二、经验启示": "二、经验启示",
	}
	for s, h := range want {
		found := false
		for _, c := range chunks {
			if strings.Contains(c.Text, s) {
				found = true
				if c.Heading != h {
					t.Errorf("chunk with %q has heading %q, want %q", s, c.Heading, h)
				}
			}
		}
		if !found {
			t.Errorf("no chunk holds %q", s)
		}
	}
}

func TestChunkIDsStable(t *testing.T) {
	body := strings.Repeat("第一句话在这里。第二句话也在这里。", 20)
	a := chunkArticle(testArticle(body), DefaultChunkOptions)
	b := chunkArticle(testArticle(body), DefaultChunkOptions)
	seen := map[string]bool{}
	for i := range a {
		if a[i].ID != b[i].ID {
			t.Fatalf("chunk %d: ID %s then %s for the same text", i, a[i].ID, b[i].ID)
		}
		if seen[a[i].ID] {
			t.Fatalf("duplicate chunk ID %s", a[i].ID)
		}
		seen[a[i].ID] = true
		if len(a[i].ID) > 24 {
			t.Fatalf("chunk ID %q longer than 24 bytes", a[i].ID)
		}
	}
	edited := chunkArticle(testArticle("新的开头。"+body), DefaultChunkOptions)
	if edited[0].ID == a[0].ID {
		t.Error("changed text kept its chunk ID")
	}
}

func FuzzChunkArticle(f *testing.F) {
	f.Add("一、总体要求\n坚持党建引领。推进“三方联动”！效果如何？很好；继续……", 50, 10)
	f.Add(strings.Repeat("没有标点的长文本", 40), 30, 5)
	f.Add("", 10, 0)
	f.Fuzz(func(t *testing.T, body string, size, overlap int) {
		if !utf8.ValidString(body) || size < 1 || size > 2000 || overlap < 0 {
			t.Skip()
		}
		chunks := chunkArticle(testArticle(body), ChunkOptions{Size: size, Overlap: overlap})
		var all strings.Builder
		for _, c := range chunks {
			if n := utf8.RuneCountInString(strings.ReplaceAll(c.Text, "\n", "")); n > size {
				t.Fatalf("chunk of %d runes exceeds size %d", n, size)
			}
			all.WriteString(c.Text)
		}
		// Every non-space character of the body is in some chunk, in order.
		got := []rune(strings.Join(strings.Fields(all.String()), ""))
		j := 0
		for _, r := range strings.Join(strings.Fields(body), "") {
			for j < len(got) && got[j] != r {
				j++
			}
			if j == len(got) {
				t.Fatalf("character %q of the body is lost", r)
			}
			j++
		}
	})
}
