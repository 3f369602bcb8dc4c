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
