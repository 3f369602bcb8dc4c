package llm

import (
	"fmt"
	"strings"

	"kbot/embeddings/openaicompat"
)

// Kind classifies why a model call failed. Kinds are also the values of the
// "kind" label of kbot_llm_failures_total. The transport's kinds (timeout,
// rate_limit, server, request, network, stream, malformed, canceled) are
// described in package openaicompat; the writer adds its own below.
type Kind = openaicompat.Kind

// The kinds of failure.
const (
	KindTimeout   = openaicompat.KindTimeout
	KindRateLimit = openaicompat.KindRateLimit
	KindServer    = openaicompat.KindServer
	KindRequest   = openaicompat.KindRequest
	KindNetwork   = openaicompat.KindNetwork
	KindStream    = openaicompat.KindStream
	KindMalformed = openaicompat.KindMalformed
	KindCanceled  = openaicompat.KindCanceled
	// KindEmpty: the model returned no text.
	KindEmpty Kind = "empty"
	// KindGarbled: the text is unusable: no Chinese, an echo of the prompt,
	// a filtered or off-format reply.
	KindGarbled Kind = "garbled"
	// KindBreakerOpen: the model was not asked, because it failed too
	// often in a row lately (see Writer.Breaker).
	KindBreakerOpen Kind = "breaker_open"
)

// Error is the error Write and Rewrite return. Its message never contains
// the API key and carries at most a short excerpt of the provider's reply.
type Error struct {
	// Op is "write" or "rewrite".
	Op   string
	Kind Kind
	// Status is the HTTP status of the last attempt, 0 when there was none.
	Status int
	// Attempts is how many requests were made.
	Attempts int
	// Err is the underlying cause, already redacted.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "llm %s: %s", e.Op, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (status %d)", e.Status)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
