package bot

import (
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"kbot/knowledge"
)

// maxMessageLen is Telegram's limit on a message's length. It counts the
// text after entity parsing in UTF-16 units; kbot measures the HTML source,
// which is never shorter, so every part fits.
const maxMessageLen = 4096

// esc escapes a dynamic string for HTML parse mode. Telegram understands
// only &lt; &gt; &amp; &quot;, which is what html.EscapeString produces
// apart from &#39; — also accepted, as a numeric entity.
func esc(s string) string { return html.EscapeString(s) }

// utf16Len is the length Telegram measures.
func utf16Len(s string) int {
	n := 0
	for _, r := range s { // invalid bytes decode as U+FFFD, one unit
		n += utf16.RuneLen(r)
	}
	return n
}

// splitHTML cuts an HTML message into parts of at most limit UTF-16 units.
// It prefers paragraph breaks, then sentence ends, then commas and spaces,
// and only as a last resort any character boundary. It never cuts inside a
// tag or an entity; tags open at a cut are closed at the end of the part
// and reopened at the start of the next, so every part is valid HTML. The
// parts hold all of the input's text.
func splitHTML(s string, limit int) []string {
	if utf16Len(s) <= limit {
		return []string{s}
	}
	toks := tokenizeHTML(s)
	var parts []string
	var stack []string // open tags, e.g. "<b>" with their closing names
	for len(toks) > 0 {
		prefix := strings.Join(stack, "")
		n := utf16Len(prefix)
		// best cut positions by preference: index into toks after which
		// to cut, and the stack at that point.
		type cut struct {
			at    int
			stack []string
		}
		var cuts [4]*cut
		cur := append([]string(nil), stack...)
		i := 0
		for ; i < len(toks); i++ {
			t := toks[i]
			next := cur
			if t.tag != "" {
				next = applyTag(cur, t)
			}
			closing := closeTags(next)
			if n+utf16Len(t.text)+utf16Len(closing) > limit {
				break
			}
			n += utf16Len(t.text)
			cur = next
			if t.tag == "" && t.breakRank >= 0 {
				cuts[t.breakRank] = &cut{at: i + 1, stack: append([]string(nil), cur...)}
			}
			if t.tag == "" {
				cuts[3] = &cut{at: i + 1, stack: append([]string(nil), cur...)}
			}
		}
		if i == len(toks) {
			parts = append(parts, prefix+joinTokens(toks)+closeTags(cur))
			break
		}
		var c *cut
		for _, cand := range cuts {
			if cand != nil {
				c = cand
				break
			}
		}
		if c == nil {
			// Not even one character fits after the reopened tags: drop
			// the formatting rather than the text.
			stack = nil
			if prefix == "" {
				// A single token longer than the limit cannot happen for
				// text runes; emit it alone.
				parts = append(parts, toks[0].text)
				toks = toks[1:]
			}
			continue
		}
		part := prefix + joinTokens(toks[:c.at]) + closeTags(c.stack)
		parts = append(parts, strings.TrimRight(part, "\n"))
		toks = toks[c.at:]
		for len(toks) > 0 && toks[0].text == "\n" {
			toks = toks[1:]
		}
		stack = c.stack
	}
	return parts
}

type htmlToken struct {
	text string
	// tag is the tag name for "<b>" or "</b>", "" for text.
	tag     string
	closing bool
	// breakRank is 0 after a newline, 1 after a sentence end, 2 after a
	// comma or space, -1 otherwise.
	breakRank int
}

func tokenizeHTML(s string) []htmlToken {
	var toks []htmlToken
	for len(s) > 0 {
		switch s[0] {
		case '<':
			end := strings.IndexByte(s, '>')
			if end < 0 {
				end = len(s) - 1
			}
			raw := s[:end+1]
			name := strings.TrimPrefix(raw[1:len(raw)-1], "/")
			if sp := strings.IndexAny(name, " \t\n"); sp >= 0 {
				name = name[:sp]
			}
			toks = append(toks, htmlToken{text: raw, tag: strings.ToLower(name), closing: strings.HasPrefix(raw, "</"), breakRank: -1})
			s = s[end+1:]
			continue
		case '&':
			if end := strings.IndexByte(s, ';'); end > 0 && end < 10 {
				toks = append(toks, htmlToken{text: s[:end+1], breakRank: -1})
				s = s[end+1:]
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s)
		rank := -1
		switch r {
		case '\n':
			rank = 0
		case '。', '！', '？', '；', '!', '?', ';':
			rank = 1
		case '，', '、', ',', ' ', '：':
			rank = 2
		}
		toks = append(toks, htmlToken{text: s[:size], breakRank: rank})
		s = s[size:]
	}
	return toks
}

func applyTag(stack []string, t htmlToken) []string {
	if !t.closing {
		return append(append([]string(nil), stack...), t.text)
	}
	for i := len(stack) - 1; i >= 0; i-- {
		if tagName(stack[i]) == t.tag {
			return append(append([]string(nil), stack[:i]...), stack[i+1:]...)
		}
	}
	return stack
}

func tagName(open string) string {
	name := strings.TrimSuffix(strings.TrimPrefix(open, "<"), ">")
	if sp := strings.IndexAny(name, " \t\n"); sp >= 0 {
		name = name[:sp]
	}
	return strings.ToLower(name)
}

func closeTags(stack []string) string {
	var b strings.Builder
	for i := len(stack) - 1; i >= 0; i-- {
		b.WriteString("</" + tagName(stack[i]) + ">")
	}
	return b.String()
}

func joinTokens(toks []htmlToken) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}

// renderAnswer renders an answer as HTML: the text with its [n] markers,
// any note, and the list of sources.
// renderAnswer renders an answer with its sources. details adds where a
// cited passage stands (issue, pages), by citation number; scope names
// the county the chat is scoped to ("" for none).
func renderAnswer(a knowledge.Answer, details map[int]string, scope string) string {
	var b strings.Builder
	text := strings.TrimSpace(a.Text)
	// A chat is no place for a book: an answer that would fill more
	// than a few messages (a list of a whole archive, say) is cut, and
	// the reader pointed to the paged lists.
	if cut := cutRunes(text, maxAnswerRunes); cut != text {
		text = cut + "\n（内容较多，只显示了前一部分。可用 /articles 或 /search 分页查看。）"
	}
	b.WriteString(esc(text))
	if a.Note != "" {
		b.WriteString("\n\n<i>" + esc(a.Note) + "</i>")
	}
	var cited, refs []knowledge.Citation
	for _, c := range a.Citations {
		if c.Reference {
			refs = append(refs, c)
		} else {
			cited = append(cited, c)
		}
	}
	if len(cited) > 0 {
		b.WriteString("\n\n<b>来源</b>")
		for _, c := range cited {
			fmt.Fprintf(&b, "\n[%d] %s%s", c.N, esc(c.Source()), esc(details[c.N]))
		}
	}
	if len(refs) > 0 {
		b.WriteString("\n\n<b>参考</b>")
		for _, c := range refs {
			fmt.Fprintf(&b, "\n[%d] %s%s", c.N, esc(c.Source()), esc(details[c.N]))
		}
	}
	if a.Refused && len(a.Nearest) > 0 {
		b.WriteString("\n\n<b>相近的文章</b>")
		for _, art := range a.Nearest {
			b.WriteString("\n• " + esc(articleLine(art)))
		}
	}
	if scope != "" {
		b.WriteString("\n\n<i>查询范围：" + esc(scope) + "（发送 /region 全部 取消）</i>")
	}
	return b.String()
}

// whereIn says where an article stands: its issue and pages, when known,
// as " · 2020年7—8月 第5–8页".
func whereIn(a knowledge.Article) string {
	c := knowledge.Citation{Issue: a.Issue, PageStart: a.PageStart, PageEnd: a.PageEnd}
	if w := c.Where(); w != "" {
		return " · " + w
	}
	return ""
}

// maxAnswerRunes bounds the text of one answer: about two messages.
const maxAnswerRunes = 6000

// articleLine renders 《标题》— 作者（职务）.
func articleLine(a knowledge.Article) string {
	s := "《" + a.Title + "》"
	if by := a.Byline(); by != "" {
		s += "— " + by
	}
	return s
}

// renderPassage renders one cited passage in full.
func renderPassage(n int, title string, a knowledge.Article, c knowledge.Chunk) string {
	var b strings.Builder
	if n > 0 {
		fmt.Fprintf(&b, "<b>[%d]</b> ", n)
	}
	if title == "" {
		title = a.Title
	}
	b.WriteString("<b>《" + esc(title) + "》</b>")
	if by := a.Byline(); by != "" {
		b.WriteString("— " + esc(by))
	}
	var where []string
	if a.Section != "" {
		where = append(where, a.Section)
	}
	if c.Heading != "" {
		where = append(where, c.Heading)
	}
	if len(where) > 0 {
		b.WriteString("\n<i>" + esc(strings.Join(where, " · ")) + "</i>")
	}
	b.WriteString("\n<blockquote>" + esc(strings.TrimSpace(c.Text)) + "</blockquote>")
	return b.String()
}

// cutRunes shortens s to at most n runes, marking the cut with "…".
func cutRunes(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// seconds renders a duration for users: "1.2 秒".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1f 秒", d.Seconds())
}
