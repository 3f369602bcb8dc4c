package magazine

import (
	"strings"
	"testing"

	"kbot/knowledge"
)

func TestStatedIssue(t *testing.T) {
	tests := []struct {
		name                string
		lines               []string
		magazine, label     string
		year, month, number int
		found               bool
	}{
		{"year and number", []string{"吉林党建 2020 年第 7 期"}, "吉林党建", "2020年第7期", 2020, 0, 7, true},
		{"double issue", []string{"《组工通讯》2021年第7—8期"}, "组工通讯", "2021年第7—8期", 2021, 0, 7, true},
		{"months", []string{"党建月刊 2019年11—12月号"}, "党建月刊", "2019年11—12月号", 2019, 11, 0, true},
		{"running total", []string{"总第125期"}, "", "总第125期", 0, 0, 125, true},
		{"number and total", []string{"2022年第3期（总第140期）"}, "", "2022年第3期（总第140期）", 2022, 0, 3, true},
		{"a date is no issue", []string{"2020 年 7 月 22 日"}, "", "", 0, 0, 0, false},
		{"a sentence is no cover", []string{"2020年第7期刊发了文章，反响很好。"}, "", "", 0, 0, 0, false},
		{"nothing", []string{"组 织 工 作 动 态", "正文。"}, "", "", 0, 0, 0, false},
		{"number beats months", []string{"2020年7月", "吉林党建 2020年第7期"}, "吉林党建", "2020年第7期", 2020, 0, 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, ok := statedIssue(tt.lines)
			if ok != tt.found || in.magazine != tt.magazine || in.label != tt.label || in.year != tt.year || in.month != tt.month || in.number != tt.number {
				t.Errorf("statedIssue(%q) = %+v, %v", tt.lines, in, ok)
			}
		})
	}
}

// The bundled issue names no issue; its news items date it.
func TestBundledIssueInferred(t *testing.T) {
	name, text := seedIssue(t)
	arts, notes, err := readIssues(name, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "taken as 2020年7—8月") {
		t.Errorf("notes = %q", notes)
	}
	for _, a := range arts {
		if a.Issue != "2020年7—8月" || a.IssueYear != 2020 || a.IssueMonth != 7 || a.Magazine != "" {
			t.Fatalf("article %q: issue %q %d %d %q", a.Title, a.Issue, a.IssueYear, a.IssueMonth, a.Magazine)
		}
	}
}

// The same issue twice in one file gives every article twice, with
// unique IDs and no header learned from the repetition.
func TestSameIssueTwiceInOneFile(t *testing.T) {
	name, text := seedIssue(t)
	once, err := parseIssue(name, text)
	if err != nil {
		t.Fatal(err)
	}
	twice, _, err := readIssues(name, text+"\n"+text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, a := range once {
		if a.Author != "" {
			want[tableRow(a)] += 2
		}
	}
	got := map[string]int{}
	ids := map[string]bool{}
	for _, a := range twice {
		if a.Author != "" {
			got[tableRow(a)]++
		}
		if ids[a.ID] {
			t.Errorf("duplicate ID %s", a.ID)
		}
		ids[a.ID] = true
	}
	for row, n := range want {
		if got[row] != n {
			t.Errorf("%d × %s, want %d", got[row], row, n)
		}
	}
	if len(twice) != 2*len(once) {
		t.Errorf("%d articles, want %d", len(twice), 2*len(once))
	}
}

func TestLoadTwoIssueFiles(t *testing.T) {
	dir := t.TempDir()
	m := bundledModel(t)
	text1, _ := render(m, layout{width: 18, perPage: 24, double: true, marker: " ", spaced: true, seed: 1})
	text2, _ := render(otherIssue(m), layout{width: 18, perPage: 24, marker: "\f", seed: 2})
	writeFile(t, dir+"/2020-08.txt", []byte(text1))
	writeFile(t, dir+"/2020-09.txt", []byte(text2))
	arts, warnings, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range arts {
		count[a.IssueName()]++
	}
	if count["2020年7—8月"] == 0 || count["吉林党建 2020年第9期"] == 0 || len(count) != 2 {
		t.Errorf("articles by issue: %v", count)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "2020-08.txt") {
		t.Errorf("warnings = %q, want the one note on the issue worked out from dates", warnings)
	}
	var latest knowledge.Article
	for _, a := range arts {
		if a.IssueOrder() > latest.IssueOrder() {
			latest = a
		}
	}
	if latest.IssueName() != "吉林党建 2020年第9期" {
		t.Errorf("latest issue %q", latest.IssueName())
	}
}

// A sidecar file names the issue of a source whose text names none.
func TestSidecarNamesTheIssue(t *testing.T) {
	dir := t.TempDir()
	_, data := knowledge.Bundled()
	writeFile(t, dir+"/issue.txt", data)
	writeFile(t, dir+"/issue.txt.issue", []byte("吉林党建 2020年第7—8期\n"))
	writeFile(t, dir+"/note.md", []byte("# 补充\n正文。"))
	writeFile(t, dir+"/note.md.issue", []byte("随便写的\n"))
	arts, warnings, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		want := "吉林党建 2020年第7—8期"
		if a.Source == "note.md" {
			want = ""
		}
		if a.IssueName() != want {
			t.Fatalf("%s 《%s》: issue %q, want %q", a.Source, a.Title, a.IssueName(), want)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "note.md.issue: names no issue") {
		t.Errorf("warnings = %q", warnings)
	}
}
