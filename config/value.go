package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// problem is one bad setting. Its message never quotes a secret.
type problem struct {
	where string // "file:line" for a setting read from YAML, else ""
	key   string // YAML key of a known setting, or ""
	msg   string
}

func (p *problem) Error() string {
	s := p.msg
	switch env := envOf(p.key); {
	case env != "":
		s = p.key + " (" + env + "): " + s
	case p.key != "":
		s = p.key + ": " + s
	}
	if p.where != "" {
		s = p.where + ": " + s
	}
	return s
}

// setScalar parses s into the setting p points to. It returns "" on
// success, else what is wrong; the message quotes s, which is safe because
// secrets are plain strings and cannot fail to parse.
func setScalar(p any, s string) string {
	switch p := p.(type) {
	case *string:
		*p = s
	case *Secret:
		*p = Secret(s)
	case *int:
		v, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Sprintf("%q is not a whole number", s)
		}
		*p = v
	case *int64:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Sprintf("%q is not a whole number", s)
		}
		*p = v
	case *float64:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprintf("%q is not a number", s)
		}
		*p = v
	case *bool:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Sprintf("%q is not allowed; use true or false", s)
		}
		*p = v
	case *time.Duration:
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Sprintf("%q is not a duration; use a number with a unit, such as \"30s\", \"2m\" or \"1m30s\"", s)
		}
		*p = v
	default:
		return fmt.Sprintf("must be a list, not %q", s)
	}
	return ""
}

// setList sets a list setting from its items; see setScalar.
func setList(p any, items []string) string {
	switch p := p.(type) {
	case *[]string:
		*p = append([]string(nil), items...)
	case *[]int64:
		var out []int64 // nil when empty, like the default
		for _, s := range items {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Sprintf("%q is not a whole number; Telegram IDs look like 123456789 (a user) or -1001234567890 (a group)", s)
			}
			out = append(out, v)
		}
		*p = out
	default:
		return "must be a single value, not a list"
	}
	return ""
}

func isList(p any) bool {
	switch p.(type) {
	case *[]string, *[]int64:
		return true
	}
	return false
}

// setZero resets a setting, as YAML null does.
func setZero(p any) { reflect.ValueOf(p).Elem().SetZero() }
