package bot

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	tagRE         = regexp.MustCompile(`<[^>]*>`)
	partialEntity = regexp.MustCompile(`&[a-z#0-9]*$`)
)

// plain strips tags and the newlines dropped at cuts, for comparing text.
func plain(s string) string {
	return strings.ReplaceAll(tagRE.ReplaceAllString(s, ""), "\n", "")
}

// balanced reports whether every tag opened in s is closed in order.
func balanced(s string) bool {
	var stack []string
	for _, t := range tagRE.FindAllString(s, -1) {
		name := tagName(strings.Replace(t, "/", "", 1))
		if strings.HasPrefix(t, "</") {
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return false
			}
			stack = stack[:len(stack)-1]
		} else {
			stack = append(stack, name)
		}
	}
	return len(stack) == 0
}

func TestSplitHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"short text stays whole", "你好。", 100, []string{"你好。"}},
		{"cuts after a sentence", "第一句。第二句。第三句。", 9, []string{"第一句。第二句。", "第三句。"}},
		{"prefers a paragraph break", "甲乙。\n丙丁。戊己。", 8, []string{"甲乙。", "丙丁。戊己。"}},
		{"closes and reopens a tag at the cut", "<b>一二。三四。</b>", 12, []string{"<b>一二。</b>", "<b>三四。</b>"}},
		{"never cuts an entity", "&amp;&amp;&amp;", 9, []string{"&amp;", "&amp;", "&amp;"}},
		{"falls back to any character", "一二三四五六", 3, []string{"一二三", "四五六"}},
		{"counts UTF-16 units of astral characters", "😀😀😀", 4, []string{"😀😀", "😀"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitHTML(tt.in, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("splitHTML(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

func FuzzSplitHTML(f *testing.F) {
	f.Add("永吉县以党建引领乡村振兴。各村成立合作社！\n下一段，继续。", 20)
	f.Add("<b>标题</b>\n<blockquote>很长的引文。很长的引文。</blockquote>&lt;x&gt;", 25)
	f.Add(strings.Repeat("句子。", 50), 40)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if !utf8.ValidString(text) || limit < 40 || limit > 5000 {
			t.Skip()
		}
		// Build HTML the way the bot does: escaped text inside known tags.
		in := "<b>" + esc(text[:len(text)/2]) + "</b>\n<blockquote>" + esc(text[len(text)/2:]) + "</blockquote>"
		if !utf8.ValidString(text[:len(text)/2]) {
			t.Skip()
		}
		parts := splitHTML(in, limit)
		var joined strings.Builder
		for i, p := range parts {
			if n := utf16Len(p); n > limit {
				t.Fatalf("part %d is %d units, over %d", i, n, limit)
			}
			if !balanced(p) {
				t.Fatalf("part %d has unbalanced tags: %q", i, p)
			}
			if ent := partialEntity.FindString(p); ent != "" {
				t.Fatalf("part %d ends inside an entity %q", i, ent)
			}
			joined.WriteString(p)
		}
		if plain(joined.String()) != plain(in) {
			t.Fatalf("text lost or changed:\n got %q\nwant %q", plain(joined.String()), plain(in))
		}
	})
}

func TestCallbackDataFits(t *testing.T) {
	t.Parallel()
	b := &Bot{pages: newPageStore(10)}
	tests := []struct {
		name string
		data string
	}{
		{"passage with a 24-byte chunk ID", passageData(99, strings.Repeat("x", 24))},
		{"short search inline", b.pageData(kindSearch, 3, "党建")},
		{"long search stored", b.pageData(kindSearch, 3, strings.Repeat("党建引领", 20))},
		{"region", b.pageData(kindRegion, 12, "永吉县")},
		{"articles", b.pageData(kindArticles, 120, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) > maxCallbackData {
				t.Errorf("%q is %d bytes", tt.data, len(tt.data))
			}
		})
	}
}

func TestCleanFileName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"keeps a plain name", "材料.txt", "材料.txt"},
		{"drops directories", "../../etc/passwd.txt", "passwd.txt"},
		{"drops windows directories", `C:\docs\a.md`, "a.md"},
		{"replaces control characters", "a\x00b.txt", "a_b.txt"},
		{"names an empty upload", "", "upload.txt"},
		{"cuts a long Chinese name to whole characters within the byte limit", strings.Repeat("党建", 150) + ".pdf", strings.Repeat("党建", 32) + "党.pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanFileName(tt.in)
			if got != tt.want {
				t.Errorf("cleanFileName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > 255 || !utf8.ValidString(got) {
				t.Errorf("cleanFileName(%q) = %q: %d bytes, valid UTF-8 %v", tt.in, got, len(got), utf8.ValidString(got))
			}
		})
	}
}

func TestParseCommand(t *testing.T) {
	t.Parallel()
	b := &Bot{}
	b.me.Store(&testMe)
	tests := []struct {
		name, in, cmd, args string
		forUs, isCmd        bool
	}{
		{"bare command", "/help", "help", "", true, true},
		{"command with args", "/ask  永吉县 做了什么", "ask", "永吉县 做了什么", true, true},
		{"command for us", "/Start@KBOT_test_bot", "start", "", true, true},
		{"command for another bot", "/start@other_bot x", "start", "x", false, true},
		{"newline after the command", "/ask\n问题", "ask", "问题", true, true},
		{"not a command", "你好 /help", "", "", false, false},
		{"lone slash", "/", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, args, forUs, isCmd := b.parseCommand(tt.in)
			if cmd != tt.cmd || args != tt.args || forUs != tt.forUs || isCmd != tt.isCmd {
				t.Errorf("parseCommand(%q) = %q %q %v %v, want %q %q %v %v", tt.in, cmd, args, forUs, isCmd, tt.cmd, tt.args, tt.forUs, tt.isCmd)
			}
		})
	}
}
