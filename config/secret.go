package config

import (
	"fmt"
	"log/slog"
	"strconv"
)

// redacted is what a non-empty Secret prints as.
const redacted = "REDACTED"

// Secret holds a credential: an API key, the bot token or the webhook secret.
// Every way of printing it (fmt with any verb, log/slog, encoding/json,
// go.yaml.in/yaml/v3, encoding.TextMarshaler) shows REDACTED; an empty Secret
// prints as "" so that logs still tell a missing secret from a present one.
// Use [Secret.Reveal] only at the point where the value is sent to its service.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String returns REDACTED, or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString makes %#v print REDACTED too.
func (s Secret) GoString() string { return s.String() }

// Format covers every fmt verb. Without it, a verb that does not apply to
// strings (such as %d) makes fmt print the raw value in its error text.
func (s Secret) Format(f fmt.State, verb rune) {
	out := s.String()
	if verb == 'q' {
		out = strconv.Quote(out)
	}
	// A failed write to a fmt.State cannot be reported by Format.
	_, _ = f.Write([]byte(out))
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }
