package store

import (
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"磐石市有哪些党建经验？", "磐石市有哪些党建经验"},
		{" 磐石市，有哪些 党建经验 ! ", "磐石市有哪些党建经验"},
		{"２０２３年《换届》结果", "2023年换届结果"},
		{"ＫＢＯＴ　Ｈｅｌｌｏ", "kbothello"},
		{"“党建＋”模式……", "党建模式"},
		{"👍👍", ""},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNearDuplicate(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"磐石市有哪些党建经验？", "磐石市 有哪些党建经验", true},
		{"２０２３年换届结果", "2023年换届结果", true},
		{"磐石市的党建经验有哪些", "磐石市有哪些党建经验", true},
		{"请问磐石市有哪些党建经验呢", "磐石市有哪些党建经验", true},
		{"三梁村的党支部书记是谁", "三梁村党支部书记是谁？", true},
		// Another place, year or village is another question, however
		// long the shared part.
		{"永吉县有哪些党建经验", "磐石市有哪些党建经验", false},
		{"永吉县在基层党建工作中有哪些创新做法", "磐石市在基层党建工作中有哪些创新做法", false},
		{"2023年换届结果", "2024年换届结果", false},
		{"2021年换届结果", "2022年换届结果", false},
		{"三梁村的党支部书记是谁", "双顶子村的党支部书记是谁", false},
		// Rewording is beyond bigrams.
		{"村集体经济怎么发展", "如何发展村集体经济", false},
		{"如何发展村集体经济", "怎样抓好党员教育管理", false},
	}
	for _, tt := range tests {
		a, b := shapeOf(normalize(tt.a)), shapeOf(normalize(tt.b))
		if got := nearDuplicate(a, b); got != tt.want {
			t.Errorf("nearDuplicate(%q, %q) = %v, want %v (dice %.3f)", tt.a, tt.b, got, tt.want, dice(a.bigrams, b.bigrams))
		}
		if nearDuplicate(b, a) != nearDuplicate(a, b) {
			t.Errorf("nearDuplicate is not symmetric for %q, %q", tt.a, tt.b)
		}
	}
}

func TestClusterDoesNotChain(t *testing.T) {
	// The general question is close to both specific ones, which differ
	// from each other: they must not end up in one group through it.
	texts := []string{"有哪些党建经验", "磐石市有哪些党建经验", "永吉县有哪些党建经验", "有哪些党建经验？"}
	shapes := make([]shape, len(texts))
	for i, s := range texts {
		shapes[i] = shapeOf(normalize(s))
	}
	got := cluster(shapes)
	want := [][]int{{0, 1, 3}, {2}}
	// Without the all-members rule, 2 would join 0's group too.
	if !nearDuplicate(shapes[2], shapes[0]) {
		t.Fatal("the test needs 2 to be a near-duplicate of 0")
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("cluster = %v, want %v", got, want)
	}
}
