package openaicompat

import (
	"strings"
)

// maxErrorText bounds how much of a provider's reply an error message keeps.
const maxErrorText = 300

// redactedError prints a cleaned message but keeps the cause for
// errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }

// Redact returns err with every occurrence of each non-empty secret in its
// message replaced by REDACTED and the message cut to a readable length
// (providers may echo a whole request or page). The result unwraps to err,
// so errors.Is and errors.As still match the cause; only its message
// changes. Redact(nil) is nil.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "REDACTED")
		}
	}
	if r := []rune(msg); len(r) > maxErrorText {
		msg = string(r[:maxErrorText]) + "…"
	}
	return &redactedError{msg: msg, err: err}
}
