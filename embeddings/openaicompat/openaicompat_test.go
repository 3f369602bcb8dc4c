package openaicompat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"seconds are read", "3", 3 * time.Second},
		{"fractional seconds are read", "0.5", 500 * time.Millisecond},
		{"HTTP date is read", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"past date means no pause", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"absent means no pause", "", 0},
		{"garbage means no pause", "soon", 0},
		{"negative means no pause", "-4", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	const base, ceiling = 100 * time.Millisecond, 3 * time.Second
	b := Backoff(base, ceiling)
	for n := 1; n <= 14; n++ {
		d := min(base<<min(n-1, 10), ceiling)
		for range 50 {
			if got := b(n); got < d/2 || got > d {
				t.Fatalf("retry %d: pause %v outside [%v, %v]", n, got, d/2, d)
			}
		}
	}
}

func TestClassify(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	live := context.Background()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want Class
	}{
		{"429 is a retryable rate limit", live, &openai.APIError{HTTPStatusCode: 429}, Class{KindRateLimit, 429, true}},
		{"503 is a retryable server failure", live, &openai.RequestError{HTTPStatusCode: 503, Err: errors.New("x")}, Class{KindServer, 503, true}},
		{"408 is a retryable timeout", live, &openai.APIError{HTTPStatusCode: 408}, Class{KindTimeout, 408, true}},
		{"401 is a final rejection", live, &openai.APIError{HTTPStatusCode: 401}, Class{KindRequest, 401, false}},
		{"request error's status wins over its inner API error", live,
			&openai.RequestError{HTTPStatusCode: 502, Err: &openai.APIError{Message: "inner"}}, Class{KindServer, 502, true}},
		{"stream error event is retried", live, &openai.APIError{Message: "overloaded", Type: "server_error"}, Class{KindStream, 0, true}},
		{"stream event rejecting the request is final", live, &openai.APIError{Type: "invalid_request_error"}, Class{KindRequest, 0, false}},
		{"stream event with a 4xx code is final", live, &openai.APIError{Code: 404}, Class{KindRequest, 0, false}},
		{"stream event with code 429 is retried", live, &openai.APIError{Code: 429}, Class{KindStream, 0, true}},
		{"attempt timeout is retried", live, fmt.Errorf("%w: %w", ErrAttemptTimeout, context.DeadlineExceeded), Class{KindTimeout, 0, true}},
		{"network timeout is retried", live, &net.OpError{Op: "dial", Err: timeoutErr{}}, Class{KindTimeout, 0, true}},
		{"refused connection is retried", live, &net.OpError{Op: "dial", Err: errors.New("connection refused")}, Class{KindNetwork, 0, true}},
		{"body cut short is retried", live, io.ErrUnexpectedEOF, Class{KindStream, 0, true}},
		{"bad JSON is final", live, &json.SyntaxError{}, Class{KindMalformed, 0, false}},
		{"unknown error is final", live, errors.New("vector of the wrong length"), Class{KindNetwork, 0, false}},
		{"nothing is retried once the caller canceled", canceled, &openai.APIError{HTTPStatusCode: 500}, Class{KindCanceled, 0, false}},
		{"nothing is retried past the caller's deadline", expired, &openai.APIError{HTTPStatusCode: 500}, Class{KindTimeout, 0, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.ctx, tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %+v, want %+v", tt.err, got, tt.want)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestRedactKeepsTheCause(t *testing.T) {
	const key = "sk-secret-0123456789"
	cause := &openai.APIError{HTTPStatusCode: 401, Message: "invalid key " + key}
	err := Redact(fmt.Errorf("call: %w", cause), key, "")
	if strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "invalid key REDACTED") {
		t.Errorf("message %q still shows the key or lost the server's words", err)
	}
	var ae *openai.APIError
	if !errors.As(err, &ae) || ae != cause {
		t.Error("errors.As no longer finds the API error")
	}
	long := Redact(errors.New(strings.Repeat("错", 1000)))
	if n := len([]rune(long.Error())); n > maxErrorText+1 {
		t.Errorf("message kept %d characters, want at most %d", n, maxErrorText+1)
	}
	if !errors.Is(Redact(context.Canceled), context.Canceled) {
		t.Error("errors.Is no longer finds context.Canceled")
	}
	if Redact(nil) != nil {
		t.Error("Redact(nil) is not nil")
	}
}

// server is a fake OpenAI-compatible embeddings endpoint on 127.0.0.1 that
// answers request n (from 1) with handle.
func server(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) (*openai.Client, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice a client that hangs up.
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		handle(w, r, int(calls.Add(1)))
	}))
	t.Cleanup(srv.Close)
	return NewClient(srv.URL+"/v1/", "sk-test", nil), &calls
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"object":"list","data":[{"object":"embedding","embedding":[1,0],"index":0}]}`)
}

func fail(w http.ResponseWriter, status int, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, `{"error":{"message":"try later","type":"server_error"}}`)
}

func embedOnce(c *openai.Client) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Input: []string{"党建"}, Model: "m"})
		return err
	}
}

// recorder keeps the pauses a Retrier asked for, without waiting.
type recorder struct {
	mu     sync.Mutex
	pauses []time.Duration
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.pauses = append(r.pauses, d)
	r.mu.Unlock()
	return ctx.Err()
}

func TestRetrierDo(t *testing.T) {
	fixed := func(int) time.Duration { return 10 * time.Millisecond }
	tests := []struct {
		name       string
		retrier    Retrier
		handle     func(w http.ResponseWriter, r *http.Request, n int)
		wantCalls  int32
		wantKind   Kind // "" means success
		wantPauses []time.Duration
	}{
		{
			name:    "500 then success is retried once",
			retrier: Retrier{MaxRetries: 3, Backoff: fixed},
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					fail(w, 500, "")
					return
				}
				ok(w)
			},
			wantCalls: 2, wantPauses: []time.Duration{10 * time.Millisecond},
		},
		{
			name:    "Retry-After longer than the backoff is honoured",
			retrier: Retrier{MaxRetries: 3, Backoff: fixed},
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					fail(w, 429, "7")
					return
				}
				ok(w)
			},
			wantCalls: 2, wantPauses: []time.Duration{7 * time.Second},
		},
		{
			name:    "503 with Retry-After is honoured",
			retrier: Retrier{MaxRetries: 3, Backoff: fixed},
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					fail(w, 503, "2")
					return
				}
				ok(w)
			},
			wantCalls: 2, wantPauses: []time.Duration{2 * time.Second},
		},
		{
			name:    "Retry-After beyond the acceptable pause gives up",
			retrier: Retrier{MaxRetries: 3, Backoff: fixed, MaxRetryAfter: 30 * time.Second},
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fail(w, 429, "120")
			},
			wantCalls: 1, wantKind: KindRateLimit,
		},
		{
			name:    "persistent 500 stops after the retries",
			retrier: Retrier{MaxRetries: 2, Backoff: fixed},
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fail(w, 500, "")
			},
			wantCalls: 3, wantKind: KindServer, wantPauses: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond},
		},
		{
			name:    "a pause beyond the budget is not taken",
			retrier: Retrier{MaxRetries: 5, Backoff: fixed, Budget: time.Second},
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fail(w, 429, "2")
			},
			wantCalls: 1, wantKind: KindRateLimit,
		},
		{
			name:    "400 is not retried",
			retrier: Retrier{MaxRetries: 3, Backoff: fixed},
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fail(w, 400, "")
			},
			wantCalls: 1, wantKind: KindRequest,
		},
		{
			name:    "no retries configured makes one attempt",
			retrier: Retrier{Backoff: fixed},
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fail(w, 500, "")
			},
			wantCalls: 1, wantKind: KindServer,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, calls := server(t, tt.handle)
			rec := &recorder{}
			r := tt.retrier
			r.Sleep = rec.sleep
			var failures []Failure
			r.OnFailure = func(f Failure) { failures = append(failures, f) }
			res := r.Do(context.Background(), embedOnce(c))
			if got := calls.Load(); got != tt.wantCalls || res.Attempts != int(got) {
				t.Errorf("server saw %d requests, Do reports %d attempts, want %d", got, res.Attempts, tt.wantCalls)
			}
			if res.Class.Kind != tt.wantKind || (tt.wantKind == "") != (res.Err == nil) {
				t.Errorf("Do ended with kind %q err %v, want kind %q", res.Class.Kind, res.Err, tt.wantKind)
			}
			if fmt.Sprint(rec.pauses) != fmt.Sprint(tt.wantPauses) {
				t.Errorf("paused %v, want %v", rec.pauses, tt.wantPauses)
			}
			if want := int(tt.wantCalls) - 1; tt.wantKind != "" {
				want++
				if len(failures) != want || failures[want-1].Retry {
					t.Errorf("OnFailure saw %+v, want %d failures, the last one final", failures, want)
				}
			}
		})
	}
}

func TestRetrierAttemptTimeout(t *testing.T) {
	c, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			<-r.Context().Done() // hangs until the client gives up
			return
		}
		ok(w)
	})
	// Long enough for the second attempt on a busy machine.
	r := Retrier{MaxRetries: 1, Timeout: 500 * time.Millisecond, Backoff: func(int) time.Duration { return time.Millisecond }}
	var first Failure
	r.OnFailure = func(f Failure) { first = f }
	res := r.Do(context.Background(), embedOnce(c))
	if res.Err != nil || calls.Load() != 2 {
		t.Fatalf("Do = %+v after %d requests, want success on the second", res, calls.Load())
	}
	if !errors.Is(first.Err, ErrAttemptTimeout) || first.Class != (Class{KindTimeout, 0, true}) {
		t.Errorf("hung attempt failed with %v (%+v), want ErrAttemptTimeout, a retryable timeout", first.Err, first.Class)
	}
}

func TestRetrierBudgetBoundsTheRetries(t *testing.T) {
	c, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) { fail(w, 500, "") })
	// Each pause is 200ms, so a 300ms budget has room for one retry at
	// most, where ten would be allowed without it.
	r := Retrier{MaxRetries: 10, Budget: 300 * time.Millisecond, Backoff: func(int) time.Duration { return 200 * time.Millisecond }}
	var last Failure
	r.OnFailure = func(f Failure) { last = f }
	res := r.Do(context.Background(), embedOnce(c))
	if got := calls.Load(); got > 2 || res.Attempts != int(got) {
		t.Errorf("server saw %d requests, Do reports %d attempts; want at most 2 within the budget", got, res.Attempts)
	}
	if res.Class.Kind != KindServer || last.Retry {
		t.Errorf("Do = %+v, last failure %+v; want the server's failure, final", res, last)
	}
}

func TestRetrierStopsWhenTheCallerDoes(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration
		cancelAt time.Duration
		want     Kind
	}{
		{"a pause the deadline cannot fit is not taken", 2 * time.Second, 0, KindServer},
		{"cancel during the pause ends Do", 0, 20 * time.Millisecond, KindCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) { fail(w, 500, "") })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.deadline > 0 {
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			r := Retrier{MaxRetries: 3, Backoff: func(int) time.Duration { return 10 * time.Second }}
			r.OnFailure = func(f Failure) {
				if tt.cancelAt > 0 && f.Retry {
					time.AfterFunc(tt.cancelAt, cancel)
				}
			}
			res := r.Do(ctx, embedOnce(c))
			if calls.Load() != 1 || res.Class.Kind != tt.want {
				t.Errorf("Do = %+v after %d requests, want kind %s after 1", res, calls.Load(), tt.want)
			}
		})
	}
}
