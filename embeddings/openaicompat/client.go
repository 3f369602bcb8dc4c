package openaicompat

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// NewClient returns a go-openai client for the API root baseURL (with its
// version path, e.g. http://127.0.0.1:11434/v1). apiKey is sent as a bearer
// token unless empty. Requests go through hc, or a new http.Client when hc
// is nil, and a 429 or 503 answer's Retry-After reaches [Retrier.Do].
func NewClient(baseURL, apiKey string, hc *http.Client) *openai.Client {
	if hc == nil {
		hc = &http.Client{}
	}
	cfg := openai.DefaultConfig(apiKey)
	cfg.BaseURL = strings.TrimRight(baseURL, "/")
	cfg.HTTPClient = hintingDoer{hc}
	return openai.NewClientWithConfig(cfg)
}

// retryHint carries a server's Retry-After from the HTTP layer, which
// go-openai hides, to the retry loop through the attempt's context.
type retryHint struct {
	mu    sync.Mutex
	after time.Duration
}

type hintKey struct{}

func withHint(ctx context.Context) (context.Context, *retryHint) {
	h := &retryHint{}
	return context.WithValue(ctx, hintKey{}, h), h
}

func (h *retryHint) get() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.after
}

// hintingDoer records the Retry-After of 429 and 503 answers in the
// request's retryHint.
type hintingDoer struct{ c *http.Client }

func (d hintingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	if h, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
		if after := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); after > 0 {
			h.mu.Lock()
			h.after = after
			h.mu.Unlock()
		}
	}
	return resp, nil
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date;
// it returns 0 when the value is absent, unreadable or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
