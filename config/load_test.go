package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kbot.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	const file = `
data_dir: /srv/kbot
sources: [bundled, /data/issues]
http_addr: ""
log: {level: debug, format: json}
embed:
  provider: openai
  base_url: http://127.0.0.1:11434/v1
  model: bge-m3
  api_key: file-embed-key
  timeout: 1m30s
retrieval:
  min_score: 0.35
llm:
  base_url: https://llm.example.com/v1
  model: qwen
  temperature: 0
  stream: false
telegram:
  token: "123:file-token"
  admins: [1001, 1002]
  allowed_chats:
    - -1001234567890
  webhook:
    url: https://bot.example.com/hook
    listen: 127.0.0.1:8443
    secret_token: file_secret
`
	tests := []struct {
		name  string
		file  string // YAML text; "" = no file
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{
			name: "no file and no environment gives the defaults",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c, Default()) {
					t.Errorf("got %+v, want Default()", c)
				}
			},
		},
		{
			name: "file only sets every kind of value",
			file: file,
			check: func(t *testing.T, c Config) {
				want := Default()
				want.DataDir = "/srv/kbot"
				want.Sources = []string{"bundled", "/data/issues"}
				want.HTTPAddr = ""
				want.Log = LogConfig{Level: "debug", Format: "json"}
				want.Embed.Provider = "openai"
				want.Embed.BaseURL = "http://127.0.0.1:11434/v1"
				want.Embed.Model = "bge-m3"
				want.Embed.APIKey = "file-embed-key"
				want.Embed.Timeout = 90 * time.Second
				want.Retrieval.MinScore = 0.35
				want.LLM.BaseURL = "https://llm.example.com/v1"
				want.LLM.Model = "qwen"
				want.LLM.Temperature = 0
				want.LLM.Stream = false
				want.Telegram.Token = "123:file-token"
				want.Telegram.Admins = []int64{1001, 1002}
				want.Telegram.AllowedChats = []int64{-1001234567890}
				want.Telegram.Webhook = WebhookConfig{URL: "https://bot.example.com/hook", Listen: "127.0.0.1:8443", SecretToken: "file_secret"}
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got  %#v\nwant %#v", c, want)
				}
				// %#v redacts secrets, so compare them separately.
				if c.Embed.APIKey.Reveal() != "file-embed-key" || c.Telegram.Token.Reveal() != "123:file-token" {
					t.Errorf("secrets not read from the file")
				}
			},
		},
		{
			name: "environment only",
			env: map[string]string{
				"KBOT_DATA_DIR":         "/var/lib/kbot",
				"KBOT_SOURCES":          " bundled , /a.txt,,",
				"KBOT_ADMINS":           "42, 43",
				"KBOT_TELEGRAM_TOKEN":   "999:env-token\n",
				"KBOT_LLM_TEMPERATURE":  "0",
				"KBOT_LLM_STREAM":       "false",
				"KBOT_EMBED_TIMEOUT":    "45s",
				"KBOT_HTTP_ADDR":        "127.0.0.1:0",
				"KBOT_RETRIEVAL_K":      "8",
				"KBOT_UNRELATED_OPTION": "ignored",
			},
			check: func(t *testing.T, c Config) {
				if c.DataDir != "/var/lib/kbot" || c.HTTPAddr != "127.0.0.1:0" || c.Retrieval.K != 8 {
					t.Errorf("scalars: got data_dir %q http_addr %q k %d", c.DataDir, c.HTTPAddr, c.Retrieval.K)
				}
				if !slices.Equal(c.Sources, []string{"bundled", "/a.txt"}) {
					t.Errorf("sources = %q", c.Sources)
				}
				if !slices.Equal(c.Telegram.Admins, []int64{42, 43}) {
					t.Errorf("admins = %v", c.Telegram.Admins)
				}
				if c.Telegram.Token.Reveal() != "999:env-token" {
					t.Errorf("token not trimmed: %q", c.Telegram.Token.Reveal())
				}
				if c.LLM.Temperature != 0 || c.LLM.Stream || c.Embed.Timeout != 45*time.Second {
					t.Errorf("llm temperature %v stream %v embed timeout %v", c.LLM.Temperature, c.LLM.Stream, c.Embed.Timeout)
				}
			},
		},
		{
			name: "environment overrides the file and empty variables do not",
			file: file,
			env: map[string]string{
				"KBOT_LOG_LEVEL":      "warn",
				"KBOT_ADMINS":         "7",
				"KBOT_TELEGRAM_TOKEN": "555:env-token",
				"KBOT_DATA_DIR":       "",
				"KBOT_LLM_MODEL":      "   ",
			},
			check: func(t *testing.T, c Config) {
				if c.Log.Level != "warn" || c.Log.Format != "json" {
					t.Errorf("log = %+v, want level from env and format from file", c.Log)
				}
				if !slices.Equal(c.Telegram.Admins, []int64{7}) {
					t.Errorf("admins = %v, want [7]", c.Telegram.Admins)
				}
				if c.Telegram.Token.Reveal() != "555:env-token" {
					t.Errorf("token not overridden")
				}
				if c.DataDir != "/srv/kbot" || c.LLM.Model != "qwen" {
					t.Errorf("empty variables overrode the file: data_dir %q llm.model %q", c.DataDir, c.LLM.Model)
				}
			},
		},
		{
			name: "null values clear settings",
			file: "http_addr: ~\nllm:\n  base_url:\n",
			env:  map[string]string{},
			check: func(t *testing.T, c Config) {
				if c.HTTPAddr != "" || c.LLM.Enabled() {
					t.Errorf("http_addr %q llm.base_url %q, want both empty", c.HTTPAddr, c.LLM.BaseURL)
				}
			},
		},
		{
			name: "empty file and comment-only file give the defaults",
			file: "# nothing set yet\n",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c, Default()) {
					t.Errorf("got %+v, want Default()", c)
				}
			},
		},
		{
			name: "anchors and aliases are followed",
			file: "embed:\n  timeout: &t 2m\nllm:\n  timeout: *t\n",
			check: func(t *testing.T, c Config) {
				if c.Embed.Timeout != 2*time.Minute || c.LLM.Timeout != 2*time.Minute {
					t.Errorf("timeouts %v %v, want 2m", c.Embed.Timeout, c.LLM.Timeout)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			c, err := Load(path, envFrom(tt.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, c)
		})
	}
}

// TestLoadErrors checks that each bad setting is reported with its YAML key,
// its environment variable, the bad value and what is allowed.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		// want are substrings of the error; the first is usually "key (ENV)".
		want []string
		// hidden must not appear in the error (secret values).
		hidden []string
	}{
		{name: "unknown provider is refused with the allowed values",
			env:  map[string]string{"KBOT_EMBED_PROVIDER": "foo"},
			want: []string{`embed.provider (KBOT_EMBED_PROVIDER): "foo" is not allowed; use "local" or "openai"`}},
		{name: "openai provider without base_url names the missing key",
			env:  map[string]string{"KBOT_EMBED_PROVIDER": "openai", "KBOT_EMBED_MODEL": "m"},
			want: []string{"embed.base_url (KBOT_EMBED_BASE_URL): is required", `"openai"`}},
		{name: "openai provider without model names the missing key",
			env:  map[string]string{"KBOT_EMBED_PROVIDER": "openai", "KBOT_EMBED_BASE_URL": "http://127.0.0.1:1/v1"},
			want: []string{"embed.model (KBOT_EMBED_MODEL): is required"}},
		{name: "non-numeric admin names the variable and the entry",
			env:  map[string]string{"KBOT_ADMINS": "1001, bob"},
			want: []string{"telegram.admins (KBOT_ADMINS)", `"bob" is not a whole number`}},
		{name: "negative admin is not a user ID",
			env:  map[string]string{"KBOT_ADMINS": "-5"},
			want: []string{"telegram.admins (KBOT_ADMINS): -5 is not a user ID"}},
		{name: "zero chat ID is refused",
			env:  map[string]string{"KBOT_ALLOWED_CHATS": "0"},
			want: []string{"telegram.allowed_chats (KBOT_ALLOWED_CHATS): 0 is not a chat ID"}},
		{name: "non-numeric allowed user is refused",
			env:  map[string]string{"KBOT_ALLOWED_USERS": "@alice"},
			want: []string{"telegram.allowed_users (KBOT_ALLOWED_USERS)", `"@alice"`}},
		{name: "zero batch size is refused",
			env:  map[string]string{"KBOT_EMBED_BATCH_SIZE": "0"},
			want: []string{"embed.batch_size (KBOT_EMBED_BATCH_SIZE): 0 is not allowed", "at least 1"}},
		{name: "negative concurrency is refused",
			env:  map[string]string{"KBOT_EMBED_CONCURRENCY": "-1"},
			want: []string{"embed.concurrency (KBOT_EMBED_CONCURRENCY): -1 is not allowed"}},
		{name: "negative dims are refused",
			env:  map[string]string{"KBOT_EMBED_DIMS": "-3"},
			want: []string{"embed.dims (KBOT_EMBED_DIMS): -3 is not allowed", "at least 0"}},
		{name: "negative embed retries are refused",
			env:  map[string]string{"KBOT_EMBED_MAX_RETRIES": "-1"},
			want: []string{"embed.max_retries (KBOT_EMBED_MAX_RETRIES)"}},
		{name: "duration without unit is refused",
			env:  map[string]string{"KBOT_EMBED_TIMEOUT": "30"},
			want: []string{`embed.timeout (KBOT_EMBED_TIMEOUT): "30" is not a duration`, `"30s"`}},
		{name: "zero duration is refused",
			env:  map[string]string{"KBOT_LLM_TIMEOUT": "0s"},
			want: []string{`llm.timeout (KBOT_LLM_TIMEOUT): "0s" is not allowed`, "above zero"}},
		{name: "overlap equal to chunk size is refused",
			env:  map[string]string{"KBOT_RETRIEVAL_CHUNK_SIZE": "100", "KBOT_RETRIEVAL_CHUNK_OVERLAP": "100"},
			want: []string{"retrieval.chunk_overlap (KBOT_RETRIEVAL_CHUNK_OVERLAP): 100 is not allowed", "less than retrieval.chunk_size (100)"}},
		{name: "zero chunk size is refused",
			env:  map[string]string{"KBOT_RETRIEVAL_CHUNK_SIZE": "0"},
			want: []string{"retrieval.chunk_size (KBOT_RETRIEVAL_CHUNK_SIZE): 0 is not allowed"}},
		{name: "negative overlap is refused",
			env:  map[string]string{"KBOT_RETRIEVAL_CHUNK_OVERLAP": "-1"},
			want: []string{"retrieval.chunk_overlap (KBOT_RETRIEVAL_CHUNK_OVERLAP): -1 is not allowed"}},
		{name: "zero k is refused",
			env:  map[string]string{"KBOT_RETRIEVAL_K": "0"},
			want: []string{"retrieval.k (KBOT_RETRIEVAL_K): 0 is not allowed"}},
		{name: "min score of one or more is refused",
			env:  map[string]string{"KBOT_RETRIEVAL_MIN_SCORE": "1.5"},
			want: []string{"retrieval.min_score (KBOT_RETRIEVAL_MIN_SCORE): 1.5 is not allowed", "from 0"}},
		{name: "negative min score is refused",
			env:  map[string]string{"KBOT_RETRIEVAL_MIN_SCORE": "-0.1"},
			want: []string{"retrieval.min_score (KBOT_RETRIEVAL_MIN_SCORE): -0.1 is not allowed"}},
		{name: "NaN min score is not a number",
			env:  map[string]string{"KBOT_RETRIEVAL_MIN_SCORE": "NaN"},
			want: []string{`retrieval.min_score (KBOT_RETRIEVAL_MIN_SCORE): "NaN" is not a number`}},
		{name: "ftp URL is refused",
			env:  map[string]string{"KBOT_EMBED_BASE_URL": "ftp://files.example.com"},
			want: []string{`embed.base_url (KBOT_EMBED_BASE_URL): "ftp://files.example.com" is not allowed`, "http:// or https://"}},
		{name: "URL without scheme is refused",
			env:  map[string]string{"KBOT_TELEGRAM_API_URL": "api.telegram.org"},
			want: []string{`telegram.api_url (KBOT_TELEGRAM_API_URL): "api.telegram.org" is not allowed`}},
		{name: "URL without host is refused",
			env:  map[string]string{"KBOT_LLM_BASE_URL": "http://", "KBOT_LLM_MODEL": "m"},
			want: []string{`llm.base_url (KBOT_LLM_BASE_URL): "http://" is not allowed`}},
		{name: "URL with a password is refused without showing it",
			env:    map[string]string{"KBOT_LLM_BASE_URL": "https://me:hunter2@llm.example.com", "KBOT_LLM_MODEL": "m"},
			want:   []string{"llm.base_url (KBOT_LLM_BASE_URL): must not hold a user name or password"},
			hidden: []string{"hunter2"}},
		{name: "unparsable URL with a password is not shown",
			env:    map[string]string{"KBOT_EMBED_BASE_URL": "http://me:hunter2@[bad"},
			want:   []string{"embed.base_url (KBOT_EMBED_BASE_URL): the value is not a URL"},
			hidden: []string{"hunter2"}},
		{name: "plain-http webhook is refused",
			env:  map[string]string{"KBOT_WEBHOOK_URL": "http://bot.example.com/hook", "KBOT_WEBHOOK_LISTEN": ":8443", "KBOT_WEBHOOK_SECRET": "s"},
			want: []string{`telegram.webhook.url (KBOT_WEBHOOK_URL): "http://bot.example.com/hook" is not allowed`, "https://"}},
		{name: "LLM without model names the missing key",
			env:  map[string]string{"KBOT_LLM_BASE_URL": "https://llm.example.com/v1"},
			want: []string{"llm.model (KBOT_LLM_MODEL): is required when llm.base_url is set"}},
		{name: "temperature above two is refused",
			env:  map[string]string{"KBOT_LLM_TEMPERATURE": "2.5"},
			want: []string{"llm.temperature (KBOT_LLM_TEMPERATURE): 2.5 is not allowed; use a number from 0 to 2"}},
		{name: "non-numeric temperature is refused",
			env:  map[string]string{"KBOT_LLM_TEMPERATURE": "warm"},
			want: []string{`llm.temperature (KBOT_LLM_TEMPERATURE): "warm" is not a number`}},
		{name: "zero max tokens is refused",
			env:  map[string]string{"KBOT_LLM_MAX_TOKENS": "0"},
			want: []string{"llm.max_tokens (KBOT_LLM_MAX_TOKENS): 0 is not allowed"}},
		{name: "zero retry budget is refused",
			env:  map[string]string{"KBOT_LLM_RETRY_BUDGET": "0s"},
			want: []string{`llm.retry_budget (KBOT_LLM_RETRY_BUDGET): "0s" is not allowed`, "above zero"}},
		{name: "first-token timeout beyond the request timeout is refused",
			env:  map[string]string{"KBOT_LLM_FIRST_TOKEN_TIMEOUT": "2m", "KBOT_LLM_TIMEOUT": "1m"},
			want: []string{`llm.first_token_timeout (KBOT_LLM_FIRST_TOKEN_TIMEOUT): "2m" is not allowed`, "must not exceed llm.timeout (1m)"}},
		{name: "negative first-token timeout is refused",
			env:  map[string]string{"KBOT_LLM_FIRST_TOKEN_TIMEOUT": "-1s"},
			want: []string{`llm.first_token_timeout (KBOT_LLM_FIRST_TOKEN_TIMEOUT): "-1s" is not allowed`}},
		{name: "negative breaker failures are refused",
			env:  map[string]string{"KBOT_LLM_BREAKER_FAILURES": "-1"},
			want: []string{"llm.breaker_failures (KBOT_LLM_BREAKER_FAILURES): -1 is not allowed", "at least 0"}},
		{name: "zero breaker cool-down is refused",
			env:  map[string]string{"KBOT_LLM_BREAKER_COOLDOWN": "0s"},
			want: []string{`llm.breaker_cooldown (KBOT_LLM_BREAKER_COOLDOWN): "0s" is not allowed`}},
		{name: "non-boolean stream is refused",
			env:  map[string]string{"KBOT_LLM_STREAM": "maybe"},
			want: []string{`llm.stream (KBOT_LLM_STREAM): "maybe" is not allowed; use true or false`}},
		{name: "listen address without port is refused",
			env:  map[string]string{"KBOT_HTTP_ADDR": "localhost"},
			want: []string{`http_addr (KBOT_HTTP_ADDR): "localhost" is not a listen address`, "host:port"}},
		{name: "listen port out of range is refused",
			env:  map[string]string{"KBOT_HTTP_ADDR": "127.0.0.1:99999"},
			want: []string{`http_addr (KBOT_HTTP_ADDR): "127.0.0.1:99999" is not a listen address`}},
		{name: "listen host with bad characters is refused",
			env:  map[string]string{"KBOT_WEBHOOK_LISTEN": "bad_host!:80"},
			want: []string{`telegram.webhook.listen (KBOT_WEBHOOK_LISTEN): "bad_host!:80" is not a listen address`}},
		{name: "webhook without listen address and secret names both",
			env: map[string]string{"KBOT_WEBHOOK_URL": "https://bot.example.com/hook"},
			want: []string{
				"telegram.webhook.listen (KBOT_WEBHOOK_LISTEN): is required when telegram.webhook.url is set",
				"telegram.webhook.secret_token (KBOT_WEBHOOK_SECRET): is required when telegram.webhook.url is set",
			}},
		{name: "webhook sharing the operations address is refused",
			env:  map[string]string{"KBOT_WEBHOOK_URL": "https://bot.example.com/hook", "KBOT_WEBHOOK_LISTEN": "127.0.0.1:8080", "KBOT_WEBHOOK_SECRET": "abc"},
			want: []string{`telegram.webhook.listen (KBOT_WEBHOOK_LISTEN): "127.0.0.1:8080" is also http_addr (KBOT_HTTP_ADDR)`}},
		{name: "malformed webhook secret is refused without showing it",
			env:    map[string]string{"KBOT_WEBHOOK_SECRET": "s3cr3t value!"},
			want:   []string{"telegram.webhook.secret_token (KBOT_WEBHOOK_SECRET): the value is not allowed", "A-Z a-z 0-9 _ -"},
			hidden: []string{"s3cr3t"}},
		{name: "malformed bot token is refused without showing it",
			env:    map[string]string{"KBOT_TELEGRAM_TOKEN": "123456:AAE tokenpart"},
			want:   []string{"telegram.token (KBOT_TELEGRAM_TOKEN): the value contains a space"},
			hidden: []string{"123456", "AAE", "tokenpart"}},
		{name: "API key with a line break is refused without showing it",
			file:   "llm:\n  api_key: \"sk-first\\nsk-second\"\n",
			want:   []string{"llm.api_key (KBOT_LLM_API_KEY): the value contains a space or a line break"},
			hidden: []string{"sk-first", "sk-second"}},
		{name: "embed API key with a space is refused without showing it",
			env:    map[string]string{"KBOT_EMBED_API_KEY": "sk-abc def"},
			want:   []string{"embed.api_key (KBOT_EMBED_API_KEY): the value contains"},
			hidden: []string{"sk-abc", "def"}},
		{name: "rate limits and sizes must be positive",
			env: map[string]string{
				"KBOT_TELEGRAM_RATE_LIMIT": "0", "KBOT_TELEGRAM_RATE_BURST": "0", "KBOT_TELEGRAM_MAX_CONCURRENT": "0",
				"KBOT_TELEGRAM_QUESTION_TIMEOUT": "-1s", "KBOT_TELEGRAM_MAX_DOCUMENT_BYTES": "0",
			},
			want: []string{
				"telegram.rate_limit (KBOT_TELEGRAM_RATE_LIMIT): 0 is not allowed",
				"telegram.rate_burst (KBOT_TELEGRAM_RATE_BURST): 0 is not allowed",
				"telegram.max_concurrent (KBOT_TELEGRAM_MAX_CONCURRENT): 0 is not allowed",
				`telegram.question_timeout (KBOT_TELEGRAM_QUESTION_TIMEOUT): "-1s" is not allowed`,
				"telegram.max_document_bytes (KBOT_TELEGRAM_MAX_DOCUMENT_BYTES): 0 is not allowed",
			}},
		{name: "poll timeout below a second is refused",
			env:  map[string]string{"KBOT_TELEGRAM_POLL_TIMEOUT": "500ms"},
			want: []string{`telegram.poll_timeout (KBOT_TELEGRAM_POLL_TIMEOUT): "500ms" is not allowed`, "whole seconds"}},
		{name: "unknown log level and format are refused",
			env: map[string]string{"KBOT_LOG_LEVEL": "verbose", "KBOT_LOG_FORMAT": "xml"},
			want: []string{
				`log.level (KBOT_LOG_LEVEL): "verbose" is not allowed; use "debug", "info", "warn" or "error"`,
				`log.format (KBOT_LOG_FORMAT): "xml" is not allowed; use "text" or "json"`,
			}},
		{name: "empty data_dir is refused",
			file: "data_dir: \"\"\n",
			want: []string{"data_dir (KBOT_DATA_DIR): must not be empty"}},
		{name: "empty sources list is refused",
			env:  map[string]string{"KBOT_SOURCES": ","},
			want: []string{"sources (KBOT_SOURCES): must list at least one", `"bundled"`}},
		{name: "duplicate source is refused",
			file: "sources: [bundled, a.txt, bundled]\n",
			want: []string{`sources (KBOT_SOURCES): lists "bundled" twice`}},

		// Problems found in the file carry its name and line.
		{name: "unknown key names the key, its line and a likely fix",
			file: "embed:\n  provider: local\n  modle: bge\n",
			want: []string{`kbot.yaml:3: unknown key "embed.modle"; did you mean embed.model?`}},
		{name: "known key in the wrong section points to the right one",
			file: "token: abc\n",
			want: []string{`kbot.yaml:1: unknown key "token"; did you mean telegram.token?`}},
		{name: "unknown key far from any known one lists the keys there",
			file: "log:\n  colour: true\n",
			want: []string{`kbot.yaml:2: unknown key "log.colour"; known keys under log: format, level`}},
		{name: "wrong type in the file names key and line",
			file: "\nretrieval:\n  k: many\n",
			want: []string{`kbot.yaml:3: retrieval.k (KBOT_RETRIEVAL_K): "many" is not a whole number`}},
		{name: "bare number as duration in the file is refused",
			file: "telegram:\n  question_timeout: 30\n",
			want: []string{`kbot.yaml:2: telegram.question_timeout (KBOT_TELEGRAM_QUESTION_TIMEOUT): "30" is not a duration`}},
		{name: "scalar where a list belongs is refused",
			file: "sources: bundled\n",
			want: []string{"kbot.yaml:1: sources (KBOT_SOURCES): must be a list"}},
		{name: "list where a value belongs is refused",
			file: "log:\n  level: [debug]\n",
			want: []string{"kbot.yaml:2: log.level (KBOT_LOG_LEVEL): must be a single value"}},
		{name: "nested list item is refused",
			file: "telegram:\n  admins: [[1]]\n",
			want: []string{"kbot.yaml:2: telegram.admins (KBOT_ADMINS): every list item must be a single value"}},
		{name: "scalar where a section belongs is refused",
			file: "log: debug\n",
			want: []string{"kbot.yaml:1: log: must be a group of settings (format, level)"}},
		{name: "key set twice is refused",
			file: "log:\n  level: debug\n  level: info\n",
			want: []string{"kbot.yaml:3: log.level (KBOT_LOG_LEVEL): is set twice"}},
		{name: "top-level list is refused",
			file: "- a\n- b\n",
			want: []string{`kbot.yaml:1: the file must hold settings as "key: value" lines`}},
		{name: "second document is refused",
			file: "log: {level: info}\n---\nlog: {level: debug}\n",
			want: []string{"kbot.yaml:2: the file holds a second YAML document"}},
		{name: "malformed YAML reports its line",
			file: "log:\n  level: debug\n  format: text: json\n",
			want: []string{"kbot.yaml: not valid YAML", "line 3"}},
		{name: "file and environment problems are reported together",
			file: "retrieval:\n  k: many\nbogus: 1\n",
			env:  map[string]string{"KBOT_EMBED_PROVIDER": "foo", "KBOT_ADMINS": "x"},
			want: []string{"retrieval.k (KBOT_RETRIEVAL_K)", `unknown key "bogus"`, "embed.provider (KBOT_EMBED_PROVIDER)", "telegram.admins (KBOT_ADMINS)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			_, err := Load(path, envFrom(tt.env))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			msg := err.Error()
			if path != "" {
				msg = strings.ReplaceAll(msg, path, "kbot.yaml")
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
			for _, h := range tt.hidden {
				if strings.Contains(msg, h) {
					t.Errorf("error reveals %q:\n%s", h, msg)
				}
			}
			assertEveryLineNamesAKey(t, msg)
		})
	}
}

// assertEveryLineNamesAKey checks that each joined problem names a setting
// (or an unknown key, or the file).
func assertEveryLineNamesAKey(t *testing.T, msg string) {
	t.Helper()
	for line := range strings.SplitSeq(msg, "\n") {
		rest := line
		if strings.HasPrefix(rest, "kbot.yaml") {
			continue // file-level problems name the file and line
		}
		named := false
		for _, f := range fields {
			if strings.HasPrefix(rest, f.key+" ("+f.env+"): ") {
				named = true
				break
			}
		}
		if !named {
			t.Errorf("problem does not start with its key and variable: %q", line)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	t.Run("missing file is an error, not silently the defaults", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), nil)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("nil getenv means no environment", func(t *testing.T) {
		c, err := Load("", nil)
		if err != nil || !reflect.DeepEqual(c, Default()) {
			t.Fatalf("Load(\"\", nil) = %+v, %v; want Default(), nil", c, err)
		}
	})
}

func TestRequireTelegram(t *testing.T) {
	c := Default()
	err := c.RequireTelegram()
	if err == nil || !strings.Contains(err.Error(), "KBOT_TELEGRAM_TOKEN") {
		t.Fatalf("without a token: err = %v, want one naming KBOT_TELEGRAM_TOKEN", err)
	}
	c.Telegram.Token = "1:abc"
	if err := c.RequireTelegram(); err != nil {
		t.Fatalf("with a token: %v", err)
	}
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDataDirFallsBackWhenCacheDirUnknown(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if _, err := os.UserCacheDir(); err == nil {
		t.Skip("this platform finds a cache directory without HOME")
	}
	c := Default()
	if c.DataDir != fallbackDataDir {
		t.Fatalf("DataDir = %q, want %q", c.DataDir, fallbackDataDir)
	}
	notices := c.Notices()
	if len(notices) != 1 || !strings.Contains(notices[0], "KBOT_DATA_DIR") {
		t.Fatalf("Notices() = %q, want one naming KBOT_DATA_DIR", notices)
	}
}

func TestDataDirUnderUserCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/cache")
	want := "/cache/kbot"
	if dir, err := os.UserCacheDir(); err != nil || dir != "/cache" {
		want = filepath.Join(dir, "kbot") // not an XDG platform
	}
	if got := Default().DataDir; got != want {
		t.Fatalf("DataDir = %q, want %q", got, want)
	}
	if n := Default().Notices(); len(n) != 0 {
		t.Fatalf("Notices() = %q, want none", n)
	}
}

func TestNoticesIgnoredSettings(t *testing.T) {
	c := Default()
	c.Embed.Model = "bge-m3"
	c.LLM.APIKey = "sk-x"
	got := strings.Join(c.Notices(), "\n")
	for _, want := range []string{"embed.model", "llm.api_key"} {
		if !strings.Contains(got, want) {
			t.Errorf("notices %q do not mention %s", got, want)
		}
	}
	if strings.Contains(got, "sk-x") {
		t.Errorf("notices reveal a secret: %q", got)
	}
}

// TestDefaultRoundTripsThroughYAML checks that the YAML kbot prints for its
// defaults loads back to the same configuration.
func TestDefaultRoundTripsThroughYAML(t *testing.T) {
	want := Default()
	out, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(writeConfig(t, string(out)), nil)
	if err != nil {
		t.Fatalf("Load of marshalled defaults: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip changed the config:\ngot  %+v\nwant %+v\nyaml:\n%s", got, want, out)
	}
}

// TestFieldsCoverConfig checks that the field table and the Config struct
// agree: every YAML leaf of Config has exactly one row, and each row's
// pointer reaches the field its key names.
func TestFieldsCoverConfig(t *testing.T) {
	var c Config
	leaves := map[string]any{} // yaml path -> field address
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			tag := strings.Split(sf.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				t.Errorf("field %s%s has no yaml tag", prefix, sf.Name)
				continue
			}
			fv := v.Field(i)
			if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeFor[time.Duration]() {
				walk(fv, prefix+tag+".")
				continue
			}
			leaves[prefix+tag] = fv.Addr().Interface()
		}
	}
	walk(reflect.ValueOf(&c).Elem(), "")

	envs := map[string]bool{}
	for _, f := range fields {
		addr, ok := leaves[f.key]
		if !ok {
			t.Errorf("table row %q matches no Config field", f.key)
			continue
		}
		if got := f.ptr(&c); reflect.ValueOf(got).Pointer() != reflect.ValueOf(addr).Pointer() || reflect.TypeOf(got) != reflect.TypeOf(addr) {
			t.Errorf("table row %q points at the wrong field", f.key)
		}
		delete(leaves, f.key)
		if envs[f.env] || !strings.HasPrefix(f.env, "KBOT_") {
			t.Errorf("table row %q: environment variable %q is repeated or lacks the KBOT_ prefix", f.key, f.env)
		}
		envs[f.env] = true
		if f.meaning == "" {
			t.Errorf("table row %q has no meaning", f.key)
		}
	}
	for key := range leaves {
		t.Errorf("Config field %q has no table row", key)
	}
}
