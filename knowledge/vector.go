package knowledge

import "context"

// VectorIndex finds the passages whose vectors are nearest a question's.
// An Index holds one over its passages' vectors, built by a
// VectorIndexFunc; queries may run on it concurrently.
type VectorIndex interface {
	// Nearest returns up to n of the stored vectors most similar to
	// query by cosine similarity, most similar first, keeping only the
	// positions keep accepts (nil keeps all). n is at least 1 and at
	// most the number of stored vectors.
	Nearest(ctx context.Context, query []float32, n int, keep func(pos int) bool) ([]Neighbor, error)
}

// Neighbor is a stored vector that VectorIndex.Nearest found.
type Neighbor struct {
	// Pos is the vector's position in the slice the index was built
	// from.
	Pos int
	// Similarity is its cosine similarity to the query.
	Similarity float64
}

// VectorIndexFunc builds a VectorIndex over vectors: L2-normalised and
// all of one length, vectors[i] at position i. The index may keep the
// slices; the caller does not modify them afterwards.
type VectorIndexFunc func(ctx context.Context, vectors [][]float32) (VectorIndex, error)
