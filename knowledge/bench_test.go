package knowledge_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
	"kbot/knowledge/magazine"
)

// seedArticles reads the bundled issue.
func seedArticles(tb testing.TB) []knowledge.Article {
	tb.Helper()
	arts, _, err := magazine.Load([]string{knowledge.BundledSource})
	if err != nil {
		tb.Fatal(err)
	}
	return arts
}

// BenchmarkIngestSeed measures parsing, chunking, embedding (offline, no
// cache) and indexing the bundled issue.
func BenchmarkIngestSeed(b *testing.B) {
	e := embeddings.Local()
	var chunks int
	for i := 0; i < b.N; i++ {
		arts := seedArticles(b)
		idx, err := knowledge.BuildIndex(context.Background(), arts, asKnowledge(e), chromem.New)
		if err != nil {
			b.Fatal(err)
		}
		chunks = len(idx.Chunks())
	}
	b.ReportMetric(float64(chunks), "chunks")
}

// syntheticArticles grows a corpus of about n chunks from the seed: each
// synthetic article mixes sentences of random seed articles, keeping the
// seed's vocabulary and its metadata, so postings and vectors look like a
// larger issue archive of the same magazine.
func syntheticArticles(seed []knowledge.Article, n int) []knowledge.Article {
	rng := rand.New(rand.NewSource(int64(n)))
	var pool []string
	for _, a := range seed {
		for _, p := range strings.Split(a.Body, "\n") {
			pool = append(pool, knowledge.SplitSentences(p)...)
		}
	}
	var out []knowledge.Article
	chunks := 0
	for i := 0; chunks < n; i++ {
		meta := seed[rng.Intn(len(seed))]
		var body strings.Builder
		for j := 0; j < 20; j++ {
			body.WriteString(pool[rng.Intn(len(pool))])
			if j%5 == 4 {
				body.WriteString("\n")
			}
		}
		a := meta
		a.ID = fmt.Sprintf("s%011d", i)
		a.Title = fmt.Sprintf("%s（%d）", meta.Title, i)
		a.Body = body.String()
		out = append(out, a)
		chunks += len(knowledge.ChunkArticle(a, knowledge.DefaultChunkOptions))
	}
	return out
}

var (
	benchIndexMu sync.Mutex
	benchIndexes = map[int]*knowledge.Index{}
	benchHeapMB  = map[int]float64{}
)

// benchIndex builds (once per size) a synthetic index of about n chunks.
func benchIndex(b *testing.B, n int) *knowledge.Index {
	benchIndexMu.Lock()
	defer benchIndexMu.Unlock()
	if idx, ok := benchIndexes[n]; ok {
		return idx
	}
	e := embeddings.Local()
	arts := syntheticArticles(seedArticles(b), n)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	idx, err := knowledge.BuildIndex(context.Background(), arts, asKnowledge(e), chromem.New)
	if err != nil {
		b.Fatal(err)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	benchHeapMB[n] = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	benchIndexes[n] = idx
	return idx
}

func benchQuestions(b *testing.B) []string {
	f, err := os.Open("../../shared/eval/dev.jsonl")
	if err != nil {
		// Outside the workspace: a few questions of the same kinds.
		return []string{"三梁村怎么发展集体经济？", "磐石市在年轻干部培养上有什么做法？", "幸福里社区的“五位一体”具体指哪五个？"}
	}
	defer f.Close()
	qs, err := knowledge.ReadQuestions(f)
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, q := range qs {
		out = append(out, q.Question)
	}
	return out
}

// BenchmarkQuery compares vector-only, keyword-only and hybrid retrieval
// side by side at 1k, 10k and 100k chunks. Query embedding is included
// for the methods that use vectors.
func BenchmarkQuery(b *testing.B) {
	e := embeddings.Local()
	qs := benchQuestions(b)
	for _, n := range []int{1_000, 10_000, 100_000} {
		if testing.Short() && n > 10_000 {
			continue
		}
		for _, method := range []knowledge.Method{knowledge.MethodVector, knowledge.MethodKeyword, knowledge.MethodHybrid} {
			b.Run(fmt.Sprintf("chunks=%d/%s", n, method), func(b *testing.B) {
				idx := benchIndex(b, n)
				ctx := context.Background()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					q := qs[i%len(qs)]
					var qvec []float32
					if method != knowledge.MethodKeyword {
						v, err := e.Embed(ctx, []string{knowledge.QueryText(q)})
						if err != nil {
							b.Fatal(err)
						}
						qvec = v[0]
					}
					if _, err := idx.Search(ctx, q, qvec, knowledge.SearchOptions{K: 5, Method: method}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(idx.Chunks())), "chunks")
				benchIndexMu.Lock()
				b.ReportMetric(benchHeapMB[n], "index-heap-MB")
				benchIndexMu.Unlock()
			})
		}
	}
}

// BenchmarkLoadIndex measures loading the persisted seed index: the part
// of kbot ask's cold start that depends on the index.
func BenchmarkLoadIndex(b *testing.B) {
	dir := b.TempDir()
	kb, err := knowledge.Open(context.Background(), testOptions(dir, knowledge.BundledSource))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, knowledge.IndexFile)
	st, _ := os.Stat(path)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := knowledge.LoadIndexFile(context.Background(), path, chromem.New); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
	b.ReportMetric(float64(kb.Stats().Chunks), "chunks")
}
