package llm_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"kbot/knowledge"
	"kbot/knowledge/llm"
)

func passages() []knowledge.Result {
	return []knowledge.Result{
		{
			Chunk:   knowledge.Chunk{ID: "a1-0", Text: "全镇划分为42个网格，网格员每周入户走访。"},
			Article: knowledge.Article{ID: "a1", Title: "网格化管理让服务更贴心", Author: "张明", AuthorPost: "某镇党委书记"},
		},
		{
			Chunk:   knowledge.Chunk{ID: "a2-0", Text: "村党组织牵头成立合作社，去年户均增收三千元。"},
			Article: knowledge.Article{ID: "a2", Title: "党建引领乡村振兴", Author: "李华"},
		},
	}
}

func ExampleCheckCitations() {
	reply := "合作社带动增收[2]。网格员“每周入户走访”[1]，“每天开会”[1]，另有数据[5]。"
	text, cits := llm.CheckCitations(reply, passages())
	fmt.Println(text)
	for _, c := range cits {
		fmt.Printf("[%d] %s\n", c.N, c.Source())
	}
	// Output:
	// 合作社带动增收[1]。网格员“每周入户走访”[2]，“每天开会”，另有数据。
	// [1] 《党建引领乡村振兴》— 李华
	// [2] 《网格化管理让服务更贴心》— 张明（某镇党委书记）
}

func ExampleWriter_Write() {
	// A stand-in for an OpenAI-compatible server such as DeepSeek or Ollama.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"网格员每周入户走访[1]。"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()

	w, err := llm.New(llm.Options{BaseURL: srv.URL + "/v1", Model: "deepseek-chat", APIKey: "sk-example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ans, err := w.Write(context.Background(), knowledge.Question{Text: "网格员多久走访一次？"}, passages())
	if err != nil {
		fmt.Println("fall back to the extractive answer:", err)
		return
	}
	fmt.Println(ans.Mode, ans.Text, ans.Citations[0].Source())
	// Output:
	// llm 网格员每周入户走访[1]。 《网格化管理让服务更贴心》— 张明（某镇党委书记）
}

func ExampleElliptical() {
	fmt.Println(llm.Elliptical("那永吉县呢？"), llm.Elliptical("永吉县如何开展网格化管理？"))
	// Output: true false
}
