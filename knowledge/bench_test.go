package knowledge

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"kbot/embeddings"
)

// seedArticles parses the bundled issue.
func seedArticles(tb testing.TB) []Article {
	tb.Helper()
	name, data := Bundled()
	arts, err := ParseIssue(name, string(data))
	if err != nil {
		tb.Fatal(err)
	}
	return arts
}

func plainVectorizer(e embeddings.Embedder) Vectorizer {
	return func(ctx context.Context, texts []string) ([][]float32, int, error) {
		v, err := e.Embed(ctx, texts)
		return v, 0, err
	}
}

// BenchmarkIngestSeed measures parsing, chunking, embedding (offline, no
// cache) and indexing the bundled issue.
func BenchmarkIngestSeed(b *testing.B) {
	name, data := Bundled()
	e := embeddings.Local()
	var chunks int
	for i := 0; i < b.N; i++ {
		arts, err := ParseIssue(name, string(data))
		if err != nil {
			b.Fatal(err)
		}
		idx, _, err := buildIndex(context.Background(), arts, e, plainVectorizer(e), DefaultChunkOptions, nil)
		if err != nil {
			b.Fatal(err)
		}
		chunks = len(idx.chunks)
	}
	b.ReportMetric(float64(chunks), "chunks")
}

// syntheticArticles grows a corpus of about n chunks from the seed: each
// synthetic article mixes sentences of random seed articles, keeping the
// seed's vocabulary and its metadata, so postings and vectors look like a
// larger issue archive of the same magazine.
func syntheticArticles(seed []Article, n int) []Article {
	rng := rand.New(rand.NewSource(int64(n)))
	var pool []string
	for _, a := range seed {
		for _, p := range strings.Split(a.Body, "\n") {
			pool = append(pool, SplitSentences(p)...)
		}
	}
	var out []Article
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
		chunks += len(ChunkArticle(a, DefaultChunkOptions))
	}
	return out
}

var (
	benchIndexMu sync.Mutex
	benchIndexes = map[int]*Index{}
	benchHeapMB  = map[int]float64{}
)

// benchIndex builds (once per size) a synthetic index of about n chunks.
func benchIndex(b *testing.B, n int) *Index {
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
	idx, _, err := buildIndex(context.Background(), arts, e, plainVectorizer(e), DefaultChunkOptions, nil)
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
	qs, err := ReadQuestions(f)
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
		for _, method := range []Method{MethodVector, MethodKeyword, MethodHybrid} {
			b.Run(fmt.Sprintf("chunks=%d/%s", n, method), func(b *testing.B) {
				idx := benchIndex(b, n)
				ctx := context.Background()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					q := qs[i%len(qs)]
					var qvec []float32
					if method != MethodKeyword {
						v, err := e.Embed(ctx, []string{QueryText(q)})
						if err != nil {
							b.Fatal(err)
						}
						qvec = v[0]
					}
					if _, err := idx.search(ctx, q, qvec, SearchOptions{K: 5, Method: method}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(idx.chunks)), "chunks")
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
	kb, err := Open(context.Background(), Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	path := dir + "/" + indexFile
	st, _ := os.Stat(path)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := loadIndex(context.Background(), path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
	b.ReportMetric(float64(kb.Stats().Chunks), "chunks")
}
