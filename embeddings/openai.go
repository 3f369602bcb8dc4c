package embeddings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"kbot/embeddings/openaicompat"
)

// OpenAIConfig configures an embedder for an OpenAI-compatible server.
type OpenAIConfig struct {
	// BaseURL is the API root that "/embeddings" is appended to, including
	// the version path: "https://api.openai.com/v1" (the default when
	// empty), "http://localhost:11434/v1" for Ollama, "http://host:8000/v1"
	// for vLLM. A trailing "/" or "/embeddings" is removed.
	BaseURL string
	// Model is the embedding model name as the server knows it
	// ("text-embedding-3-small", "bge-m3"). Required.
	Model string
	// APIKey is sent as a bearer token; empty sends none (Ollama, vLLM).
	APIKey string
	// Dims > 0 asks the server for that many dimensions (text-embedding-3
	// style) and every returned vector is checked to have exactly that
	// length. Dims = 0 sends no dimensions; the Embedder's Dims is then
	// zero until [Embedder.Resolve] learns it from the server, and within
	// the process every vector must have the length of the first one.
	Dims int
	// BatchSize is the number of texts per request; default 64.
	BatchSize int
	// Concurrency is the number of requests in flight at once; default 2.
	Concurrency int
	// MaxRetries is how often a request is retried after a 429, a 5xx, a
	// timeout or a network error; default 4, negative means never.
	MaxRetries int
	// Timeout bounds each request attempt; default 60s.
	Timeout time.Duration
	// HTTPClient is used for requests when set; default a new client.
	HTTPClient *http.Client
}

const (
	defaultOpenAIURL   = "https://api.openai.com/v1"
	defaultBatchSize   = 64
	defaultConcurrency = 2
	defaultMaxRetries  = 4
	defaultTimeout     = 60 * time.Second
	// Backoff grows from baseBackoff, doubling per attempt, up to
	// maxBackoff; a server asking for a pause longer than maxRetryAfter
	// ends the retries.
	baseBackoff   = 500 * time.Millisecond
	maxBackoff    = 20 * time.Second
	maxRetryAfter = 2 * time.Minute
)

// openaiProvider holds the settled configuration of one OpenAI embedder.
type openaiProvider struct {
	client      *openai.Client
	model       string
	baseURL     string // redacted, for messages
	apiKey      string // only for scrubbing messages
	dims        int
	batchSize   int
	concurrency int
	retrier     openaicompat.Retrier
	logger      *slog.Logger
	seenDims    atomic.Int64 // first vector length seen when dims is 0
}

// OpenAI returns an embedder for any OpenAI-compatible embeddings server.
// It checks the configuration but does not contact the server. Texts that
// are empty or only whitespace are not sent; they get the zero vector.
// A nil logger discards logs; the API key is never logged nor placed in an
// error.
func OpenAI(cfg OpenAIConfig, logger *slog.Logger) (Embedder, error) {
	p, err := newOpenAIProvider(cfg, logger)
	if err != nil {
		return Embedder{}, err
	}
	return Embedder{Provider: "openai", Model: p.model, Dims: p.dims, Embed: p.embed}, nil
}

func newOpenAIProvider(cfg OpenAIConfig, logger *slog.Logger) (*openaiProvider, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("openai embedder: model is required")
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		base = defaultOpenAIURL
	}
	base = strings.TrimSuffix(strings.TrimRight(base, "/"), "/embeddings")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai embedder: base URL %q must be an http(s) URL such as http://localhost:11434/v1", redactURL(base))
	}
	if cfg.Dims < 0 {
		return nil, fmt.Errorf("openai embedder: dims %d must not be negative", cfg.Dims)
	}
	if cfg.BatchSize < 0 || cfg.Concurrency < 0 || cfg.Timeout < 0 {
		return nil, errors.New("openai embedder: batch size, concurrency and timeout must not be negative")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &openaiProvider{
		model:       cfg.Model,
		baseURL:     u.Redacted(),
		apiKey:      cfg.APIKey,
		dims:        cfg.Dims,
		batchSize:   orDefault(cfg.BatchSize, defaultBatchSize),
		concurrency: orDefault(cfg.Concurrency, defaultConcurrency),
		retrier: openaicompat.Retrier{
			MaxRetries:    max(orDefault(cfg.MaxRetries, defaultMaxRetries), 0),
			Timeout:       orDefault(cfg.Timeout, defaultTimeout),
			MaxRetryAfter: maxRetryAfter,
			Backoff:       openaicompat.Backoff(baseBackoff, maxBackoff),
		},
		logger: logger.With("component", "embeddings", "provider", "openai", "model", cfg.Model),
		client: openaicompat.NewClient(base, cfg.APIKey, cfg.HTTPClient),
	}
	return p, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// embed is the Embedder's Func: it splits texts into batches and sends
// them with at most p.concurrency requests in flight; the first failure
// cancels the rest.
func (p *openaiProvider) embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	// Only non-blank texts go to the server; blank ones keep a zero vector.
	var idx []int
	for i, t := range texts {
		if strings.TrimSpace(t) != "" {
			idx = append(idx, i)
		}
	}
	nBatches := (len(idx) + p.batchSize - 1) / p.batchSize
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, p.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
launch:
	for b := range nBatches {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break launch
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			lo, hi := b*p.batchSize, min((b+1)*p.batchSize, len(idx))
			batch := make([]string, hi-lo)
			for j, i := range idx[lo:hi] {
				batch[j] = texts[i]
			}
			vecs, err := p.embedBatch(ctx, batch, b+1, nBatches)
			if err != nil {
				cancel(err)
				return
			}
			for j, i := range idx[lo:hi] {
				out[i] = vecs[j]
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	dims := p.dims
	if dims == 0 {
		dims = int(p.seenDims.Load())
	}
	for i := range out {
		if out[i] == nil {
			out[i] = make([]float32, dims)
		}
	}
	p.logger.Debug("embedded", "texts", len(texts), "batches", nBatches, "took_ms", time.Since(start).Milliseconds())
	return out, nil
}

// embedBatch sends one batch, retrying transient failures.
func (p *openaiProvider) embedBatch(ctx context.Context, batch []string, n, of int) ([][]float32, error) {
	where := fmt.Sprintf("embed batch %d/%d with model %q at %s", n, of, p.model, p.baseURL)
	r := p.retrier
	r.OnFailure = func(f openaicompat.Failure) {
		if f.Retry {
			p.logger.Warn("embed request failed, retrying",
				"batch", n, "batches", of, "attempt", f.Attempt, "wait_ms", f.Wait.Milliseconds(), "error", p.describe(f.Err))
		}
	}
	var vecs [][]float32
	res := r.Do(ctx, func(ctx context.Context) error {
		resp, err := p.client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
			Input:      batch,
			Model:      openai.EmbeddingModel(p.model),
			Dimensions: p.dims,
		})
		if err != nil {
			return err
		}
		vecs, err = p.collect(resp, len(batch))
		return err
	})
	if res.Err == nil {
		return vecs, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", where, context.Cause(ctx))
	}
	msg := p.describe(res.Err)
	if res.Class.Retryable && res.Attempts > 1 {
		msg += fmt.Sprintf(" (gave up after %d attempts)", res.Attempts)
	}
	return nil, &Error{Msg: where + ": " + msg, StatusCode: res.Class.Status, Err: openaicompat.Redact(res.Err, p.apiKey)}
}

// collect orders the response by index, checks counts and lengths, and
// normalises every vector.
func (p *openaiProvider) collect(resp openai.EmbeddingResponse, want int) ([][]float32, error) {
	if len(resp.Data) != want {
		return nil, fmt.Errorf("%w: got %d embeddings for %d texts (model %q, dims %d)", ErrBadVector, len(resp.Data), want, p.model, p.dims)
	}
	vecs := make([][]float32, want)
	allZero := true
	for _, d := range resp.Data {
		allZero = allZero && d.Index == 0
	}
	for pos, d := range resp.Data {
		i := d.Index
		if allZero {
			// Some servers leave index unset; then order is positional.
			i = pos
		}
		if i < 0 || i >= want || vecs[i] != nil {
			return nil, fmt.Errorf("%w: embedding index %d is out of range or repeated (model %q, %d texts)", ErrBadVector, d.Index, p.model, want)
		}
		vecs[i] = d.Embedding
	}
	dims := p.dims
	if dims == 0 {
		p.seenDims.CompareAndSwap(0, int64(len(vecs[0])))
		dims = int(p.seenDims.Load())
	}
	if err := checkVectors(p.model, dims, want, vecs); err != nil {
		return nil, err
	}
	for _, v := range vecs {
		Normalize(v)
	}
	return vecs, nil
}

// Error is a failed embedding request. Its message says which batch,
// model and server failed and why, and never contains the API key.
type Error struct {
	Msg string
	// StatusCode is the HTTP status the server answered, 0 if none.
	StatusCode int
	Err        error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// describe says in a few words what went wrong, with a hint for the
// operator, scrubbed of the API key.
func (p *openaiProvider) describe(err error) string {
	code, msg := openaicompat.Status(err)
	var s string
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		s = fmt.Sprintf("server returned %d %s (check KBOT_EMBED_API_KEY)", code, http.StatusText(code))
	case code == http.StatusNotFound:
		s = fmt.Sprintf("server returned 404 Not Found (check that the base URL is the API root, e.g. ending in /v1, and that model %q exists there)", p.model)
	case code != 0:
		s = fmt.Sprintf("server returned %d %s", code, http.StatusText(code))
		if msg = shorten(msg, 200); msg != "" {
			s += ": " + msg
		}
	case errors.Is(err, ErrBadVector):
		s = err.Error()
	case errors.Is(err, openaicompat.ErrAttemptTimeout):
		s = fmt.Sprintf("no answer within %s", p.retrier.Timeout)
	default:
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if errors.As(err, &se) || errors.As(err, &te) {
			s = "server sent a response that is not valid embeddings JSON: " + err.Error()
		} else {
			s = "cannot reach server: " + err.Error()
		}
	}
	if p.apiKey != "" {
		s = strings.ReplaceAll(s, p.apiKey, "REDACTED")
	}
	return s
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
