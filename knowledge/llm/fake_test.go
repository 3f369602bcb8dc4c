package llm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
)

// fakeLLM is an OpenAI-compatible chat completion server for tests. Its
// handler is called with the 0-based number of the request.
type fakeLLM struct {
	srv *httptest.Server

	mu      sync.Mutex
	reqs    []openai.ChatCompletionRequest
	limits  []tokenLimits
	headers []http.Header
	times   []time.Time
}

func newFakeLLM(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fakeLLM {
	t.Helper()
	f := &fakeLLM{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body) // a short read fails the decode below
		var req openai.ChatCompletionRequest
		var lim tokenLimits
		if json.Unmarshal(body, &req) != nil || json.Unmarshal(body, &lim) != nil {
			http.Error(w, "bad request body", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		n := len(f.reqs)
		f.reqs = append(f.reqs, req)
		f.limits = append(f.limits, lim)
		f.headers = append(f.headers, r.Header.Clone())
		f.times = append(f.times, time.Now())
		f.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLLM) url() string { return f.srv.URL + "/v1" }

func (f *fakeLLM) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *fakeLLM) request(i int) openai.ChatCompletionRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[i]
}

// tokenLimits are the length limits of a request, read by their names on
// the wire.
type tokenLimits struct {
	MaxTokens           int `json:"max_tokens"`
	MaxCompletionTokens int `json:"max_completion_tokens"`
}

func (f *fakeLLM) limit(i int) tokenLimits {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limits[i]
}

// reply writes a complete non-streamed answer.
func reply(w http.ResponseWriter, content string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150}}`, jsonString(content))
}

// apiError writes an OpenAI-style error with status.
func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%s,"type":"server_error"}}`, jsonString(msg))
}

// streamReply writes content as server-sent events, one event per piece,
// pausing before each. finish=false ends the body without a finish reason
// or [DONE], as a connection cut mid-way does.
func streamReply(w http.ResponseWriter, pieces []string, pause time.Duration, finish bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	fl, _ := w.(http.Flusher)
	for _, p := range pieces {
		time.Sleep(pause)
		fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%s},\"finish_reason\":null}]}\n\n", jsonString(p))
		if fl != nil {
			fl.Flush()
		}
	}
	if !finish {
		return
	}
	fmt.Fprint(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
	fmt.Fprint(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}}\n\n")
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
