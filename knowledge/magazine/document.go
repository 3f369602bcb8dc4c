package magazine

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"kbot/knowledge"
	"kbot/knowledge/whitespace"
)

// frontMatter is the optional YAML header of a plain document:
//
//	---
//	title: 标题
//	author: 张三
//	author_post: 某县委组织部
//	section: 经验交流
//	regions: [永吉县]
//	magazine: 吉林党建
//	issue: 2020年第9期
//	---
type frontMatter struct {
	Title      string      `yaml:"title"`
	Author     string      `yaml:"author"`
	AuthorPost string      `yaml:"author_post"`
	Section    string      `yaml:"section"`
	Regions    stringOrSeq `yaml:"regions"`
	Magazine   string      `yaml:"magazine"`
	Issue      string      `yaml:"issue"`
}

// stringOrSeq accepts "永吉县", "永吉县、舒兰市" or [永吉县, 舒兰市].
type stringOrSeq []string

func (s *stringOrSeq) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = strings.FieldsFunc(n.Value, func(r rune) bool { return strings.ContainsRune(",，、; ；", r) })
		return nil
	case yaml.SequenceNode:
		var out []string
		if err := n.Decode(&out); err != nil {
			return err
		}
		*s = out
		return nil
	}
	return fmt.Errorf("line %d: regions must be a name or a list of names", n.Line)
}

// parseDocument reads one plain .txt or .md article with optional front
// matter (title, author, author_post, section, regions). Without a title
// in the front matter the title is a leading markdown "# " heading, else
// a short first line, else the file name. It returns an error for text
// that is not UTF-8 or GB18030 Chinese, for broken front matter, and for a
// document with no text.
func parseDocument(name string, data []byte) (knowledge.Article, error) {
	text, _, err := decodeText(data)
	if err != nil {
		return knowledge.Article{}, fmt.Errorf("parse document %s: %w", name, err)
	}
	return parseDocumentText(name, text)
}

// splitFrontMatter separates YAML front matter between "---" lines from the
// rest of the text.
func splitFrontMatter(text string) (fm, rest string, ok bool) {
	text = strings.TrimLeft(text, "\n")
	if !strings.HasPrefix(text, "---\n") {
		return "", text, false
	}
	body := text[len("---\n"):]
	for off := 0; off <= len(body); {
		end := strings.IndexByte(body[off:], '\n')
		line := body[off:]
		if end >= 0 {
			line = body[off : off+end]
		}
		if t := strings.TrimRight(line, " \t"); t == "---" || t == "..." {
			if end < 0 {
				return body[:off], "", true
			}
			return body[:off], body[off+end+1:], true
		}
		if end < 0 {
			break
		}
		off += end + 1
	}
	return "", text, false
}

func parseDocumentText(name, text string) (knowledge.Article, error) {
	text = normaliseNewlines(text)
	a := knowledge.Article{Source: name}
	fmText, rest, hasFM := splitFrontMatter(text)
	if hasFM {
		var fm frontMatter
		if err := yaml.Unmarshal([]byte(fmText), &fm); err != nil {
			return knowledge.Article{}, fmt.Errorf("parse document %s: front matter: %w", name, err)
		}
		a.Title = strings.TrimSpace(fm.Title)
		a.Author = strings.TrimSpace(fm.Author)
		a.AuthorPost = strings.TrimSpace(fm.AuthorPost)
		a.Section = strings.TrimSpace(fm.Section)
		if issue := strings.TrimSpace(fm.Issue); issue != "" {
			in, _ := statedIssue([]string{issue})
			in.label, in.magazine = whitespace.RemoveInLines(issue), strings.TrimSpace(fm.Magazine)
			a.Magazine, a.Issue, a.IssueYear, a.IssueMonth, a.IssueNumber = in.magazine, in.label, in.year, in.month, in.number
		}
		for _, r := range fm.Regions {
			if r = strings.TrimSpace(r); r != "" {
				a.Regions = append(a.Regions, r)
			}
		}
		text = rest
	}
	var paras []string
	titleTaken := a.Title != ""
	for _, l := range documentParagraphs(text) {
		if h, ok := mdHeading(l); ok {
			if !titleTaken && len(paras) == 0 && strings.HasPrefix(l, "# ") {
				a.Title, titleTaken = h, true
				continue
			}
			l = h
		}
		// A byline line (作者：张三) or post line (（作者：…）) gives the
		// author, not body text.
		if name, post, ok := bylineLine(l); ok && (len(paras) <= 2 || post != "" && strings.HasPrefix(l, "（")) {
			if a.Author == "" {
				a.Author = name
			}
			if a.AuthorPost == "" {
				a.AuthorPost = post
			}
			continue
		}
		paras = append(paras, l)
	}
	if !titleTaken && len(paras) > 0 {
		first := paras[0]
		if n := utf8.RuneCountInString(first); n <= 40 && !endsSentence(first) && !strings.ContainsAny(first, "。，") && len(paras) > 1 {
			a.Title = first
			paras = paras[1:]
		}
	}
	if a.Title == "" {
		a.Title = strings.TrimSuffix(name, filepath.Ext(name))
	}
	a.Body = strings.Join(paras, "\n")
	if strings.TrimSpace(a.Body) == "" {
		return knowledge.Article{}, fmt.Errorf("parse document %s: %w", name, errors.Join(errNoArticles, errors.New("the document has no body text")))
	}
	if len(a.Regions) == 0 {
		ps := []piece{{Article: a}}
		assignRegions(ps, nil)
		a.Regions = ps[0].Regions
	}
	a.ID = articleID(a.Title, a.Author, a.Section, false)
	return a, nil
}

// bylineRe matches a byline of a plain document: 作者：张三, 文／张三,
// 作者：张三（永吉县委组织部）.
var bylineRe = regexp.MustCompile(`^(?:作者|文|撰稿)\s*[：:／/]\s*(\S.*)$`)

// bylineLine reads a line that names the author: 作者：张三, 作者：张三（职务）
// or a post line （作者：永吉县委常委、组织部长）. It returns false for any
// other line.
func bylineLine(l string) (name, post string, ok bool) {
	l = strings.TrimSpace(l)
	if postRe.MatchString(l) {
		name, post = parsePost(l)
		return name, post, true
	}
	m := bylineRe.FindStringSubmatch(l)
	if m == nil || utf8.RuneCountInString(m[1]) > 40 || strings.ContainsAny(m[1], "。！？") {
		return "", "", false
	}
	body := strings.TrimSpace(m[1])
	if i := strings.IndexAny(body, "（("); i > 0 && strings.HasSuffix(body, "）") || i > 0 && strings.HasSuffix(body, ")") {
		return whitespace.RemoveInLines(body[:i]), strings.TrimSpace(strings.TrimRight(body[i+len("（"):], "）)")), true
	}
	if i := strings.IndexAny(body, "，,"); i > 0 {
		return whitespace.RemoveInLines(body[:i]), strings.TrimSpace(strings.TrimLeft(body[i:], "，,")), true
	}
	return whitespace.RemoveInLines(body), "", true
}

// documentParagraphs joins the lines of a plain document into paragraphs.
// A hard-wrapped text (lines cut at a fixed width) has its lines joined;
// a paragraph starts after a blank line, at an indented line (a space or
// an ideographic space), at a markdown heading, or after a line that
// ends a sentence short of the wrap width. Text that is not hard-wrapped
// keeps one paragraph per line.
func documentParagraphs(text string) []string {
	raw := strings.Split(text, "\n")
	var texts []string
	indents := 0
	for _, l := range raw {
		if t := strings.TrimSpace(l); t != "" {
			texts = append(texts, strings.TrimFunc(l, isSpace))
			if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\u3000") || strings.HasPrefix(l, "\t") {
				indents++
			}
		}
	}
	width, wrapped := hardWrapped(texts)
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cleanSpaces(joinLines(cur)))
			cur = nil
		}
	}
	for _, l := range raw {
		indented := strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\u3000") || strings.HasPrefix(l, "\t")
		t := strings.TrimFunc(l, isSpace)
		if t == "" {
			flush()
			continue
		}
		if _, ok := mdHeading(t); ok || !wrapped || indented && indents > 0 {
			flush()
		}
		if _, _, ok := bylineLine(t); ok {
			flush()
			out = append(out, t)
			continue
		}
		// After a finished sentence, a numbered heading or a short line
		// without punctuation opens a paragraph of its own.
		if n := len(cur); n > 0 && endsSentence(cur[n-1]) && (headingRe.MatchString(t) || displayWidth(t) < width-3 && !hasSentencePunct(t)) {
			flush()
		}
		cur = append(cur, t)
		if !wrapped {
			flush()
			continue
		}
		// A line that falls short of the wrap width ends its paragraph
		// when it ends a sentence or is a heading of its own.
		if w := displayWidth(t); w < width-3 && (endsSentence(t) || len(cur) == 1 && (!hasSentencePunct(t) || headingRe.MatchString(t))) {
			flush()
		}
	}
	flush()
	return out
}

// hardWrapped reports whether lines were cut at a fixed width, and the
// width: most lines that are not short measure the same, give or take a
// squeezed mark.
func hardWrapped(lines []string) (int, bool) {
	width := columnWidth(lines)
	if width == 0 || width > 2*60 {
		return 0, false
	}
	near, long := 0, 0
	for _, l := range lines {
		w := displayWidth(l)
		if w < width/2 {
			continue
		}
		long++
		if w >= width-4 && w <= width+4 {
			near++
		}
	}
	return width, long >= 4 && near*10 >= long*6
}

// mdHeading returns the text of a markdown ATX heading (## 标题).
func mdHeading(l string) (string, bool) {
	n := 0
	for n < len(l) && l[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n >= len(l) || l[n] != ' ' {
		return "", false
	}
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(l[n:]), "#")), true
}
