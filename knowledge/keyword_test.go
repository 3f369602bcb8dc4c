package knowledge

import (
	"slices"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"han bigrams", "集体经济", []string{"集体", "体经", "经济"}},
		{"stray space inside a word is ignored", "优 秀人才", []string{"优秀", "秀人", "人才"}},
		{"punctuation ends a run", "党建，引领", []string{"党建", "引领"}},
		{"single han character", "村。", []string{"村"}},
		{"numbers and latin words", "1434人 LED屏", []string{"1434", "人", "led", "屏"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := termsOf(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("termsOf(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQueryTextDropsQuestionWords(t *testing.T) {
	got := termsOf(queryText("三梁村怎么发展集体经济？"))
	for _, t2 := range got {
		if t2 == "怎么" || t2 == "么发" {
			t.Errorf("question word survived in %q", got)
		}
	}
	if !slices.Contains(got, "集体") || !slices.Contains(got, "三梁") {
		t.Errorf("content terms lost: %q", got)
	}
}

func TestKeywordIndexRanksByBM25(t *testing.T) {
	docs := []string{
		"三梁村发展集体经济，建设养猪场。",
		"社区志愿者服务队伍不断壮大。",
		"集体经济收入逐年增加，村民受益。",
		"干部培训要精准化。",
	}
	k := newKeywordIndex(docs)
	res := k.search("三梁村集体经济", 10, nil)
	if len(res) != 2 || res[0].doc != 0 || res[1].doc != 2 {
		t.Fatalf("search = %+v, want docs 0 then 2", res)
	}
	filtered := k.search("三梁村集体经济", 10, func(d int) bool { return d != 0 })
	if len(filtered) != 1 || filtered[0].doc != 2 {
		t.Fatalf("filtered search = %+v, want doc 2 only", filtered)
	}
	if got := k.search("长春市", 10, nil); len(got) != 0 {
		t.Fatalf("unknown terms matched %+v", got)
	}
}

func TestCoverage(t *testing.T) {
	k := newKeywordIndex([]string{"三梁村发展集体经济。", "社区志愿者服务。", "干部培训。"})
	full := k.coverage("三梁村集体经济", "三梁村发展集体经济。")
	part := k.coverage("三梁村集体经济", "集体经济收入。")
	none := k.coverage("长春市人才政策", "三梁村发展集体经济。")
	if !(full > part && part > none) {
		t.Fatalf("coverage not ordered: full %.2f, part %.2f, none %.2f", full, part, none)
	}
	if full < 0.99 {
		t.Errorf("a passage holding every term covers %.2f, want 1", full)
	}
}

func TestGazetteer(t *testing.T) {
	g := newGazetteer([]Article{
		{Regions: []string{"永吉县", "磐石市"}},
		{Regions: []string{"经开区"}},
		{Regions: []string{"永吉市"}}, // makes the short form 永吉 ambiguous
	})
	if got := g.resolve("经开"); got != "经开区" {
		t.Errorf("Resolve(经开) = %q", got)
	}
	if got := g.resolve("磐 石 市"); got != "磐石市" {
		t.Errorf("Resolve(磐 石 市) = %q", got)
	}
	if got := g.resolve("永吉"); got != "" {
		t.Errorf("ambiguous short form resolved to %q", got)
	}
	if got := g.find("磐石市和经开区的做法"); !slices.Equal(got, []string{"磐石市", "经开区"}) {
		t.Errorf("Find = %q", got)
	}
	if got := g.find("长春市"); len(got) != 0 {
		t.Errorf("Find(长春市) = %q", got)
	}
}

func TestGazetteerUmbrella(t *testing.T) {
	g := newGazetteer([]Article{
		{Regions: []string{"甲县"}, Body: "乙市甲县的做法。"},
		{Regions: []string{"丙区"}, Body: "乙市丙区的做法。"},
		{Regions: []string{"丁县"}, Body: "乙 市丁县的做法。"},
		{Regions: []string{"乙市"}, Body: "乙市全市的动态。"},
	})
	if !g.umbrella["乙市"] {
		t.Fatal("a city named in articles about three other places is not an umbrella")
	}
	if g.umbrella["甲县"] {
		t.Fatal("a county became an umbrella")
	}
	if got := g.specific(g.find("乙市甲县怎么做的")); len(got) != 1 || got[0] != "甲县" {
		t.Fatalf("Specific(Find) = %q, want only 甲县", got)
	}
}
