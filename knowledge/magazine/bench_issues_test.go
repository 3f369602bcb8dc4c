package magazine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
)

// collection writes n issues made from the bundled one into dir: each
// with its own places, people and months, under a cover naming its
// number, laid out at its own width and page marks.
func collection(tb testing.TB, dir string, n int) {
	tb.Helper()
	if os.Getenv("KBOT_BENCH_COLLECTION") == "" {
		tb.Skip("a 100-issue collection takes a minute to ingest: set KBOT_BENCH_COLLECTION=1")
	}
	m := bundledModel(tb)
	places := []string{"永吉", "磐石", "蛟河", "桦甸", "船营", "昌邑", "丰满", "龙潭", "舒兰"}
	syllables := []rune("安平清河东湖云岭西城南山北塘青石柳林杏花松江白桦红旗长乐")
	for i := range n {
		var pairs []string
		for k, p := range places {
			a := syllables[(i*7+k*3)%len(syllables)]
			b := syllables[(i*5+k*11+1)%len(syllables)]
			pairs = append(pairs, p, string([]rune{a, b}))
		}
		month := i%12 + 1
		pairs = append(pairs, "7 月", fmt.Sprintf("%d 月", month), "8 月", fmt.Sprintf("%d 月", month%12+1))
		issue := m.perturbed(strings.NewReplacer(pairs...), fmt.Sprintf("吉林党建 %d年第%d期", 2015+i/12, month))
		text, _ := render(issue, randomLayout(uint64(i)))
		path := filepath.Join(dir, fmt.Sprintf("issue-%03d.txt", i))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkLoad100Issues measures reading a collection of 100 issues
// (about 100 KB of text each) into articles.
func BenchmarkLoad100Issues(b *testing.B) {
	dir := b.TempDir()
	collection(b, dir, 100)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		arts, _, err := Load([]string{dir})
		if err != nil {
			b.Fatal(err)
		}
		n = len(arts)
	}
	b.ReportMetric(float64(n), "articles")
}

// BenchmarkIngest100Issues measures a whole ingest of 100 issues into an
// empty data directory, as kbot ingest does with the offline embedder:
// read, chunk, embed, index, persist. heap-MB is the live heap once the
// knowledge base is built.
func BenchmarkIngest100Issues(b *testing.B) {
	dir := b.TempDir()
	collection(b, dir, 100)
	em := embeddings.Local()
	var chunks, articles int
	var heap uint64
	b.ReportAllocs()
	for b.Loop() {
		data := b.TempDir()
		kb, err := knowledge.Open(context.Background(), knowledge.Options{
			DataDir: data, Sources: []string{dir}, Load: Load, Vectors: chromem.New,
			Embedder: knowledge.Embedder{ID: em.ID(), Dims: em.Dims, Embed: knowledge.EmbedFunc(em.Embed)},
			Cache:    embeddings.NewPassageCache(filepath.Join(data, "embeddings.cache"), em, nil),
		})
		if err != nil {
			b.Fatal(err)
		}
		st := kb.Stats()
		chunks, articles = st.Chunks, st.Articles
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = ms.HeapInuse
		runtime.KeepAlive(kb)
	}
	b.ReportMetric(float64(articles), "articles")
	b.ReportMetric(float64(chunks), "chunks")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
}
