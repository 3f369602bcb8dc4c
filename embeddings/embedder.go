package embeddings

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Func embeds texts, returning one vector per text in the same order.
// Vectors are L2-normalised. On error no vectors are returned.
type Func func(ctx context.Context, texts []string) ([][]float32, error)

// Embedder is a provider and model with its embedding function.
type Embedder struct {
	// Provider is "local" or "openai".
	Provider string
	// Model names the model; for the local provider it names the
	// algorithm version, so a change of algorithm changes the ID.
	Model string
	// Dims is the length of every vector Embed returns. It is zero only
	// for an OpenAI embedder configured without dimensions that has not
	// yet been resolved; call [Embedder.Resolve] before relying on ID.
	Dims int
	// Embed embeds a batch of texts.
	Embed Func
}

// ID identifies the vector space as provider/model/dims. Vectors from
// different IDs must never be mixed.
func (e Embedder) ID() string {
	return e.Provider + "/" + e.Model + "/" + strconv.Itoa(e.Dims)
}

// probeText is embedded by Resolve to learn a model's dimension.
const probeText = "维度探测"

// Resolve returns e unchanged when e.Dims is known. Otherwise it embeds one
// short probe text, takes Dims from the returned vector and returns an
// Embedder whose Embed rejects any vector of another length. It returns an
// error when the probe fails or returns no usable vector.
func (e Embedder) Resolve(ctx context.Context) (Embedder, error) {
	if e.Dims > 0 {
		return e, nil
	}
	if e.Embed == nil {
		return e, fmt.Errorf("resolve dims of %s/%s: no embed function", e.Provider, e.Model)
	}
	vecs, err := e.Embed(ctx, []string{probeText})
	if err != nil {
		return e, fmt.Errorf("resolve dims of %s/%s: %w", e.Provider, e.Model, err)
	}
	if len(vecs) != 1 || len(vecs[0]) == 0 {
		return e, fmt.Errorf("resolve dims of %s/%s: probe returned no vector", e.Provider, e.Model)
	}
	out := e
	out.Dims = len(vecs[0])
	inner := e.Embed
	out.Embed = func(ctx context.Context, texts []string) ([][]float32, error) {
		vecs, err := inner(ctx, texts)
		if err != nil {
			return nil, err
		}
		if err := checkVectors(out.Model, out.Dims, len(texts), vecs); err != nil {
			return nil, err
		}
		return vecs, nil
	}
	return out, nil
}

// ErrBadVector reports a vector of the wrong length, a wrong count of
// vectors or a non-finite value from a provider.
var ErrBadVector = errors.New("bad embedding vector")

// checkVectors verifies that vecs holds want vectors of dims finite values.
func checkVectors(model string, dims, want int, vecs [][]float32) error {
	if len(vecs) != want {
		return fmt.Errorf("%w: model %q returned %d vectors for %d texts", ErrBadVector, model, len(vecs), want)
	}
	for i, v := range vecs {
		if len(v) != dims {
			return fmt.Errorf("%w: model %q returned a vector of length %d for text %d, want dims %d", ErrBadVector, model, len(v), i, dims)
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%w: model %q returned a non-finite value for text %d (dims %d)", ErrBadVector, model, i, dims)
			}
		}
	}
	return nil
}

// Normalize scales v in place to unit L2 length. A zero vector stays zero.
func Normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}
