package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"
)

const (
	opWrite   = "write"
	opRewrite = "rewrite"
)

// Backoff bounds: the pause before retry n is drawn from
// [d/2, d] with d = backoffBase·2^(n-1), capped at backoffMax. A server's
// Retry-After is honoured up to retryAfterMax.
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
)

// complete runs req with retries and returns the completion text. When
// onText is non-nil the completion is streamed and onText receives the
// text of the current attempt so far. When accept is non-nil it turns the
// completion into the text returned, or rejects it with an *Error; a
// rejected reply is not retried. Failures are returned as *Error, and each
// call is counted once in kbot_llm_requests_total, under the outcome the
// caller gets.
func (w *Writer) complete(ctx context.Context, op string, req openai.ChatCompletionRequest, onText func(string), accept func(raw string) (string, error)) (string, error) {
	var last *Error
	for attempt := 1; ; attempt++ {
		hint := &retryHint{}
		text, err := w.attempt(context.WithValue(ctx, hintKey{}, hint), op, req, onText)
		if err == nil && accept != nil {
			if text, err = accept(text); err != nil {
				var e *Error
				if errors.As(err, &e) {
					e.Attempts = attempt
				}
				w.log.Warn("model reply unusable", "op", op, "attempt", attempt, "err", err)
				w.fail(op, err)
				return "", err
			}
		}
		if err == nil {
			w.m.requests.WithLabelValues(op, "ok").Inc()
			return text, nil
		}
		kind, status, retryable := classify(ctx, err)
		last = &Error{Op: op, Kind: kind, Status: status, Attempts: attempt, Err: redact(err, w.apiKey)}
		w.log.Warn("model call failed", "op", op, "attempt", attempt, "kind", kind, "status", status, "err", last.Err)
		if !retryable || attempt > w.maxRetries {
			break
		}
		if hint.after > retryAfterMax {
			break // the server asks for a longer pause than a chat can wait
		}
		wait := max(w.backoff(attempt), hint.after)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			break // no time left for another attempt
		}
		w.m.retries.WithLabelValues(op, string(kind)).Inc()
		if !sleep(ctx, wait) {
			last = &Error{Op: op, Kind: ctxKind(ctx), Attempts: attempt, Err: redact(context.Cause(ctx), w.apiKey)}
			break
		}
	}
	w.fail(op, last)
	return "", last
}

// sleep pauses for d and reports whether ctx is still live afterwards.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// fail counts a failed call.
func (w *Writer) fail(op string, err error) {
	kind := KindNetwork
	var e *Error
	if errors.As(err, &e) {
		kind = e.Kind
	}
	w.m.requests.WithLabelValues(op, "error").Inc()
	w.m.failures.WithLabelValues(op, string(kind)).Inc()
}

// attempt makes one request bounded by the attempt timeout.
func (w *Writer) attempt(ctx context.Context, op string, req openai.ChatCompletionRequest, onText func(string)) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
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

func (w *Writer) streamOnce(ctx context.Context, op string, req openai.ChatCompletionRequest, start time.Time, onText func(string)) (string, error) {
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
			// *APIError with status 0; classify treats it as a failed
			// attempt.
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

// classify maps a failed attempt to a kind, the HTTP status when known and
// whether another attempt may help. ctx is the caller's context: when it is
// done, nothing is retried.
func classify(ctx context.Context, err error) (kind Kind, status int, retryable bool) {
	if ctx.Err() != nil {
		return ctxKind(ctx), 0, false
	}
	switch {
	case errors.Is(err, errNoChoices):
		return KindEmpty, 0, false
	case errors.Is(err, errContentFilter):
		return KindGarbled, 0, false
	case errors.Is(err, errCutShort):
		return KindNetwork, 0, true
	}
	// RequestError first: it may wrap an APIError without a status, and
	// errors.As would otherwise find that inner error.
	var reqErr *openai.RequestError
	var apiErr *openai.APIError
	switch {
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
		if status == 0 {
			// An error event inside a stream. Most are the server
			// breaking off (overload, a worker lost) and worth another
			// attempt; one that rejects the request itself would be
			// rejected again.
			if rejectsRequest(apiErr) {
				return KindRequest, 0, false
			}
			return KindStream, 0, true
		}
	}
	if status != 0 {
		switch {
		case status == http.StatusTooManyRequests:
			return KindRateLimit, status, true
		case status == http.StatusRequestTimeout:
			return KindTimeout, status, true
		case status >= 500:
			return KindServer, status, true
		default:
			return KindRequest, status, false
		}
	}
	var netErr net.Error
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout, 0, true // the attempt's own timeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return KindTimeout, 0, true
	case errors.Is(err, errStreamCut), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		return KindStream, 0, true
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return KindMalformed, 0, false
	case errors.As(err, &netErr):
		return KindNetwork, 0, true
	}
	return KindNetwork, 0, false
}

// rejectedTypes are the error types by which OpenAI-compatible servers
// refuse a request as such: a bad parameter, an unknown model, a wrong or
// unauthorised key.
var rejectedTypes = map[string]bool{
	"invalid_request_error": true,
	"authentication_error":  true,
	"permission_error":      true,
	"not_found_error":       true,
}

// rejectsRequest reports whether an error event says the request itself
// was refused, by its type or by a 4xx code (other than 408 and 429) some
// servers put in the event instead of an HTTP status.
func rejectsRequest(e *openai.APIError) bool {
	if rejectedTypes[strings.ToLower(e.Type)] {
		return true
	}
	switch c := e.Code.(type) {
	case int:
		return c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests
	case string:
		return c == "invalid_api_key" || c == "model_not_found"
	}
	return false
}

func ctxKind(ctx context.Context) Kind {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return KindTimeout
	}
	return KindCanceled
}

func backoff(n int) time.Duration {
	d := backoffBase << min(n-1, 10)
	d = min(d, backoffMax)
	return d/2 + rand.N(d/2+1)
}

// retryHint carries a server's Retry-After from the HTTP layer, which
// go-openai hides, to the retry loop.
type retryHint struct{ after time.Duration }

type hintKey struct{}

// hintingDoer records Retry-After on 429 and 503 responses in the
// request's retryHint.
type hintingDoer struct{ c *http.Client }

func (d hintingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	if h, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
		h.after = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return resp, nil
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date;
// it returns 0 when the value is absent or unreadable.
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
