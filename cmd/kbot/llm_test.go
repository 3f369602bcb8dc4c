package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/config"
	"kbot/knowledge"
)

// TestLLMBreakerSettings checks that llm.breaker_failures reaches the
// writer: N failed questions in a row stop the requests, and 0 never does.
func TestLLMBreakerSettings(t *testing.T) {
	tests := []struct {
		name      string
		failures  int
		wantCalls int32
	}{
		{"two failures in a row stop the requests", 2, 2},
		{"zero keeps asking the model", 0, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				http.Error(w, "down", http.StatusInternalServerError)
			}))
			defer srv.Close()
			cfg := config.Default()
			cfg.LLM.BaseURL, cfg.LLM.Model = srv.URL+"/v1", "m"
			cfg.LLM.MaxRetries = 0
			cfg.LLM.BreakerFailures = tt.failures
			w, err := llmWriter(cfg, nil, prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			res := []knowledge.Result{{Chunk: knowledge.Chunk{ID: "a-0", ArticleID: "a", Text: "网格员每周入户走访。"}}}
			for range 6 {
				if _, err := w.Write(context.Background(), knowledge.Question{Text: "网格员多久走访一次？"}, res); err == nil {
					t.Fatal("Write succeeded against a failing server")
				}
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", got, tt.wantCalls)
			}
		})
	}
}
