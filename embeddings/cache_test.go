package embeddings

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// countingEmbedder wraps Local and counts the texts it is asked to embed.
func countingEmbedder(t testing.TB, model string) (Embedder, *atomic.Int64) {
	t.Helper()
	e, err := LocalDims(128)
	if err != nil {
		t.Fatal(err)
	}
	e.Model = model
	var n atomic.Int64
	inner := e.Embed
	e.Embed = func(ctx context.Context, texts []string) ([][]float32, error) {
		n.Add(int64(len(texts)))
		return inner(ctx, texts)
	}
	return e, &n
}

func openCache(t testing.TB, path string) *Cache {
	t.Helper()
	c, err := OpenCache(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCacheHitsAndMisses(t *testing.T) {
	c := openCache(t, filepath.Join(t.TempDir(), "emb.cache"))
	e, calls := countingEmbedder(t, "m1")
	want, err := e.Embed(t.Context(), []string{"党建引领", "社区治理", "志愿服务"})
	if err != nil {
		t.Fatal(err)
	}
	calls.Store(0)

	vecs, cached, err := c.Embed(t.Context(), e, []string{"党建引领", "社区治理", "党建引领"})
	if err != nil {
		t.Fatal(err)
	}
	if cached != 0 || calls.Load() != 2 {
		t.Errorf("first call: cached %d, embedded %d texts; want 0 cached and 2 embedded (duplicates once)", cached, calls.Load())
	}
	vecs2, cached, err := c.Embed(t.Context(), e, []string{"志愿服务", "社区治理", "党建引领"})
	if err != nil {
		t.Fatal(err)
	}
	if cached != 2 || calls.Load() != 3 {
		t.Errorf("second call: cached %d, embedded %d texts in total; want 2 cached and 3 embedded", cached, calls.Load())
	}
	check := func(got []float32, w []float32, what string) {
		t.Helper()
		if dot(got, w) < 0.99999 {
			t.Errorf("%s: vector differs from a direct embedding", what)
		}
	}
	check(vecs[0], want[0], "first call, text 0")
	check(vecs[2], want[0], "first call, duplicate text")
	check(vecs[1], want[1], "first call, text 1")
	check(vecs2[0], want[2], "second call, miss")
	check(vecs2[1], want[1], "second call, hit")
	if c.Len() != 3 {
		t.Errorf("Len %d, want 3", c.Len())
	}
	// Returned vectors are copies: changing them leaves the cache intact.
	vecs2[2][0] = 42
	again, _, _ := c.Embed(t.Context(), e, []string{"党建引领"})
	check(again[0], want[0], "after caller modified a returned vector")
}

func TestCacheKeysSeparateModels(t *testing.T) {
	c := openCache(t, filepath.Join(t.TempDir(), "emb.cache"))
	e1, calls1 := countingEmbedder(t, "m1")
	e2, calls2 := countingEmbedder(t, "m2")
	for _, e := range []Embedder{e1, e2} {
		if _, _, err := c.Embed(t.Context(), e, []string{"党建"}); err != nil {
			t.Fatal(err)
		}
	}
	if calls1.Load() != 1 || calls2.Load() != 1 {
		t.Errorf("embedded %d and %d times; a second model must not hit the first's entry", calls1.Load(), calls2.Load())
	}
	if c.Len() != 2 {
		t.Errorf("Len %d, want 2", c.Len())
	}
}

func TestCachePersistsAcrossOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "emb.cache")
	c := openCache(t, path)
	e, calls := countingEmbedder(t, "m1")
	in := []string{"一", "二段文字", "第三段：三梁村"}
	first, _, err := c.Embed(t.Context(), e, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c2 := openCache(t, path)
	if c2.Len() != 3 {
		t.Fatalf("reopened cache holds %d vectors, want 3", c2.Len())
	}
	got, cached, err := c2.Embed(t.Context(), e, in)
	if err != nil {
		t.Fatal(err)
	}
	if cached != 3 || calls.Load() != 3 {
		t.Errorf("after reopen: cached %d, embedded %d in total; want 3 cached, no new embeddings", cached, calls.Load())
	}
	for i := range first {
		for j := range first[i] {
			if first[i][j] != got[i][j] {
				t.Fatalf("vector %d component %d changed across save: %v vs %v", i, j, first[i][j], got[i][j])
			}
		}
	}
}

func TestCacheSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "emb.cache")
	c := openCache(t, path)
	e, _ := countingEmbedder(t, "m1")
	if _, _, err := c.Embed(t.Context(), e, []string{"甲", "乙"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	// A crash during the next save leaves a partial temp file beside the
	// intact old file.
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "emb.cache.tmp-12345"), good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	c2 := openCache(t, path)
	if c2.Len() != 2 {
		t.Errorf("old cache after crashed save holds %d vectors, want 2", c2.Len())
	}
	// A successful save leaves no temp file of its own.
	if _, _, err := c2.Embed(t.Context(), e, []string{"丙"}); err != nil {
		t.Fatal(err)
	}
	if err := c2.Save(); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "emb.cache.tmp-*"))
	if len(matches) != 1 {
		t.Errorf("temp files after save: %v, want only the crashed one", matches)
	}
	if n := openCache(t, path).Len(); n != 3 {
		t.Errorf("after second save: %d vectors, want 3", n)
	}
}

func TestCacheCorruptFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "good.cache")
	c := openCache(t, src)
	e, _ := countingEmbedder(t, "m1")
	if _, _, err := c.Embed(t.Context(), e, []string{"甲", "乙", "丙"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0xFF
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated file is corrupt", good[:len(good)-7]},
		{"flipped byte is corrupt", flipped},
		{"foreign file is corrupt", []byte("this is not a cache file at all")},
		{"empty file is corrupt", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "emb.cache")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := OpenCache(path)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want ErrCorrupt", err)
			}
			if c == nil || c.Len() != 0 {
				t.Fatalf("want a usable empty cache, got %v", c)
			}
			// The empty cache works and its save replaces the bad file.
			if _, _, err := c.Embed(t.Context(), e, []string{"丁"}); err != nil {
				t.Fatal(err)
			}
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			if n := openCache(t, path).Len(); n != 1 {
				t.Errorf("after save over corrupt file: %d vectors, want 1", n)
			}
		})
	}
}

func TestCacheEmbedErrors(t *testing.T) {
	c := openCache(t, filepath.Join(t.TempDir(), "emb.cache"))
	failing := Embedder{Provider: "openai", Model: "m", Dims: 4, Embed: func(ctx context.Context, texts []string) ([][]float32, error) {
		return nil, errors.New("server down")
	}}
	short := Embedder{Provider: "openai", Model: "m", Dims: 4, Embed: func(ctx context.Context, texts []string) ([][]float32, error) {
		return make([][]float32, len(texts)-1), nil
	}}
	wrongLen := Embedder{Provider: "openai", Model: "m", Dims: 4, Embed: func(ctx context.Context, texts []string) ([][]float32, error) {
		out := make([][]float32, len(texts))
		for i := range out {
			out[i] = []float32{1, 0, 0}
		}
		return out, nil
	}}
	tests := []struct {
		name string
		e    Embedder
	}{
		{"unknown dims is rejected", Embedder{Provider: "openai", Model: "m", Embed: failing.Embed}},
		{"embedder failure is returned", failing},
		{"missing vectors are rejected", short},
		{"wrong length vectors are rejected", wrongLen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vecs, _, err := c.Embed(t.Context(), tt.e, []string{"甲", "乙"})
			if err == nil || vecs != nil {
				t.Fatalf("got %d vectors and error %v, want only an error", len(vecs), err)
			}
			if c.Len() != 0 {
				t.Errorf("cache holds %d vectors after a failure", c.Len())
			}
		})
	}
}

func TestCacheKeepsFinishedBatchesOnFailure(t *testing.T) {
	c := openCache(t, filepath.Join(t.TempDir(), "emb.cache"))
	e, _ := countingEmbedder(t, "m1")
	inner := e.Embed
	var calls int
	e.Embed = func(ctx context.Context, texts []string) ([][]float32, error) {
		calls++
		if calls == 2 {
			return nil, errors.New("quota exhausted")
		}
		return inner(ctx, texts)
	}
	in := make([]string, missBatch+10)
	for i := range in {
		in[i] = fmt.Sprintf("段落%d", i)
	}
	if _, _, err := c.Embed(t.Context(), e, in); err == nil {
		t.Fatal("want the second batch's error")
	}
	if c.Len() != missBatch {
		t.Errorf("cache holds %d vectors, want the first batch of %d", c.Len(), missBatch)
	}
}

func TestCachePruneUnused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emb.cache")
	c := openCache(t, path)
	e, _ := countingEmbedder(t, "m1")
	if _, _, err := c.Embed(t.Context(), e, []string{"旧甲", "旧乙", "留下"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c2 := openCache(t, path)
	if _, _, err := c2.Embed(t.Context(), e, []string{"留下", "新的"}); err != nil {
		t.Fatal(err)
	}
	if n := c2.PruneUnused(); n != 2 {
		t.Errorf("pruned %d, want the 2 vectors not used since open", n)
	}
	if err := c2.Save(); err != nil {
		t.Fatal(err)
	}
	c3 := openCache(t, path)
	if c3.Len() != 2 {
		t.Errorf("after prune and save: %d vectors, want 2", c3.Len())
	}
}

func TestCacheConcurrentUse(t *testing.T) {
	c := openCache(t, filepath.Join(t.TempDir(), "emb.cache"))
	e, _ := countingEmbedder(t, "m1")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				text := fmt.Sprintf("文本%d", (i+g)%60)
				if _, _, err := c.Embed(context.Background(), e, []string{text}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if err := c.Save(); err != nil {
				t.Error(err)
			}
			c.Len()
		}
	})
	wg.Wait()
	if c.Len() != 53 {
		t.Errorf("Len %d, want 53 distinct texts", c.Len())
	}
}

func BenchmarkCacheHits(b *testing.B) {
	c := openCache(b, filepath.Join(b.TempDir(), "emb.cache"))
	e := Local()
	texts := make([]string, 100)
	for i := range texts {
		texts[i] = fmt.Sprintf("%d：%s", i, benchPassage)
	}
	if _, _, err := c.Embed(context.Background(), e, texts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, cached, err := c.Embed(context.Background(), e, texts)
		if err != nil || cached != len(texts) {
			b.Fatalf("cached %d of %d, err %v", cached, len(texts), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(texts)), "ns/text")
}

func BenchmarkCacheLoad(b *testing.B) {
	path := filepath.Join(b.TempDir(), "emb.cache")
	c := openCache(b, path)
	e := Local()
	texts := make([]string, 1000)
	for i := range texts {
		texts[i] = fmt.Sprintf("%d：%s", i, benchPassage)
	}
	if _, _, err := c.Embed(context.Background(), e, texts); err != nil {
		b.Fatal(err)
	}
	if err := c.Save(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if c := openCache(b, path); c.Len() != len(texts) {
			b.Fatalf("loaded %d vectors", c.Len())
		}
	}
	b.ReportMetric(float64(len(texts)), "vectors/file")
}
