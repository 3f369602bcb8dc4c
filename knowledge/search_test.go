package knowledge

import (
	"maps"
	"testing"
)

func TestFuse(t *testing.T) {
	vector := []scored{{doc: 3, score: 0.9}, {doc: 1, score: 0.7}}
	keyword := []scored{{doc: 1, score: 12.5}, {doc: 2, score: 8}}
	rrf := func(weight float64, rank int) float64 { return weight / float64(rrfK+rank) }
	tests := []struct {
		name            string
		method          Method
		vector, keyword []scored
		want            map[int]float64
	}{
		{
			name: "vector keeps the similarity", method: MethodVector, vector: vector,
			want: map[int]float64{3: 0.9, 1: 0.7},
		},
		{
			name: "keyword keeps the BM25 score", method: MethodKeyword, keyword: keyword,
			want: map[int]float64{1: 12.5, 2: 8},
		},
		{
			name: "hybrid adds weighted reciprocal ranks", method: MethodHybrid, vector: vector, keyword: keyword,
			want: map[int]float64{
				3: rrf(vectorWeight, 1),
				1: rrf(vectorWeight, 2) + rrf(keywordWeight, 1),
				2: rrf(keywordWeight, 2),
			},
		},
		{
			name: "hybrid without a question vector is keyword ranks", method: MethodHybrid, keyword: keyword,
			want: map[int]float64{1: rrf(keywordWeight, 1), 2: rrf(keywordWeight, 2)},
		},
		{
			name: "nothing retrieved fuses to nothing", method: MethodHybrid,
			want: map[int]float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fuse(tt.method, tt.vector, tt.keyword); !maps.Equal(got, tt.want) {
				t.Errorf("fuse = %v, want %v", got, tt.want)
			}
		})
	}
}
