package magazine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"kbot/knowledge"
	"kbot/knowledge/whitespace"
)

// An issue names itself on its cover, in its running headers or in a
// front matter line: 吉林党建 2020年第7期, 2020年第7—8期, 2020年7—8月号,
// 总第125期. When it does not, the dates of its news column tell which
// months it covers. Nothing here knows a given magazine's name or dates.

// issueInfo is what a source says about its issue.
type issueInfo struct {
	magazine string
	label    string // as the text gives it, spaces removed
	year     int
	month    int // first month covered
	number   int // 期 within the year (first, for a double issue)
	inferred bool
}

const dash = `[—–\-－~～至]`

var (
	// issueNumberRe matches 2020年第7期, 2020年第7—8期, 2020 年 第 7 期.
	issueNumberRe = regexp.MustCompile(`(\d{4})年第(\d{1,2})(?:` + dash + `+(\d{1,2}))?期`)
	// issueMonthRe matches 2020年7月, 2020年7—8月, 2020年7月号; a date (a
	// day after the month) is no issue, see monthLabel.
	issueMonthRe = regexp.MustCompile(`(\d{4})年(\d{1,2})(?:` + dash + `+(\d{1,2}))?月(?:号|刊)?`)
	// issueTotalRe matches 总第125期.
	issueTotalRe = regexp.MustCompile(`总第(\d{1,4})期`)
	// yearRe finds a year in running text (2020 年).
	yearRe = regexp.MustCompile(`(?:^|\D)((?:19|20)\d{2})\s*年`)
	// newsMonthRe takes the month of a dated news item (7 月 22 日，).
	newsMonthRe = regexp.MustCompile(`^(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月`)
)

// statedIssue looks for the issue's name in the lines that can carry it:
// short lines without sentence punctuation (a cover, a running header, a
// front matter line). It returns false when none names an issue.
func statedIssue(lines []string) (issueInfo, bool) {
	best, found := issueInfo{}, false
	for _, l := range lines {
		t := whitespace.RemoveInLines(l)
		if t == "" || utf8.RuneCountInString(t) > 40 || strings.ContainsAny(t, "，。；！？") {
			continue
		}
		var in issueInfo
		var at int
		switch {
		case issueNumberRe.MatchString(t):
			m := issueNumberRe.FindStringSubmatchIndex(t)
			in.year, _ = strconv.Atoi(t[m[2]:m[3]])
			in.number, _ = strconv.Atoi(t[m[4]:m[5]])
			in.label, at = t[m[0]:m[1]], m[0]
		case monthLabel(t) != nil:
			m := monthLabel(t)
			in.year, _ = strconv.Atoi(t[m[2]:m[3]])
			in.month, _ = strconv.Atoi(t[m[4]:m[5]])
			in.label, at = t[m[0]:m[1]], m[0]
		case issueTotalRe.MatchString(t):
			m := issueTotalRe.FindStringSubmatchIndex(t)
			in.number, _ = strconv.Atoi(t[m[2]:m[3]])
			in.label, at = t[m[0]:m[1]], m[0]
		default:
			continue
		}
		if tot := issueTotalRe.FindString(t); tot != "" && !strings.Contains(in.label, tot) {
			in.label += "（" + tot + "）"
		}
		in.magazine = magazineName(t[:at])
		if at > 0 && in.magazine == "" {
			continue // text before the issue that is no magazine name
		}
		// A line that names year and number beats one with months only,
		// which beats a running total.
		if !found || rank(in) > rank(best) || rank(in) == rank(best) && best.magazine == "" && in.magazine != "" {
			best, found = in, true
		}
	}
	return best, found
}

// monthLabel returns the submatch indexes of the first issueMonthRe match
// in t that is no date (no day follows it), or nil.
func monthLabel(t string) []int {
	for _, m := range issueMonthRe.FindAllStringSubmatchIndex(t, -1) {
		rest := t[m[1]:]
		r, _ := utf8.DecodeRuneInString(rest)
		if rest == "" || !(r >= '0' && r <= '9') && r != '日' {
			return m
		}
	}
	return nil
}

func rank(in issueInfo) int {
	switch {
	case in.year > 0 && in.number > 0:
		return 3
	case in.year > 0:
		return 2
	}
	return 1
}

// magazineName takes the magazine's name from what precedes the issue on
// its line (《吉林党建》2020年第7期).
func magazineName(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "《"), "》")
	if !magazineRe.MatchString(s) {
		return ""
	}
	return s
}

// magazineRe is the shape of a magazine's name: a few Han characters,
// Latin letters or digits, nothing a sentence would hold.
var magazineRe = regexp.MustCompile(`^[\p{Han}A-Za-z0-9·]{2,12}$`)

// inferIssue works the issue out from the dates of its news items (the
// months they fall in) and the year the text names most often. It
// returns false when the text holds no dated item.
func inferIssue(arts []knowledge.Article, text string) (issueInfo, bool) {
	months := map[int]bool{}
	years := map[int]int{}
	for _, a := range arts {
		m := newsMonthRe.FindStringSubmatch(a.Body)
		if m == nil || !dateLeadRe.MatchString(a.Body) {
			continue
		}
		mo, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 {
			months[mo] = true
		}
		if y, _ := strconv.Atoi(m[1]); y > 0 {
			years[y] += 10
		}
	}
	if len(months) == 0 {
		return issueInfo{}, false
	}
	for _, m := range yearRe.FindAllStringSubmatch(text, -1) {
		y, _ := strconv.Atoi(m[1])
		years[y]++
	}
	year := 0
	for y, n := range years {
		if n > years[year] || n == years[year] && y > year {
			year = y
		}
	}
	ms := make([]int, 0, len(months))
	for m := range months {
		ms = append(ms, m)
	}
	sort.Ints(ms)
	// The items of one issue cover its months and perhaps the one
	// before: the latest two months name it.
	first, last := ms[len(ms)-1], ms[len(ms)-1]
	if len(ms) > 1 && ms[len(ms)-2] == last-1 {
		first = last - 1
	}
	label := strconv.Itoa(first) + "月"
	if first != last {
		label = strconv.Itoa(first) + "—" + strconv.Itoa(last) + "月"
	}
	if year > 0 {
		label = strconv.Itoa(year) + "年" + label
	}
	return issueInfo{label: label, year: year, month: first, inferred: true}, true
}

// setIssue gives every article of a source its issue.
func setIssue(arts []knowledge.Article, in issueInfo) {
	for i := range arts {
		arts[i].Magazine = in.magazine
		arts[i].Issue = in.label
		arts[i].IssueYear = in.year
		arts[i].IssueMonth = in.month
		arts[i].IssueNumber = in.number
	}
}

// namesIssue reports a line that names an issue and says nothing else a
// reader would quote: a short line without sentence punctuation.
func namesIssue(line string) bool {
	t := whitespace.RemoveInLines(line)
	if t == "" || utf8.RuneCountInString(t) > 30 || strings.ContainsAny(t, "，。；！？、") {
		return false
	}
	in, ok := statedIssue([]string{t})
	if !ok {
		return false
	}
	// The line is the issue's name: the magazine, then the issue, and
	// nothing after it. A month alone (2020 年 2 月) may be the end of a
	// wrapped line of text: it names an issue only under the magazine's
	// name or as 月号 or 月刊.
	if !strings.HasSuffix(t, in.label) {
		return false
	}
	if in.number == 0 && in.magazine == "" && !strings.HasSuffix(in.label, "号") && !strings.HasSuffix(in.label, "刊") {
		return false
	}
	return true
}

// issueLines returns the lines that name an issue (see namesIssue): a
// cover, a running header, a front matter line.
func issueLines(raw []string) []string {
	var out []string
	for _, l := range raw {
		if t := strings.TrimSpace(strings.ReplaceAll(l, "\f", "")); namesIssue(t) {
			out = append(out, t)
		}
	}
	return out
}

// afterHeader reports whether the line before line i is a running header
// or label (letter-spaced, or short with no sentence punctuation): then
// line i follows the end of a page, as a cover does.
func afterHeader(raw []string, i int) bool {
	for j := i - 1; j >= 0; j-- {
		t := strings.TrimFunc(strings.ReplaceAll(raw[j], "\f", ""), isSpace)
		if t == "" {
			continue
		}
		if _, ok := letterSpaced(t); ok {
			return true
		}
		return utf8.RuneCountInString(t) <= 16 && !hasSentencePunct(t) && !endsSentence(t)
	}
	return false
}

// splitIssues cuts a text that holds several issues into one text per
// issue: where a line names another issue than the lines before, a new
// issue starts (at the line, or at the top of its page when the line is
// a header that ends the page). A text that names one issue, or none,
// comes back whole.
func splitIssues(text string) []string {
	raw := strings.Split(text, "\n")
	starts, _ := pageStartsOf(raw, findPageMark(raw))
	var cuts []int
	cur := ""
	pageTop := 0
	// lastOfPage reports whether line i ends its page: a running header
	// there names the issue of the page above it.
	lastOfPage := func(i int) bool {
		for j := i + 1; j < len(raw); j++ {
			if starts[j] {
				return true
			}
			if strings.TrimFunc(raw[j], isSpace) != "" {
				return false
			}
		}
		return true
	}
	for i, l := range raw {
		if starts[i] {
			pageTop = i
		}
		t := whitespace.RemoveInLines(strings.ReplaceAll(l, "\f", ""))
		if !namesIssue(t) {
			continue
		}
		in, _ := statedIssue([]string{t})
		key := in.label
		if cur != "" && key != cur {
			// A cover opens the new issue where it stands; a header
			// that ends a page names the page it ends.
			cut := i
			if lastOfPage(i) && pageTop > 0 && (len(cuts) == 0 || pageTop > cuts[len(cuts)-1]) && !afterHeader(raw, i) {
				cut = pageTop
			}
			cuts = append(cuts, cut)
		}
		cur = key
	}
	if len(cuts) == 0 {
		return []string{text}
	}
	var out []string
	from := 0
	for _, c := range cuts {
		out = append(out, strings.Join(raw[from:c], "\n"))
		from = c
	}
	return append(out, strings.Join(raw[from:], "\n"))
}

// readIssues parses a source that holds one issue or several, giving
// every article its issue. notes say what was worked out rather than
// read (an issue inferred from dates, several issues in one file).
func readIssues(name, text string) (arts []knowledge.Article, notes []string, err error) {
	return readIssuesAs(name, text, nil)
}

// readIssuesAs is readIssues with the issue given by a sidecar file, when
// given is not nil: it names the issue of a file that holds one.
func readIssuesAs(name, text string, given *issueInfo) (arts []knowledge.Article, notes []string, err error) {
	parts := splitIssues(normaliseNewlines(text))
	if given != nil {
		parts = []string{normaliseNewlines(text)}
	}
	var labels []string
	for _, part := range parts {
		a, err := parseIssue(name, part)
		if errors.Is(err, errNoArticles) && len(parts) > 1 {
			continue // a cover page alone
		}
		if err != nil {
			return nil, notes, err
		}
		in, ok := statedIssue(issueLines(strings.Split(part, "\n")))
		if given != nil {
			in, ok = *given, true
		}
		if !ok {
			if in, ok = inferIssue(a, part); ok {
				notes = append(notes, fmt.Sprintf("the text names no issue; taken as %s from the dates of its news items", in.label))
			} else {
				notes = append(notes, "the text names no issue and has no dated news items; its articles carry no issue")
			}
		}
		setIssue(a, in)
		labels = append(labels, in.label)
		arts = append(arts, a...)
	}
	if len(labels) > 1 {
		notes = append(notes, fmt.Sprintf("holds %d issues (%s), read one by one", len(labels), strings.Join(labels, "、")))
	}
	if len(arts) == 0 {
		return nil, notes, fmt.Errorf("parse issue %s: %w", name, errNoArticles)
	}
	return arts, notes, nil
}

// sidecarExt ends the name of a sidecar file: beside issue.txt (or
// issue.pdf), issue.txt.issue holds one line naming the issue as its
// cover would (吉林党建 2020年第7期), for an issue whose text names none.
const sidecarExt = ".issue"

// readSidecar reads the sidecar of the source at path. It returns nil and
// no note when there is none, and nil and a note when it names no issue.
func readSidecar(path string) (*issueInfo, string) {
	data, err := os.ReadFile(path + sidecarExt)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ""
		}
		return nil, fmt.Sprintf("%s: cannot read, ignored: %v", path+sidecarExt, err)
	}
	for _, l := range strings.Split(normaliseNewlines(string(data)), "\n") {
		t := whitespace.RemoveInLines(l)
		if t == "" {
			continue
		}
		if in, ok := statedIssue([]string{t}); ok {
			return &in, ""
		}
		break
	}
	return nil, fmt.Sprintf("%s: names no issue (write it as a cover does: 吉林党建 2020年第7期), ignored", path+sidecarExt)
}
