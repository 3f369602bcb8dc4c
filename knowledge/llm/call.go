package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"

	"kbot/embeddings/openaicompat"
)

const (
	opWrite   = "write"
	opRewrite = "rewrite"
)

// Backoff bounds: the pause before retry n is drawn from [d/2, d] with
// d = backoffBase·2^(n-1), capped at backoffMax. A server's Retry-After is
// honoured up to retryAfterMax; a longer one is more than a chat can wait.
const (
	backoffBase   = 500 * time.Millisecond
	backoffMax    = 8 * time.Second
	retryAfterMax = 30 * time.Second
)

// Failures detected here rather than by go-openai.
var (
	errStreamCut     = errors.New("stream ended before the model finished")
	errNoChoices     = errors.New("response has no choices")
	errContentFilter = errors.New("reply withheld by the server's content filter")
	errCutShort      = errors.New("response body cut short")
	errNoFirstToken  = errors.New("no token within the first-token timeout")
	errBreakerOpen   = errors.New("not asked: the model failed too often in a row lately")
)

// complete runs req with retries and returns the completion text. When
// onText is non-nil the completion is streamed and onText receives the
// text of the current attempt so far. When accept is non-nil it turns the
// completion into the text returned, or rejects it with an *Error; a
// rejected reply is not retried. Failures are returned as *Error, and each
// call is counted once in kbot_llm_requests_total, under the outcome the
// caller gets. While the circuit breaker is open, complete fails at once
// with KindBreakerOpen, without a request.
func (w *Writer) complete(ctx context.Context, op string, req openai.ChatCompletionRequest, onText func(string), accept func(raw string) (string, error)) (string, error) {
	t, ok := w.breaker.allow()
	if !ok {
		w.m.failures.WithLabelValues(op, string(KindBreakerOpen)).Inc()
		return "", &Error{Op: op, Kind: KindBreakerOpen, Err: errBreakerOpen}
	}
	text, err := w.retry(ctx, op, req, onText, accept)
	w.breaker.done(t, outcomeOf(err))
	return text, err
}

// outcomeOf says what a call's error tells of the model: an unusable
// reply is still a reply, and a caller who gave up tells nothing.
func outcomeOf(err error) outcome {
	var e *Error
	switch {
	case err == nil:
		return answered
	case !errors.As(err, &e):
		return failed
	case e.Kind == KindEmpty || e.Kind == KindGarbled:
		return answered
	case e.Kind == KindCanceled:
		return unknown
	}
	return failed
}

// retry runs req with the writer's retries; see complete.
func (w *Writer) retry(ctx context.Context, op string, req openai.ChatCompletionRequest, onText func(string), accept func(raw string) (string, error)) (string, error) {
	r := w.retrier
	r.OnFailure = func(f openaicompat.Failure) {
		w.log.Warn("model call failed", "op", op, "attempt", f.Attempt, "kind", f.Class.Kind,
			"status", f.Class.Status, "err", openaicompat.Redact(f.Err, w.apiKey))
		if f.Retry {
			w.m.retries.WithLabelValues(op, string(f.Class.Kind)).Inc()
		}
	}
	var text string
	res := r.Do(ctx, func(ctx context.Context) error {
		t, err := w.attempt(ctx, op, req, onText)
		if err == nil && accept != nil {
			t, err = accept(t)
		}
		text = t
		return err
	})
	if res.Err == nil {
		w.m.requests.WithLabelValues(op, "ok").Inc()
		return text, nil
	}
	var e *Error
	if errors.As(res.Err, &e) {
		// accept rejected the reply.
		e.Attempts = res.Attempts
	} else {
		e = &Error{Op: op, Kind: res.Class.Kind, Status: res.Class.Status, Attempts: res.Attempts,
			Err: openaicompat.Redact(res.Err, w.apiKey)}
	}
	w.m.requests.WithLabelValues(op, "error").Inc()
	w.m.failures.WithLabelValues(op, string(e.Kind)).Inc()
	return "", e
}

// classify sorts a failed attempt: the failures found in the reply here
// first, then whatever the shared transport knows.
func classify(ctx context.Context, err error) openaicompat.Class {
	if ctx.Err() != nil {
		return openaicompat.Classify(ctx, err)
	}
	var e *Error
	switch {
	case errors.As(err, &e):
		return openaicompat.Class{Kind: e.Kind, Status: e.Status}
	case errors.Is(err, errNoChoices):
		return openaicompat.Class{Kind: KindEmpty}
	case errors.Is(err, errContentFilter):
		return openaicompat.Class{Kind: KindGarbled}
	case errors.Is(err, errCutShort):
		return openaicompat.Class{Kind: KindNetwork, Retryable: true}
	case errors.Is(err, errStreamCut):
		return openaicompat.Class{Kind: KindStream, Retryable: true}
	case errors.Is(err, errNoFirstToken):
		return openaicompat.Class{Kind: KindTimeout, Retryable: true}
	}
	return openaicompat.Classify(ctx, err)
}

// attempt makes one request, timing it.
func (w *Writer) attempt(ctx context.Context, op string, req openai.ChatCompletionRequest, onText func(string)) (string, error) {
	start := time.Now()
	var (
		text string
		err  error
	)
	if onText != nil {
		text, err = w.streamOnce(ctx, op, req, start, onText)
	} else {
		text, err = w.once(ctx, op, req)
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	w.m.latency.WithLabelValues(op, outcome).Observe(time.Since(start).Seconds())
	return text, err
}

func (w *Writer) once(ctx context.Context, op string, req openai.ChatCompletionRequest) (string, error) {
	resp, err := w.client.CreateChatCompletion(ctx, req)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "", fmt.Errorf("%w: %w", errCutShort, err)
	}
	if err != nil {
		return "", err
	}
	w.countTokens(op, &resp.Usage)
	if len(resp.Choices) == 0 {
		return "", errNoChoices
	}
	c := resp.Choices[0]
	if c.FinishReason == openai.FinishReasonContentFilter {
		return "", errContentFilter
	}
	return c.Message.Content, nil
}

// streamOnce makes one streamed attempt. Until its first token it is also
// bounded by the first-token timeout.
func (w *Writer) streamOnce(ctx context.Context, op string, req openai.ChatCompletionRequest, start time.Time, onText func(string)) (text string, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	firstToken := time.AfterFunc(w.firstToken, func() { cancel(errNoFirstToken) })
	defer firstToken.Stop()
	defer func() {
		if err != nil && context.Cause(ctx) == errNoFirstToken {
			// The underlying error only says the request was canceled.
			err = fmt.Errorf("%w (%s)", errNoFirstToken, w.firstToken)
		}
	}()

	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	stream, err := w.client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", err
	}
	defer stream.Close()
	var (
		b      strings.Builder
		finish openai.FinishReason
		first  = true
	)
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// go-openai reports an error event inside the stream as an
			// *APIError with status 0; the transport's Classify treats it
			// as a failed attempt.
			return b.String(), err
		}
		if resp.Usage != nil {
			w.countTokens(op, resp.Usage)
		}
		grew := false
		for _, c := range resp.Choices {
			if c.Index != 0 {
				continue
			}
			if c.Delta.Content != "" || c.Delta.ReasoningContent != "" {
				// The model is working; from here Timeout alone bounds
				// the attempt.
				firstToken.Stop()
			}
			if c.Delta.Content != "" {
				b.WriteString(c.Delta.Content)
				grew = true
			}
			if c.FinishReason != "" {
				finish = c.FinishReason
			}
		}
		if grew {
			if first {
				w.m.firstText.Observe(time.Since(start).Seconds())
				first = false
			}
			onText(b.String())
		}
	}
	switch finish {
	case "":
		return b.String(), errStreamCut
	case openai.FinishReasonContentFilter:
		return "", errContentFilter
	}
	return b.String(), nil
}

func (w *Writer) countTokens(op string, u *openai.Usage) {
	w.m.tokens.WithLabelValues(op, "prompt").Add(float64(u.PromptTokens))
	w.m.tokens.WithLabelValues(op, "completion").Add(float64(u.CompletionTokens))
}
