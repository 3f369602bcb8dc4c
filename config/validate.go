package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Validate checks every setting and returns all problems joined, each
// naming the YAML key and environment variable, the bad value (never a
// secret's) and what is allowed. It does not require a Telegram token; see
// [Config.RequireTelegram].
func (c Config) Validate() error {
	var v validator

	v.require(c.DataDir != "", "data_dir", "must not be empty; give a directory kbot may write to")
	if len(c.Sources) == 0 {
		v.add("sources", fmt.Sprintf("must list at least one file or folder; use %q for the built-in issue", BundledSource))
	}
	seen := make(map[string]bool)
	for _, s := range c.Sources {
		switch {
		case strings.TrimSpace(s) == "":
			v.add("sources", "has an empty entry; remove it")
		case seen[s]:
			v.add("sources", fmt.Sprintf("lists %q twice; keep one", s))
		}
		seen[s] = true
	}
	v.listenAddr("http_addr", c.HTTPAddr, true)

	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", c.Log.Format, "text", "json")

	e := c.Embed
	v.oneOf("embed.provider", e.Provider, "local", "openai")
	if e.Provider == "openai" {
		v.require(e.BaseURL != "", "embed.base_url", `is required when embed.provider is "openai"; give the API's base URL, such as "https://api.openai.com/v1"`)
		v.require(e.Model != "", "embed.model", `is required when embed.provider is "openai"; give the model name, such as "text-embedding-3-small"`)
	}
	v.url("embed.base_url", e.BaseURL, false)
	v.secret("embed.api_key", e.APIKey)
	v.atLeast("embed.dims", e.Dims, 0)
	v.atLeast("embed.batch_size", e.BatchSize, 1)
	v.atLeast("embed.concurrency", e.Concurrency, 1)
	v.positive("embed.timeout", e.Timeout)
	v.atLeast("embed.max_retries", e.MaxRetries, 0)

	if c.Record.Retention < 24*time.Hour {
		v.add("record.retention", fmt.Sprintf("%v is too short; keep questions at least 24h", c.Record.Retention))
	}
	if _, err := time.LoadLocation(c.Record.Timezone); err != nil || c.Record.Timezone == "" {
		v.add("record.timezone", fmt.Sprintf("%q is not a known time zone; use an IANA name such as Asia/Shanghai", c.Record.Timezone))
	}

	r := c.Retrieval
	v.atLeast("retrieval.k", r.K, 1)
	v.atLeast("retrieval.chunk_size", r.ChunkSize, 1)
	v.atLeast("retrieval.chunk_overlap", r.ChunkOverlap, 0)
	if r.ChunkOverlap > 0 && r.ChunkSize > 0 && r.ChunkOverlap >= r.ChunkSize {
		v.add("retrieval.chunk_overlap", fmt.Sprintf("%d is not allowed; it must be less than retrieval.chunk_size (%d)", r.ChunkOverlap, r.ChunkSize))
	}
	if r.MinScore < 0 || r.MinScore >= 1 {
		v.add("retrieval.min_score", fmt.Sprintf("%s is not allowed; use a number from 0 up to (not including) 1, or 0 for the built-in threshold", fmtFloat(r.MinScore)))
	}

	l := c.LLM
	v.url("llm.base_url", l.BaseURL, false)
	if l.Enabled() {
		v.require(l.Model != "", "llm.model", `is required when llm.base_url is set; give the chat model's name`)
	}
	v.secret("llm.api_key", l.APIKey)
	if l.Temperature < 0 || l.Temperature > 2 {
		v.add("llm.temperature", fmt.Sprintf("%s is not allowed; use a number from 0 to 2", fmtFloat(l.Temperature)))
	}
	v.atLeast("llm.max_tokens", l.MaxTokens, 1)
	v.positive("llm.timeout", l.Timeout)
	v.atLeast("llm.max_retries", l.MaxRetries, 0)
	v.positive("llm.retry_budget", l.RetryBudget)
	v.positive("llm.first_token_timeout", l.FirstTokenTimeout)
	if l.FirstTokenTimeout > l.Timeout && l.Timeout > 0 {
		v.add("llm.first_token_timeout", fmt.Sprintf("%q is not allowed; it must not exceed llm.timeout (%s), which bounds the whole request", formatDuration(l.FirstTokenTimeout), formatDuration(l.Timeout)))
	}
	v.atLeast("llm.breaker_failures", l.BreakerFailures, 0)
	v.positive("llm.breaker_cooldown", l.BreakerCooldown)

	t := c.Telegram
	if t.Token != "" && strings.ContainsFunc(t.Token.Reveal(), func(r rune) bool {
		return r == '/' || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		v.add("telegram.token", `the value contains a space, a line break or "/", which a bot token never has; copy the token from @BotFather again`)
	}
	v.url("telegram.api_url", t.APIURL, false)
	v.require(t.APIURL != "", "telegram.api_url", `must not be empty; the public Bot API is "https://api.telegram.org"`)
	v.ids("telegram.admins", t.Admins, true)
	v.ids("telegram.allowed_chats", t.AllowedChats, false)
	v.ids("telegram.allowed_users", t.AllowedUsers, true)
	v.atLeast("telegram.rate_limit", t.RateLimit, 1)
	v.atLeast("telegram.rate_burst", t.RateBurst, 1)
	v.atLeast("telegram.max_concurrent", t.MaxConcurrent, 1)
	v.positive("telegram.question_timeout", t.QuestionTimeout)
	if t.MaxDocumentBytes < 1 {
		v.add("telegram.max_document_bytes", fmt.Sprintf("%d is not allowed; use a size in bytes of at least 1, such as 2097152 for 2 MiB", t.MaxDocumentBytes))
	}
	if t.PollTimeout < time.Second || t.PollTimeout%time.Second != 0 {
		v.add("telegram.poll_timeout", fmt.Sprintf("%q is not allowed; the Bot API counts whole seconds, so use at least \"1s\", such as \"30s\"", formatDuration(t.PollTimeout)))
	}

	wh := t.Webhook
	v.url("telegram.webhook.url", wh.URL, true)
	if wh.Enabled() {
		v.require(wh.Listen != "", "telegram.webhook.listen", `is required when telegram.webhook.url is set; give the address to listen on, such as ":8443"`)
		v.require(wh.SecretToken != "", "telegram.webhook.secret_token", "is required when telegram.webhook.url is set, so that only Telegram can post updates; use 1 to 256 of A-Z a-z 0-9 _ -")
	}
	v.listenAddr("telegram.webhook.listen", wh.Listen, true)
	if wh.SecretToken != "" && !validWebhookSecret(wh.SecretToken.Reveal()) {
		v.add("telegram.webhook.secret_token", "the value is not allowed; Telegram accepts 1 to 256 of A-Z a-z 0-9 _ -")
	}
	if wh.Listen != "" && wh.Listen == c.HTTPAddr && !strings.HasSuffix(wh.Listen, ":0") {
		v.add("telegram.webhook.listen", fmt.Sprintf("%q is also http_addr (KBOT_HTTP_ADDR); give the webhook its own address", wh.Listen))
	}

	return errors.Join(v.errs...)
}

// RequireTelegram reports a missing bot token, which only serving Telegram
// needs. Call it after Load, before starting the bot.
func (c Config) RequireTelegram() error {
	if c.Telegram.Token == "" {
		return &problem{key: "telegram.token", msg: "is required to serve Telegram; set KBOT_TELEGRAM_TOKEN (or telegram.token in the file) to the token from @BotFather"}
	}
	return nil
}

type validator struct{ errs []error }

func (v *validator) add(key, msg string) {
	v.errs = append(v.errs, &problem{key: key, msg: msg})
}

func (v *validator) require(ok bool, key, msg string) {
	if !ok {
		v.add(key, msg)
	}
}

func (v *validator) oneOf(key, val string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	list := strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
	v.add(key, fmt.Sprintf("%q is not allowed; use %s", val, list))
}

func (v *validator) atLeast(key string, val, least int) {
	if val < least {
		v.add(key, fmt.Sprintf("%d is not allowed; use a whole number of at least %d", val, least))
	}
}

func (v *validator) positive(key string, d time.Duration) {
	if d <= 0 {
		v.add(key, fmt.Sprintf("%q is not allowed; use a duration above zero, such as \"30s\"", formatDuration(d)))
	}
}

// url checks an optional base URL: http or https with a host, or https
// only when httpsOnly.
func (v *validator) url(key, raw string, httpsOnly bool) {
	if raw == "" {
		return
	}
	want := `an http:// or https:// URL with a host, such as "https://api.example.com/v1"`
	if httpsOnly {
		want = `an https:// URL with a host, such as "https://bot.example.com/telegram"`
	}
	u, err := url.Parse(raw)
	if err != nil {
		shown := strconv.Quote(raw)
		if strings.Contains(raw, "@") {
			shown = "the value" // may hold a password
		}
		v.add(key, fmt.Sprintf("%s is not a URL; use %s", shown, want))
		return
	}
	if u.User != nil {
		v.add(key, "must not hold a user name or password; put credentials in the matching api_key or token setting")
		return
	}
	ok := (u.Scheme == "https" || (u.Scheme == "http" && !httpsOnly)) && u.Host != "" && u.Hostname() != ""
	if !ok {
		v.add(key, fmt.Sprintf("%q is not allowed; use %s", raw, want))
	}
}

// listenAddr checks a host:port listen address; an empty one is allowed
// when optional.
func (v *validator) listenAddr(key, addr string, optional bool) {
	if addr == "" && optional {
		return
	}
	bad := func() {
		v.add(key, fmt.Sprintf(`%q is not a listen address; use host:port with a port from 0 to 65535, such as "127.0.0.1:8080" or ":8080"`, addr))
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		bad()
		return
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		bad()
		return
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		bad()
	}
}

// ids checks Telegram IDs: user IDs are positive; chat IDs are non-zero
// (groups are negative).
func (v *validator) ids(key string, ids []int64, users bool) {
	for _, id := range ids {
		switch {
		case users && id <= 0:
			v.add(key, fmt.Sprintf("%d is not a user ID; user IDs are positive whole numbers", id))
		case id == 0:
			v.add(key, "0 is not a chat ID; chat IDs are non-zero whole numbers (groups are negative)")
		}
	}
}

// secret checks an API key without ever quoting it.
func (v *validator) secret(key string, s Secret) {
	if strings.ContainsFunc(s.Reveal(), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		v.add(key, "the value contains a space or a line break, which an API key never has; copy the key again")
	}
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

func validWebhookSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
