package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// configWithSecrets returns a valid Config whose every Secret is set to a
// distinct recognisable value.
func configWithSecrets() (Config, []string) {
	c := Default()
	c.Embed.APIKey = "sk-embed-0123456789"
	c.LLM.APIKey = "sk-llm-0123456789"
	c.Telegram.Token = "123456:AAE-bot-token-0123456789"
	c.Telegram.Webhook.SecretToken = "hook_secret_0123456789"
	return c, []string{"sk-embed-0123456789", "sk-llm-0123456789", "AAE-bot-token", "hook_secret_0123456789"}
}

func TestSecretFormatting(t *testing.T) {
	const value = "sk-live-abcdef"
	s := Secret(value)
	tests := []struct {
		format string
		want   string
	}{
		{"%v", "REDACTED"},
		{"%+v", "REDACTED"},
		{"%#v", "REDACTED"},
		{"%s", "REDACTED"},
		{"%q", `"REDACTED"`},
		{"%x", "REDACTED"},
		{"%d", "REDACTED"}, // a wrong verb must not fall back to the raw value
		{"%10s", "REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.format+" prints REDACTED", func(t *testing.T) {
			if got := fmt.Sprintf(tt.format, s); got != tt.want {
				t.Errorf("Sprintf(%q) = %q, want %q", tt.format, got, tt.want)
			}
			if got := fmt.Sprintf(tt.format, &s); strings.Contains(got, value) {
				t.Errorf("Sprintf(%q, &s) = %q reveals the value", tt.format, got)
			}
		})
	}
	t.Run("Println and String print REDACTED", func(t *testing.T) {
		if got := fmt.Sprintln(s); got != "REDACTED\n" {
			t.Errorf("Sprintln = %q", got)
		}
		if s.String() != "REDACTED" || s.GoString() != "REDACTED" {
			t.Errorf("String %q GoString %q", s.String(), s.GoString())
		}
	})
	t.Run("Reveal returns the value", func(t *testing.T) {
		if s.Reveal() != value {
			t.Errorf("Reveal() = %q", s.Reveal())
		}
	})
	t.Run("empty secret prints empty", func(t *testing.T) {
		var empty Secret
		if got := fmt.Sprintf("%v|%s|%#v", empty, empty, empty); got != "||" {
			t.Errorf("got %q, want %q", got, "||")
		}
	})
}

func TestConfigPrintsNoSecret(t *testing.T) {
	c, values := configWithSecrets()

	var textLog, jsonLog bytes.Buffer
	text := slog.New(slog.NewTextHandler(&textLog, nil))
	jsonl := slog.New(slog.NewJSONHandler(&jsonLog, nil))
	for _, l := range []*slog.Logger{text, jsonl} {
		l.Info("config", "config", c, "token", c.Telegram.Token, slog.Any("key", c.LLM.APIKey), "telegram", c.Telegram)
		l.With("embed_key", c.Embed.APIKey).Info("with")
		l.Info("group", slog.Group("llm", "api_key", c.LLM.APIKey))
	}

	jsonOut, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	yamlOut, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}

	outputs := map[string]string{
		"fmt %v":      fmt.Sprintf("%v", c),
		"fmt %+v":     fmt.Sprintf("%+v", c),
		"fmt %#v":     fmt.Sprintf("%#v", c),
		"fmt pointer": fmt.Sprintf("%+v", &c.Telegram),
		"slog text":   textLog.String(),
		"slog json":   jsonLog.String(),
		"json":        string(jsonOut),
		"yaml":        string(yamlOut),
	}
	for name, out := range outputs {
		t.Run(name+" shows REDACTED and no secret", func(t *testing.T) {
			for _, v := range values {
				if strings.Contains(out, v) {
					t.Errorf("output reveals %q:\n%s", v, out)
				}
			}
			if !strings.Contains(out, "REDACTED") {
				t.Errorf("output has no REDACTED marker:\n%s", out)
			}
		})
	}

	t.Run("slog json writes secrets as the string REDACTED", func(t *testing.T) {
		line, _, _ := strings.Cut(jsonLog.String(), "\n")
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["token"] != "REDACTED" || rec["key"] != "REDACTED" {
			t.Errorf("token %v key %v, want REDACTED", rec["token"], rec["key"])
		}
	})
}

func TestLogHandler(t *testing.T) {
	tests := []struct {
		name   string
		log    LogConfig
		prefix string
		debug  bool
	}{
		{"json format writes JSON", LogConfig{Level: "info", Format: "json"}, "{", false},
		{"text format writes key=value", LogConfig{Level: "info", Format: "text"}, "time=", false},
		{"debug level lets debug through", LogConfig{Level: "debug", Format: "text"}, "time=", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(tt.log.Handler(&buf))
			l.Debug("d")
			l.Info("i")
			if !strings.HasPrefix(buf.String(), tt.prefix) {
				t.Errorf("output %q does not start with %q", buf.String(), tt.prefix)
			}
			if got := strings.Count(buf.String(), "\n"); got != map[bool]int{false: 1, true: 2}[tt.debug] {
				t.Errorf("wrote %d lines:\n%s", got, buf.String())
			}
		})
	}
}
