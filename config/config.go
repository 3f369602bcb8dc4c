package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// BundledSource is the entry in Config.Sources that stands for the issue
// built into the binary.
const BundledSource = "bundled"

// fallbackDataDir is used when the user cache directory is unknown
// (for example HOME unset in a minimal container).
const fallbackDataDir = "./.kbot-data"

// Config is kbot's complete configuration. The zero value is not useful:
// start from [Default] or [Load]. See [Reference] for what each field means.
type Config struct {
	DataDir   string          `yaml:"data_dir"`
	Sources   []string        `yaml:"sources"`
	HTTPAddr  string          `yaml:"http_addr"`
	Log       LogConfig       `yaml:"log"`
	Embed     EmbedConfig     `yaml:"embed"`
	Retrieval RetrievalConfig `yaml:"retrieval"`
	LLM       LLMConfig       `yaml:"llm"`
	Telegram  TelegramConfig  `yaml:"telegram"`
	Record    RecordConfig    `yaml:"record"`
}

// RecordConfig tunes the record of questions and votes kbot serve keeps
// for /gaps, /stats and kbot report.
type RecordConfig struct {
	// Retention is how long a question and its votes are kept.
	Retention time.Duration `yaml:"retention"`
	// Timezone names the zone whose days and weeks the figures count in
	// (an IANA name such as Asia/Shanghai).
	Timezone string `yaml:"timezone"`
}

// LogConfig chooses how kbot logs.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}

// EmbedConfig chooses and tunes the embedding provider.
type EmbedConfig struct {
	Provider    string        `yaml:"provider"` // local or openai
	BaseURL     string        `yaml:"base_url"`
	Model       string        `yaml:"model"`
	APIKey      Secret        `yaml:"api_key"`
	Dims        int           `yaml:"dims"` // 0 = the model's default
	BatchSize   int           `yaml:"batch_size"`
	Concurrency int           `yaml:"concurrency"`
	Timeout     time.Duration `yaml:"timeout"`
	MaxRetries  int           `yaml:"max_retries"`
}

// RetrievalConfig sizes chunks and searches.
type RetrievalConfig struct {
	K            int `yaml:"k"`
	ChunkSize    int `yaml:"chunk_size"`    // characters (runes)
	ChunkOverlap int `yaml:"chunk_overlap"` // characters (runes), less than ChunkSize
	// MinScore is the score below which kbot refuses to answer.
	// 0 means "use the built-in calibrated threshold"; any other value in
	// (0, 1) replaces it.
	MinScore float64 `yaml:"min_score"`
}

// LLMConfig points kbot at an OpenAI-compatible chat completion API.
// An empty BaseURL means no LLM: answers are extractive.
type LLMConfig struct {
	BaseURL      string        `yaml:"base_url"`
	Model        string        `yaml:"model"`
	APIKey       Secret        `yaml:"api_key"`
	Temperature  float64       `yaml:"temperature"` // 0 is allowed and means deterministic
	MaxTokens    int           `yaml:"max_tokens"`
	Timeout      time.Duration `yaml:"timeout"`
	MaxRetries   int           `yaml:"max_retries"`
	SystemPrompt string        `yaml:"system_prompt"` // empty = built-in prompt
	Stream       bool          `yaml:"stream"`
	// FirstTokenTimeout bounds the wait for a streamed answer's first
	// token; Timeout bounds the whole request.
	FirstTokenTimeout time.Duration `yaml:"first_token_timeout"`
	// RetryBudget is how long after a question's first request a retry
	// may still start.
	RetryBudget time.Duration `yaml:"retry_budget"`
	// BreakerFailures failed model calls in a row stop kbot asking the
	// model for BreakerCooldown; 0 = never.
	BreakerFailures int           `yaml:"breaker_failures"`
	BreakerCooldown time.Duration `yaml:"breaker_cooldown"`
}

// Enabled reports whether an LLM is configured.
func (l LLMConfig) Enabled() bool { return l.BaseURL != "" }

// TelegramConfig configures the Telegram bot.
type TelegramConfig struct {
	Token  Secret `yaml:"token"`
	APIURL string `yaml:"api_url"`
	// Admins may reload the knowledge base. AllowedChats and AllowedUsers
	// restrict who may ask; empty means everyone.
	Admins           []int64       `yaml:"admins"`
	AllowedChats     []int64       `yaml:"allowed_chats"`
	AllowedUsers     []int64       `yaml:"allowed_users"`
	RateLimit        int           `yaml:"rate_limit"` // questions per minute per user
	RateBurst        int           `yaml:"rate_burst"`
	MaxConcurrent    int           `yaml:"max_concurrent"`
	QuestionTimeout  time.Duration `yaml:"question_timeout"`
	MaxDocumentBytes int64         `yaml:"max_document_bytes"`
	PollTimeout      time.Duration `yaml:"poll_timeout"`
	Webhook          WebhookConfig `yaml:"webhook"`
}

// WebhookConfig switches the bot from long polling to a webhook.
type WebhookConfig struct {
	URL         string `yaml:"url"` // empty = long polling
	Listen      string `yaml:"listen"`
	SecretToken Secret `yaml:"secret_token"`
}

// Enabled reports whether updates arrive by webhook rather than long polling.
func (w WebhookConfig) Enabled() bool { return w.URL != "" }

// Default returns the built-in configuration: the bundled issue, the offline
// embedder, no LLM, no Telegram token, logging at info as text, and a data
// directory under the user's cache directory (or ./.kbot-data when that is
// unknown; see [Config.Notices]).
func Default() Config {
	return Config{
		DataDir:  defaultDataDir(),
		Sources:  []string{BundledSource},
		HTTPAddr: "127.0.0.1:8080",
		Log:      LogConfig{Level: "info", Format: "text"},
		Embed: EmbedConfig{
			Provider:    "local",
			BatchSize:   64,
			Concurrency: 4,
			Timeout:     30 * time.Second,
			MaxRetries:  4,
		},
		Retrieval: RetrievalConfig{K: 5, ChunkSize: 300, ChunkOverlap: 60},
		LLM: LLMConfig{
			Temperature: 0.2,
			MaxTokens:   800,
			Timeout:     60 * time.Second,
			MaxRetries:  3,
			Stream:      true,

			FirstTokenTimeout: 10 * time.Second,
			RetryBudget:       5 * time.Second,
			BreakerFailures:   5,
			BreakerCooldown:   30 * time.Second,
		},
		Telegram: TelegramConfig{
			APIURL:           "https://api.telegram.org",
			RateLimit:        10,
			RateBurst:        5,
			MaxConcurrent:    8,
			QuestionTimeout:  30 * time.Second,
			MaxDocumentBytes: 2 << 20,
			PollTimeout:      30 * time.Second,
		},
		Record: RecordConfig{Retention: 180 * 24 * time.Hour, Timezone: "Asia/Shanghai"},
	}
}

func defaultDataDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return fallbackDataDir
	}
	return filepath.Join(dir, "kbot")
}

// Load builds the configuration: [Default], then the YAML file at path (""
// means no file; a path that cannot be read is an error), then environment
// overrides looked up with getenv (pass os.Getenv; a variable overrides only
// when non-empty), then [Config.Validate].
//
// On error, Load returns every problem it found joined into one error, each
// naming its key; the returned Config is then not fit to use.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	var errs []error
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("read config file: %w", err)
		}
		if err := decodeYAML(path, data, &c); err != nil {
			// A file that is not YAML at all leaves nothing to check.
			if errors.Is(err, errSyntax) {
				return c, err
			}
			errs = append(errs, err)
		}
	}
	if getenv != nil {
		errs = append(errs, applyEnv(getenv, &c))
	}
	if err := errors.Join(errs...); err != nil {
		// Settings that failed to parse kept their defaults; validating the
		// rest still reports every other problem in one go.
		return c, errors.Join(err, c.Validate())
	}
	return c, c.Validate()
}

// Notices returns things an operator should know about a valid
// configuration that are not errors, as sentences ready to log at warn level.
func (c Config) Notices() []string {
	var out []string
	if c.DataDir == fallbackDataDir {
		if _, err := os.UserCacheDir(); err != nil {
			out = append(out, fmt.Sprintf("data_dir is %s, under the working directory, because the user cache directory is unknown (%v); set data_dir or KBOT_DATA_DIR to keep data in a fixed place", fallbackDataDir, err))
		}
	}
	if c.Embed.Provider == "local" && (c.Embed.BaseURL != "" || c.Embed.Model != "" || c.Embed.APIKey != "") {
		out = append(out, `embed.base_url, embed.model and embed.api_key are ignored because embed.provider is "local"`)
	}
	if !c.LLM.Enabled() && (c.LLM.Model != "" || c.LLM.APIKey != "") {
		out = append(out, "llm.model and llm.api_key are ignored because llm.base_url is empty; answers are extractive")
	}
	return out
}

// SlogLevel returns the level as a slog.Level; an unknown level (which
// Validate rejects) gives slog.LevelInfo.
func (l LogConfig) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Handler returns a slog handler writing to w in the configured format and
// level.
func (l LogConfig) Handler(w io.Writer) slog.Handler {
	opts := &slog.HandlerOptions{Level: l.SlogLevel()}
	if l.Format == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}
