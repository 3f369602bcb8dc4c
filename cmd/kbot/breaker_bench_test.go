package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/config"
	"kbot/knowledge"
	"kbot/knowledge/llm"
)

// failingQuestions are questions about the bundled issue that retrieval
// answers, so each one reaches the model.
var failingQuestions = []string{
	"永吉县在人才工作上有哪些做法？",
	"三梁村如何靠产业带动脱贫致富？",
	"幸福里社区的“五位一体”包括哪些方面？",
	"桦甸市用什么办法激励干部担当作为？",
	"口前镇党委是怎样固阵地、强堡垒的？",
	"夹信子村党支部的六项措施是什么？",
	"九站街道化纤社区党委为居民办了哪些实事？",
	"蛟河市如何开创组织工作新局面？",
}

// BenchmarkFailingModel sends questions at 20 a second through the
// knowledge base and the chat writer, wired from the default configuration,
// to a model that answers 500 or never answers. Like kbot serve, it answers
// at most telegram.max_concurrent questions at once, and a question's
// deadline (telegram.question_timeout) includes its wait for a slot. Once
// the circuit breaker has opened, 200 more questions are sent; their
// latency from arrival to answer is reported (p50, p99, max), with how
// many of them went unanswered. Before that: how long the breaker took to
// open, how many questions came in meanwhile, the slowest of those and how
// many went unanswered. The breaker-off case, for comparison, reports its
// first 200 questions.
//
//	go test -run '^$' -bench FailingModel -benchtime 1x ./cmd/kbot
func BenchmarkFailingModel(b *testing.B) {
	cases := []struct {
		name       string
		stream     bool
		hang       bool
		breakerOff bool
	}{
		{"500-streamed", true, false, false},
		{"500-not-streamed", false, false, false},
		{"hang-streamed", true, true, false},
		{"hang-not-streamed", false, true, false},
		{"500-streamed-breaker-off", true, false, true},
	}
	data := b.TempDir()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				failingModelRun(b, data, c.stream, c.hang, c.breakerOff)
			}
		})
	}
}

func failingModelRun(b *testing.B, data string, stream, hang, breakerOff bool) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server see a client hang up.
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		if hang {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"message":"internal error","type":"server_error"}}`)
	}))
	defer srv.Close()

	cfg := config.Default()
	cfg.DataDir = data
	cfg.LLM.BaseURL, cfg.LLM.Model = srv.URL+"/v1", "m"
	cfg.LLM.Stream = stream
	if breakerOff {
		cfg.LLM.BreakerFailures = 0
	}
	quiet := slog.New(slog.DiscardHandler)
	w, err := llmWriter(cfg, quiet, prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	e := &env{ctx: context.Background(), stderr: io.Discard, g: &globals{}}
	kb, err := e.open(cfg, quiet, w)
	if err != nil {
		b.Fatal(err)
	}
	writer := w.(*llm.Writer)

	const (
		rate     = 20 // questions a second
		measured = 200
	)
	slots := make(chan struct{}, cfg.Telegram.MaxConcurrent)
	var (
		mu                   sync.Mutex
		before, after        []time.Duration
		unansweredAfterOpen  int
		unansweredBefore     int
		wg                   sync.WaitGroup
		start                = time.Now()
		openedAt             time.Time
		sentAfter, sentTotal int
	)
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	for sentAfter < measured {
		<-tick.C
		open := breakerOff || !writer.Breaker().OpenedAt.IsZero()
		if open && openedAt.IsZero() && !breakerOff {
			openedAt = writer.Breaker().OpenedAt
		}
		if open {
			sentAfter++
		}
		q := knowledge.Question{Text: failingQuestions[sentTotal%len(failingQuestions)]}
		if stream {
			q.OnPartial = func(string) {}
		}
		sentTotal++
		wg.Add(1)
		go func() {
			defer wg.Done()
			arrived := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), cfg.Telegram.QuestionTimeout)
			defer cancel()
			answered := false
			select {
			case slots <- struct{}{}:
				ans, err := kb.Ask(ctx, q)
				<-slots
				answered = err == nil && ans.Text != ""
			case <-ctx.Done():
			}
			took := time.Since(arrived)
			mu.Lock()
			defer mu.Unlock()
			if open {
				after = append(after, took)
				if !answered {
					unansweredAfterOpen++
				}
			} else {
				before = append(before, took)
				if !answered {
					unansweredBefore++
				}
			}
		}()
	}
	wg.Wait()

	slices.Sort(after)
	slices.Sort(before)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(after[len(after)/2]), "p50-ms")
	b.ReportMetric(ms(after[(len(after)*99+99)/100-1]), "p99-ms")
	b.ReportMetric(ms(after[len(after)-1]), "max-ms")
	b.ReportMetric(float64(unansweredAfterOpen), "unanswered")
	if breakerOff {
		return
	}
	b.ReportMetric(openedAt.Sub(start).Seconds(), "s-to-open")
	b.ReportMetric(float64(len(before)), "questions-before-open")
	b.ReportMetric(float64(unansweredBefore), "unanswered-before-open")
	if len(before) > 0 {
		b.ReportMetric(ms(before[len(before)-1]), "max-ms-before-open")
	}
}
