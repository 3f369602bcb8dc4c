package embeddings_test

import (
	"context"
	"fmt"

	"kbot/embeddings"
)

func ExampleLocal() {
	e := embeddings.Local()
	vecs, err := e.Embed(context.Background(), []string{
		"三梁村养猪一年净赚多少？",
		"三梁村生猪年出栏 20000 头，实现净利润 1000 万元。",
		"幸福里社区推行庭院养人、楼道育人、家庭暖人。",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	cos := func(a, b []float32) (s float32) {
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	fmt.Println(e.ID())
	fmt.Println("answer closer than unrelated:", cos(vecs[0], vecs[1]) > cos(vecs[0], vecs[2]))
	// Output:
	// local/hashgram-v1/4096
	// answer closer than unrelated: true
}
