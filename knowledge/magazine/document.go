package magazine

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"kbot/knowledge"
)

// frontMatter is the optional YAML header of a plain document:
//
//	---
//	title: 标题
//	author: 张三
//	author_post: 某县委组织部
//	section: 经验交流
//	regions: [永吉县]
//	---
type frontMatter struct {
	Title      string      `yaml:"title"`
	Author     string      `yaml:"author"`
	AuthorPost string      `yaml:"author_post"`
	Section    string      `yaml:"section"`
	Regions    stringOrSeq `yaml:"regions"`
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
		for _, r := range fm.Regions {
			if r = strings.TrimSpace(r); r != "" {
				a.Regions = append(a.Regions, r)
			}
		}
		text = rest
	}
	var paras []string
	titleTaken := a.Title != ""
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if h, ok := mdHeading(l); ok {
			if !titleTaken && len(paras) == 0 && strings.HasPrefix(l, "# ") {
				a.Title, titleTaken = h, true
				continue
			}
			l = h
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
