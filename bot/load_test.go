package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/knowledge"
)

type loadResult struct {
	took          time.Duration
	p50, p99      time.Duration
	heapInuseMB   float64
	conversations int
}

// runLoad sends users×perUser private questions in one burst through the
// fake Bot API and checks that each is answered exactly once. Latency is
// from the update's delivery in a getUpdates answer to its sendMessage.
func runLoad(tb testing.TB, users, perUser int) loadResult {
	tb.Helper()
	api := newFakeAPI(tb)
	kb := newFakeKB()
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		return knowledge.Answer{Text: q.Text + "：答案[1]", Mode: "extractive",
			Citations: []knowledge.Citation{{N: 1, ChunkID: "c-a1-0", Title: "抓党建促振兴", Author: "张三"}}}, nil
	}
	opts := Options{
		Token: testToken, APIURL: api.URL(), RatePerMinute: -1,
		PollTimeout: time.Second, PollInterval: 5 * time.Millisecond,
		HTTPAddr: "127.0.0.1:0", StateDir: tb.TempDir(), Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	b, err := New(opts, kb)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	}()
	api.waitCalls("getUpdates", 1)

	total := users * perUser
	ids := make(map[string]int64, total)
	begin := time.Now()
	for k := 0; k < total; k++ {
		user := int64(10000 + k%users)
		q := "负载问题" + strconv.Itoa(k)
		ids[q] = api.private(user, q)
	}
	waitFor(api.t, fmt.Sprintf("%d answers", total), func() bool { return len(api.callsTo("sendMessage")) >= total })
	took := time.Since(begin)
	time.Sleep(100 * time.Millisecond) // a window for duplicates to show up

	sends := api.callsTo("sendMessage")
	if len(sends) != total {
		tb.Fatalf("%d messages sent for %d questions", len(sends), total)
	}
	seen := map[string]bool{}
	var lat []time.Duration
	api.mu.Lock()
	for _, c := range sends {
		q, _, _ := strings.Cut(c.params["text"], "：")
		id, ok := ids[q]
		if !ok || seen[q] {
			api.mu.Unlock()
			tb.Fatalf("unexpected or repeated answer %q", c.params["text"])
		}
		seen[q] = true
		lat = append(lat, c.at.Sub(api.delivered[id]))
	}
	api.mu.Unlock()
	slices.Sort(lat)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return loadResult{
		took:          took,
		p50:           lat[len(lat)/2],
		p99:           lat[len(lat)*99/100],
		heapInuseMB:   float64(ms.HeapInuse) / (1 << 20),
		conversations: b.history.size(),
	}
}

func TestBurstIsAnsweredExactlyOnce(t *testing.T) {
	r := runLoad(t, 50, 4)
	if r.conversations != 50 {
		t.Errorf("history holds %d conversations, want 50", r.conversations)
	}
}

// BenchmarkBurst: 100 users send 1,000 questions at once; offline answers.
// Run with -benchtime=1x; it reports throughput and answer latency.
func BenchmarkBurst(b *testing.B) {
	for i := 0; i < b.N; i++ {
		r := runLoad(b, 100, 10)
		b.ReportMetric(1000/r.took.Seconds(), "questions/s")
		b.ReportMetric(float64(r.p50.Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99_ms")
		b.ReportMetric(r.heapInuseMB, "heap_inuse_MB")
	}
}
