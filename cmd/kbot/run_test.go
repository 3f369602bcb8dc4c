package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kbot runs the command in-process with a private data directory and an
// environment holding only env.
func kbot(t *testing.T, data string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	all := append([]string{"--data-dir", data}, args...)
	code = run(context.Background(), all, strings.NewReader(""), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func TestAskJSONHasCitedAnswer(t *testing.T) {
	data := t.TempDir()
	code, out, errs := kbot(t, data, nil, "ask", "--json", "三梁村养猪一年净赚多少？")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var ans struct {
		Answer    string `json:"answer"`
		Refused   bool   `json:"refused"`
		Citations []struct {
			N         int    `json:"n"`
			ArticleID string `json:"article_id"`
			Title     string `json:"title"`
			Author    string `json:"author"`
			Text      string `json:"text"`
		} `json:"citations"`
	}
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if ans.Refused || len(ans.Citations) == 0 || !strings.Contains(ans.Answer, "[1]") {
		t.Fatalf("answer = %+v", ans)
	}
	c := ans.Citations[0]
	if c.N != 1 || c.ArticleID == "" || c.Title == "" || c.Author == "" || c.Text == "" {
		t.Fatalf("citation lacks fields: %+v", c)
	}
	if !strings.Contains(ans.Answer+c.Text, "1000") {
		t.Errorf("answer does not reach the figure asked for: %q", ans.Answer)
	}
}

func TestAskTextNamesSources(t *testing.T) {
	code, out, errs := kbot(t, t.TempDir(), nil, "ask", "幸福里社区的“五位一体”具体指哪五个？")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "来源：") || !strings.Contains(out, "》— ") {
		t.Fatalf("no source list 《标题》— 作者 in:\n%s", out)
	}
}

func TestSearchArticlesChunksJSON(t *testing.T) {
	data := t.TempDir()
	code, out, errs := kbot(t, data, nil, "search", "--json", "-k", "3", "--region", "永吉", "人才")
	if code != 0 {
		t.Fatalf("search exit %d: %s", code, errs)
	}
	var sr struct {
		Query   string `json:"query"`
		Results []struct {
			Rank   int     `json:"rank"`
			Score  float64 `json:"score"`
			Region string  `json:"region"`
			Text   string  `json:"text"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &sr); err != nil {
		t.Fatal(err)
	}
	if sr.Query != "人才" || len(sr.Results) != 3 {
		t.Fatalf("search = %+v", sr)
	}
	for _, r := range sr.Results {
		if !strings.Contains(r.Region, "永吉县") {
			t.Errorf("region filter let through %q", r.Region)
		}
	}

	code, out, errs = kbot(t, data, nil, "articles", "--json")
	if code != 0 {
		t.Fatalf("articles exit %d: %s", code, errs)
	}
	var arts []struct {
		ID      string   `json:"id"`
		Title   string   `json:"title"`
		Author  string   `json:"author"`
		Regions []string `json:"regions"`
		Chars   int      `json:"chars"`
	}
	if err := json.Unmarshal([]byte(out), &arts); err != nil {
		t.Fatal(err)
	}
	if len(arts) < 15 || arts[0].ID == "" || arts[0].Chars == 0 {
		t.Fatalf("articles = %+v", arts)
	}

	code, out, errs = kbot(t, data, nil, "chunks", "--json", "--article", arts[len(arts)-1].ID)
	if code != 0 {
		t.Fatalf("chunks exit %d: %s", code, errs)
	}
	var chunks []struct {
		ID        string `json:"id"`
		ArticleID string `json:"article_id"`
		Text      string `json:"text"`
	}
	if err := json.Unmarshal([]byte(out), &chunks); err != nil {
		t.Fatal(err)
	}
	if len(chunks) == 0 {
		t.Fatal("no chunks for the last article")
	}
	for _, c := range chunks {
		if c.ArticleID != arts[len(arts)-1].ID {
			t.Fatalf("chunk of article %s listed for %s", c.ArticleID, arts[len(arts)-1].ID)
		}
	}
}

func TestEvalReportsMetrics(t *testing.T) {
	dir := t.TempDir()
	qs := filepath.Join(dir, "q.jsonl")
	lines := `{"id":"a","question":"三梁村养猪一年净赚多少？","kind":"fact","evidence":"实现净利润 1000 万元"}
{"id":"b","question":"长春市今年出台了哪些人才政策？","kind":"negative","evidence":""}
`
	if err := os.WriteFile(qs, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := kbot(t, t.TempDir(), nil, "eval", "--questions", qs, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Summary struct {
			HitAtK           float64 `json:"hit_at_k"`
			MRR              float64 `json:"mrr"`
			NegativesRefused float64 `json:"negatives_refused"`
		} `json:"summary"`
		Questions []struct {
			ID      string            `json:"id"`
			Refused bool              `json:"refused"`
			Results []json.RawMessage `json:"results"`
		} `json:"questions"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Summary.HitAtK != 1 || res.Summary.NegativesRefused != 1 || len(res.Questions) != 2 {
		t.Fatalf("eval = %+v", res)
	}
}

func TestBadInputsGetClearMessages(t *testing.T) {
	dir := t.TempDir()
	gbkish := filepath.Join(dir, "bad")
	if err := os.MkdirAll(gbkish, 0o755); err != nil {
		t.Fatal(err)
	}
	// Invalid UTF-8 that is not GB18030 text either.
	if err := os.WriteFile(filepath.Join(gbkish, "x.txt"), []byte{0xff, 0xfe, 0x00, 0x81, 0x30, 0xc0}, 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good")
	if err := os.MkdirAll(good, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(good, "a.md"), []byte("# 好文章\n\n蛟河市开展石材产业培训。"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(good, "empty.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	malformed := filepath.Join(dir, "q.jsonl")
	if err := os.WriteFile(malformed, []byte("{\"id\":\"a\",\"question\":\"问\"\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"empty question", []string{"ask", ""}, exitUsage, "问题是空的"},
		{"blank question", []string{"ask", "   "}, exitUsage, "问题是空的"},
		{"huge question", []string{"ask", strings.Repeat("问", 100_000)}, exitUsage, "问题太长了"},
		{"no question", []string{"ask"}, exitUsage, "missing question"},
		{"missing source path", []string{"--source", filepath.Join(dir, "nope"), "articles"}, exitError, "nope"},
		{"only an undecodable file", []string{"--source", gbkish, "articles"}, exitError, "no articles"},
		{"malformed questions file", []string{"eval", "--questions", malformed}, exitError, "line 1"},
		{"missing questions file", []string{"eval", "--questions", filepath.Join(dir, "none.jsonl")}, exitError, "none.jsonl"},
		{"unknown region", []string{"search", "--region", "长春", "人才"}, exitUsage, "长春"},
		{"unknown command", []string{"fly"}, exitUsage, "unknown command"},
		{"bad k", []string{"search", "-k", "0", "人才"}, exitUsage, "-k"},
		{"serve without token", []string{"serve"}, exitError, "KBOT_TELEGRAM_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := kbot(t, t.TempDir(), nil, tt.args...)
			if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, errs, tt.wantCode, tt.wantErr)
			}
			if strings.Contains(errs, "goroutine ") || strings.Contains(errs, "panic") {
				t.Fatalf("stack trace shown: %s", errs)
			}
		})
	}

	t.Run("empty and undecodable files are skipped with a warning", func(t *testing.T) {
		code, out, errs := kbot(t, t.TempDir(), nil, "--source", good, "--source", gbkish, "ingest")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if !strings.Contains(out, "empty.txt") || !strings.Contains(out, "x.txt") || !strings.Contains(out, "新增 1") {
			t.Fatalf("report does not name the skipped files:\n%s", out)
		}
	})
}

func TestCorruptedIndexIsRebuiltByCommands(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := kbot(t, data, nil, "ingest"); code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	path := filepath.Join(data, "index.kbot")
	if err := os.WriteFile(path, []byte("KBOTIDX3 garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := kbot(t, data, nil, "ask", "三梁村怎么发展集体经济？")
	if code != 0 || !strings.Contains(out, "来源") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
	if !strings.Contains(errs, "rebuilding") {
		t.Errorf("the corrupted index went unreported: %q", errs)
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := kbot(t, t.TempDir(), nil, "-h")
	if code != 0 || !strings.Contains(out, "kbot ask") || !strings.Contains(out, "KBOT_EMBED_PROVIDER") {
		t.Fatalf("kbot -h: exit %d\n%s", code, out)
	}
	code, out, _ = kbot(t, t.TempDir(), nil, "ask", "-h")
	if code != 0 || !strings.Contains(out, "-region") {
		t.Fatalf("kbot ask -h: exit %d\n%s", code, out)
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	code, _, errs := kbot(t, t.TempDir(), map[string]string{"KBOT_EMBED_PROVIDER": "magic"}, "articles")
	if code != exitError || !strings.Contains(errs, "KBOT_EMBED_PROVIDER") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// TestAskWithLLM wires kbot ask to the OpenAI-compatible mock server that
// .ci/run starts (KBOT_TEST_LLM_URL); the mock accepts only the key
// kbot-e2e-key (see .ci/mock-llm/mock-llm.yaml).
func TestAskWithLLM(t *testing.T) {
	url := os.Getenv("KBOT_TEST_LLM_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KBOT_TEST_LLM_URL is not set: .ci/run must start .ci/mock-llm/start.sh")
		}
		t.Skip("KBOT_TEST_LLM_URL not set; start the mock with .ci/mock-llm/start.sh")
	}
	env := map[string]string{"KBOT_LLM_BASE_URL": url, "KBOT_LLM_MODEL": "mock", "KBOT_LLM_API_KEY": "kbot-e2e-key"}
	data := t.TempDir()
	code, out, errs := kbot(t, data, env, "ask", "--json", "三梁村怎么发展集体经济？")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var ans struct {
		Answer    string `json:"answer"`
		Mode      string `json:"mode"`
		Citations []struct {
			Title     string `json:"title"`
			Reference bool   `json:"reference"`
		} `json:"citations"`
	}
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	// The mock says the passages hold no answer and cites nothing: kbot
	// keeps the model's words and lists the top passages as references.
	if ans.Mode != "llm" || ans.Answer == "" || len(ans.Citations) == 0 || !ans.Citations[0].Reference {
		t.Fatalf("answer = %+v", ans)
	}
	if strings.Contains(out+errs, "kbot-e2e-key") {
		t.Fatal("the API key leaked into the output")
	}
	// A refused question never reaches the model.
	code, out, errs = kbot(t, data, env, "ask", "--json", "长春市今年出台了哪些人才政策？")
	if code != 0 || !strings.Contains(out, `"refused": true`) || !strings.Contains(out, `"mode": "refusal"`) {
		t.Fatalf("refusal with an LLM configured: exit %d\n%s\n%s", code, out, errs)
	}
}
