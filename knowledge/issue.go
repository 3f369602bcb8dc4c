package knowledge

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"kbot/knowledge/whitespace"
)

// Issues of the magazine: every article carries the issue it ran in (see
// Article.Issue), so that many issues can sit in one index, a search or a
// question can be narrowed to one, and "the latest issue" means the one
// published last.

// ErrUnknownIssue is returned for an issue filter that names no issue in
// the index.
var ErrUnknownIssue = errors.New("unknown issue")

// LatestIssue, as an issue filter, names the issue published last.
const LatestIssue = "latest"

// IssueSummary describes one issue in the index.
type IssueSummary struct {
	// Name is how the issue is named and filtered on (吉林党建
	// 2020年第7期); Article.IssueName.
	Name     string   `json:"name"`
	Magazine string   `json:"magazine,omitempty"`
	Issue    string   `json:"issue"`
	Year     int      `json:"year,omitempty"`
	Month    int      `json:"month,omitempty"`
	Number   int      `json:"number,omitempty"`
	Articles int      `json:"articles"`
	Sources  []string `json:"sources"`
	// Latest marks the issue published last.
	Latest bool `json:"latest"`
	order  int
}

// Issues lists the issues of the index, latest first. Articles that
// carry no issue (plain documents) are not listed.
func (x *Index) Issues() []IssueSummary {
	byName := map[string]*IssueSummary{}
	var out []*IssueSummary
	for _, a := range x.articles {
		name := a.IssueName()
		if name == "" {
			continue
		}
		s, ok := byName[name]
		if !ok {
			s = &IssueSummary{Name: name, Magazine: a.Magazine, Issue: a.Issue, Year: a.IssueYear,
				Month: a.IssueMonth, Number: a.IssueNumber, Sources: []string{}, order: a.IssueOrder()}
			byName[name] = s
			out = append(out, s)
		}
		s.Articles++
		if !contains(s.Sources, a.Source) {
			s.Sources = append(s.Sources, a.Source)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].order > out[j].order })
	res := make([]IssueSummary, len(out))
	for i, s := range out {
		res[i] = *s
		res[i].Latest = i == 0
	}
	return res
}

// resolveIssue turns an issue filter into the name of one issue: "" for
// none, LatestIssue (or 最新一期, 本期) for the latest, else the issue whose
// name equals or holds the filter (2020年第7期, 第7期, 7—8月). It fails
// with ErrUnknownIssue when no issue or several match.
func (x *Index) resolveIssue(filter string) (string, error) {
	f := normIssue(filter)
	if f == "" {
		return "", nil
	}
	issues := x.Issues()
	if len(issues) == 0 {
		return "", fmt.Errorf("%w %q: the index holds no issue", ErrUnknownIssue, filter)
	}
	if f == LatestIssue || f == "最新" || f == "最新一期" || f == "本期" {
		return issues[0].Name, nil
	}
	var names, hits []string
	for _, s := range issues {
		names = append(names, s.Name)
		n := normIssue(s.Name)
		switch {
		case n == f || normIssue(s.Issue) == f:
			return s.Name, nil
		case strings.Contains(n, f):
			hits = append(hits, s.Name)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	if len(hits) > 1 {
		return "", fmt.Errorf("%w %q: it matches %s", ErrUnknownIssue, filter, strings.Join(hits, "、"))
	}
	return "", fmt.Errorf("%w %q (known: %s)", ErrUnknownIssue, filter, strings.Join(names, "、"))
}

// normIssue spells an issue name for comparison: no spaces, one kind of
// dash.
func normIssue(s string) string {
	s = whitespace.RemoveInLines(strings.TrimSpace(s))
	return strings.NewReplacer("–", "—", "-", "—", "－", "—", "~", "—", "～", "—", "至", "—").Replace(s)
}

// latestWords are how a question names the latest issue.
var latestWords = []string{"最新一期", "最近一期", "最新的一期", "本期", "这一期", "这期", "当期", "最新刊"}

// issueOfQuestion returns the issue filter a question implies: the
// latest issue when it asks about 本期 or 最新一期, "" otherwise. With
// one issue in the index there is nothing to narrow.
func (x *Index) issueOfQuestion(q string) string {
	if len(x.Issues()) < 2 {
		return ""
	}
	for _, w := range latestWords {
		if strings.Contains(q, w) {
			return LatestIssue
		}
	}
	return ""
}

// allInIssue reports whether every article of the index ran in the named
// issue.
func (x *Index) allInIssue(name string) bool {
	for _, a := range x.articles {
		if a.IssueName() != name {
			return false
		}
	}
	return true
}
