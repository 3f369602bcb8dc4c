package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// field describes one setting. The table below is the single source for the
// YAML reader, the environment overrides and Reference.
type field struct {
	key     string // YAML path, dot-separated
	env     string
	meaning string
	// def replaces the default shown by Reference when the real default
	// depends on the machine.
	def string
	// ptr returns a pointer to the setting in c: *string, *Secret, *int,
	// *int64, *float64, *bool, *time.Duration, *[]string or *[]int64.
	ptr func(c *Config) any
}

var fields = []field{
	{key: "data_dir", env: "KBOT_DATA_DIR", def: "`<user cache dir>/kbot` (or `./.kbot-data` if unknown)",
		meaning: "Directory for the index, the embedding cache and uploaded documents.",
		ptr:     func(c *Config) any { return &c.DataDir }},
	{key: "sources", env: "KBOT_SOURCES",
		meaning: "Files or folders to load (comma-separated in the environment); `bundled` is the issue built into kbot.",
		ptr:     func(c *Config) any { return &c.Sources }},
	{key: "http_addr", env: "KBOT_HTTP_ADDR",
		meaning: "Listen address of the operations endpoint (`/healthz`, `/readyz`, `/metrics`); port 0 picks a free port; empty turns it off.",
		ptr:     func(c *Config) any { return &c.HTTPAddr }},

	{key: "log.level", env: "KBOT_LOG_LEVEL",
		meaning: "Least severe level logged: `debug`, `info`, `warn` or `error`.",
		ptr:     func(c *Config) any { return &c.Log.Level }},
	{key: "log.format", env: "KBOT_LOG_FORMAT",
		meaning: "Log format: `text` or `json`.",
		ptr:     func(c *Config) any { return &c.Log.Format }},

	{key: "embed.provider", env: "KBOT_EMBED_PROVIDER",
		meaning: "Embedding provider: `local` (offline, built in) or `openai` (any OpenAI-compatible API).",
		ptr:     func(c *Config) any { return &c.Embed.Provider }},
	{key: "embed.base_url", env: "KBOT_EMBED_BASE_URL",
		meaning: "Base URL of the embedding API; required for `openai`.",
		ptr:     func(c *Config) any { return &c.Embed.BaseURL }},
	{key: "embed.model", env: "KBOT_EMBED_MODEL",
		meaning: "Embedding model name; required for `openai`.",
		ptr:     func(c *Config) any { return &c.Embed.Model }},
	{key: "embed.api_key", env: "KBOT_EMBED_API_KEY",
		meaning: "API key for the embedding API (secret).",
		ptr:     func(c *Config) any { return &c.Embed.APIKey }},
	{key: "embed.dims", env: "KBOT_EMBED_DIMS",
		meaning: "Vector dimensions to request; 0 = the model's default.",
		ptr:     func(c *Config) any { return &c.Embed.Dims }},
	{key: "embed.batch_size", env: "KBOT_EMBED_BATCH_SIZE",
		meaning: "Texts sent per embedding request.",
		ptr:     func(c *Config) any { return &c.Embed.BatchSize }},
	{key: "embed.concurrency", env: "KBOT_EMBED_CONCURRENCY",
		meaning: "Embedding requests in flight at once during ingest.",
		ptr:     func(c *Config) any { return &c.Embed.Concurrency }},
	{key: "embed.timeout", env: "KBOT_EMBED_TIMEOUT",
		meaning: "Time limit for one embedding request (Go duration such as `30s`).",
		ptr:     func(c *Config) any { return &c.Embed.Timeout }},
	{key: "embed.max_retries", env: "KBOT_EMBED_MAX_RETRIES",
		meaning: "Retries of a failed embedding request; 0 = no retry.",
		ptr:     func(c *Config) any { return &c.Embed.MaxRetries }},

	{key: "retrieval.k", env: "KBOT_RETRIEVAL_K",
		meaning: "Passages retrieved per question.",
		ptr:     func(c *Config) any { return &c.Retrieval.K }},
	{key: "retrieval.chunk_size", env: "KBOT_RETRIEVAL_CHUNK_SIZE",
		meaning: "Largest chunk, in characters.",
		ptr:     func(c *Config) any { return &c.Retrieval.ChunkSize }},
	{key: "retrieval.chunk_overlap", env: "KBOT_RETRIEVAL_CHUNK_OVERLAP",
		meaning: "Characters shared by neighbouring chunks; less than `chunk_size`.",
		ptr:     func(c *Config) any { return &c.Retrieval.ChunkOverlap }},
	{key: "retrieval.min_score", env: "KBOT_RETRIEVAL_MIN_SCORE",
		meaning: "Score below which kbot declines to answer: at least 0 and below 1; 0 = the built-in calibrated threshold.",
		ptr:     func(c *Config) any { return &c.Retrieval.MinScore }},

	{key: "llm.base_url", env: "KBOT_LLM_BASE_URL",
		meaning: "Base URL of an OpenAI-compatible chat API; empty = no LLM, answers quote the passages.",
		ptr:     func(c *Config) any { return &c.LLM.BaseURL }},
	{key: "llm.model", env: "KBOT_LLM_MODEL",
		meaning: "Chat model name; required with `llm.base_url`.",
		ptr:     func(c *Config) any { return &c.LLM.Model }},
	{key: "llm.api_key", env: "KBOT_LLM_API_KEY",
		meaning: "API key for the chat API (secret).",
		ptr:     func(c *Config) any { return &c.LLM.APIKey }},
	{key: "llm.temperature", env: "KBOT_LLM_TEMPERATURE",
		meaning: "Sampling temperature from 0 to 2; 0 = most deterministic.",
		ptr:     func(c *Config) any { return &c.LLM.Temperature }},
	{key: "llm.max_tokens", env: "KBOT_LLM_MAX_TOKENS",
		meaning: "Most tokens in one generated answer.",
		ptr:     func(c *Config) any { return &c.LLM.MaxTokens }},
	{key: "llm.timeout", env: "KBOT_LLM_TIMEOUT",
		meaning: "Time limit for one chat request.",
		ptr:     func(c *Config) any { return &c.LLM.Timeout }},
	{key: "llm.max_retries", env: "KBOT_LLM_MAX_RETRIES",
		meaning: "Retries of a failed chat request; 0 = no retry.",
		ptr:     func(c *Config) any { return &c.LLM.MaxRetries }},
	{key: "llm.retry_budget", env: "KBOT_LLM_RETRY_BUDGET",
		meaning: "How long after a question's first chat request a retry may still start; later failures go straight to the quoted answer.",
		ptr:     func(c *Config) any { return &c.LLM.RetryBudget }},
	{key: "llm.first_token_timeout", env: "KBOT_LLM_FIRST_TOKEN_TIMEOUT",
		meaning: "Time limit for the first token of a streamed answer; at most `llm.timeout`, which bounds the whole request.",
		ptr:     func(c *Config) any { return &c.LLM.FirstTokenTimeout }},
	{key: "llm.breaker_failures", env: "KBOT_LLM_BREAKER_FAILURES",
		meaning: "Calls to the chat model that failed in a row (each after its retries; a follow-up question makes two) after which kbot stops asking the model and quotes the passages at once; 0 = never stop.",
		ptr:     func(c *Config) any { return &c.LLM.BreakerFailures }},
	{key: "llm.breaker_cooldown", env: "KBOT_LLM_BREAKER_COOLDOWN",
		meaning: "How long kbot quotes the passages after the model failed `llm.breaker_failures` times in a row, before one question tries the model again.",
		ptr:     func(c *Config) any { return &c.LLM.BreakerCooldown }},
	{key: "llm.system_prompt", env: "KBOT_LLM_SYSTEM_PROMPT",
		meaning: "Replaces the built-in system prompt; empty = built-in.",
		ptr:     func(c *Config) any { return &c.LLM.SystemPrompt }},
	{key: "llm.stream", env: "KBOT_LLM_STREAM",
		meaning: "Stream answers as they are generated (`true` or `false`).",
		ptr:     func(c *Config) any { return &c.LLM.Stream }},

	{key: "telegram.token", env: "KBOT_TELEGRAM_TOKEN",
		meaning: "Bot token from @BotFather (secret); required by `kbot serve`.",
		ptr:     func(c *Config) any { return &c.Telegram.Token }},
	{key: "telegram.api_url", env: "KBOT_TELEGRAM_API_URL",
		meaning: "Bot API server.",
		ptr:     func(c *Config) any { return &c.Telegram.APIURL }},
	{key: "telegram.admins", env: "KBOT_ADMINS",
		meaning: "User IDs allowed to reload the knowledge base (comma-separated in the environment).",
		ptr:     func(c *Config) any { return &c.Telegram.Admins }},
	{key: "telegram.allowed_chats", env: "KBOT_ALLOWED_CHATS",
		meaning: "Chat IDs the bot answers in; empty = every chat.",
		ptr:     func(c *Config) any { return &c.Telegram.AllowedChats }},
	{key: "telegram.allowed_users", env: "KBOT_ALLOWED_USERS",
		meaning: "User IDs the bot answers; empty = everyone.",
		ptr:     func(c *Config) any { return &c.Telegram.AllowedUsers }},
	{key: "telegram.rate_limit", env: "KBOT_TELEGRAM_RATE_LIMIT",
		meaning: "Questions per minute per user.",
		ptr:     func(c *Config) any { return &c.Telegram.RateLimit }},
	{key: "telegram.rate_burst", env: "KBOT_TELEGRAM_RATE_BURST",
		meaning: "Questions a user may ask at once before the rate limit applies.",
		ptr:     func(c *Config) any { return &c.Telegram.RateBurst }},
	{key: "telegram.max_concurrent", env: "KBOT_TELEGRAM_MAX_CONCURRENT",
		meaning: "Answers prepared at once across all chats.",
		ptr:     func(c *Config) any { return &c.Telegram.MaxConcurrent }},
	{key: "telegram.question_timeout", env: "KBOT_TELEGRAM_QUESTION_TIMEOUT",
		meaning: "Time limit for answering one question.",
		ptr:     func(c *Config) any { return &c.Telegram.QuestionTimeout }},
	{key: "telegram.max_document_bytes", env: "KBOT_TELEGRAM_MAX_DOCUMENT_BYTES",
		meaning: "Largest document an admin may upload, in bytes (default 2 MiB).",
		ptr:     func(c *Config) any { return &c.Telegram.MaxDocumentBytes }},
	{key: "telegram.poll_timeout", env: "KBOT_TELEGRAM_POLL_TIMEOUT",
		meaning: "Long-polling wait per getUpdates request, in whole seconds.",
		ptr:     func(c *Config) any { return &c.Telegram.PollTimeout }},
	{key: "telegram.webhook.url", env: "KBOT_WEBHOOK_URL",
		meaning: "Public HTTPS URL Telegram posts updates to; empty = long polling.",
		ptr:     func(c *Config) any { return &c.Telegram.Webhook.URL }},
	{key: "telegram.webhook.listen", env: "KBOT_WEBHOOK_LISTEN",
		meaning: "Listen address of the webhook server; required with a webhook URL.",
		ptr:     func(c *Config) any { return &c.Telegram.Webhook.Listen }},
	{key: "telegram.webhook.secret_token", env: "KBOT_WEBHOOK_SECRET",
		meaning: "Secret Telegram sends with each update (1–256 of `A-Z a-z 0-9 _ -`); required with a webhook URL.",
		ptr:     func(c *Config) any { return &c.Telegram.Webhook.SecretToken }},

	{key: "record.retention", env: "KBOT_RECORD_RETENTION",
		meaning: "How long `kbot serve` keeps a question and its votes for `/gaps`, `/stats` and `kbot report` (at least `24h`; default 180 days).",
		ptr:     func(c *Config) any { return &c.Record.Retention }},
	{key: "record.timezone", env: "KBOT_RECORD_TIMEZONE",
		meaning: "Time zone whose days and weeks the usage figures count in (an IANA name).",
		ptr:     func(c *Config) any { return &c.Record.Timezone }},
}

// fieldByKey indexes fields by YAML key; sections holds every key prefix
// that names a mapping (log, telegram, telegram.webhook, …).
var fieldByKey, sections = func() (map[string]*field, map[string]bool) {
	byKey := make(map[string]*field, len(fields))
	secs := make(map[string]bool)
	for i := range fields {
		f := &fields[i]
		byKey[f.key] = f
		for j := strings.LastIndexByte(f.key, '.'); j > 0; j = strings.LastIndexByte(f.key[:j], '.') {
			secs[f.key[:j]] = true
		}
	}
	return byKey, secs
}()

// envOf returns the environment variable for a YAML key.
func envOf(key string) string {
	if f, ok := fieldByKey[key]; ok {
		return f.env
	}
	return ""
}

// Reference returns the configuration reference as Markdown: a sentence on
// precedence and syntax, then a table with one row per setting (YAML key,
// environment variable, default, meaning).
func Reference() string {
	var b strings.Builder
	b.WriteString("Settings come from the defaults below, then the YAML file, then environment variables; " +
		"a variable overrides only when set to a non-empty value. " +
		"In the environment, lists are comma-separated. Durations use Go syntax, such as `30s` or `1m30s`.\n\n")
	b.WriteString("| YAML key | Environment variable | Default | Meaning |\n")
	b.WriteString("|---|---|---|---|\n")
	def := Default()
	for _, f := range fields {
		d := f.def
		if d == "" {
			d = formatDefault(f.ptr(&def))
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", f.key, f.env, cell(d), cell(f.meaning))
	}
	return b.String()
}

// cell keeps text from breaking a Markdown table row.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func formatDefault(p any) string {
	const empty = "(empty)"
	var s string
	switch p := p.(type) {
	case *string:
		s = *p
	case *Secret:
		s = p.String()
	case *int:
		s = strconv.Itoa(*p)
	case *int64:
		s = strconv.FormatInt(*p, 10)
	case *float64:
		s = strconv.FormatFloat(*p, 'g', -1, 64)
	case *bool:
		s = strconv.FormatBool(*p)
	case *time.Duration:
		s = formatDuration(*p)
	case *[]string:
		s = strings.Join(*p, ",")
	case *[]int64:
		parts := make([]string, len(*p))
		for i, v := range *p {
			parts[i] = strconv.FormatInt(v, 10)
		}
		s = strings.Join(parts, ",")
	default:
		panic(fmt.Sprintf("config: field of unsupported type %T", p))
	}
	if s == "" {
		return empty
	}
	return "`" + s + "`"
}

// formatDuration drops the zero tails time.Duration.String leaves ("1m0s").
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
