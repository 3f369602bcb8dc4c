package llm

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kbot/knowledge"
)

// benchResults are five passages of about 500 characters each, the size
// retrieval hands to Write.
func benchResults() []knowledge.Result {
	sentences := []string{
		"我们坚持把党建引领贯穿基层治理全过程，推动党组织覆盖到每一个网格。",
		"全镇划分为42个网格，每个网格配备一名专职网格员和若干名兼职网格员。",
		"网格员每周入户走访，及时收集群众诉求，做到小事不出网格、大事不出村。",
		"村党组织牵头成立合作社，带动农户发展特色种植，去年户均增收三千元。",
		"开展“党员先锋岗”创建活动，设立岗位120个，党员亮身份、作表率。",
	}
	var res []knowledge.Result
	for i := range 5 {
		var b strings.Builder
		for b.Len() < 1500 { // about 500 characters
			b.WriteString(sentences[(i+b.Len())%len(sentences)])
		}
		res = append(res, knowledge.Result{
			Chunk: knowledge.Chunk{ID: fmt.Sprintf("c%d", i), Text: b.String(), Heading: "一、强化组织引领"},
			Article: knowledge.Article{
				ID: fmt.Sprintf("a%d", i), Title: fmt.Sprintf("第%d篇文章的标题", i+1),
				Author: "王某", AuthorPost: "某县委常委、组织部长", Section: "基层治理",
			},
		})
	}
	return res
}

// benchAnswer is a model reply of about 400 characters with eight markers,
// two quotes, one invented quote and one marker out of range.
const benchAnswer = `根据资料，当地主要从三个方面推进基层治理。
一是织密网格。全镇划分为42个网格[2]，网格员“每周入户走访，及时收集群众诉求”[2][3]，做到“小事不出网格、大事不出村”[3]。
二是发展产业。村党组织牵头成立合作社[4]，带动农户发展特色种植，去年户均增收三千元[4][1]。
三是党员带头。开展“党员先锋岗”创建活动[5]，党员亮身份、作表率[5]，并“每天召开院坝会”[5]。
此外还有其他做法[9]。资料没有提到具体的考核办法。`

// BenchmarkAnswerPath measures what Write costs besides the model: building
// the prompt, vetting the reply and checking its citations. Target: under
// 5 ms per answer.
func BenchmarkAnswerPath(b *testing.B) {
	w, err := New(Options{BaseURL: "http://127.0.0.1:1/v1", Model: "m"})
	if err != nil {
		b.Fatal(err)
	}
	res := benchResults()
	q := knowledge.Question{Text: "各地怎样推进基层治理？", History: []knowledge.Turn{{Question: "网格怎么划分？", Answer: "全镇划分为42个网格[1]。"}}}
	start := time.Now()
	n := 0
	for b.Loop() {
		msgs := answerMessages(w.system, q, res)
		text, err := w.usable(benchAnswer)
		if err != nil {
			b.Fatal(err)
		}
		text, cits, _ := checkCitations(text, res)
		if len(msgs) != 2 || len(cits) != 5 || strings.Contains(text, "[9]") {
			b.Fatalf("unexpected result: %d messages, %d citations", len(msgs), len(cits))
		}
		n++
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(n), "ms/answer")
}

// BenchmarkCheckCitations measures the citation check alone.
func BenchmarkCheckCitations(b *testing.B) {
	res := benchResults()
	for b.Loop() {
		CheckCitations(benchAnswer, res)
	}
}

// BenchmarkWriteLocal measures a whole Write against a local server that
// answers at once: the answer path plus HTTP and JSON on loopback.
func BenchmarkWriteLocal(b *testing.B) {
	srv := newBenchServer(b, func(w http.ResponseWriter, r *http.Request) { reply(w, benchAnswer) })
	w, err := New(Options{BaseURL: srv + "/v1", Model: "m"})
	if err != nil {
		b.Fatal(err)
	}
	res := benchResults()
	for b.Loop() {
		if _, err := w.Write(context.Background(), knowledge.Question{Text: "各地怎样推进基层治理？"}, res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstText measures the time from the question to the first
// visible text (the first OnPartial call) when the model's first token
// takes 500 ms. Target: at most 600 ms.
func BenchmarkFirstText(b *testing.B) {
	pieces := strings.SplitAfter(benchAnswer, "，")
	srv := newBenchServer(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush() // headers go out at once, as real servers do
		time.Sleep(500 * time.Millisecond)
		streamReply(w, pieces, 0, true)
	})
	w, err := New(Options{BaseURL: srv + "/v1", Model: "m", Stream: true})
	if err != nil {
		b.Fatal(err)
	}
	res := benchResults()
	var total, worst time.Duration
	n := 0
	for b.Loop() {
		var first time.Duration
		start := time.Now()
		q := knowledge.Question{Text: "各地怎样推进基层治理？", OnPartial: func(string) {
			if first == 0 {
				first = time.Since(start)
			}
		}}
		if _, err := w.Write(context.Background(), q, res); err != nil {
			b.Fatal(err)
		}
		if first == 0 {
			b.Fatal("OnPartial was never called")
		}
		total += first
		worst = max(worst, first)
		n++
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms-to-first-text")
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms-to-first-text")
}

func newBenchServer(b *testing.B, h http.HandlerFunc) string {
	b.Helper()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL
}
