package knowledge_test

import (
	"context"
	"fmt"
	"os"

	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
	"kbot/knowledge/magazine"
)

// Open builds (or loads) the index of the bundled issue, read by the
// magazine reader, with the offline embedder; Ask answers with citations.
func ExampleBase_Ask() {
	dir, err := os.MkdirTemp("", "kbot-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	em := embeddings.Local()
	kb, err := knowledge.Open(context.Background(), knowledge.Options{
		DataDir:  dir,
		Sources:  []string{knowledge.BundledSource},
		Load:     magazine.Load,
		Vectors:  chromem.New,
		Embedder: knowledge.Embedder{ID: em.ID(), Dims: em.Dims, Embed: knowledge.EmbedFunc(em.Embed)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ans, err := kb.Ask(context.Background(), knowledge.Question{Text: "谁写了《六措并举 创五好支部》？"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ans.Text)
	fmt.Println(ans.Citations[0].Source())
	// Output:
	// 《六措并举 创五好支部》的作者是龙潭区江密峰镇夹信子村党支部[1]。
	// 《六措并举 创五好支部》— 龙潭区江密峰镇夹信子村党支部
}
