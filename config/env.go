package config

import (
	"errors"
	"strings"
)

// applyEnv overrides c with every KBOT_* variable that getenv reports as
// non-empty. Surrounding white space is dropped, since values pasted from a
// file often end in a newline. List settings are comma-separated; empty
// items are skipped.
func applyEnv(getenv func(string) string, c *Config) error {
	var errs []error
	for i := range fields {
		f := &fields[i]
		raw := strings.TrimSpace(getenv(f.env))
		if raw == "" {
			continue
		}
		p := f.ptr(c)
		var msg string
		if isList(p) {
			msg = setList(p, splitList(raw))
		} else {
			msg = setScalar(p, raw)
		}
		if msg != "" {
			errs = append(errs, &problem{key: f.key, msg: msg})
		}
	}
	return errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
