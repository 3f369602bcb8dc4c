// Package chromem keeps the passage vectors of a knowledge index in an
// in-memory chromem-go collection and searches them: it provides the
// knowledge.VectorIndex kbot serves with (New is a
// knowledge.VectorIndexFunc). Only this package imports chromem-go.
//
// The collection lives in memory only: the knowledge base persists its
// vectors in its own index file and rebuilds the collection on load.
package chromem

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/philippgille/chromem-go" // the vector store this package wraps; same name

	"kbot/knowledge"
)

// index is a knowledge.VectorIndex on an in-memory chromem-go collection.
type index struct {
	coll *chromem.Collection
}

var _ knowledge.VectorIndexFunc = New

// New adds vectors to a new in-memory collection, vector i as the
// document whose ID is i in decimal. chromem-go keeps its own normalised
// copy of a vector that is not of unit length; it never embeds text
// itself.
func New(ctx context.Context, vectors [][]float32) (knowledge.VectorIndex, error) {
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
	return &index{coll: coll}, nil
}

// Nearest implements knowledge.VectorIndex. chromem-go filters only on
// metadata equality, so with keep it ranks every vector and keeps the
// first n that keep accepts: the passages a metadata filter would give,
// at the cost of ranking the whole collection.
func (c *index) Nearest(ctx context.Context, query []float32, n int, keep func(pos int) bool) ([]knowledge.Neighbor, error) {
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
		return nil, fmt.Errorf("query collection: %w", err)
	}
	out := make([]knowledge.Neighbor, 0, min(n, len(res)))
	for _, r := range res {
		pos, err := strconv.Atoi(r.ID)
		if err != nil {
			return nil, fmt.Errorf("document id %q is not a position", r.ID)
		}
		if keep != nil && !keep(pos) {
			continue
		}
		out = append(out, knowledge.Neighbor{Pos: pos, Similarity: float64(r.Similarity)})
		if len(out) == n {
			break
		}
	}
	return out, nil
}
