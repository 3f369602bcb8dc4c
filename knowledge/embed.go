package knowledge

import "context"

// EmbedFunc embeds texts, returning one vector per text in the same
// order. Vectors are L2-normalised and of the embedder's length; on error
// no vectors are returned.
type EmbedFunc func(ctx context.Context, texts []string) ([][]float32, error)

// Embedder is the embedding model an index is built with and questions
// are embedded by. Package kbot/embeddings provides the offline and the
// OpenAI-compatible ones.
type Embedder struct {
	// ID names the vector space (provider/model/dims). Vectors of
	// different IDs are never compared: an index built under another ID
	// is rebuilt.
	ID string
	// Dims is the length of every vector Embed returns.
	Dims  int
	Embed EmbedFunc
}

// PassageCache embeds the passages of an index build, keeping their
// vectors across builds so that unchanged text is not embedded again.
// Base calls it from one build at a time.
type PassageCache interface {
	// Embed returns one vector per text, in order, as the Embedder would,
	// and how many of them came from the cache.
	Embed(ctx context.Context, texts []string) (vecs [][]float32, cached int, err error)
	// Commit is called after a build succeeded: the cache may forget the
	// vectors the build did not ask for, and persists the rest. An error
	// costs the next build work, nothing else.
	Commit() error
}

// uncached is the PassageCache of a Base without one: every build embeds
// every passage.
type uncached EmbedFunc

func (u uncached) Embed(ctx context.Context, texts []string) ([][]float32, int, error) {
	vecs, err := u(ctx, texts)
	return vecs, 0, err
}

func (uncached) Commit() error { return nil }
