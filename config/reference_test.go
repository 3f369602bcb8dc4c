package config

import (
	"strings"
	"testing"
)

func TestReference(t *testing.T) {
	ref := Reference()
	_, table, ok := strings.Cut(ref, "\n\n")
	if !ok {
		t.Fatalf("no blank line between the preamble and the table:\n%s", ref)
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if got, want := len(lines), len(fields)+2; got != want {
		t.Errorf("reference has %d lines, want a header, a rule and %d rows", got, len(fields))
	}
	for _, f := range fields {
		t.Run(f.key+" has a row", func(t *testing.T) {
			row := "| `" + f.key + "` | `" + f.env + "` |"
			if !strings.Contains(ref, row) {
				t.Errorf("no row starting %q in:\n%s", row, ref)
			}
		})
	}
	for _, want := range []string{
		"| `embed.timeout` | `KBOT_EMBED_TIMEOUT` | `30s` |",
		"| `llm.timeout` | `KBOT_LLM_TIMEOUT` | `1m` |",
		"| `telegram.api_url` | `KBOT_TELEGRAM_API_URL` | `https://api.telegram.org` |",
		"| `llm.base_url` | `KBOT_LLM_BASE_URL` | (empty) |",
		"| `telegram.max_document_bytes` | `KBOT_TELEGRAM_MAX_DOCUMENT_BYTES` | `2097152` |",
	} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks %q", want)
		}
	}
	for i, line := range lines {
		if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 5 {
			t.Errorf("line %d has %d cell separators, want 5: %q", i+1, n, line)
		}
	}
}

// TestMinScoreRangeAsDocumented keeps the reference's range for
// retrieval.min_score, "at least 0 and below 1", equal to what Validate
// accepts.
func TestMinScoreRangeAsDocumented(t *testing.T) {
	if !strings.Contains(fieldByKey["retrieval.min_score"].meaning, "at least 0 and below 1") {
		t.Fatalf("the reference no longer states the range this test checks: %q", fieldByKey["retrieval.min_score"].meaning)
	}
	tests := []struct {
		score float64
		ok    bool
	}{
		{-0.01, false}, {0, true}, {0.5, true}, {0.999, true}, {1, false}, {1.5, false},
	}
	for _, tt := range tests {
		c := Default()
		c.Retrieval.MinScore = tt.score
		err := c.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("min_score %v: Validate() = %v, want accepted %v", tt.score, err, tt.ok)
		}
	}
}
