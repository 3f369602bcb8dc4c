package llm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sashabaranov/go-openai"

	"kbot/embeddings/openaicompat"
	"kbot/knowledge"
)

// Defaults for zero Options fields.
const (
	DefaultMaxTokens  = 1024
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 2
	// DefaultFirstTokenTimeout bounds the wait for a stream's first token:
	// servers that are up start a stream within a few seconds.
	DefaultFirstTokenTimeout = 10 * time.Second
	// DefaultRetryBudget leaves a 30-second question most of its time for
	// the answer, and the fallback, when the model keeps failing.
	DefaultRetryBudget     = 5 * time.Second
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
	// rewriteMaxTokens bounds the reply to Rewrite: one short question.
	rewriteMaxTokens = 128
	// minTemperature stands in for a configured temperature of 0:
	// go-openai omits a zero temperature (omitempty), and the server would
	// then use its own default (often 0.7 to 1), far from deterministic.
	minTemperature = 1e-6
)

// Options configure a Writer. BaseURL and Model are required.
type Options struct {
	// BaseURL is the API root including its version path, e.g.
	// https://api.deepseek.com/v1 or http://127.0.0.1:11434/v1
	// (KBOT_LLM_BASE_URL).
	BaseURL string
	// Model is the model name the server knows, e.g. deepseek-chat
	// (KBOT_LLM_MODEL).
	Model string
	// APIKey is sent as a bearer token; empty sends none, as local servers
	// such as Ollama and vLLM expect (KBOT_LLM_API_KEY).
	APIKey string
	// Temperature is the sampling temperature; 0 asks for the most
	// deterministic output the server offers.
	Temperature float32
	// MaxTokens bounds an answer's length; 0 means DefaultMaxTokens.
	MaxTokens int
	// Timeout bounds one attempt (for a stream: until its last token);
	// 0 means DefaultTimeout. The caller's ctx bounds all attempts.
	Timeout time.Duration
	// FirstTokenTimeout bounds, for a streamed attempt, the wait for the
	// first token (of the answer or of the model's reasoning), separately
	// from Timeout, so that a hung server is given up on early while a
	// long answer still has time to finish; 0 means
	// DefaultFirstTokenTimeout.
	FirstTokenTimeout time.Duration
	// MaxRetries is how many times a failed attempt is repeated on 429,
	// 5xx, timeouts and broken streams; 0 means DefaultMaxRetries and a
	// negative value disables retries.
	MaxRetries int
	// RetryBudget bounds the retries of one call: no retry starts later
	// than this after the call's first attempt began; 0 means
	// DefaultRetryBudget.
	RetryBudget time.Duration
	// BreakerFailures is how many failed calls in a row open the circuit
	// breaker, after which calls fail at once (with KindBreakerOpen) until
	// a probe finds the model working again; 0 means
	// DefaultBreakerFailures and a negative value disables the breaker.
	// An unusable reply or a caller's cancel is not a failure here.
	BreakerFailures int
	// BreakerCooldown is how long the breaker stays open before one call
	// probes the model; 0 means DefaultBreakerCooldown.
	BreakerCooldown time.Duration
	// SystemPrompt replaces the default answering rules. Rules that keep
	// the data blocks inert and the prompt private are always appended.
	SystemPrompt string
	// Stream asks for streamed completions when the question has an
	// OnPartial callback.
	Stream bool
	// HTTPClient sends the requests; nil means a client without its own
	// timeout (attempts are bounded by Timeout).
	HTTPClient *http.Client
	// Registry receives the writer's metrics; nil registers none.
	Registry prometheus.Registerer
	// Logger receives one record per failed attempt; nil discards them.
	Logger *slog.Logger
}

// Writer writes answers with a chat model. It implements knowledge.Writer
// and is safe for concurrent use.
type Writer struct {
	client      *openai.Client
	model       string
	apiKey      string
	temperature float32
	maxTokens   int
	retrier     openaicompat.Retrier
	firstToken  time.Duration
	breaker     *breaker
	system      string
	stream      bool
	reasoning   bool
	log         *slog.Logger
	m           *metrics
}

var _ knowledge.Writer = (*Writer)(nil)

// New returns a Writer for opts. It fails when BaseURL or Model is missing
// or malformed, naming the setting to fix, or when the metrics cannot be
// registered.
func New(opts Options) (*Writer, error) {
	base := strings.TrimSpace(opts.BaseURL)
	if base == "" {
		return nil, errors.New("llm: KBOT_LLM_BASE_URL is empty: set it to the API root, e.g. https://api.deepseek.com/v1")
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, errors.New("llm: KBOT_LLM_BASE_URL is not a valid URL; use one such as http://127.0.0.1:11434/v1")
	}
	if u.User != nil {
		return nil, errors.New("llm: KBOT_LLM_BASE_URL must not carry credentials; put the key in KBOT_LLM_API_KEY")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: KBOT_LLM_BASE_URL %q is not an http(s) URL such as http://127.0.0.1:11434/v1", base)
	}
	model := strings.TrimSpace(opts.Model)
	if model == "" {
		return nil, errors.New("llm: KBOT_LLM_MODEL is empty: set it to a model the server offers, e.g. deepseek-chat or qwen-plus")
	}
	if opts.Temperature < 0 || opts.Temperature > 2 {
		return nil, fmt.Errorf("llm: temperature %g is outside 0..2", opts.Temperature)
	}
	if opts.MaxTokens < 0 {
		return nil, fmt.Errorf("llm: max tokens %d is negative", opts.MaxTokens)
	}
	if opts.Timeout < 0 || opts.FirstTokenTimeout < 0 || opts.RetryBudget < 0 || opts.BreakerCooldown < 0 {
		return nil, errors.New("llm: timeouts, the retry budget and the breaker cool-down must not be negative")
	}
	m, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, fmt.Errorf("llm: register metrics: %w", err)
	}

	w := &Writer{
		client:      openaicompat.NewClient(base, opts.APIKey, opts.HTTPClient),
		model:       model,
		apiKey:      opts.APIKey,
		temperature: opts.Temperature,
		maxTokens:   opts.MaxTokens,
		retrier: openaicompat.Retrier{
			MaxRetries:    opts.MaxRetries,
			Timeout:       opts.Timeout,
			Budget:        cmp.Or(opts.RetryBudget, DefaultRetryBudget),
			MaxRetryAfter: retryAfterMax,
			Backoff:       openaicompat.Backoff(backoffBase, backoffMax),
			Classify:      classify,
		},
		firstToken: cmp.Or(opts.FirstTokenTimeout, DefaultFirstTokenTimeout),
		system:     systemPrompt(opts.SystemPrompt),
		stream:     opts.Stream,
		reasoning:  isReasoningModel(model),
		log:        opts.Logger,
		m:          m,
	}
	if w.maxTokens == 0 {
		w.maxTokens = DefaultMaxTokens
	}
	if w.retrier.Timeout == 0 {
		w.retrier.Timeout = DefaultTimeout
	}
	switch {
	case w.retrier.MaxRetries == 0:
		w.retrier.MaxRetries = DefaultMaxRetries
	case w.retrier.MaxRetries < 0:
		w.retrier.MaxRetries = 0
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.log = w.log.With("component", "llm")
	failures := cmp.Or(opts.BreakerFailures, DefaultBreakerFailures)
	w.breaker = newBreaker(max(failures, 0), cmp.Or(opts.BreakerCooldown, DefaultBreakerCooldown), w.breakerChanged)
	m.breakerState(BreakerClosed)
	return w, nil
}

// Breaker returns the state of the writer's circuit breaker.
func (w *Writer) Breaker() BreakerStatus { return w.breaker.status() }

// breakerChanged logs and records a change of the breaker's state.
func (w *Writer) breakerChanged(to BreakerState, failures int) {
	w.m.breakerState(to)
	switch to {
	case BreakerOpen:
		w.m.opens.Inc()
		w.log.Warn("model failing, answering without it until a probe succeeds",
			"failures_in_a_row", failures, "probe_in", w.breaker.cooldown)
	case BreakerClosed:
		w.log.Info("model answering again")
	}
}

// Write answers q from results, which must be non-empty and are numbered
// [1]..[len(results)] in order. With Options.Stream and q.OnPartial set,
// the answer is streamed and q.OnPartial receives the checked text so far
// as it grows (a retried attempt starts its text afresh). The returned
// Answer has Mode "llm" and text whose markers match its Citations. On any
// failure — the server, the network, empty or unusable output — Write
// returns an *Error and a zero Answer, and it gives up a little before ctx's
// deadline (see fallbackReserve) so the caller can still answer without it.
func (w *Writer) Write(ctx context.Context, q knowledge.Question, results []knowledge.Result) (knowledge.Answer, error) {
	ctx, cancel := withReserve(ctx)
	defer cancel()
	ans, err := w.write(ctx, q, results)
	if err != nil {
		w.m.fallbacks.Inc()
		return knowledge.Answer{}, err
	}
	return ans, nil
}

func (w *Writer) write(ctx context.Context, q knowledge.Question, results []knowledge.Result) (knowledge.Answer, error) {
	if len(results) == 0 {
		return knowledge.Answer{}, &Error{Op: opWrite, Kind: KindRequest, Err: errors.New("no passages to answer from")}
	}
	req := w.request(answerMessages(w.system, q, results), w.maxTokens)

	var onText func(string)
	if w.stream && q.OnPartial != nil {
		last, withheld := "", false
		onText = func(raw string) {
			if withheld {
				return
			}
			shown := partialText(raw, results)
			if shown == "" || shown == last {
				return
			}
			if why := w.leak(shown); why != "" {
				// The final check rejects this reply; show no more of it.
				w.log.Warn("streamed text withheld", "why", why)
				withheld = true
				return
			}
			last = shown
			q.OnPartial(shown)
		}
	}
	text, err := w.complete(ctx, opWrite, req, onText, w.usable)
	if err != nil {
		return knowledge.Answer{}, err
	}
	text, cits, dropped := checkCitations(text, results)
	w.m.citDropped.WithLabelValues("out_of_range").Add(float64(dropped.outOfRange))
	w.m.citDropped.WithLabelValues("quote").Add(float64(dropped.quote))
	if dropped.outOfRange+dropped.quote > 0 {
		w.log.Warn("citations dropped", "out_of_range", dropped.outOfRange, "quote", dropped.quote)
	}
	return knowledge.Answer{Text: text, Citations: cits, Mode: "llm"}, nil
}

// fallbackReserve is how much of the caller's deadline Write and Rewrite
// leave unused (at most a quarter of the time remaining), so that when the
// model fails the caller still has time to answer without it.
const fallbackReserve = time.Second

// withReserve returns ctx with its deadline, if any, brought forward by the
// fallback reserve.
func withReserve(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return ctx, func() {}
	}
	reserve := min(fallbackReserve, time.Until(dl)/4)
	return context.WithDeadline(ctx, dl.Add(-reserve))
}

// request builds a chat completion request with the configured sampling.
func (w *Writer) request(msgs []openai.ChatCompletionMessage, maxTokens int) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: w.model, Messages: msgs}
	if w.reasoning {
		// Reasoning models take only max_completion_tokens and reject any
		// temperature but the default.
		req.MaxCompletionTokens = maxTokens
		return req
	}
	// max_tokens, though OpenAI deprecates it for max_completion_tokens:
	// the OpenAI-compatible servers kbot is pointed at (DeepSeek, DashScope,
	// Ollama, vLLM, llama.cpp) read max_tokens, and some ignore or reject
	// the newer name.
	//lint:ignore SA1019 max_tokens is what most OpenAI-compatible servers read
	req.MaxTokens = maxTokens
	req.Temperature = w.temperature
	if req.Temperature == 0 {
		req.Temperature = minTemperature
	}
	return req
}

// isReasoningModel reports whether OpenAI treats model as a reasoning
// model, whose requests go-openai validates more strictly.
func isReasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}
