package magazine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"kbot/knowledge"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFolder(t *testing.T) {
	dir := t.TempDir()
	issue, _ := buildSynIssue(20, 10, true)
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("旧文件\n舒兰市委组织部开展培训，效果良好。"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "a-issue.txt"), []byte(issue))
	writeFile(t, filepath.Join(dir, "b-note.md"), []byte("---\ntitle: 补充材料\nsection: 经验交流\n---\n正文。"))
	writeFile(t, filepath.Join(dir, "sub", "c-old.txt"), gbk)
	writeFile(t, filepath.Join(dir, "sub", "d-copy.md"), []byte("---\ntitle: 补充材料\nsection: 经验交流\n---\n同一篇的另一份。"))
	writeFile(t, filepath.Join(dir, "photo.png"), []byte{0x89, 'P', 'N', 'G'})
	writeFile(t, filepath.Join(dir, "empty.txt"), nil)
	writeFile(t, filepath.Join(dir, "broken.txt"), []byte{0xff, 0xfe, 0x00, 0x81, 0x30, 0x00, 0xc8, 0x01})
	writeFile(t, filepath.Join(dir, ".hidden.md"), []byte("不读"))

	arts, warnings, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	ids := map[string]bool{}
	for _, a := range arts {
		if len(sources) == 0 || sources[len(sources)-1] != a.Source {
			sources = append(sources, a.Source)
		}
		if ids[a.ID] {
			t.Errorf("duplicate ID %s (%s, %s)", a.ID, a.Title, a.Source)
		}
		ids[a.ID] = true
	}
	if got, want := strings.Join(sources, ","), "a-issue.txt,b-note.md,c-old.txt,d-copy.md"; got != want {
		t.Errorf("sources in order %s, want %s", got, want)
	}
	if len(arts) < 8 {
		t.Errorf("got %d articles; the issue alone holds 8", len(arts))
	}
	wantWarn := map[string]string{
		"photo.png":   "only .txt, .md and .pdf",
		"empty.txt":   "empty",
		"broken.txt":  "not UTF-8",
		"c-old.txt":   "GB18030",
		"a-issue.txt": "names no issue",
	}
	for file, phrase := range wantWarn {
		found := false
		for _, w := range warnings {
			if strings.Contains(w, file) && strings.Contains(w, phrase) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning naming %s with %q in %q", file, phrase, warnings)
		}
	}
	if len(warnings) != len(wantWarn) {
		t.Errorf("warnings = %q, want %d", warnings, len(wantWarn))
	}

	again, _, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	for i := range arts {
		if arts[i].ID != again[i].ID || arts[i].Title != again[i].Title {
			t.Fatalf("second load differs at %d: %s %q vs %s %q", i, arts[i].ID, arts[i].Title, again[i].ID, again[i].Title)
		}
	}
}

func TestLoadBundledAndFiles(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "extra.md")
	writeFile(t, doc, []byte("# 补充\n正文。"))
	arts, warnings, err := Load([]string{knowledge.BundledSource, doc, knowledge.BundledSource})
	if err != nil {
		t.Fatal(err)
	}
	name, _ := knowledge.Bundled()
	// The bundled issue names no issue: a note says how it was worked out.
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], name+": the text names no issue") {
		t.Errorf("warnings: %q", warnings)
	}
	if arts[0].Source != name || arts[len(arts)-1].Source != "extra.md" {
		t.Errorf("first source %q, last %q", arts[0].Source, arts[len(arts)-1].Source)
	}
	n := 0
	for _, a := range arts {
		if a.Source == name {
			n++
		}
	}
	bname, bdata := knowledge.Bundled()
	want, _ := parseIssue(bname, string(bdata))
	if n != len(want) {
		t.Errorf("bundled issue listed twice gave %d articles, want %d once", n, len(want))
	}
}

func TestLoadErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-folder")
	_, _, err := Load([]string{missing})
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("err = %v, want one naming %s", err, missing)
	}
}

func TestLooksLikeIssue(t *testing.T) {
	_, seed := seedIssue(t)
	syn, _ := buildSynIssue(22, 9, false)
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"bundled issue", seed, true},
		{"single-spaced synthetic issue", syn, true},
		{"markdown note", "# 标题\n\n正文第一段。\n\n - 列表项\n - 列表项\n", false},
		{"front matter document", "---\ntitle: x\n---\n" + seed, false},
		{"English text with indented lines", strings.Repeat(" indented line of English text\nanother line\n", 30), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := looksLikeIssue(tt.text); got != tt.want {
				t.Errorf("looksLikeIssue = %v, want %v", got, tt.want)
			}
		})
	}
}

func ExampleLoad() {
	arts, warnings, err := Load([]string{knowledge.BundledSource})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range warnings {
		fmt.Println("note:", w)
	}
	for _, a := range arts {
		if a.Author == "陈雪松" {
			fmt.Println(a.Title, "—", a.Byline(), a.Regions, a.IssueName())
		}
	}
	// Output:
	// note: jilin-city-party-building-2020.txt: the text names no issue; taken as 2020年7—8月 from the dates of its news items
	// 深刻理解 准确把握 全力推动新时代党的组织路线落地见效 — 陈雪松（永吉县委常委、组织部长） [永吉县] 2020年7—8月
}
