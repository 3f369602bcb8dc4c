package knowledge_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kbot/knowledge"
)

// twoIssues writes the bundled issue and a second issue made from it
// (other places and months, under a cover that names it) into a folder.
func twoIssues(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	_, data := knowledge.Bundled()
	second := strings.NewReplacer("三梁村", "杏花村", "舒兰", "柳林", "7 月", "9 月", "8 月", "10 月").Replace(string(data))
	second = "吉林党建 2020年第9期\n" + second
	for name, text := range map[string]string{"2020-07.txt": string(data), "2020-09.txt": second} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTwoIssuesSideBySide(t *testing.T) {
	ctx := context.Background()
	b, err := knowledge.Open(ctx, testOptions(t.TempDir(), twoIssues(t)))
	if err != nil {
		t.Fatal(err)
	}
	const first, latest = "2020年7—8月", "吉林党建 2020年第9期"
	issues := b.Issues()
	if len(issues) != 2 || issues[0].Name != latest || !issues[0].Latest || issues[1].Name != first || issues[0].Articles != issues[1].Articles {
		t.Fatalf("issues = %+v", issues)
	}
	if got := b.Stats().IssueName; got != latest+" 等 2 期" {
		t.Errorf("Stats().IssueName = %q", got)
	}
	ids := map[string]bool{}
	for _, a := range b.Articles("") {
		if ids[a.ID] {
			t.Errorf("ID %s used twice (%s, %s)", a.ID, a.Title, a.IssueName())
		}
		ids[a.ID] = true
	}

	t.Run("each answer cites its issue", func(t *testing.T) {
		for q, issue := range map[string]string{"杏花村养猪一年净赚多少？": latest, "三梁村养猪一年净赚多少？": first} {
			ans, err := b.Ask(ctx, knowledge.Question{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			if ans.Refused || len(ans.Citations) == 0 || ans.Citations[0].Issue != issue || ans.Citations[0].PageStart == 0 {
				t.Fatalf("%s: %+v", q, ans.Citations)
			}
			if !strings.Contains(knowledge.RenderText(ans), "，"+issue+" 第") {
				t.Errorf("%s: sources do not name the issue and page:\n%s", q, knowledge.RenderText(ans))
			}
		}
	})
	t.Run("the latest issue answers a question about it", func(t *testing.T) {
		ans, err := b.Ask(ctx, knowledge.Question{Text: "最新一期里幸福里社区的“五位一体”具体指哪五个？"})
		if err != nil {
			t.Fatal(err)
		}
		if ans.Refused || len(ans.Citations) == 0 {
			t.Fatalf("answer = %+v", ans)
		}
		for _, c := range ans.Citations {
			if c.Issue != latest {
				t.Errorf("citation of 《%s》 from %q, want the latest issue", c.Title, c.Issue)
			}
		}
	})
	t.Run("an issue filter narrows search", func(t *testing.T) {
		for filter, want := range map[string]string{"第9期": latest, "7—8月": first, knowledge.LatestIssue: latest, "2020年7-8月": first} {
			rs, err := b.Search(ctx, "村集体经济", knowledge.SearchOptions{Issue: filter, K: 8})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 {
				t.Fatalf("%s: no results", filter)
			}
			for _, r := range rs {
				if r.Article.IssueName() != want {
					t.Errorf("filter %q: result from %q", filter, r.Article.IssueName())
				}
			}
		}
		if _, err := b.Search(ctx, "村集体经济", knowledge.SearchOptions{Issue: "第3期"}); !errors.Is(err, knowledge.ErrUnknownIssue) {
			t.Errorf("unknown issue: err = %v", err)
		}
		if _, err := b.Search(ctx, "村集体经济", knowledge.SearchOptions{Issue: "2020"}); !errors.Is(err, knowledge.ErrUnknownIssue) {
			t.Errorf("a filter matching both issues: err = %v", err)
		}
	})
}
