package knowledge

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Index is an immutable snapshot of the knowledge base: articles, their
// chunks, a vector index (Options.Vectors builds it) and a keyword index
// over the same chunks. Base swaps whole indexes; an Index is never
// modified after it is built, so any number of queries may share it.
type Index struct {
	articles  []Article
	articleAt map[string]int
	chunks    []Chunk
	chunkAt   map[string]int
	// chunkArticle[i] is the index in articles of chunks[i]'s article.
	chunkArticle []int
	vectors      [][]float32
	vecIndex     VectorIndex
	keywords     *keywordIndex
	places       *gazetteer
	embedderID   string
	dims         int
	builtAt      time.Time
	fingerprint  string
}

// embedText is what the embedder and the keyword index see for a chunk:
// its passage with the article's title, section, author and heading in
// front, so that a question naming the article or its author finds the
// passage.
// Results show only the passage itself.
func embedText(a Article, c Chunk) string {
	var b strings.Builder
	b.WriteString(a.Title)
	if a.Section != "" {
		b.WriteString("　")
		b.WriteString(a.Section)
	}
	if by := a.Byline(); by != "" {
		b.WriteString("　")
		b.WriteString(by)
	}
	if c.Heading != "" {
		b.WriteString("　")
		b.WriteString(c.Heading)
	}
	b.WriteString("\n")
	b.WriteString(c.Text)
	return b.String()
}

// buildStats counts what building an index did.
type buildStats struct {
	embedded, cached int
}

// buildIndex chunks the articles, embeds the chunks through passages
// (vectors of e's space) and indexes them.
func buildIndex(ctx context.Context, articles []Article, e Embedder, passages PassageCache, newVectors VectorIndexFunc, opts ChunkOptions, progress func(done, total int)) (*Index, buildStats, error) {
	var chunks []Chunk
	var owner []int
	for i, a := range articles {
		for _, c := range chunkArticle(a, opts) {
			chunks = append(chunks, c)
			owner = append(owner, i)
		}
	}
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = embedText(articles[owner[i]], c)
	}
	var st buildStats
	vectors := make([][]float32, 0, len(chunks))
	const batch = 256
	for start := 0; start < len(texts); start += batch {
		end := min(start+batch, len(texts))
		vecs, cached, err := passages.Embed(ctx, texts[start:end])
		if err != nil {
			return nil, st, fmt.Errorf("embed chunks %d–%d of %d: %w", start+1, end, len(texts), err)
		}
		if len(vecs) != end-start {
			return nil, st, fmt.Errorf("embed chunks %d–%d: got %d vectors for %d chunks", start+1, end, len(vecs), end-start)
		}
		st.cached += cached
		st.embedded += end - start - cached
		vectors = append(vectors, vecs...)
		if progress != nil {
			progress(end, len(texts))
		}
	}
	idx, err := assemble(ctx, newVectors, articles, chunks, owner, vectors, e.ID, e.Dims)
	if err != nil {
		return nil, st, err
	}
	return idx, st, nil
}

// assemble builds the in-memory search structures from chunks and their
// vectors, the vector index with newVectors, checking that every vector
// has the embedder's dimension: a vector of another length would break
// every later query.
func assemble(ctx context.Context, newVectors VectorIndexFunc, articles []Article, chunks []Chunk, owner []int, vectors [][]float32, embedderID string, dims int) (*Index, error) {
	if len(vectors) != len(chunks) {
		return nil, fmt.Errorf("index: %d vectors for %d chunks", len(vectors), len(chunks))
	}
	idx := &Index{
		articles:     articles,
		articleAt:    make(map[string]int, len(articles)),
		chunks:       chunks,
		chunkAt:      make(map[string]int, len(chunks)),
		chunkArticle: owner,
		vectors:      vectors,
		embedderID:   embedderID,
		dims:         dims,
		builtAt:      time.Now(),
	}
	for i, a := range articles {
		idx.articleAt[a.ID] = i
	}
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		if dims > 0 && len(vectors[i]) != dims {
			return nil, fmt.Errorf("index: chunk %s has a vector of length %d, want %d (%s)", c.ID, len(vectors[i]), dims, embedderID)
		}
		if _, dup := idx.chunkAt[c.ID]; dup {
			return nil, fmt.Errorf("index: duplicate chunk id %s", c.ID)
		}
		idx.chunkAt[c.ID] = i
		texts[i] = embedText(articles[owner[i]], c)
	}
	// The vector index is in memory only: the index file (persist.go)
	// holds the vectors.
	vi, err := newVectors(ctx, vectors)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	idx.vecIndex = vi
	idx.keywords = newKeywordIndex(texts)
	idx.places = newGazetteer(articles)
	return idx, nil
}

// Articles returns the index's articles in source order.
func (x *Index) Articles() []Article { return x.articles }

// Chunks returns the index's chunks in order.
func (x *Index) Chunks() []Chunk { return x.chunks }

// Article looks an article up by ID.
func (x *Index) Article(id string) (Article, bool) {
	i, ok := x.articleAt[id]
	if !ok {
		return Article{}, false
	}
	return x.articles[i], true
}

// Chunk looks a chunk and its article up by chunk ID.
func (x *Index) Chunk(id string) (Chunk, Article, bool) {
	i, ok := x.chunkAt[id]
	if !ok {
		return Chunk{}, Article{}, false
	}
	return x.chunks[i], x.articles[x.chunkArticle[i]], true
}

// Regions returns the known counties and districts, sorted.
func (x *Index) Regions() []string {
	out := append([]string(nil), x.places.names...)
	sort.Strings(out)
	return out
}
