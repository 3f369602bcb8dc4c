package llm

import (
	"context"
	"net/http"
	"testing"
)

// TestWriteCountsEachCallOnce: every Write that reaches the model adds one
// to kbot_llm_requests_total, under the outcome the caller got.
func TestWriteCountsEachCallOnce(t *testing.T) {
	tests := []struct {
		name      string
		stream    bool
		handle    func(w http.ResponseWriter, r *http.Request, n int)
		wantOK    float64
		wantError float64
		wantKind  Kind // failure counted, "" for none
	}{
		{
			name:   "usable reply counts as ok",
			handle: func(w http.ResponseWriter, r *http.Request, n int) { reply(w, "网格员每周入户走访[1]。") },
			wantOK: 1,
		},
		{
			name:      "reply not in Chinese counts as error",
			handle:    func(w http.ResponseWriter, r *http.Request, n int) { reply(w, "I cannot answer that.") },
			wantError: 1, wantKind: KindGarbled,
		},
		{
			name:      "reply of only reasoning counts as error",
			handle:    func(w http.ResponseWriter, r *http.Request, n int) { reply(w, "<think>先想想</think>  ") },
			wantError: 1, wantKind: KindEmpty,
		},
		{
			name:   "streamed reply echoing the prompt counts as error",
			stream: true,
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				streamReply(w, []string{"根据资料，", "<passages>网格员每周入户走访</passages>"}, 0, true)
			},
			wantError: 1, wantKind: KindGarbled,
		},
		{
			name:      "rejected request counts as error",
			handle:    func(w http.ResponseWriter, r *http.Request, n int) { apiError(w, 400, "bad parameter") },
			wantError: 1, wantKind: KindRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLLM(t, tt.handle)
			w := newTestWriter(t, f.url(), func(o *Options) { o.Stream = tt.stream })
			q := question()
			if tt.stream {
				q.OnPartial = func(string) {}
			}
			_, err := w.Write(context.Background(), q, testResults())
			if (err != nil) != (tt.wantError > 0) {
				t.Fatalf("Write error = %v, want error %v", err, tt.wantError > 0)
			}
			ok := metricSum(t, w.m.requests.WithLabelValues(opWrite, "ok"))
			bad := metricSum(t, w.m.requests.WithLabelValues(opWrite, "error"))
			if ok != tt.wantOK || bad != tt.wantError {
				t.Errorf("kbot_llm_requests_total ok=%v error=%v, want ok=%v error=%v", ok, bad, tt.wantOK, tt.wantError)
			}
			if tt.wantKind != "" {
				if got := metricSum(t, w.m.failures.WithLabelValues(opWrite, string(tt.wantKind))); got != 1 {
					t.Errorf("kbot_llm_failures_total{kind=%s} = %v, want 1", tt.wantKind, got)
				}
				if got := metricSum(t, w.m.failures); got != 1 {
					t.Errorf("kbot_llm_failures_total = %v in all, want 1", got)
				}
			}
		})
	}
}
