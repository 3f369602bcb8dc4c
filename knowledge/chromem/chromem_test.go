package chromem_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"kbot/knowledge/chromem"
)

// unit returns the unit vector at angle a (radians) in the plane.
func unit(a float64) []float32 {
	return []float32{float32(math.Cos(a)), float32(math.Sin(a))}
}

func TestNearest(t *testing.T) {
	// Vector i lies at angle 0.3·i: the smaller i, the nearer the query
	// at angle 0.
	var vectors [][]float32
	for i := range 6 {
		vectors = append(vectors, unit(0.3*float64(i)))
	}
	idx, err := chromem.New(context.Background(), vectors)
	if err != nil {
		t.Fatal(err)
	}
	even := func(pos int) bool { return pos%2 == 0 }
	tests := []struct {
		name string
		n    int
		keep func(int) bool
		want []int
	}{
		{"most similar first", 3, nil, []int{0, 1, 2}},
		{"all of them", 6, nil, []int{0, 1, 2, 3, 4, 5}},
		{"filter keeps the best n that pass", 2, even, []int{0, 2}},
		{"filter with fewer passing than n", 6, even, []int{0, 2, 4}},
		{"filter that passes nothing", 3, func(int) bool { return false }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := idx.Nearest(context.Background(), unit(0), tt.n, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			var pos []int
			for i, nb := range got {
				pos = append(pos, nb.Pos)
				want := math.Cos(0.3 * float64(nb.Pos))
				if math.Abs(nb.Similarity-want) > 1e-6 {
					t.Errorf("similarity of %d = %v, want %v", nb.Pos, nb.Similarity, want)
				}
				if i > 0 && nb.Similarity > got[i-1].Similarity {
					t.Errorf("result %d is more similar than the one before it", i)
				}
			}
			if !slices.Equal(pos, tt.want) {
				t.Errorf("Nearest = %v, want %v", pos, tt.want)
			}
		})
	}
}

func TestNearestOnNoVectors(t *testing.T) {
	idx, err := chromem.New(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := idx.Nearest(context.Background(), unit(0), 5, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("Nearest on an empty index = %v, %v; want nothing", got, err)
	}
}

func TestNearestRejectsAQueryOfAnotherLength(t *testing.T) {
	idx, err := chromem.New(context.Background(), [][]float32{unit(0), unit(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Nearest(context.Background(), []float32{1, 0, 0}, 1, nil); err == nil {
		t.Fatal("a query vector of the wrong length was answered")
	}
}
