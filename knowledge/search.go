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
	// Issue keeps the articles of one issue: its name as Issues lists it
	// (or a part of it that names one issue: 第7期), or LatestIssue.
	// Empty means every issue.
	Issue string
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
	// Answerability is the probability that the passage answers the
	// question (see answerable.go); set by Retrieve, zero from Search.
	Answerability float64 `json:"-"`
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
// only) in four steps: filter (one predicate for both retrievers),
// retrieve (each retriever's candidates), fuse (one score per passage)
// and rank (boost, order, cut to k). It returns results best first.
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
	keep, err := x.filter(opts)
	if err != nil {
		return nil, err
	}
	n := min(max(candidates, k), len(x.chunks))
	vector, keyword, err := x.retrieve(ctx, method, query, qvec, n, keep)
	if err != nil {
		return nil, err
	}
	fused := fuse(method, vector, keyword)
	return x.rank(query, qvec, fused, vector, opts.Region == "", k), nil
}

// filter returns the predicate a passage must pass to be retrieved under
// opts, or nil when opts restrict nothing. Both retrievers apply the same
// predicate. It fails with ErrUnknownRegion for a region no article is
// about.
func (x *Index) filter(opts SearchOptions) (func(doc int) bool, error) {
	if opts.Region == "" && opts.Author == "" && opts.Section == "" && opts.Issue == "" {
		return nil, nil
	}
	issue, err := x.resolveIssue(opts.Issue)
	if err != nil {
		return nil, err
	}
	if issue != "" && x.allInIssue(issue) {
		issue = "" // the issue holds every article: nothing to narrow
	}
	if opts.Region == "" && opts.Author == "" && opts.Section == "" && issue == "" {
		return nil, nil
	}
	region := ""
	if opts.Region != "" {
		region = x.places.resolve(opts.Region)
		if region == "" {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownRegion, opts.Region, strings.Join(x.Regions(), "、"))
		}
	}
	return func(doc int) bool {
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
		if issue != "" && a.IssueName() != issue {
			return false
		}
		return true
	}, nil
}

// retrieve asks each retriever the method uses for its n best passages
// among those keep accepts: the vector index scores by cosine
// similarity to qvec (skipped when qvec is nil), BM25 by the question's
// terms.
func (x *Index) retrieve(ctx context.Context, method Method, query string, qvec []float32, n int, keep func(int) bool) (vector, keyword []scored, err error) {
	if method != MethodKeyword && qvec != nil {
		found, err := x.vecIndex.Nearest(ctx, qvec, n, keep)
		if err != nil {
			return nil, nil, fmt.Errorf("vector search: %w", err)
		}
		vector = make([]scored, len(found))
		for i, f := range found {
			vector[i] = scored{doc: f.Pos, score: f.Similarity}
		}
	}
	if method != MethodVector {
		keyword = x.keywords.search(queryText(query), n, keep)
	}
	return vector, keyword, nil
}

// fuse merges the retrievers' rankings into one score per passage. A
// single retriever keeps its own score (similarity or BM25); the hybrid
// adds, for each ranking a passage is in, its weight/(rrfK+rank).
func fuse(method Method, vector, keyword []scored) map[int]float64 {
	single := method == MethodVector || method == MethodKeyword
	fused := make(map[int]float64, len(vector)+len(keyword))
	add := func(ranking []scored, weight float64) {
		for rank, s := range ranking {
			if single {
				fused[s.doc] = s.score
			} else {
				fused[s.doc] += weight / float64(rrfK+rank+1)
			}
		}
	}
	add(vector, vectorWeight)
	add(keyword, keywordWeight)
	return fused
}

// rank orders the fused passages into the k results. When boost is set,
// passages about a region the question names score regionBoost times
// more first (a place over the others, such as the city, boosts
// nothing). Ties go to the earlier passage. Each result carries its
// passage's similarity to qvec (from the vector ranking, or computed)
// and its coverage of the question's terms, which the refusal reads.
func (x *Index) rank(query string, qvec []float32, fused map[int]float64, vector []scored, boost bool, k int) []Result {
	if boost {
		if named := x.places.specific(x.places.find(query)); len(named) > 0 {
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
	sim := make(map[int]float64, len(vector))
	for _, s := range vector {
		sim[s.doc] = s.score
	}
	qtext := queryText(query)
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
	return out
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
