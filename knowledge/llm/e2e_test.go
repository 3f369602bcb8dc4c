package llm

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/knowledge"
)

// These tests run against the mock OpenAI-compatible server of
// .ci/mock-llm (configured by .ci/mock-llm/mock-llm.yaml), whose base URL
// .ci/run passes in KBOT_TEST_LLM_URL. Locally they skip without it; in CI
// a missing URL is a failure, so the tests cannot be skipped by accident.

const e2eKey = "kbot-e2e-key"

func e2eWriter(t *testing.T, mod func(*Options)) *Writer {
	t.Helper()
	url := os.Getenv("KBOT_TEST_LLM_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KBOT_TEST_LLM_URL is not set: .ci/run must start .ci/mock-llm/start.sh and export its URL")
		}
		t.Skip("KBOT_TEST_LLM_URL is not set; start .ci/mock-llm/start.sh to run the end-to-end tests")
	}
	opts := Options{
		BaseURL: url, Model: "kbot-e2e", APIKey: e2eKey,
		Timeout: 10 * time.Second, MaxRetries: 1, Registry: prometheus.NewRegistry(),
	}
	if mod != nil {
		mod(&opts)
	}
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	w.retrier.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
	return w
}

// e2eWant is the mock's answer after the citation check: passage 2 is cited
// first so becomes [1]; the invented quote and [7] lose their markers.
const e2eWant = "村党组织牵头成立合作社[1]。网格员“每周入户走访”[2]，并“每天召开院坝会”，另有统计。"

func checkE2EAnswer(t *testing.T, ans knowledge.Answer) {
	t.Helper()
	if ans.Text != e2eWant || ans.Mode != "llm" {
		t.Errorf("answer = %q (mode %q), want %q", ans.Text, ans.Mode, e2eWant)
	}
	if len(ans.Citations) != 2 || ans.Citations[0].ArticleID != "a2" || ans.Citations[1].ArticleID != "a1" {
		t.Fatalf("citations = %+v, want a2 then a1", ans.Citations)
	}
	if ans.Citations[1].Text != testResults()[0].Chunk.Text {
		t.Error("citation does not carry its whole passage")
	}
}

func TestE2EPlainCompletion(t *testing.T) {
	w := e2eWriter(t, nil)
	ans, err := w.Write(context.Background(), question(), testResults())
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	checkE2EAnswer(t, ans)
	if got := metricSum(t, w.m.tokens); got != 480 {
		t.Errorf("tokens counted = %v, want 480", got)
	}
}

func TestE2EStreamedCompletion(t *testing.T) {
	w := e2eWriter(t, func(o *Options) { o.Stream = true })
	var mu sync.Mutex
	var partials []string
	q := question()
	q.OnPartial = func(s string) {
		mu.Lock()
		partials = append(partials, s)
		mu.Unlock()
	}
	ans, err := w.Write(context.Background(), q, testResults())
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	checkE2EAnswer(t, ans)
	if len(partials) < 3 {
		t.Fatalf("OnPartial called %d times, want several", len(partials))
	}
	for i := 1; i < len(partials); i++ {
		if len([]rune(partials[i])) <= len([]rune(partials[i-1])) {
			t.Errorf("partial %d %q is not longer than %q", i, partials[i], partials[i-1])
		}
	}
	if last := partials[len(partials)-1]; last != e2eWant {
		t.Errorf("last partial = %q, want the checked answer", last)
	}
}

func TestE2ENoAnswerListsReferences(t *testing.T) {
	w := e2eWriter(t, nil)
	res := testResults()[1:]
	ans, err := w.Write(context.Background(), question(), res)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !strings.Contains(ans.Text, "没有找到") || len(ans.Citations) != 2 || !ans.Citations[0].Reference {
		t.Errorf("answer = %+v, want a plain no-answer with passages as 参考", ans)
	}
}

func TestE2ERewrite(t *testing.T) {
	w := e2eWriter(t, nil)
	q := knowledge.Question{
		Text:    "他们多久走访一次？",
		History: []knowledge.Turn{{Question: "永吉县如何开展网格化管理？", Answer: "全镇划分为42个网格[1]。"}},
	}
	got, err := w.Rewrite(context.Background(), q)
	if err != nil {
		t.Fatalf("Rewrite: %v", err)
	}
	if got != "永吉县的网格员多久入户走访一次？" {
		t.Errorf("Rewrite = %q", got)
	}
}

func TestE2EFailures(t *testing.T) {
	tests := []struct {
		name       string
		stream     bool
		key        string
		wantKind   Kind
		wantStatus int
	}{
		{name: "server error fails as server", key: e2eKey, wantKind: KindServer, wantStatus: 500},
		{name: "server error in a stream fails as stream", stream: true, key: e2eKey, wantKind: KindStream},
		{name: "wrong key fails as request", key: "wrong-key-123456", wantKind: KindRequest, wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e2eWriter(t, func(o *Options) { o.Stream = tt.stream; o.APIKey = tt.key })
			q := knowledge.Question{Text: "模拟服务器故障", OnPartial: func(string) {}}
			_, err := w.Write(context.Background(), q, testResults())
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.wantKind || e.Status != tt.wantStatus {
				t.Fatalf("err = %v, want kind %s status %d", err, tt.wantKind, tt.wantStatus)
			}
			if strings.Contains(err.Error(), tt.key) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}
