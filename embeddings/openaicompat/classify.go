package openaicompat

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Kind names why a request failed. Kinds are short lowercase words, fit
// for a metric label.
type Kind string

// The kinds of failure Classify finds.
const (
	// KindTimeout: an attempt or the caller's deadline ran out, or the
	// server answered 408.
	KindTimeout Kind = "timeout"
	// KindRateLimit: the server answered 429.
	KindRateLimit Kind = "rate_limit"
	// KindServer: the server answered 5xx.
	KindServer Kind = "server"
	// KindRequest: the server rejected the request (4xx other than 408 and
	// 429, or an error event in a stream that says so): a wrong key, an
	// unknown model, a bad parameter.
	KindRequest Kind = "request"
	// KindNetwork: the connection failed.
	KindNetwork Kind = "network"
	// KindStream: a streamed response broke off or carried an error event
	// other than a rejection of the request.
	KindStream Kind = "stream"
	// KindMalformed: the response could not be decoded.
	KindMalformed Kind = "malformed"
	// KindCanceled: the caller gave up.
	KindCanceled Kind = "canceled"
)

// Class is what Classify says of a failed attempt.
type Class struct {
	Kind Kind
	// Status is the HTTP status the server answered, 0 when none.
	Status int
	// Retryable says whether another attempt may succeed.
	Retryable bool
}

// ErrAttemptTimeout is wrapped into the error of an attempt that ran out
// of its own time limit (Retrier.Timeout) while the caller's context was
// still live.
var ErrAttemptTimeout = errors.New("request timed out")

// Classify sorts a failed request into a Class. ctx is the caller's
// context: once it is done, nothing is retried and the kind says whether it
// was canceled or ran out of time. Errors it does not know (a caller's own
// check of the response, say) are of kind network and not retryable.
func Classify(ctx context.Context, err error) Class {
	if ctx.Err() != nil {
		return Class{Kind: ctxKind(ctx)}
	}
	// RequestError first: it may wrap an APIError without a status, and
	// errors.As would otherwise find that inner error.
	status := 0
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
				return Class{Kind: KindRequest}
			}
			return Class{Kind: KindStream, Retryable: true}
		}
	}
	if status != 0 {
		switch {
		case status == http.StatusTooManyRequests:
			return Class{Kind: KindRateLimit, Status: status, Retryable: true}
		case status == http.StatusRequestTimeout:
			return Class{Kind: KindTimeout, Status: status, Retryable: true}
		case status >= 500:
			return Class{Kind: KindServer, Status: status, Retryable: true}
		default:
			return Class{Kind: KindRequest, Status: status}
		}
	}
	var netErr net.Error
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, ErrAttemptTimeout), errors.Is(err, context.DeadlineExceeded):
		return Class{Kind: KindTimeout, Retryable: true}
	case errors.As(err, &netErr) && netErr.Timeout():
		return Class{Kind: KindTimeout, Retryable: true}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		return Class{Kind: KindStream, Retryable: true}
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return Class{Kind: KindMalformed}
	case errors.As(err, &netErr), errors.Is(err, io.EOF):
		return Class{Kind: KindNetwork, Retryable: true}
	}
	return Class{Kind: KindNetwork}
}

// Status returns the HTTP status and the server's message carried by err,
// or 0 and "" when the server sent no error answer.
func Status(err error) (code int, msg string) {
	// RequestError first: it may wrap an APIError whose status is unset.
	var re *openai.RequestError
	if errors.As(err, &re) {
		return re.HTTPStatusCode, strings.TrimSpace(string(re.Body))
	}
	var ae *openai.APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatusCode, ae.Message
	}
	return 0, ""
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

// ctxKind says why a done context ended.
func ctxKind(ctx context.Context) Kind {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return KindTimeout
	}
	return KindCanceled
}
