package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/bot/store"
	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
	"kbot/knowledge/magazine"
)

// *knowledge.Base is what kbot serves.
var _ Knowledge = (*knowledge.Base)(nil)

// openRealKB opens the knowledge base on the bundled issue.
func openRealKB(t *testing.T) *knowledge.Base {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	em := embeddings.Local()
	kb, err := knowledge.Open(ctx, knowledge.Options{
		DataDir: t.TempDir(), Sources: []string{knowledge.BundledSource}, Load: magazine.Load, Vectors: chromem.New,
		Embedder: knowledge.Embedder{ID: em.ID(), Dims: em.Dims, Embed: knowledge.EmbedFunc(em.Embed)},
	})
	if err != nil {
		t.Fatalf("open knowledge base: %v", err)
	}
	return kb
}

// questionFrom builds a question from the base's own content, so the test
// does not depend on which issue is bundled.
func questionFrom(t *testing.T, kb Knowledge) string {
	t.Helper()
	for _, a := range kb.Articles("") {
		if a.Author != "" && len([]rune(a.Title)) >= 4 {
			return a.Title + "有哪些做法？"
		}
	}
	t.Fatal("the knowledge base has no article with an author")
	return ""
}

func TestRealKnowledgeBaseThroughFakeAPI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the real index")
	}
	kb, err := loadKB()
	if err != nil {
		t.Fatalf("open the knowledge base: %v", err)
	}
	api := newFakeAPI(t)
	h := &harness{t: t, api: api, logs: &syncBuffer{}, done: make(chan error, 1)}
	opts := testOptions(api, t.TempDir(), h.logs)
	b, err := New(opts, kb)
	if err != nil {
		t.Fatal(err)
	}
	h.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() { h.stop() })

	api.private(testUserID, questionFrom(t, kb))
	got := api.waitSent(testUserID, 1)[0]
	if text := got.params["text"]; !strings.Contains(text, "[1]") || !strings.Contains(text, "《") {
		t.Fatalf("answer %q lacks citations", text)
	}
	kbd := keyboard(t, got)
	if len(kbd) == 0 || !strings.HasPrefix(kbd[0], "查看原文 [1]=c:1:") {
		t.Fatalf("keyboard = %v", kbd)
	}
	api.press(testUserID, testUserID, 1, strings.SplitN(kbd[0], "=", 2)[1])
	if text := api.waitSent(testUserID, 2)[1].params["text"]; !strings.Contains(text, "<blockquote>") {
		t.Errorf("passage = %q", text)
	}
}

// emulatorTransport adapts go-telegram/bot to telegram-test-api, which
// reads only JSON or urlencoded bodies: it re-encodes multipart form data
// as JSON, passing JSON-valued fields (reply_markup, ...) as objects.
type emulatorTransport struct{ base http.RoundTripper }

func (e emulatorTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return e.base.RoundTrip(r)
	}
	fields := map[string]any{}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("re-encode multipart: %w", err)
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("re-encode multipart: %w", err)
		}
		if (bytes.HasPrefix(v, []byte("{")) || bytes.HasPrefix(v, []byte("["))) && json.Valid(v) {
			fields[p.FormName()] = json.RawMessage(v)
		} else {
			fields[p.FormName()] = string(v)
		}
	}
	r.Body.Close()
	body, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.Header.Set("Content-Type", "application/json")
	return e.base.RoundTrip(r2)
}

// emulator is a user-side client of telegram-test-api.
type emulator struct {
	t     *testing.T
	url   string
	token string
}

type botMessage struct {
	MessageID int `json:"messageId"`
	Message   struct {
		ChatID      any    `json:"chat_id"`
		Text        string `json:"text"`
		ReplyMarkup struct {
			InlineKeyboard [][]struct {
				Text         string `json:"text"`
				CallbackData string `json:"callback_data"`
			} `json:"inline_keyboard"`
		} `json:"reply_markup"`
	} `json:"message"`
}

func (e *emulator) post(path string, body any) []byte {
	e.t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(e.url+path, "application/json", bytes.NewReader(data))
	if err != nil {
		e.t.Fatalf("emulator %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("emulator %s: HTTP %d: %s", path, resp.StatusCode, out)
	}
	return out
}

func (e *emulator) user(id int64) map[string]any {
	return map[string]any{"id": id, "is_bot": false, "first_name": fmt.Sprintf("用户%d", id)}
}

func (e *emulator) chat(id int64) map[string]any {
	if id < 0 {
		return map[string]any{"id": id, "type": "group", "title": "测试群"}
	}
	return map[string]any{"id": id, "type": "private", "first_name": "用户"}
}

// say sends a user's text; commands go through sendCommand with an entity.
func (e *emulator) say(user, chat int64, text string) {
	e.t.Helper()
	m := map[string]any{"botToken": e.token, "from": e.user(user), "chat": e.chat(chat), "date": time.Now().Unix(), "text": text}
	if strings.HasPrefix(text, "/") {
		n := strings.IndexByte(text, ' ')
		if n < 0 {
			n = len(text)
		}
		m["entities"] = []map[string]any{{"offset": 0, "length": len([]rune(text[:n])), "type": "bot_command"}}
		e.post("/sendCommand", m)
		return
	}
	e.post("/sendMessage", m)
}

// press presses a button under the bot's message.
func (e *emulator) press(user, chat int64, msgID int, data string) {
	e.t.Helper()
	e.post("/sendCallback", map[string]any{
		"botToken": e.token, "from": e.user(user), "data": data,
		"message": map[string]any{"message_id": msgID, "date": time.Now().Unix(), "chat": e.chat(chat)},
	})
}

// await waits for a bot message to chat containing want.
func (e *emulator) await(chat int64, want string) botMessage {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var seen []string
	for time.Now().Before(deadline) {
		var r struct {
			Result []botMessage `json:"result"`
		}
		if err := json.Unmarshal(e.post("/getUpdates", map[string]any{"token": e.token, "chatId": chat}), &r); err != nil {
			e.t.Fatalf("emulator getUpdates: %v", err)
		}
		for _, m := range r.Result {
			if strings.Contains(m.Message.Text, want) {
				return m
			}
			seen = append(seen, m.Message.Text)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.t.Fatalf("no bot message to chat %d containing %q; saw %q", chat, want, seen)
	return botMessage{}
}

// TestEndToEndWithEmulator runs kbot on the real knowledge base against
// telegram-test-api, a Bot API emulator started by .ci/run
// (.ci/telegram/start.sh) whose URL is in KBOT_TEST_TELEGRAM_URL.
func TestEndToEndWithEmulator(t *testing.T) {
	url := os.Getenv("KBOT_TEST_TELEGRAM_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KBOT_TEST_TELEGRAM_URL is not set: CI must start the Bot API emulator (.ci/telegram/start.sh)")
		}
		t.Skip("KBOT_TEST_TELEGRAM_URL not set; start the emulator with .ci/telegram/start.sh")
	}
	const (
		admin = 4242
		user  = 777
		group = -500
	)
	token := fmt.Sprintf("%d:e2e%d", time.Now().Unix()%1000000, time.Now().UnixNano()%1000000)
	kb := openRealKB(t)
	logs := &syncBuffer{}
	rec := openRecord(t)
	b, err := New(Options{
		Token: token, APIURL: url, Admins: []int64{admin}, Record: rec,
		PollTimeout: 2 * time.Second, PollInterval: 100 * time.Millisecond, // the emulator answers getUpdates at once
		HTTPAddr: "127.0.0.1:0", StateDir: t.TempDir(), Registry: prometheus.NewRegistry(),
		Logger:     slog.New(slog.NewTextHandler(logs, nil)),
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: emulatorTransport{http.DefaultTransport}},
	}, kb)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if strings.Contains(logs.String(), token) {
			t.Error("the token appeared in the log")
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	}()
	e := &emulator{t: t, url: strings.TrimRight(url, "/"), token: token}
	q := questionFrom(t, kb)

	t.Run("private question gets a cited answer", func(t *testing.T) {
		e.t = t
		e.say(user, user, q)
		m := e.await(user, "[1]")
		if !strings.Contains(m.Message.Text, "来源") || !strings.Contains(m.Message.Text, "《") {
			t.Fatalf("answer %q lacks its sources", m.Message.Text)
		}
		kbd := m.Message.ReplyMarkup.InlineKeyboard
		if len(kbd) == 0 || !strings.HasPrefix(kbd[0][0].Text, "查看原文 [1]") {
			t.Fatalf("answer has no 查看原文 button: %+v", kbd)
		}
		t.Run("查看原文 shows the passage", func(t *testing.T) {
			e.t = t
			e.press(user, user, m.MessageID, kbd[0][0].CallbackData)
			e.await(user, "<blockquote>")
		})
	})
	t.Run("group ask gets a cited answer", func(t *testing.T) {
		e.t = t
		e.say(user, group, "/ask "+q)
		e.await(group, "[1]")
	})
	t.Run("admin reloads", func(t *testing.T) {
		e.t = t
		e.say(admin, admin, "/reload")
		m := e.await(admin, "重新载入完成")
		if !strings.Contains(m.Message.Text, "分块") {
			t.Errorf("reload report %q lacks chunk counts", m.Message.Text)
		}
	})
	t.Run("non-admin reload is refused", func(t *testing.T) {
		e.t = t
		e.say(user, user, "/reload")
		e.await(user, "仅限管理员")
	})
	t.Run("a member's 👎 with a reason shows in the admin's /gaps", func(t *testing.T) {
		e.t = t
		const voter = 778
		question := "三梁村的村民人均收入是多少？"
		e.say(voter, voter, question)
		m := e.await(voter, "来源")
		var down string
		for _, row := range m.Message.ReplyMarkup.InlineKeyboard {
			for _, b := range row {
				if b.CallbackData == "v:d" {
					down = b.CallbackData
				}
			}
		}
		if down == "" {
			t.Fatalf("the answer has no 👎 button: %+v", m.Message.ReplyMarkup)
		}
		e.press(voter, voter, m.MessageID, down)
		e.press(voter, voter, m.MessageID, "v:d:"+string(store.ReasonIncomplete))
		waitFor(t, "the vote on record", func() bool {
			st, err := rec.Stats(context.Background(), time.Now().Add(-time.Hour))
			return err == nil && st.Total.Down == 1
		})
		e.say(admin, admin, "/gaps")
		g := e.await(admin, "未答好的问题")
		if !strings.Contains(g.Message.Text, "三梁村") || !strings.Contains(g.Message.Text, "不完整 1") {
			t.Errorf("/gaps = %q, want the question with its 👎 reason", g.Message.Text)
		}
	})
	t.Run("a staff member's /region scopes the group's answers", func(t *testing.T) {
		e.t = t
		// A county with a signed article, asked about that article's topic.
		region, question := "", ""
		for _, r := range kb.Regions() {
			for _, a := range kb.Articles(r) {
				if a.Author != "" && len([]rune(a.Title)) >= 4 && question == "" && len(kb.Articles(r)) >= 2 {
					region, question = r, a.Title+"有哪些做法？"
				}
			}
		}
		if region == "" {
			t.Fatal("no county with two articles, one of them signed")
		}
		titles := map[string]bool{}
		for _, a := range kb.Articles(region) {
			titles[a.Title] = true
		}
		const staff = 779
		e.say(staff, group, "/region "+region)
		e.await(group, "已将查询范围设为"+region)
		e.say(staff, group, "/ask "+question)
		m := e.await(group, "查询范围："+region)
		_, sources, _ := strings.Cut(m.Message.Text, "来源")
		cited := regexp.MustCompile(`《([^》]+)》`).FindAllStringSubmatch(sources, -1)
		if len(cited) == 0 {
			t.Fatalf("the scoped answer cites nothing: %q", m.Message.Text)
		}
		for _, c := range cited {
			if !titles[c[1]] {
				t.Errorf("the answer scoped to %s cites 《%s》, which is not about it", region, c[1])
			}
		}
		e.say(staff, group, "/region 全部")
		e.await(group, "已取消查询范围")
	})
}
