package embeddings

import (
	"context"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func embedOne(t testing.TB, e Embedder, text string) []float32 {
	t.Helper()
	vecs, err := e.Embed(context.Background(), []string{text})
	if err != nil {
		t.Fatal(err)
	}
	return vecs[0]
}

func TestLocalDeterministicNormalised(t *testing.T) {
	e := Local()
	if e.Dims != DefaultLocalDims || e.ID() != "local/"+LocalModel+"/4096" {
		t.Fatalf("Local() = dims %d id %q", e.Dims, e.ID())
	}
	text := "坚定理想信念是思想建党之魂。保持党组织旺盛生命力，必须加强党员理想信念教育。"
	a, b := embedOne(t, e, text), embedOne(t, e, text)
	if len(a) != e.Dims {
		t.Fatalf("vector length %d, want %d", len(a), e.Dims)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("component %d differs between runs: %v vs %v", i, a[i], b[i])
		}
	}
	if n := norm(a); math.Abs(n-1) > 1e-5 {
		t.Errorf("norm %v, want 1", n)
	}
}

func TestLocalBatchMatchesSingle(t *testing.T) {
	e := Local()
	in := []string{"社区党总支", "", "志愿服务队伍15支"}
	vecs, err := e.Embed(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(in) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(in))
	}
	for i, text := range in {
		if d := dot(vecs[i], embedOne(t, e, text)); text != "" && math.Abs(d-1) > 1e-5 {
			t.Errorf("text %d embeds differently in a batch (cosine %v)", i, d)
		}
	}
}

func TestLocalEmptyAndFeaturelessTextsGiveZero(t *testing.T) {
	e := Local()
	for name, text := range map[string]string{
		"empty is zero":              "",
		"whitespace is zero":         " \n\t\u3000",
		"punctuation only is zero":   "，。！？——“”",
		"invalid UTF-8 only is zero": "\xff\xfe",
	} {
		t.Run(name, func(t *testing.T) {
			v := embedOne(t, e, text)
			if len(v) != e.Dims || norm(v) != 0 {
				t.Errorf("got length %d norm %v, want zero vector of %d", len(v), norm(v), e.Dims)
			}
		})
	}
}

// Retrieval sense on real sentences: a question is closer to the passage
// that answers it than to unrelated ones.
func TestLocalSimilarCloserThanUnrelated(t *testing.T) {
	e := Local()
	tests := []struct {
		name, query, related, unrelated string
	}{
		{
			name:      "volunteer question finds volunteer passage",
			query:     "绿地筑石红社区现在注册的志愿者有多少人？",
			related:   "目前，绿地·筑石红社区注册志愿者已达到 1434人，成立关爱服务、文体活动、社会治理三大类志愿服务队伍15支。",
			unrelated: "要贯彻落实好新时代党的组织路线，坚持组织建党和思想建党有机结合。",
		},
		{
			name:      "cadre training question finds training passage",
			query:     "干部培训存在哪些问题？",
			related:   "当前干部教育培训中存在照本宣科多、触及灵魂少，粗放式培训多、精准化培训少的问题。",
			unrelated: "生猪年出栏 20000 头，实现净利润 1000 万元，带动村民增收致富。",
		},
		{
			name:      "pig farming question finds profit passage",
			query:     "三梁村养猪一年净赚多少？",
			related:   "三梁村建设生猪养殖基地，年出栏生猪 20000 头，实现净利润 1000 万元。",
			unrelated: "社区党总支为核心，以社区居委会、居民监督委员会、物业公司为主体。",
		},
		{
			name:      "PDF spacing does not hide words",
			query:     "卷首语",
			related:   "卷 首 语\n把党的组织优势巩固好发展好发挥好",
			unrelated: "高层动态：习近平总书记在政治局集体学习时强调",
		},
		{
			name:      "full-width and case are folded",
			query:     "ＡＢＣ公司 2020年",
			related:   "abc公司在2020年成立",
			unrelated: "xyz集团在1999年成立",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := embedOne(t, e, tt.query)
			rel, unrel := dot(q, embedOne(t, e, tt.related)), dot(q, embedOne(t, e, tt.unrelated))
			if rel <= unrel {
				t.Errorf("related cosine %.3f <= unrelated %.3f", rel, unrel)
			}
		})
	}
}

// Question words and function characters must not decide a match: a
// question made of a name and question words is far closer to the name
// than to the question words, though it shares as many n-grams with each.
func TestLocalQuestionWordsCarryLittleWeight(t *testing.T) {
	e := Local()
	tests := []struct{ query, content, shape string }{
		{"三梁村怎么样", "三梁村", "怎么样"},
		{"哪些人是志愿者", "志愿者", "哪些人是"},
		{"有什么党建品牌", "党建品牌", "有什么"},
	}
	for _, tt := range tests {
		t.Run(tt.content+" outweighs "+tt.shape, func(t *testing.T) {
			q := embedOne(t, e, tt.query)
			c, s := dot(q, embedOne(t, e, tt.content)), dot(q, embedOne(t, e, tt.shape))
			if c < 2*s {
				t.Errorf("cosine to content %.3f, to question words %.3f; want content at least twice", c, s)
			}
		})
	}
}

func TestLocalDimsRange(t *testing.T) {
	tests := []struct {
		name string
		dims int
		ok   bool
	}{
		{"minimum is accepted", MinLocalDims, true},
		{"1024 is accepted", 1024, true},
		{"zero is rejected", 0, false},
		{"too small is rejected", MinLocalDims - 1, false},
		{"too large is rejected", MaxLocalDims + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := LocalDims(tt.dims)
			if (err == nil) != tt.ok {
				t.Fatalf("LocalDims(%d) error %v, want ok=%v", tt.dims, err, tt.ok)
			}
			if tt.ok && len(embedOne(t, e, "党建引领")) != tt.dims {
				t.Errorf("vector length differs from dims %d", tt.dims)
			}
		})
	}
}

func TestLocalHonoursCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Local().Embed(ctx, []string{"党建"}); err == nil {
		t.Error("embedded with a cancelled context, want an error")
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   []float32
		want []float32
	}{
		{"zero stays zero", []float32{0, 0, 0}, []float32{0, 0, 0}},
		{"scaled to unit length", []float32{3, 4}, []float32{0.6, 0.8}},
		{"empty stays empty", []float32{}, []float32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Normalize(tt.in)
			for i := range tt.want {
				if math.Abs(float64(tt.in[i]-tt.want[i])) > 1e-6 {
					t.Fatalf("got %v, want %v", tt.in, tt.want)
				}
			}
		})
	}
}

func FuzzLocal(f *testing.F) {
	for _, s := range []string{"", "党的组织优势", "卷 首 语", "1434人", "ＡＢＣ", "\xff", strings.Repeat("的", 3000), "𠀀𠀁 emoji 😀"} {
		f.Add(s)
	}
	e, err := LocalDims(256)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v := embedOne(t, e, text)
		if len(v) != e.Dims {
			t.Fatalf("length %d, want %d", len(v), e.Dims)
		}
		n := norm(v)
		if n != 0 && math.Abs(n-1) > 1e-4 {
			t.Fatalf("norm %v, want 0 or 1", n)
		}
		if n == 0 && utf8.ValidString(text) && strings.ContainsFunc(text, isHan) {
			t.Fatalf("text with Han characters %q gave the zero vector", text)
		}
	})
}

// A 200-character passage, about the size of a retrieval chunk.
const benchPassage = "近年来，绿地·筑石红社区党总支坚持以党建引领社区治理，推行“三方联动”工作机制，以社区党总支为核心，以社区居委会、居民监督委员会、物业公司为主体，党员群众共同参与，实行交叉任职，定期召开三方联席会议，共同协商解决车辆占道、宠物扰民、高空抛物、噪音污染等居民关心的问题。目前，社区注册志愿者已达到 1434人，成立关爱服务、文体活动、社会治理三大类志愿服务队伍15支，开展各类活动三百余次，居民满意度明显提升。"

func BenchmarkLocal(b *testing.B) {
	e := Local()
	texts := []string{benchPassage}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPassage)))
	for b.Loop() {
		if _, err := e.Embed(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(utf8.RuneCountInString(benchPassage)), "runes/passage")
}
