package knowledge

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/philippgille/chromem-go"
)

// chromemIndex is a VectorIndex on an in-memory chromem-go collection.
type chromemIndex struct {
	coll *chromem.Collection
}

// newChromemIndex adds vectors to a new in-memory collection, document
// i's ID being i in decimal. The collection is never persisted by
// chromem-go: the Index's snapshot holds the vectors.
func newChromemIndex(ctx context.Context, vectors [][]float32) (VectorIndex, error) {
	db := chromem.NewDB()
	coll, err := db.CreateCollection("chunks", nil, func(context.Context, string) ([]float32, error) {
		return nil, errors.New("query vectors are computed by kbot, not by the collection")
	})
	if err != nil {
		return nil, fmt.Errorf("create collection: %w", err)
	}
	if len(vectors) > 0 {
		docs := make([]chromem.Document, len(vectors))
		for i, v := range vectors {
			docs[i] = chromem.Document{ID: strconv.Itoa(i), Embedding: v}
		}
		if err := coll.AddDocuments(ctx, docs, 4); err != nil {
			return nil, fmt.Errorf("add vectors: %w", err)
		}
	}
	return &chromemIndex{coll: coll}, nil
}

// Nearest implements VectorIndex. chromem-go filters only on metadata
// equality, so with keep it ranks every vector and keeps the first n
// that keep accepts: the same passages a metadata filter would give.
func (c *chromemIndex) Nearest(ctx context.Context, query []float32, n int, keep func(pos int) bool) ([]Neighbor, error) {
	count := c.coll.Count()
	if count == 0 {
		return nil, nil
	}
	// chromem-go rejects an nResults above the collection's size.
	want := min(n, count)
	if keep != nil {
		want = count
	}
	res, err := c.coll.QueryEmbedding(ctx, query, want, nil, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Neighbor, 0, min(n, len(res)))
	for _, r := range res {
		pos, err := strconv.Atoi(r.ID)
		if err != nil {
			return nil, fmt.Errorf("document id %q is not a position", r.ID)
		}
		if keep != nil && !keep(pos) {
			continue
		}
		out = append(out, Neighbor{Pos: pos, Similarity: float64(r.Similarity)})
		if len(out) == n {
			break
		}
	}
	return out, nil
}
