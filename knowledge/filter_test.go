package knowledge_test

import (
	"context"
	"slices"
	"testing"

	"kbot/knowledge"
)

// A filter narrows both retrievers the same way: a filtered single-method
// search returns the passages of the unfiltered ranking that pass the
// filter, in the same order; a hybrid search returns only passages that
// pass it.
func TestSearchFilters(t *testing.T) {
	b, err := knowledge.Open(context.Background(), testOptions(t.TempDir(), knowledge.BundledSource))
	if err != nil {
		t.Fatal(err)
	}
	const query = "加强基层党组织建设" // names no place, so no region boost
	filters := []struct {
		name string
		opts knowledge.SearchOptions
		pass func(knowledge.Article) bool
	}{
		{"region", knowledge.SearchOptions{Region: "永吉"},
			func(a knowledge.Article) bool { return slices.Contains(a.Regions, "永吉县") }},
		{"section", knowledge.SearchOptions{Section: "组织工作动态"},
			func(a knowledge.Article) bool { return a.Section == "组织工作动态" }},
		{"author", knowledge.SearchOptions{Author: "陈雪松"},
			func(a knowledge.Article) bool { return a.Author == "陈雪松" }},
	}
	ids := func(rs []knowledge.Result) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Chunk.ID)
		}
		return out
	}
	for _, method := range []knowledge.Method{knowledge.MethodVector, knowledge.MethodKeyword, knowledge.MethodHybrid} {
		all, err := b.Search(context.Background(), query, knowledge.SearchOptions{K: 1000, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range filters {
			t.Run(string(method)+"/"+f.name, func(t *testing.T) {
				opts := f.opts
				opts.K, opts.Method = 5, method
				got, err := b.Search(context.Background(), query, opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 {
					t.Fatal("no results")
				}
				for _, r := range got {
					if !f.pass(r.Article) {
						t.Errorf("result %s of 《%s》 does not pass the filter", r.Chunk.ID, r.Article.Title)
					}
				}
				if method == knowledge.MethodHybrid {
					return
				}
				var want []knowledge.Result
				for _, r := range all {
					if f.pass(r.Article) && len(want) < opts.K {
						want = append(want, r)
					}
				}
				if !slices.Equal(ids(got), ids(want)) {
					t.Errorf("filtered = %v, want the unfiltered ranking's %v", ids(got), ids(want))
				}
			})
		}
	}
}
