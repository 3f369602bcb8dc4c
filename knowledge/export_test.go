package knowledge

import "context"

// Hooks for the tests of package knowledge_test, which build knowledge
// bases from real sources through the magazine reader (a package that
// imports this one, so those tests cannot live inside it).

// IndexFile, UploadsDir and RefusalText are what the tests look for on
// disk and in answers.
const (
	IndexFile   = indexFile
	UploadsDir  = uploadsDir
	RefusalText = refusalText
)

// Internals the external tests call.
var (
	ChunkArticle    = chunkArticle
	SplitSentences  = splitSentences
	QueryText       = queryText
	ErrCorruptIndex = errCorruptIndex
)

// LoadIndexFile reads an index file as Open does.
func LoadIndexFile(ctx context.Context, path string, vectors VectorIndexFunc) error {
	_, err := loadIndex(ctx, path, vectors)
	return err
}

// BuildIndex builds the index of articles as Reload does, embedding with
// e and no cache.
func BuildIndex(ctx context.Context, articles []Article, e Embedder, vectors VectorIndexFunc) (*Index, error) {
	idx, _, err := buildIndex(ctx, articles, e, uncached(e.Embed), vectors, DefaultChunkOptions, nil)
	return idx, err
}

// Search is the index's retrieval for a question whose vector is qvec
// (nil for keyword search).
func (x *Index) Search(ctx context.Context, query string, qvec []float32, opts SearchOptions) ([]Result, error) {
	return x.search(ctx, query, qvec, opts)
}

// Model is the answerability model's weights, as the calibration fits
// them.
type Model = answerModel

// FittedModel is the model the product uses.
var FittedModel = fittedModel

// Signals are one passage's measurements: cover, focus, bound, unseen,
// missed, relative.
type Signals [6]float64

// Vector returns the signals in the order of Model's weights after Bias.
func (s signals) vector() Signals {
	return Signals{s.Cover, s.Focus, s.Bound, s.Unseen, s.Missed, s.Relative}
}

// RetrieveSignals retrieves as Ask does and returns, beside the
// retrieval, the signals of each of its results (none for a catalog
// answer).
func (b *Base) RetrieveSignals(ctx context.Context, question string) (Retrieval, []Signals, error) {
	ret, err := b.Retrieve(ctx, question, SearchOptions{})
	if err != nil {
		return ret, nil, err
	}
	out := make([]Signals, len(ret.decision.sig))
	for i, s := range ret.decision.sig {
		out[i] = s.vector()
	}
	return ret, out, nil
}

// Prob is the model's probability for signals s.
func (m answerModel) Prob(s Signals) float64 {
	return m.prob(signals{Cover: s[0], Focus: s[1], Bound: s[2], Unseen: s[3], Missed: s[4], Relative: s[5]})
}

// AnswerFrom runs what Ask does after retrieval: question analysis, the
// answerability decision and the extractive answer, on given results.
func (x *Index) AnswerFrom(question string, results []Result) Answer {
	a := x.analyze(question)
	d := x.decide(&a, results, fittedModel, 0)
	if d.reason != "" {
		return refusal(nil, x.refusalNote(&a, d.reason))
	}
	return x.compose(&a, results, d, "", "")
}
