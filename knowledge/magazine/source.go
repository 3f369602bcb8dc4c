package magazine

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"kbot/knowledge"
	"kbot/knowledge/cjk"
)

// Load reads every source: knowledge.BundledSource, files, or folders
// (recursively, .txt and .md; other files skipped with a warning).
//
// It decides per file whether it is a magazine issue (by its shape: lines
// that begin with a space to start a page, double spacing) or a plain
// document. A bad file (non-UTF-8 that cannot be decoded, empty,
// unreadable) is skipped with a warning naming the file; a missing path is
// an error naming the path. Articles come back in a deterministic order
// (sources as given, files of a folder in lexical order, articles in
// reading order); IDs are unique.
func Load(paths []string) (articles []knowledge.Article, warnings []string, err error) {
	seen := map[string]bool{}
	var all []knowledge.Article
	for _, src := range paths {
		if src == knowledge.BundledSource {
			if seen[knowledge.BundledSource] {
				continue
			}
			seen[knowledge.BundledSource] = true
			name, data := knowledge.Bundled()
			arts, err := parseIssue(name, string(data))
			if err != nil {
				return nil, warnings, fmt.Errorf("bundled issue: %w", err)
			}
			all = append(all, arts...)
			continue
		}
		st, err := os.Stat(src)
		if err != nil {
			return nil, warnings, fmt.Errorf("source %s: %w", src, err)
		}
		if !st.IsDir() {
			arts, warns := loadFile(src, seen)
			all = append(all, arts...)
			warnings = append(warnings, warns...)
			continue
		}
		err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("%s: cannot read, skipped: %v", path, err))
				if d != nil && d.IsDir() && path != src {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != src && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			arts, warns := loadFile(path, seen)
			all = append(all, arts...)
			warnings = append(warnings, warns...)
			return nil
		})
		if err != nil {
			return nil, warnings, fmt.Errorf("source %s: %w", src, err)
		}
	}
	ids := newIDSet()
	for i := range all {
		all[i].ID = ids.unique(all[i].ID)
	}
	return all, warnings, nil
}

// loadFile reads one file as an issue or a document. Problems come back as
// warnings: a file that cannot be used is skipped, never fatal.
func loadFile(path string, seen map[string]bool) ([]knowledge.Article, []string) {
	abs, err := filepath.Abs(path)
	if err == nil {
		if seen[abs] {
			return nil, nil
		}
		seen[abs] = true
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".txt" && ext != ".md" {
		return nil, []string{fmt.Sprintf("%s: skipped: only .txt and .md files are read", path)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: cannot read, skipped: %v", path, err)}
	}
	text, note, err := decodeText(data)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: skipped: %v", path, err)}
	}
	var warns []string
	if note != "" {
		warns = append(warns, fmt.Sprintf("%s: %s", path, note))
	}
	name := filepath.Base(path)
	if looksLikeIssue(text) {
		arts, err := parseIssue(name, text)
		if err != nil {
			return nil, append(warns, fmt.Sprintf("%s: skipped: %v", path, err))
		}
		return arts, warns
	}
	a, err := parseDocumentText(name, text)
	if err != nil {
		return nil, append(warns, fmt.Sprintf("%s: skipped: %v", path, err))
	}
	return []knowledge.Article{a}, warns
}

// decodeText turns file bytes into text: UTF-8 (a byte-order mark
// stripped), or GB18030 when that yields plausible Chinese, in which case
// note says so. Line ends come back as LF.
func decodeText(data []byte) (text, note string, err error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return "", "", knowledge.ErrEmpty
	}
	if utf8.Valid(data) {
		text = normaliseNewlines(string(data))
		if strings.TrimFunc(text, unicode.IsSpace) == "" {
			return "", "", knowledge.ErrEmpty
		}
		return text, "", nil
	}
	dec, derr := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if derr != nil || !plausiblyChinese(string(dec)) {
		return "", "", knowledge.ErrUndecodable
	}
	return normaliseNewlines(string(dec)), "not UTF-8; read as GB18030 (Chinese Windows encoding)", nil
}

// plausiblyChinese reports text that is mostly Han characters, Chinese
// punctuation, ASCII and spaces, with a fair share of Han.
func plausiblyChinese(s string) bool {
	han, other, total := 0, 0, 0
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		total++
		switch {
		case r == utf8.RuneError:
			return false
		case cjk.IsHan(r):
			han++
		case r < 0x80 || cjk.IsPunct(r) || (r >= 0xFF10 && r <= 0xFF5A):
		default:
			other++
		}
	}
	return total > 0 && han*10 >= total*3 && other*20 <= total
}

var pageStartRe = regexp.MustCompile(`(?m)^ [^\s]`)

// looksLikeIssue tells a magazine issue from a plain document by its
// shape: pages that begin with a line indented by one space, and Chinese
// text in short lines. A document with front matter is never an issue.
func looksLikeIssue(text string) bool {
	if _, _, ok := splitFrontMatter(text); ok {
		return false
	}
	starts := len(pageStartRe.FindAllStringIndex(text, -1))
	if starts < 2 {
		return false
	}
	lines, short := 0, 0
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		lines++
		if utf8.RuneCountInString(l) <= 60 {
			short++
		}
	}
	return lines >= 20 && short*10 >= lines*9 && plausiblyChinese(text)
}
