package magazine

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	unicode16 "golang.org/x/text/encoding/unicode"

	"kbot/knowledge"
	"kbot/knowledge/cjk"
)

// Load reads every source: knowledge.BundledSource, files, or folders
// (recursively, .txt and .md; other files skipped with a warning). It is
// Loader{}.Load: PDFs are skipped, since it has no PDF reader.
func Load(paths []string) (articles []knowledge.Article, warnings []string, err error) {
	return Loader{}.Load(paths)
}

// Loader reads the sources of the knowledge base.
type Loader struct {
	// ExtractPDF reads the text of a PDF (knowledge/pdf's Extract), with
	// errors that wrap knowledge.ErrPDF…; nil means PDF files are skipped
	// with a warning.
	ExtractPDF func(data []byte) (string, error)
}

// Load reads every source: knowledge.BundledSource, files, or folders
// (recursively: .txt, .md and, with ExtractPDF, .pdf; other files skipped
// with a warning).
//
// It decides per file whether it is a magazine issue (by its shape: pages
// in short lines of Chinese text with running headers, bylines or a line
// naming the issue) or a plain document. A file that holds several
// issues gives each article its own issue. A bad file (undecodable,
// empty, unreadable, a PDF without text) is skipped with a warning
// naming the file and why; a file read with a note (another encoding, an
// issue worked out from dates) gets a warning saying so; a missing path
// is an error naming the path. Articles come back in a deterministic
// order (sources as given, files of a folder in lexical order, articles
// in reading order); IDs are unique.
func (ld Loader) Load(paths []string) (articles []knowledge.Article, warnings []string, err error) {
	seen := map[string]bool{}
	var all []knowledge.Article
	for _, src := range paths {
		if src == knowledge.BundledSource {
			if seen[knowledge.BundledSource] {
				continue
			}
			seen[knowledge.BundledSource] = true
			name, data := knowledge.Bundled()
			arts, notes, err := readIssues(name, string(data))
			if err != nil {
				return nil, warnings, fmt.Errorf("bundled issue: %w", err)
			}
			for _, n := range notes {
				warnings = append(warnings, fmt.Sprintf("%s: %s", name, n))
			}
			all = append(all, arts...)
			continue
		}
		st, err := os.Stat(src)
		if err != nil {
			return nil, warnings, fmt.Errorf("source %s: %w", src, err)
		}
		if !st.IsDir() {
			arts, warns := ld.loadFile(src, seen)
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
			if strings.HasPrefix(d.Name(), ".") || strings.HasSuffix(d.Name(), sidecarExt) {
				return nil // a sidecar is read with its source
			}
			arts, warns := ld.loadFile(path, seen)
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
func (ld Loader) loadFile(path string, seen map[string]bool) ([]knowledge.Article, []string) {
	abs, err := filepath.Abs(path)
	if err == nil {
		if seen[abs] {
			return nil, nil
		}
		seen[abs] = true
	}
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case ext == ".txt" || ext == ".md":
	case ext == ".pdf" && ld.ExtractPDF != nil:
	case ext == ".pdf":
		return nil, []string{fmt.Sprintf("%s: skipped: PDF files are read only by kbot itself (no PDF reader here)", path)}
	default:
		return nil, []string{fmt.Sprintf("%s: skipped: only .txt, .md and .pdf files are read", path)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: cannot read, skipped: %v", path, err)}
	}
	var text, note string
	if ext == ".pdf" {
		// A PDF goes through the same reader as its text extraction.
		text, err = ld.ExtractPDF(data)
		if err == nil {
			text = normaliseNewlines(text)
			if strings.TrimSpace(text) == "" {
				err = knowledge.ErrPDFNoText
			}
		}
	} else {
		text, note, err = decodeText(data)
	}
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: skipped: %v", path, err)}
	}
	var warns []string
	if note != "" {
		warns = append(warns, fmt.Sprintf("%s: %s", path, note))
	}
	name := filepath.Base(path)
	given, sideNote := readSidecar(path)
	if sideNote != "" {
		warns = append(warns, sideNote)
	}
	if looksLikeIssue(text) {
		arts, notes, err := readIssuesAs(name, text, given)
		if err != nil {
			return nil, append(warns, fmt.Sprintf("%s: skipped: %v", path, err))
		}
		for _, n := range notes {
			warns = append(warns, fmt.Sprintf("%s: %s", path, n))
		}
		return arts, warns
	}
	a, err := parseDocumentText(name, text)
	if err != nil {
		return nil, append(warns, fmt.Sprintf("%s: skipped: %v", path, err))
	}
	if given != nil {
		a.Magazine, a.Issue, a.IssueYear, a.IssueMonth, a.IssueNumber = given.magazine, given.label, given.year, given.month, given.number
	}
	return []knowledge.Article{a}, warns
}

// decodeText turns file bytes into text: UTF-8 (a byte-order mark
// stripped); UTF-16 with a byte-order mark, or without one when every
// other byte is zero; GB18030 when that yields plausible Chinese;
// Windows-1252 when that yields plausible Latin text. note says which
// encoding was read when it was not UTF-8. Line ends come back as LF.
func decodeText(data []byte) (text, note string, err error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return "", "", knowledge.ErrEmpty
	}
	done := func(t, n string) (string, string, error) {
		t = normaliseNewlines(t)
		if strings.TrimFunc(t, unicode.IsSpace) == "" {
			return "", "", knowledge.ErrEmpty
		}
		return t, n, nil
	}
	if enc, name := utf16Of(data); enc != nil {
		dec, derr := enc.NewDecoder().Bytes(data)
		if t := string(dec); derr == nil && utf8.Valid(dec) && !strings.ContainsRune(t, utf8.RuneError) && (plausiblyChinese(t) || plausiblyLatin(t)) {
			return done(string(dec), "not UTF-8; read as "+name)
		}
	}
	if utf8.Valid(data) {
		return done(string(data), "")
	}
	if dec, derr := simplifiedchinese.GB18030.NewDecoder().Bytes(data); derr == nil && plausiblyChinese(string(dec)) {
		return done(string(dec), "not UTF-8; read as GB18030 (Chinese Windows encoding)")
	}
	if dec, derr := charmap.Windows1252.NewDecoder().Bytes(data); derr == nil && plausiblyLatin(string(dec)) {
		return done(string(dec), "not UTF-8; read as Windows-1252 (Western Windows encoding)")
	}
	return "", "", knowledge.ErrUndecodable
}

// utf16Of recognises UTF-16 text by its byte-order mark, or by zero bytes
// in every other position (text in Latin letters, digits or punctuation
// saved as UTF-16 without a mark).
func utf16Of(data []byte) (encoding.Encoding, string) {
	switch {
	case len(data) >= 2 && data[0] == 0xFF && data[1] == 0xFE:
		return unicode16.UTF16(unicode16.LittleEndian, unicode16.ExpectBOM), "UTF-16 (little-endian, with byte-order mark)"
	case len(data) >= 2 && data[0] == 0xFE && data[1] == 0xFF:
		return unicode16.UTF16(unicode16.BigEndian, unicode16.ExpectBOM), "UTF-16 (big-endian, with byte-order mark)"
	}
	if len(data) < 8 || len(data)%2 != 0 {
		return nil, ""
	}
	evenZero, oddZero := 0, 0
	for i := 0; i+1 < len(data); i += 2 {
		if data[i] == 0 {
			evenZero++
		}
		if data[i+1] == 0 {
			oddZero++
		}
	}
	half := len(data) / 2
	switch {
	case oddZero*10 >= half*9 && evenZero == 0:
		return unicode16.UTF16(unicode16.LittleEndian, unicode16.IgnoreBOM), "UTF-16 (little-endian)"
	case evenZero*10 >= half*9 && oddZero == 0:
		return unicode16.UTF16(unicode16.BigEndian, unicode16.IgnoreBOM), "UTF-16 (big-endian)"
	}
	return nil, ""
}

// plausiblyLatin reports text in a Western encoding: printable, mostly
// Latin letters, with digits, punctuation and spaces, and no control
// characters or letters of other scripts.
func plausiblyLatin(s string) bool {
	letters, total := 0, 0
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			continue
		case unicode.IsControl(r), unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r):
			return false
		case unicode.IsLetter(r):
			letters++
		}
		total++
	}
	return total > 0 && letters*2 >= total
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

// looksLikeIssue tells a magazine issue from a plain document by its
// shape: an issue is Chinese text in short lines over several pages
// (however the extraction marked them) with running headers, labels,
// bylines or a line naming the issue; a plain document is one article,
// perhaps hard-wrapped with indented paragraphs. A document with front
// matter is never an issue.
func looksLikeIssue(text string) bool {
	if _, _, ok := splitFrontMatter(text); ok {
		return false
	}
	raw := strings.Split(text, "\n")
	lines, short := 0, 0
	for _, l := range raw {
		if strings.TrimSpace(l) == "" {
			continue
		}
		lines++
		if utf8.RuneCountInString(l) <= 60 {
			short++
		}
	}
	if lines < 20 || short*10 < lines*9 || !plausiblyChinese(text) {
		return false
	}
	is := readIssue("", text)
	pages := 0
	for _, p := range is.pages {
		if len(p.lines) > 0 {
			pages++
		}
	}
	signs := 0
	if is.mark != markNone && pages >= 2 {
		signs++
	}
	if len(is.headers) > 0 {
		signs++
	}
	posts, titled := 0, 0
	for _, l := range is.lines {
		switch {
		case l.role == rolePost:
			posts++
		case namesIssue(l.text):
			signs++
		}
	}
	for _, p := range is.pages {
		if len(p.titles) > 0 {
			titled++
		}
	}
	if posts >= 2 || titled >= 2 {
		signs++
	}
	return signs >= 2
}
