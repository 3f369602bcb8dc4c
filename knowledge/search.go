package knowledge

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// SearchOptions narrows and sizes a search.
type SearchOptions struct {
	// K is the number of results wanted; zero means the default (5).
	K int
	// Region, Author and Section filter results to articles that match
	// (a region given as 永吉 also matches 永吉县). Empty means no filter.
	Region  string
	Author  string
	Section string
	// Method picks the retriever; empty means MethodHybrid.
	Method Method
}

// Method is a retriever. The single retrievers exist to measure the
// fusion.
type Method string

// Retrieval methods, spelled as on the command line and in JSON.
const (
	// MethodHybrid fuses the vector and the keyword rankings.
	MethodHybrid Method = "hybrid"
	// MethodVector ranks by cosine similarity to the question's vector.
	MethodVector Method = "vector"
	// MethodKeyword ranks by BM25 over character bigrams.
	MethodKeyword Method = "keyword"
)

// Result is one retrieved passage with its article's metadata.
type Result struct {
	Rank  int     `json:"rank"`
	Score float64 `json:"score"`
	// Chunk is the passage; Chunk.Text is exactly as in the article.
	Chunk   Chunk   `json:"-"`
	Article Article `json:"-"`
	// Similarity is the cosine similarity of the passage to the question
	// (vector retrieval) and Coverage the share of the question's
	// weighted terms the passage contains; both feed the refusal.
	Similarity float64 `json:"-"`
	Coverage   float64 `json:"-"`
}

// ErrUnknownRegion is returned for a region filter that names no known
// county or district.
var ErrUnknownRegion = errors.New("unknown region")

// candidates is how many results each retriever contributes to fusion.
const candidates = 50

// Reciprocal rank fusion: a passage scores weight/(rrfK+rank) in each
// ranking. rrfK damps the first ranks (larger values flatten them). The
// keyword ranking weighs twice the vector ranking: with the offline
// embedder, whose vectors are hashed character n-grams, BM25 is the
// stronger retriever on the development questions and vectors settle
// close calls (see BENCHMARKS.md for the measurement).
const (
	rrfK          = 10
	vectorWeight  = 0.5
	keywordWeight = 1.0
)

// regionBoost multiplies the fused score of passages about a region the
// question names.
const regionBoost = 1.5

// search runs retrieval for query with its vector qvec (nil for keyword
// only). It returns results best first.
func (x *Index) search(ctx context.Context, query string, qvec []float32, opts SearchOptions) ([]Result, error) {
	k := opts.K
	if k <= 0 {
		k = 5
	}
	if len(x.chunks) == 0 {
		return nil, nil
	}
	method := opts.Method
	if method == "" {
		method = MethodHybrid
	}

	where := map[string]string{}
	region := ""
	if opts.Region != "" {
		region = x.places.Resolve(opts.Region)
		if region == "" {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownRegion, opts.Region, strings.Join(x.Regions(), "、"))
		}
		where[metaRegion+region] = "1"
	}
	if opts.Author != "" {
		where[metaAuthor] = opts.Author
	}
	if opts.Section != "" {
		where[metaSection] = opts.Section
	}
	allow := func(doc int) bool {
		a := x.articles[x.chunkArticle[doc]]
		if region != "" && !contains(a.Regions, region) {
			return false
		}
		if opts.Author != "" && a.Author != opts.Author {
			return false
		}
		if opts.Section != "" && a.Section != opts.Section {
			return false
		}
		return true
	}
	if len(where) == 0 {
		where = nil
	}

	fused := map[int]float64{}
	sim := map[int]float64{}
	n := min(max(candidates, k), len(x.chunks))
	if method != MethodKeyword && qvec != nil {
		res, err := x.coll.QueryEmbedding(ctx, qvec, n, where, nil)
		if err != nil {
			return nil, fmt.Errorf("vector search: %w", err)
		}
		for rank, r := range res {
			i := x.chunkAt[r.ID]
			sim[i] = float64(r.Similarity)
			if method == MethodVector {
				fused[i] = float64(r.Similarity)
			} else {
				fused[i] += vectorWeight / float64(rrfK+rank+1)
			}
		}
	}
	qtext := QueryText(query)
	if method != MethodVector {
		for rank, s := range x.keywords.search(qtext, n, allow) {
			if method == MethodKeyword {
				fused[s.doc] = s.score
			} else {
				fused[s.doc] += keywordWeight / float64(rrfK+rank+1)
			}
		}
	}
	if opts.Region == "" {
		if named := x.places.Specific(x.places.Find(query)); len(named) > 0 {
			for i := range fused {
				for _, r := range named {
					if contains(x.articles[x.chunkArticle[i]].Regions, r) {
						fused[i] *= regionBoost
						break
					}
				}
			}
		}
	}

	order := make([]int, 0, len(fused))
	for i := range fused {
		order = append(order, i)
	}
	sort.Slice(order, func(a, b int) bool {
		if fused[order[a]] != fused[order[b]] {
			return fused[order[a]] > fused[order[b]]
		}
		return order[a] < order[b]
	})
	if len(order) > k {
		order = order[:k]
	}
	out := make([]Result, len(order))
	for r, i := range order {
		a := x.articles[x.chunkArticle[i]]
		c := x.chunks[i]
		s, ok := sim[i]
		if !ok && qvec != nil {
			s = dot(qvec, x.vectors[i])
		}
		out[r] = Result{
			Rank:       r + 1,
			Score:      fused[i],
			Chunk:      c,
			Article:    a,
			Similarity: s,
			Coverage:   x.keywords.coverage(qtext, embedText(a, c)),
		}
	}
	return out, nil
}

func dot(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
