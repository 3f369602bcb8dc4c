package llm

import (
	"regexp"
	"strconv"
	"testing"
)

func TestCheckCitations(t *testing.T) {
	res := testResults()
	tests := []struct {
		name      string
		text      string
		wantText  string
		wantCited []string // article IDs in citation order
		wantRef   bool
	}{
		{
			name:      "valid markers kept and numbered by first use",
			text:      "该村成立合作社[2]。全镇划分为42个网格[1]。",
			wantText:  "该村成立合作社[1]。全镇划分为42个网格[2]。",
			wantCited: []string{"a2", "a1"},
		},
		{
			name:      "out of range marker dropped",
			text:      "全镇划分为42个网格[1]，另有说法 [9]。",
			wantText:  "全镇划分为42个网格[1]，另有说法。",
			wantCited: []string{"a1"},
		},
		{
			name:      "zero marker dropped",
			text:      "全镇划分为42个网格[0][1]。",
			wantText:  "全镇划分为42个网格[1]。",
			wantCited: []string{"a1"},
		},
		{
			name:      "fabricated quote drops its citation",
			text:      "文章说“每个村都建了三个食堂”[1]。合作社带动增收[2]。",
			wantText:  "文章说“每个村都建了三个食堂”。合作社带动增收[1]。",
			wantCited: []string{"a2"},
		},
		{
			name:      "quote found ignoring whitespace is kept",
			text:      "文章写道：“每个网格配备 一名专职网格员。 网格员每周入户走访”[1]",
			wantText:  "文章写道：“每个网格配备 一名专职网格员。 网格员每周入户走访”[1]",
			wantCited: []string{"a1"},
		},
		{
			name:      "quote with ellipsis matches parts in order",
			text:      "“我们把全镇划分为42个网格……及时收集群众诉求”[1]。",
			wantText:  "“我们把全镇划分为42个网格……及时收集群众诉求”[1]。",
			wantCited: []string{"a1"},
		},
		{
			name:      "quote checked against each passage of a group",
			text:      "“户均增收三千元”[1][2]。",
			wantText:  "“户均增收三千元”[1]。",
			wantCited: []string{"a2"},
		},
		{
			name:      "marker after the full stop still checks the quote",
			text:      "据介绍，“网格员每天入户”。[1]",
			wantText:  "据介绍，“网格员每天入户”。",
			wantRef:   true,
			wantCited: []string{"a1", "a2", "a3"},
		},
		{
			name:      "quote of an earlier sentence does not bind a later marker",
			text:      "有人说“完全编造的话”。全镇划分为42个网格[1]。",
			wantText:  "有人说“完全编造的话”。全镇划分为42个网格[1]。",
			wantCited: []string{"a1"},
		},
		{
			name:      "straight quotes are checked",
			text:      `活动名为"党员先锋岗"[3]，口号是"人人争先"[3]。`,
			wantText:  `活动名为"党员先锋岗"[1]，口号是"人人争先"。`,
			wantCited: []string{"a3"},
		},
		{
			name:      "list and full-width markers are normalised",
			text:      "合作社与网格并举[2,1]。先锋岗120个【3】。增收［2］。",
			wantText:  "合作社与网格并举[1][2]。先锋岗120个[3]。增收[1]。",
			wantCited: []string{"a2", "a1", "a3"},
		},
		{
			name:      "repeated marker in a group collapses",
			text:      "全镇划分为42个网格[1][1]。",
			wantText:  "全镇划分为42个网格[1]。",
			wantCited: []string{"a1"},
		},
		{
			name:      "no markers lists top passages as references",
			text:      "所给资料中没有找到相关内容。",
			wantText:  "所给资料中没有找到相关内容。",
			wantRef:   true,
			wantCited: []string{"a1", "a2", "a3"},
		},
		{
			name:      "only invalid markers lists references",
			text:      "某项数据[7]。",
			wantText:  "某项数据。",
			wantRef:   true,
			wantCited: []string{"a1", "a2", "a3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cits := CheckCitations(tt.text, res)
			if got != tt.wantText {
				t.Errorf("text = %q, want %q", got, tt.wantText)
			}
			var ids []string
			for i, c := range cits {
				ids = append(ids, c.ArticleID)
				if c.N != i+1 {
					t.Errorf("citation %d has N=%d", i, c.N)
				}
				if c.Reference != tt.wantRef {
					t.Errorf("citation %d Reference=%v, want %v", i, c.Reference, tt.wantRef)
				}
			}
			if !equalStrings(ids, tt.wantCited) {
				t.Errorf("cited %v, want %v", ids, tt.wantCited)
			}
		})
	}
}

func TestCheckCitationsCarriesWholePassage(t *testing.T) {
	res := testResults()
	_, cits := CheckCitations("先锋岗[3]", res)
	if len(cits) != 1 {
		t.Fatalf("got %d citations, want 1", len(cits))
	}
	c := cits[0]
	if c.Text != res[2].Chunk.Text || c.Title != res[2].Article.Title || c.ChunkID != res[2].Chunk.ID {
		t.Errorf("citation = %+v, want passage 3 in full", c)
	}
}

var outMarkerRE = regexp.MustCompile(`\[(\d+)\]`)

// FuzzCheckCitations checks the invariants of the output on any text:
// every marker names a citation, citations are numbered densely, and
// markers first appear in ascending order.
func FuzzCheckCitations(f *testing.F) {
	for _, s := range []string{
		"全镇[1]。“合作社”[2][9]", "【1,2,3】", "\"\"[1]", "“[1]”", "[1", "。[2]。[1]",
		"“我们把全镇……”[1]", "[001][1,1]",
	} {
		f.Add(s)
	}
	res := testResults()
	f.Fuzz(func(t *testing.T, text string) {
		out, cits := CheckCitations(text, res)
		if len(cits) == 0 {
			t.Fatal("no citations or references")
		}
		for i, c := range cits {
			if c.N != i+1 {
				t.Fatalf("citation %d numbered %d", i, c.N)
			}
		}
		if cits[0].Reference {
			return
		}
		next := 1
		for _, m := range outMarkerRE.FindAllStringSubmatch(out, -1) {
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > len(cits) {
				// The input may hold text such as [12] inside a quote or
				// a marker the check does not recognise; only markers it
				// wrote must be in range.
				continue
			}
			if n > next {
				t.Fatalf("marker [%d] before [%d] in %q", n, next, out)
			}
			if n == next {
				next++
			}
		}
		if next-1 != len(cits) {
			t.Fatalf("%d citations but markers reach %d in %q", len(cits), next-1, out)
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
