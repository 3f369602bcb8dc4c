package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchUsers is how many users record at once in the benchmarks.
const benchUsers = 100

var benchArticles = []Article{
	{ID: "2024-03-07", Title: "以高质量党建引领基层治理", County: "磐石市"},
	{ID: "2024-03-12", Title: "发展壮大村级集体经济的实践与思考", County: "永吉县"},
	{ID: "2024-03-21", Title: "抓好党员教育管理", County: "桦甸市"},
}

// concurrently runs n calls of call spread over benchUsers goroutines and
// returns each call's latency, sorted.
func concurrently(b *testing.B, n int, call func(user, i int) error) []time.Duration {
	lat := make([]time.Duration, n)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for u := range benchUsers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				start := time.Now()
				err := call(u, i)
				lat[i] = time.Since(start)
				if err != nil && failed.Add(1) == 1 {
					b.Errorf("call %d: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(lat)
	return lat
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e6
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkRecordQuestion measures what recording a question costs the
// answer path: 100 users at once each record an answered question citing
// three articles. It reports the latency of RecordQuestion at the 50th and
// 99th percentiles, and how many records a second reach the disk (the time
// to the end of the final Flush). The queue holds all b.N records, so none
// is dropped; the benchmark fails unless every one is written.
func BenchmarkRecordQuestion(b *testing.B) {
	s := openTest(b, WithQueueSize(b.N+1))
	b.ResetTimer()
	lat := concurrently(b, b.N, func(u, i int) error {
		q := answered(fmt.Sprintf("磐石市在基层党建工作中有哪些创新做法？（第%d问）", i), int64(u), i+1, benchArticles...)
		return s.RecordQuestion(q)
	})
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if st := s.Status(); st.Written != uint64(b.N) || st.Dropped != 0 || st.Failed != 0 {
		b.Fatalf("status %+v, want all %d written", st, b.N)
	}
	reportPercentiles(b, lat)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "written/s")
}

// BenchmarkRecordVote measures a call that waits for the disk: 100 users
// at once each vote on an answer and wait until the vote is committed.
func BenchmarkRecordVote(b *testing.B) {
	s := openTest(b)
	const answers = 1000
	for i := range answers {
		if err := s.RecordQuestion(answered("永吉县怎样发展村集体经济", 1, i+1, benchArticles...)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	lat := concurrently(b, b.N, func(u, i int) error {
		v := Vote{Answer: AnswerRef{ChatID: 1, MessageID: i%answers + 1}, UserID: int64(u), Verdict: ThumbsDown, Reason: ReasonIncomplete}
		return s.RecordVote(ctx, v)
	})
	b.StopTimer()
	reportPercentiles(b, lat)
}
