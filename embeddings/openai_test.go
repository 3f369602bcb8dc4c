package embeddings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "sk-test-SECRET-123"

type embedRequest struct {
	Input      []string `json:"input"`
	Model      string   `json:"model"`
	Dimensions int      `json:"dimensions"`
}

// textVector is what the fake server returns for a text: a vector whose
// direction encodes the text, so tests can check order.
func textVector(text string, dims int) []float32 {
	v := make([]float32, dims)
	for i, r := range text {
		v[(i+int(r))%dims] += float32(r%97) + 1
	}
	return v
}

// fakeServer answers OpenAI embedding requests on 127.0.0.1. handle, when
// set, may write its own answer for request number n (from 1) and return
// true.
type fakeServer struct {
	*httptest.Server
	dims     int
	requests atomic.Int32
	handle   func(w http.ResponseWriter, r *http.Request, req embedRequest, n int) bool
	mu       sync.Mutex
	got      []embedRequest
	reverse  bool // answer data in reverse order (indices still correct)
}

func newFakeServer(t *testing.T, dims int) *fakeServer {
	t.Helper()
	f := &fakeServer{dims: dims}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.Server = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(f.serve)}}
	f.Start()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	n := int(f.requests.Add(1))
	if r.URL.Path != "/v1/embeddings" {
		http.NotFound(w, r)
		return
	}
	var req embedRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.got = append(f.got, req)
	f.mu.Unlock()
	if f.handle != nil && f.handle(w, r, req, n) {
		return
	}
	writeEmbeddings(w, req.Input, f.dims, f.reverse)
}

func writeEmbeddings(w http.ResponseWriter, input []string, dims int, reverse bool) {
	type item struct {
		Object    string    `json:"object"`
		Embedding []float32 `json:"embedding"`
		Index     int       `json:"index"`
	}
	data := make([]item, len(input))
	for i, text := range input {
		j := i
		if reverse {
			j = len(input) - 1 - i
		}
		data[j] = item{"embedding", textVector(text, dims), i}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "m"}) // the client reports a broken write
}

// testProvider returns a provider against f whose sleeps are recorded
// instead of waited.
func testProvider(t *testing.T, f *fakeServer, cfg OpenAIConfig, logger *slog.Logger) (*openaiProvider, *[]time.Duration) {
	t.Helper()
	cfg.BaseURL = f.URL + "/v1"
	if cfg.Model == "" {
		cfg.Model = "bge-m3"
	}
	cfg.APIKey = testKey
	p, err := newOpenAIProvider(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	slept := new([]time.Duration)
	p.retrier.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*slept = append(*slept, d)
		mu.Unlock()
		return ctx.Err()
	}
	return p, slept
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("第%d段：基层党组织建设", i)
	}
	return out
}

func assertUnitVectors(t *testing.T, vecs [][]float32, dims int) {
	t.Helper()
	for i, v := range vecs {
		if len(v) != dims {
			t.Fatalf("vector %d has length %d, want %d", i, len(v), dims)
		}
		if n := norm(v); math.Abs(n-1) > 1e-5 {
			t.Fatalf("vector %d has norm %v, want 1", i, n)
		}
	}
}

func TestOpenAIBatchesPreserveOrder(t *testing.T) {
	f := newFakeServer(t, 8)
	f.reverse = true
	p, _ := testProvider(t, f, OpenAIConfig{BatchSize: 3, Dims: 8}, nil)
	in := texts(10)
	vecs, err := p.embed(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.requests.Load(); got != 4 {
		t.Errorf("made %d requests, want 4 batches", got)
	}
	for _, req := range f.got {
		if len(req.Input) > 3 {
			t.Errorf("batch of %d texts exceeds batch size 3", len(req.Input))
		}
		if req.Dimensions != 8 || req.Model != "bge-m3" {
			t.Errorf("request asked model %q dims %d, want bge-m3 and 8", req.Model, req.Dimensions)
		}
	}
	assertUnitVectors(t, vecs, 8)
	for i, text := range in {
		want := textVector(text, 8)
		Normalize(want)
		if d := dot(want, vecs[i]); d < 0.9999 {
			t.Errorf("vector %d is not the embedding of text %d (cosine %v)", i, i, d)
		}
	}
}

func TestOpenAIConcurrencyBounded(t *testing.T) {
	f := newFakeServer(t, 4)
	var inFlight, peak atomic.Int32
	f.handle = func(w http.ResponseWriter, r *http.Request, req embedRequest, n int) bool {
		now := inFlight.Add(1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		return false
	}
	p, _ := testProvider(t, f, OpenAIConfig{BatchSize: 2, Concurrency: 3}, nil)
	if _, err := p.embed(t.Context(), texts(40)); err != nil {
		t.Fatal(err)
	}
	if got := f.requests.Load(); got != 20 {
		t.Errorf("made %d requests, want 20", got)
	}
	if got := peak.Load(); got > 3 || got < 1 {
		t.Errorf("peak in-flight requests %d, want between 1 and the bound 3", got)
	}
}

func TestOpenAIRetries(t *testing.T) {
	tests := []struct {
		name      string
		first     func(w http.ResponseWriter, r *http.Request)
		wantSleep time.Duration // 0: any backoff
	}{
		{"429 honours Retry-After then succeeds", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"message":"rate limited","type":"requests"}}`)
		}, 7 * time.Second},
		{"500 then succeeds", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "upstream exploded", http.StatusInternalServerError)
		}, 0},
		{"503 without body then succeeds", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}, 0},
		{"timeout then succeeds", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, 4)
			f.handle = func(w http.ResponseWriter, r *http.Request, req embedRequest, n int) bool {
				if n == 1 {
					tt.first(w, r)
					return true
				}
				return false
			}
			var logs bytes.Buffer
			p, slept := testProvider(t, f, OpenAIConfig{Timeout: 100 * time.Millisecond}, slog.New(slog.NewTextHandler(&logs, nil)))
			vecs, err := p.embed(t.Context(), texts(3))
			if err != nil {
				t.Fatalf("embed failed after a transient error: %v", err)
			}
			assertUnitVectors(t, vecs, 4)
			if got := f.requests.Load(); got != 2 {
				t.Errorf("made %d requests, want 2", got)
			}
			if len(*slept) != 1 {
				t.Fatalf("slept %d times, want once", len(*slept))
			}
			if tt.wantSleep != 0 && (*slept)[0] != tt.wantSleep {
				t.Errorf("waited %v, want Retry-After %v", (*slept)[0], tt.wantSleep)
			}
			if !strings.Contains(logs.String(), "retrying") {
				t.Errorf("retry not logged: %s", logs.String())
			}
			if strings.Contains(logs.String(), testKey) {
				t.Errorf("log contains the API key: %s", logs.String())
			}
		})
	}
}

func TestOpenAIFailures(t *testing.T) {
	tests := []struct {
		name         string
		cfg          OpenAIConfig
		handle       func(w http.ResponseWriter, req embedRequest) bool
		wantRequests int32
		wantErr      []string
		wantStatus   int
	}{
		{
			name: "401 fails fast without the key",
			handle: func(w http.ResponseWriter, req embedRequest) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error"}}`, testKey)
				return true
			},
			wantRequests: 1,
			wantErr:      []string{"batch 1/1", `model "bge-m3"`, "/v1", "401 Unauthorized", "KBOT_EMBED_API_KEY"},
			wantStatus:   401,
		},
		{
			name: "400 fails fast with the server message",
			handle: func(w http.ResponseWriter, req embedRequest) bool {
				http.Error(w, "input too long "+testKey, http.StatusBadRequest)
				return true
			},
			wantRequests: 1,
			wantErr:      []string{"400 Bad Request", "input too long", "REDACTED"},
			wantStatus:   400,
		},
		{
			name:         "404 fails fast with a base URL hint",
			cfg:          OpenAIConfig{Model: "nomic-embed-text"},
			handle:       func(w http.ResponseWriter, req embedRequest) bool { http.NotFound(w, nil); return true },
			wantRequests: 1,
			wantErr:      []string{"404", "base URL", `"nomic-embed-text"`},
			wantStatus:   404,
		},
		{
			name: "malformed JSON fails without retry",
			handle: func(w http.ResponseWriter, req embedRequest) bool {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"data": [{"embedding": [0.1, 0.2`+"}")
				return true
			},
			wantRequests: 1,
			wantErr:      []string{"not valid embeddings JSON"},
		},
		{
			name: "wrong vector length fails naming model and dims",
			cfg:  OpenAIConfig{Dims: 4},
			handle: func(w http.ResponseWriter, req embedRequest) bool {
				writeEmbeddings(w, req.Input, 3, false)
				return true
			},
			wantRequests: 1,
			wantErr:      []string{`model "bge-m3"`, "length 3", "dims 4"},
		},
		{
			name: "wrong number of embeddings fails",
			cfg:  OpenAIConfig{Dims: 4},
			handle: func(w http.ResponseWriter, req embedRequest) bool {
				writeEmbeddings(w, req.Input[1:], 4, false)
				return true
			},
			wantRequests: 1,
			wantErr:      []string{"got 2 embeddings for 3 texts", `"bge-m3"`, "dims 4"},
		},
		{
			name: "persistent 500 gives up after retries",
			cfg:  OpenAIConfig{MaxRetries: 2},
			handle: func(w http.ResponseWriter, req embedRequest) bool {
				http.Error(w, "overloaded", http.StatusInternalServerError)
				return true
			},
			wantRequests: 3,
			wantErr:      []string{"500 Internal Server Error", "overloaded", "gave up after 3 attempts"},
			wantStatus:   500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, 4)
			f.handle = func(w http.ResponseWriter, r *http.Request, req embedRequest, n int) bool {
				return tt.handle(w, req)
			}
			var logs bytes.Buffer
			p, _ := testProvider(t, f, tt.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			vecs, err := p.embed(t.Context(), texts(3))
			if err == nil {
				t.Fatalf("embed succeeded with %d vectors, want an error", len(vecs))
			}
			if vecs != nil {
				t.Errorf("returned vectors alongside an error")
			}
			if got := f.requests.Load(); got != tt.wantRequests {
				t.Errorf("made %d requests, want %d", got, tt.wantRequests)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(logs.String(), testKey) {
				t.Errorf("API key leaked: error %q, logs %q", err, logs.String())
			}
			if tt.wantStatus != 0 {
				var e *Error
				if !errors.As(err, &e) || e.StatusCode != tt.wantStatus {
					t.Errorf("error %v does not carry status %d", err, tt.wantStatus)
				}
			}
		})
	}
}

func TestOpenAICancelStopsEverything(t *testing.T) {
	f := newFakeServer(t, 4)
	started := make(chan struct{}, 100)
	f.handle = func(w http.ResponseWriter, r *http.Request, req embedRequest, n int) bool {
		started <- struct{}{}
		<-r.Context().Done()
		return true
	}
	p, _ := testProvider(t, f, OpenAIConfig{BatchSize: 1, Concurrency: 2, Timeout: time.Minute}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := p.embed(ctx, texts(20))
		done <- err
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("embed did not return after cancellation")
	}
	if got := f.requests.Load(); got > 2 {
		t.Errorf("%d requests made, want no new batches after cancellation (at most 2 in flight)", got)
	}
}

func TestOpenAIFirstFailureStopsOtherBatches(t *testing.T) {
	f := newFakeServer(t, 4)
	f.handle = func(w http.ResponseWriter, r *http.Request, req embedRequest, n int) bool {
		http.Error(w, "bad", http.StatusUnauthorized)
		return true
	}
	p, _ := testProvider(t, f, OpenAIConfig{BatchSize: 1, Concurrency: 2}, nil)
	if _, err := p.embed(t.Context(), texts(50)); err == nil {
		t.Fatal("embed succeeded, want 401")
	}
	if got := f.requests.Load(); got > 3 {
		t.Errorf("%d requests made after a fatal error, want at most the in-flight bound plus one", got)
	}
}

func TestOpenAIResolveLearnsDims(t *testing.T) {
	f := newFakeServer(t, 6)
	e, err := OpenAI(OpenAIConfig{BaseURL: f.URL + "/v1/", Model: "bge-m3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Dims != 0 {
		t.Fatalf("dims %d before resolving, want 0", e.Dims)
	}
	e, err = e.Resolve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if e.Dims != 6 || e.ID() != "openai/bge-m3/6" {
		t.Errorf("resolved to dims %d id %q, want 6 and openai/bge-m3/6", e.Dims, e.ID())
	}
	for _, req := range f.got {
		if req.Dimensions != 0 {
			t.Errorf("sent dimensions %d though none configured", req.Dimensions)
		}
	}
	vecs, err := e.Embed(t.Context(), []string{"党建", "", "   "})
	if err != nil {
		t.Fatal(err)
	}
	assertUnitVectors(t, vecs[:1], 6)
	for i, v := range vecs[1:] {
		if len(v) != 6 || norm(v) != 0 {
			t.Errorf("blank text %d: got length %d norm %v, want a zero vector of 6", i+1, len(v), norm(v))
		}
	}
	if got := f.requests.Load(); got != 2 {
		t.Errorf("made %d requests, want 2 (probe and one text; blanks are not sent)", got)
	}
	// A server that changes its vector length is caught.
	f.dims = 5
	if _, err := e.Embed(t.Context(), []string{"组织"}); !errors.Is(err, ErrBadVector) {
		t.Errorf("vector of a new length accepted: err %v", err)
	}
}

func TestOpenAIConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  OpenAIConfig
	}{
		{"missing model is rejected", OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1"}},
		{"non-http base URL is rejected", OpenAIConfig{BaseURL: "localhost:11434", Model: "m"}},
		{"negative dims are rejected", OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1", Model: "m", Dims: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := OpenAI(tt.cfg, nil); err == nil {
				t.Error("configuration accepted, want an error")
			}
		})
	}
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
