package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kbot/knowledge"
)

// Two issues side by side: kbot issues lists them, ask cites the issue,
// and --issue narrows articles and search.
func TestIssuesFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	_, data := knowledge.Bundled()
	second := "吉林党建 2020年第9期\n" + strings.NewReplacer("三梁村", "杏花村", "7 月", "9 月", "8 月", "10 月").Replace(string(data))
	for name, text := range map[string]string{"a.txt": string(data), "b.txt": second} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	store := t.TempDir()
	code, out, errs := kbot(t, store, nil, "--source", dir, "issues", "--json")
	if code != 0 {
		t.Fatalf("issues: exit %d: %s", code, errs)
	}
	var issues []struct {
		Name   string `json:"name"`
		Latest bool   `json:"latest"`
	}
	if err := json.Unmarshal([]byte(out), &issues); err != nil || len(issues) != 2 || issues[0].Name != "吉林党建 2020年第9期" || !issues[0].Latest {
		t.Fatalf("issues = %s (%v)", out, err)
	}
	code, out, errs = kbot(t, store, nil, "--source", dir, "ask", "杏花村养猪一年净赚多少？")
	if code != 0 || !strings.Contains(out, "吉林党建 2020年第9期 第") {
		t.Errorf("ask: exit %d, sources do not name the issue:\n%s%s", code, out, errs)
	}
	code, out, errs = kbot(t, store, nil, "--source", dir, "articles", "--json", "--issue", "7—8月")
	if code != 0 {
		t.Fatalf("articles: exit %d: %s", code, errs)
	}
	var rows []struct {
		Issue string `json:"issue"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) == 0 {
		t.Fatalf("articles = %s (%v)", out, err)
	}
	for _, r := range rows {
		if r.Issue != "2020年7—8月" {
			t.Errorf("article of issue %q listed under --issue 7—8月", r.Issue)
		}
	}
	code, _, errs = kbot(t, store, nil, "--source", dir, "search", "--issue", "第3期", "集体经济")
	if code != 2 || !strings.Contains(errs, "找不到这一期") {
		t.Errorf("search --issue 第3期: exit %d, %s", code, errs)
	}
}
