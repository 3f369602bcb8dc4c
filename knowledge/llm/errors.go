package llm

import (
	"fmt"
	"strings"
)

// Kind classifies why a model call failed. Kinds are also the values of the
// "kind" label of kbot_llm_failures_total.
type Kind string

// The kinds of failure.
const (
	// KindTimeout: an attempt or the caller's deadline ran out.
	KindTimeout Kind = "timeout"
	// KindRateLimit: the server answered 429.
	KindRateLimit Kind = "rate_limit"
	// KindServer: the server answered 5xx.
	KindServer Kind = "server"
	// KindRequest: the server rejected the request (4xx other than 408 and
	// 429, or an error event in a stream that says so): a wrong key, an
	// unknown model, a bad parameter. Not retried.
	KindRequest Kind = "request"
	// KindNetwork: the connection failed.
	KindNetwork Kind = "network"
	// KindStream: a streamed completion broke off or carried an error event
	// other than a rejection of the request.
	KindStream Kind = "stream"
	// KindMalformed: the response could not be decoded.
	KindMalformed Kind = "malformed"
	// KindEmpty: the model returned no text.
	KindEmpty Kind = "empty"
	// KindGarbled: the text is unusable: no Chinese, an echo of the prompt,
	// a filtered or off-format reply.
	KindGarbled Kind = "garbled"
	// KindCanceled: the caller gave up.
	KindCanceled Kind = "canceled"
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

// redactedError keeps the cause for errors.Is/As but prints a message with
// secrets replaced and long provider bodies cut.
type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }

// maxErrorText bounds how much of a provider's reply an error message keeps.
const maxErrorText = 300

// redact returns err with every occurrence of secret replaced by REDACTED
// and its message cut to a readable length.
func redact(err error, secret string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "REDACTED")
	}
	if r := []rune(msg); len(r) > maxErrorText {
		msg = string(r[:maxErrorText]) + "…"
	}
	return &redactedError{msg: msg, err: err}
}
