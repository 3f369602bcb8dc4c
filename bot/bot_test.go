package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kbot/knowledge"
)

// keyboard decodes a sendMessage call's inline keyboard into callback data.
func keyboard(t *testing.T, c call) []string {
	t.Helper()
	raw := c.params["reply_markup"]
	if raw == "" {
		return nil
	}
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		t.Fatalf("reply_markup %q: %v", raw, err)
	}
	var out []string
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if len(b.CallbackData) > maxCallbackData {
				t.Errorf("callback data %q is %d bytes, over Telegram's 64", b.CallbackData, len(b.CallbackData))
			}
			out = append(out, b.Text+"="+b.CallbackData)
		}
	}
	return out
}

func TestNew(t *testing.T) {
	t.Parallel()
	kb := newFakeKB()
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"missing token names the variable", Options{StateDir: t.TempDir()}, "KBOT_TELEGRAM_TOKEN"},
		{"blank token names the variable", Options{Token: "  ", StateDir: t.TempDir()}, "KBOT_TELEGRAM_TOKEN"},
		{"bad API URL names the variable", Options{Token: testToken, APIURL: "ftp://x", StateDir: t.TempDir()}, "KBOT_TELEGRAM_API_URL"},
		{"missing state directory is refused", Options{Token: testToken}, "state directory"},
		{"good options bind the ops address", Options{Token: testToken, StateDir: t.TempDir(), HTTPAddr: "127.0.0.1:0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.opts, kb)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				defer b.Close()
				if !strings.HasPrefix(b.OpsAddr(), "127.0.0.1:") || strings.HasSuffix(b.OpsAddr(), ":0") {
					t.Errorf("OpsAddr = %q, want a bound loopback port", b.OpsAddr())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want it to mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestPrivateQuestionGetsCitedAnswer(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	// The answer takes until the typing indicator shows (at most 5 s): an
	// instant answer stops the indicator before its request is sent.
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if len(api.callsTo("sendChatAction")) > 0 {
				break
			}
		}
		return newFakeKB().Ask(ctx, q)
	}
	h := start(t, api, kb, t.TempDir(), nil)
	api.private(testUserID, "永吉县做了什么？")
	got := api.waitSent(testUserID, 1)[0]
	text := got.params["text"]
	for _, want := range []string{"永吉县以党建引领乡村振兴[1]", "来源", "[1] 《抓党建促振兴》— 张三（永吉县委书记） · 2024年第1期 第3–4页"} {
		if !strings.Contains(text, want) {
			t.Errorf("answer %q lacks %q", text, want)
		}
	}
	if got.params["parse_mode"] != "HTML" {
		t.Errorf("parse_mode = %q, want HTML", got.params["parse_mode"])
	}
	if kb := keyboard(t, got); len(kb) != 1 || kb[0] != "查看原文 [1]=c:1:c-a1-0" {
		t.Errorf("keyboard = %v, want one 查看原文 [1] button", kb)
	}
	if len(api.callsTo("sendChatAction")) == 0 {
		t.Error("no typing indicator was shown")
	}
	if err := h.stop(); err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}
	logs := h.logs.String()
	if strings.Contains(logs, "永吉县做了什么") {
		t.Error("the question text was logged at info level")
	}
	if !strings.Contains(logs, "outcome=answered") || !strings.Contains(logs, "update_id=1") {
		t.Errorf("log lacks the update's outcome: %s", logs)
	}
}

// TestPrivateAnswersQuoteTheirQuestion: two questions in one private chat
// answered out of order are each tied to their question by a quote.
func TestPrivateAnswersQuoteTheirQuestion(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	second := make(chan struct{})
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		if strings.HasPrefix(q.Text, "慢") {
			select { // answered only after the later question
			case <-second:
			case <-ctx.Done():
				return knowledge.Answer{}, ctx.Err()
			}
		}
		return knowledge.Answer{Text: "答案", Mode: "extractive"}, nil
	}
	start(t, api, kb, t.TempDir(), nil)
	slow := msg(testUserID, testUserID, "private", "慢问题：永吉县做了什么？")
	api.push(map[string]any{"message": slow})
	fast := msg(testUserID, testUserID, "private", "船营区做了什么？")
	api.push(map[string]any{"message": fast})
	api.waitSent(testUserID, 1)
	close(second)
	sent := api.waitSent(testUserID, 2)
	for i, want := range []any{fast["message_id"], slow["message_id"]} {
		var rp struct {
			MessageID int `json:"message_id"`
		}
		if err := json.Unmarshal([]byte(sent[i].params["reply_parameters"]), &rp); err != nil || rp.MessageID != want {
			t.Errorf("answer %d quotes %q, want message %v", i+1, sent[i].params["reply_parameters"], want)
		}
	}
}

func TestAnswerEscapesHTML(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		return knowledge.Answer{Text: "a<b & c>d [1]", Citations: []knowledge.Citation{{N: 1, ChunkID: "x", Title: "<i>标题</i>", Author: "A&B"}}, Note: "<note>"}, nil
	}
	start(t, api, kb, t.TempDir(), nil)
	api.private(testUserID, "问题")
	text := api.waitSent(testUserID, 1)[0].params["text"]
	for _, want := range []string{"a&lt;b &amp; c&gt;d [1]", "《&lt;i&gt;标题&lt;/i&gt;》— A&amp;B", "<i>&lt;note&gt;</i>"} {
		if !strings.Contains(text, want) {
			t.Errorf("answer %q lacks escaped %q", text, want)
		}
	}
}

func TestRefusalListsNearestArticles(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	start(t, api, newFakeKB(), t.TempDir(), nil)
	api.private(testUserID, "明天天气如何")
	got := api.waitSent(testUserID, 1)[0]
	if text := got.params["text"]; !strings.Contains(text, "没有相关内容") || !strings.Contains(text, "相近的文章") || !strings.Contains(text, "《抓党建促振兴》") {
		t.Errorf("refusal = %q, want the polite refusal and nearest articles", text)
	}
}

func TestGroupRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		text     string
		extra    map[string]any
		answered bool
		question string // what the knowledge base was asked, if answered by Ask
	}{
		{"plain chatter is ignored", "大家好", nil, false, ""},
		{"ask command is answered", "/ask 永吉县做了什么", nil, true, "永吉县做了什么"},
		{"ask with bot name is answered", "/ask@" + testBotName + " 永吉县做了什么", nil, true, "永吉县做了什么"},
		{"command for another bot is ignored", "/ask@other_bot 永吉县", nil, false, ""},
		{"mention is answered without the mention", "@" + testBotName + " 永吉县做了什么", nil, true, "永吉县做了什么"},
		{"mention of a longer name is ignored", "@" + testBotName + "x 你好", nil, false, ""},
		{"reply to the bot is answered", "那船营区呢", map[string]any{"reply_to_message": map[string]any{"message_id": 5, "date": 1, "chat": map[string]any{"id": testGroupID, "type": "supergroup"}, "from": map[string]any{"id": testBotID, "is_bot": true, "first_name": "kbot"}}}, true, "那船营区呢"},
		{"reply to someone else is ignored", "同意", map[string]any{"reply_to_message": map[string]any{"message_id": 5, "date": 1, "chat": map[string]any{"id": testGroupID, "type": "supergroup"}, "from": map[string]any{"id": 55, "is_bot": false, "first_name": "x"}}}, false, ""},
		{"help with bot name is answered", "/help@" + testBotName, nil, true, ""},
		{"bare unknown command is ignored", "/weather", nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			kb := newFakeKB()
			h := start(t, api, kb, t.TempDir(), nil)
			id := api.group(testUserID, tt.text, tt.extra)
			// A private message afterwards marks the point by which the
			// group message was surely handled.
			api.private(testUserID, "/help")
			api.waitSent(testUserID, 1)
			waitFor(t, "group update handled", func() bool { return h.handled(id) })
			sent := api.sent(testGroupID)
			if got := len(sent) > 0; got != tt.answered {
				t.Fatalf("answered = %v, want %v (sent %v)", got, tt.answered, sent)
			}
			if !tt.answered {
				return
			}
			if sent[0].params["reply_parameters"] == "" || !strings.Contains(sent[0].params["reply_parameters"], `"message_id"`) {
				t.Errorf("group answer does not reply to the asker: %v", sent[0].params)
			}
			if tt.question != "" {
				qs := kb.questions()
				if len(qs) != 1 || qs[0].Text != tt.question {
					t.Errorf("asked %v, want %q", qs, tt.question)
				}
			}
		})
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		text     string
		want     []string
		wantKB   []string
		dontWant []string
	}{
		{"start explains the bot", "/start", []string{"江城组工 2024年第1期", "共 3 篇", "示例问题", "1. 永吉县在基层党建方面做了哪些工作？", "/ask"}, nil, []string{"/reload"}},
		{"help with bot name works", "/help@" + testBotName, []string{"怎么问", "@" + testBotName}, nil, nil},
		{"ask without question asks for a reply", "/ask", []string{"请回复这条消息，写下您的问题"}, nil, nil},
		{"search shows passages and paging", "/search 党建", []string{"“党建”的相关段落", "1.</b> 《抓党建促振兴》— 张三（永吉县委书记）", "<i>一、强化引领</i>"}, []string{"原文 1=c:1:c-a1-0", "更多 »=s:1:党建"}, nil},
		{"search without keyword explains usage", "/search", []string{"请在 /search 后面写上关键词"}, nil, nil},
		{"region sets the scope and lists its articles with a line each", "/region 永吉", []string{"已将查询范围设为永吉县", "<b>永吉县</b>：共 2 篇", "《抓党建促振兴》— 张三（永吉县委书记）", "永吉县以党建引领乡村振兴。", "《新闻一则》"}, nil, nil},
		{"unknown region lists the known ones", "/region 火星", []string{"没有找到“火星”的文章", "已知县区：永吉县、船营区"}, nil, nil},
		{"region without name lists the known ones", "/region", []string{"已知县区：永吉县、船营区"}, nil, nil},
		{"articles are paged", "/articles", []string{"文章列表</b>（共 25 篇，第 1/3 页）", "1. 《抓党建促振兴1》— 张三（永吉县委书记）", "10. "}, []string{"更多 »=a:1"}, []string{"11. "}},
		{"source without an answer explains", "/source 1", []string{"还没有可以查看来源的回答"}, nil, nil},
		{"unknown command in private is explained", "/foo", []string{"没有这个命令"}, nil, nil},
		{"stats is for admins only", "/stats", []string{"仅限管理员"}, nil, nil},
		{"reload is for admins only", "/reload", []string{"仅限管理员"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			start(t, api, newFakeKB(), t.TempDir(), nil)
			api.private(testUserID, tt.text)
			got := api.waitSent(testUserID, 1)[0]
			for _, w := range tt.want {
				if !strings.Contains(got.params["text"], w) {
					t.Errorf("reply %q lacks %q", got.params["text"], w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(got.params["text"], w) {
					t.Errorf("reply %q contains %q", got.params["text"], w)
				}
			}
			kb := strings.Join(keyboard(t, got), ",")
			for _, w := range tt.wantKB {
				if !strings.Contains(kb, w) {
					t.Errorf("keyboard %v lacks %q", kb, w)
				}
			}
		})
	}
}

func TestRegisterCommandsMenu(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	start(t, api, newFakeKB(), t.TempDir(), nil)
	calls := api.waitCalls("setMyCommands", 2)
	menus := map[string]string{} // scope -> commands
	for _, c := range calls {
		menus[c.params["scope"]] = c.params["commands"]
	}
	member := menus[`{"type":"default"}`]
	admin := menus[fmt.Sprintf(`{"type":"chat","chat_id":%d}`, testAdminID)]
	if len(menus) != 2 || member == "" || admin == "" {
		t.Fatalf("menus by scope = %v, want the default one and the admin's chat", menus)
	}
	for _, name := range []string{`"ask"`, `"search"`, `"region"`, `"articles"`, `"source"`, `"help"`} {
		if !strings.Contains(member, name) || !strings.Contains(admin, name) {
			t.Errorf("a menu lacks %s: members %s, admin %s", name, member, admin)
		}
	}
	for _, name := range []string{`"reload"`, `"stats"`} {
		if strings.Contains(member, name) || !strings.Contains(admin, name) {
			t.Errorf("%s should be in the admin's menu only: members %s, admin %s", name, member, admin)
		}
	}
	desc := api.waitCalls("setMyDescription", 1)[0].params["description"]
	short := api.waitCalls("setMyShortDescription", 1)[0].params["short_description"]
	if !strings.Contains(desc, "党建") || !strings.Contains(short, "党建") {
		t.Errorf("descriptions %q, %q, want them in Chinese about the bot", desc, short)
	}
}

// TestBareAskInGroupForcesReply: in privacy mode a group bot sees only
// commands, mentions and replies to it, so a bare /ask or mention is
// answered with a forced reply, and the reply is answered.
func TestBareAskInGroupForcesReply(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"/ask", "/ask@" + testBotName, "@" + testBotName} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			h := start(t, api, newFakeKB(), t.TempDir(), nil)
			api.waitCalls("getMe", 1)
			waitFor(t, "the bot's name", func() bool { return h.bot.username() != "" })
			api.group(testUserID, text, nil)
			prompt := api.waitSent(testGroupID, 1)[0]
			if !strings.Contains(prompt.params["reply_markup"], `"force_reply":true`) {
				t.Fatalf("prompt %q has markup %q, want a forced reply", prompt.params["text"], prompt.params["reply_markup"])
			}
			// The user's reply to the prompt reaches the bot.
			api.group(testUserID, "永吉县做了什么？", map[string]any{
				"reply_to_message": map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": testGroupID, "type": "supergroup"},
					"from": map[string]any{"id": testBotID, "is_bot": true, "first_name": "kbot", "username": testBotName}},
			})
			if got := api.waitSent(testGroupID, 2)[1].params["text"]; !strings.Contains(got, "[1]") {
				t.Errorf("the reply got %q, want an answer", got)
			}
		})
	}
}

// TestForumTopicAnswersStayInTheTopic: a question asked in a forum topic
// is answered in that topic.
func TestForumTopicAnswersStayInTheTopic(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	h := start(t, api, newFakeKB(), t.TempDir(), nil)
	api.group(testUserID, "/ask 永吉县做了什么？", map[string]any{"message_thread_id": 77, "is_topic_message": true})
	api.group(testUserID, "/ask 永吉县做了什么？", nil)
	h.settle()
	sent := api.sent(testGroupID)
	if len(sent) != 2 {
		t.Fatalf("sent %d messages, want 2", len(sent))
	}
	threads := []string{sent[0].params["message_thread_id"], sent[1].params["message_thread_id"]}
	slices.Sort(threads)
	if threads[0] != "" && threads[0] != "0" || threads[1] != "77" {
		t.Errorf("answers went to threads %q, want one to topic 77 and one to the main chat", threads)
	}
}

func TestSourceShowsCitedPassage(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	start(t, api, newFakeKB(), t.TempDir(), nil)
	api.private(testUserID, "永吉县做了什么？")
	api.waitSent(testUserID, 1)
	api.private(testUserID, "/source 1")
	got := api.waitSent(testUserID, 2)[1].params["text"]
	if !strings.Contains(got, "<blockquote>永吉县以党建引领乡村振兴。各村成立合作社。</blockquote>") {
		t.Errorf("/source reply %q lacks the passage", got)
	}
	api.private(testUserID, "/source 9")
	if got := api.waitSent(testUserID, 3)[2].params["text"]; !strings.Contains(got, "没有第 9 条来源") {
		t.Errorf("/source 9 reply = %q", got)
	}
}

func TestHistoryIsPassedForFollowUps(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	start(t, api, kb, t.TempDir(), nil)
	api.private(testUserID, "永吉县做了什么？")
	api.waitSent(testUserID, 1)
	api.private(testUserID, "还有呢？")
	api.waitSent(testUserID, 2)
	qs := kb.questions()
	if len(qs) != 2 || len(qs[0].History) != 0 || len(qs[1].History) != 1 || qs[1].History[0].Question != "永吉县做了什么？" {
		t.Fatalf("questions = %+v, want the second to carry the first turn", qs)
	}
	if qs[1].OnPartial == nil {
		t.Error("OnPartial is not set")
	}
}

func TestAdminCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		text   string
		reload func(context.Context) (knowledge.Report, error)
		want   []string
	}{
		{"reload reports the changes", "/reload", nil, []string{"重新载入完成</b>，用时 1.5 秒", "新增 1，修改 0，删除 0", "新计算向量 2，沿用缓存 7", "• 新文章"}},
		{"failed reload keeps the old index and says why", "/reload", func(context.Context) (knowledge.Report, error) {
			return knowledge.Report{}, errors.New("parse source issue.txt: <bad> input")
		}, []string{"重新载入失败，仍在使用原来的索引", "原因：parse source issue.txt: &lt;bad&gt; input"}},
		{"stats describes the index", "/stats@" + testBotName, nil, []string{"运行状态", "文章 3 篇，分块 2 个", "hash（256 维）"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			kb := newFakeKB()
			kb.reloadFn = tt.reload
			start(t, api, kb, t.TempDir(), nil)
			api.private(testAdminID, tt.text)
			var text string
			waitFor(t, "final admin reply", func() bool {
				for _, c := range api.sent(testAdminID) {
					if strings.Contains(c.params["text"], tt.want[0]) {
						text = c.params["text"]
						return true
					}
				}
				return false
			})
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("reply %q lacks %q", text, w)
				}
			}
		})
	}
}

func TestCallbacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		data       string
		wantSent   string // substring of a new message; "" for none
		wantNotice string // substring of the answerCallbackQuery text
	}{
		{"fresh passage button shows the passage", "c:1:c-a1-0", "<blockquote>永吉县以党建引领乡村振兴。各村成立合作社。</blockquote>", ""},
		{"passage gone after a reload is explained", "c:1:gone", "", "这段原文已不在了"},
		{"search page button shows the next page", "s:1:党建", "（第 2 页）", ""},
		{"articles page button shows the next page", "a:2", "第 3/3 页", ""},
		{"articles page past the end is stale", "a:7", "", "内容已更新"},
		{"long-query token lost in a restart is stale", "S:1:AAAAAAAAAAAA", "", "按钮已过期"},
		{"region page button works", "r:0:船营", "《社区治理&lt;新&gt;探索》— 李四", ""},
		{"garbage is stale", "zzz", "", "按钮已过期"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			start(t, api, newFakeKB(), t.TempDir(), nil)
			api.press(testUserID, testUserID, 77, tt.data)
			answers := api.waitCalls("answerCallbackQuery", 1)
			if !strings.Contains(answers[0].params["text"], tt.wantNotice) {
				t.Errorf("callback notice = %q, want %q", answers[0].params["text"], tt.wantNotice)
			}
			sent := api.sent(testUserID)
			if tt.wantSent == "" {
				if len(sent) != 0 {
					t.Errorf("stale button sent %v", sent)
				}
				return
			}
			if len(sent) != 1 || !strings.Contains(sent[0].params["text"], tt.wantSent) {
				t.Errorf("sent %v, want one message with %q", sent, tt.wantSent)
			}
		})
	}
}

func TestLongQueryButtonWorksUntilRestart(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	start(t, api, newFakeKB(), t.TempDir(), nil)
	long := strings.Repeat("基层党建", 8) // 96 bytes: too long to inline
	api.private(testUserID, "/search "+long)
	kb := keyboard(t, api.waitSent(testUserID, 1)[0])
	more := kb[len(kb)-1]
	data := strings.TrimPrefix(more, "更多 »=")
	if !strings.HasPrefix(data, "S:1:") {
		t.Fatalf("more button = %q, want a stored-query token", more)
	}
	api.press(testUserID, testUserID, 1, data)
	if got := api.waitSent(testUserID, 2)[1].params["text"]; !strings.Contains(got, "（第 2 页）") || !strings.Contains(got, esc(long)) {
		t.Errorf("page 2 = %q", got)
	}
}

func TestDocumentUpload(t *testing.T) {
	t.Parallel()
	doc := func(name string, size int, fileID string) map[string]any {
		return map[string]any{"file_id": fileID, "file_unique_id": fileID, "file_name": name, "file_size": size}
	}
	tests := []struct {
		name    string
		user    int64
		file    map[string]any
		content []byte
		want    string
		added   bool
	}{
		{"admin text file is added", testAdminID, doc("新材料.txt", 30, "f1"), []byte("\xef\xbb\xbf标题\n正文内容。"), "已添加《新材料.txt》", true},
		{"markdown is accepted", testAdminID, doc("a.md", 10, "f1"), []byte("# 标题\n正文"), "已添加《a.md》", true},
		{"a .markdown file is stored as .md", testAdminID, doc("b.markdown", 10, "f1"), []byte("# 标题\n正文"), "已添加《b.md》", true},
		{"non-admin is refused", testUserID, doc("x.txt", 10, "f1"), []byte("正文"), "只有管理员", false},
		{"pdf is added", testAdminID, doc("x.pdf", 10, "f1"), []byte("%PDF-1.4\n"), "已添加《x.pdf》（已提取其中的文字）", true},
		{"non-pdf named .pdf is refused", testAdminID, doc("x.pdf", 10, "f1"), []byte("标题\n正文内容。"), "不是有效的 PDF", false},
		{"other types are refused", testAdminID, doc("x.docx", 10, "f1"), []byte("PK"), "只支持 .txt 和 .md", false},
		{"declared size over the limit is refused", testAdminID, doc("big.txt", 2000, "f1"), []byte("x"), "文件太大", false},
		{"actual size over the limit is refused", testAdminID, doc("big.txt", 10, "f1"), []byte(strings.Repeat("x", 2000)), "文件太大", false},
		{"pdf disguised as text is refused", testAdminID, doc("x.txt", 10, "f1"), []byte("%PDF-1.7 binary"), "其实是 PDF", false},
		{"download failure is explained", testAdminID, doc("x.txt", 10, "missing"), nil, "无法从 Telegram 下载", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			kb := newFakeKB()
			if tt.content != nil {
				api.addFile("f1", tt.content)
			}
			h := start(t, api, kb, t.TempDir(), func(o *Options) { o.MaxDocumentBytes = 1000 })
			m := msg(tt.user, tt.user, "private", "")
			delete(m, "text")
			m["document"] = tt.file
			api.push(map[string]any{"message": m})
			if tt.added {
				awaitReply(t, api, tt.user, "将加入")
				pressButton(t, api, tt.user, tt.user, "u:ok:")
			}
			var text string
			waitFor(t, "reply "+tt.want, func() bool {
				for _, c := range api.sent(tt.user) {
					if strings.Contains(c.params["text"], tt.want) {
						text = c.params["text"]
						return true
					}
				}
				return false
			})
			if tt.added && !strings.Contains(text, "• 《上传的文章》") {
				t.Errorf("upload reply %q does not say what was added", text)
			}
			kb.mu.Lock()
			n := len(kb.added)
			kb.mu.Unlock()
			if (n > 0) != tt.added {
				t.Errorf("documents added = %d, want added=%v", n, tt.added)
			}
			if tt.user != testAdminID {
				h.stop()
				if !strings.Contains(h.logs.String(), "document upload refused") {
					t.Error("refused upload was not logged")
				}
			}
		})
	}
}

func TestAllowLists(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	start(t, api, newFakeKB(), t.TempDir(), func(o *Options) { o.AllowedUsers = []int64{testUserID} })
	api.private(555, "你好")
	if got := api.waitSent(555, 1)[0].params["text"]; !strings.Contains(got, "没有使用本机器人的权限") {
		t.Errorf("stranger got %q", got)
	}
	api.private(testUserID, "永吉县做了什么？")
	if got := api.waitSent(testUserID, 1)[0].params["text"]; !strings.Contains(got, "[1]") {
		t.Errorf("allowed user got %q", got)
	}
	api.private(testAdminID, "/stats")
	if got := api.waitSent(testAdminID, 1)[0].params["text"]; !strings.Contains(got, "运行状态") {
		t.Errorf("admin got %q", got)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	h := start(t, api, kb, t.TempDir(), func(o *Options) { o.RatePerMinute = 1; o.RateBurst = 2 })
	for i := 0; i < 5; i++ {
		api.private(testUserID, fmt.Sprintf("永吉县问题%d", i))
	}
	h.settle()
	sent := api.sent(testUserID)
	var answers, notices int
	for _, c := range sent {
		switch {
		case strings.Contains(c.params["text"], "太频繁"):
			notices++
		case strings.Contains(c.params["text"], "[1]"):
			answers++
		}
	}
	if answers != 2 || notices != 1 || len(kb.questions()) != 2 {
		t.Errorf("answers=%d notices=%d asked=%d, want 2, 1 (told once), 2", answers, notices, len(kb.questions()))
	}
	// Admins are not limited.
	for i := 0; i < 4; i++ {
		api.private(testAdminID, "永吉县？")
	}
	api.waitSent(testAdminID, 4)
}

func TestOtherBotsCommandsInGroupsCostNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*Options)
	}{
		{"they leave the rate limit alone", func(o *Options) { o.RatePerMinute = 1; o.RateBurst = 2 }},
		{"they get no refusal in a chat not on the allow-list", func(o *Options) { o.AllowedUsers = []int64{testAdminID} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			kb := newFakeKB()
			h := start(t, api, kb, t.TempDir(), tt.edit)
			var ids []int64
			for i := 0; i < 4; i++ {
				ids = append(ids, api.group(testUserID, "/weather", nil))
			}
			waitFor(t, "group commands handled", func() bool {
				for _, id := range ids {
					if !h.handled(id) {
						return false
					}
				}
				return true
			})
			if sent := api.sent(testGroupID); len(sent) != 0 {
				t.Errorf("the bot spoke in the group about commands for other bots: %v", sent)
			}
			if got := h.bot.metrics.snapshot().rateLimited; got != 0 {
				t.Errorf("rate limited %d times, want 0", got)
			}
		})
	}
}

func TestQuestionDeadline(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		<-ctx.Done() // a slow writer that honours ctx
		return knowledge.Answer{}, fmt.Errorf("write answer: %w", ctx.Err())
	}
	h := start(t, api, kb, t.TempDir(), func(o *Options) { o.QuestionTimeout = 200 * time.Millisecond })
	api.private(testUserID, "慢问题")
	if got := api.waitSent(testUserID, 1)[0].params["text"]; !strings.Contains(got, "回答超时") {
		t.Errorf("reply = %q, want a polite timeout message", got)
	}
	h.stop()
	if !strings.Contains(h.logs.String(), "outcome=timeout") {
		t.Error("timeout outcome not logged")
	}
}

func TestConcurrentAnswersAreBounded(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	var running, peak atomic.Int32
	release := make(chan struct{})
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		running.Add(-1)
		return knowledge.Answer{Text: "好[1]"}, nil
	}
	h := start(t, api, kb, t.TempDir(), func(o *Options) { o.MaxConcurrent = 2 })
	for i := 0; i < 6; i++ {
		api.private(int64(100+i), "问题")
	}
	waitFor(t, "two answers running and four waiting for a slot", func() bool {
		return running.Load() == 2 && gaugeValue(h.bot.metrics.waiting) == 4
	})
	close(release)
	for i := 0; i < 6; i++ {
		api.waitSent(int64(100+i), 1)
	}
	if peak.Load() != 2 {
		t.Errorf("peak concurrent answers = %d, want 2", peak.Load())
	}
}

func TestShutdownFinishesAnswerInFlight(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	entered := make(chan struct{})
	finish := make(chan struct{})
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		close(entered)
		<-finish // still working when the signal comes
		return knowledge.Answer{Text: "答案[1]", Citations: []knowledge.Citation{{N: 1, ChunkID: "c-a1-0", Title: "T"}}}, nil
	}
	h := start(t, api, kb, t.TempDir(), nil)
	api.private(testUserID, "问题")
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- h.stop() }()
	waitFor(t, "the bot to stop taking updates", func() bool {
		return strings.Contains(h.logs.String(), "stopped taking updates")
	})
	close(finish)
	if err := <-stopped; err != nil {
		t.Fatalf("Run returned %v, want nil", err)
	}
	sent := api.sent(testUserID)
	if len(sent) != 1 || !strings.Contains(sent[0].params["text"], "答案[1]") {
		t.Fatalf("after shutdown sent %v, want the answer in flight delivered", sent)
	}
}

func TestRestartLosesNothingAndRepeatsNothing(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	dir := t.TempDir()
	kb := newFakeKB()
	gate := make(chan struct{})
	var calls atomic.Int32
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		if calls.Add(1) > 3 {
			<-gate
		}
		return knowledge.Answer{Text: q.Text + "[1]"}, nil
	}
	h := start(t, api, kb, dir, func(o *Options) { o.ShutdownGrace = 200 * time.Millisecond })
	for i := 1; i <= 5; i++ {
		api.private(int64(200+i), fmt.Sprintf("问题%d", i))
	}
	waitFor(t, "three answers", func() bool {
		n := 0
		for i := 1; i <= 5; i++ {
			n += len(api.sent(int64(200 + i)))
		}
		return n == 3 && calls.Load() == 5
	})
	// Two answers are stuck past the grace period: shutdown abandons
	// them, and they must be replayed on the next start.
	if err := h.stop(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	close(gate)
	for i := 1; i <= 5; i++ {
		api.private(int64(200+i), "不会重复吗") // arrives while the bot is down
	}
	// A server that re-sends everything unconfirmed must not cause repeats.
	api.mu.Lock()
	api.ignoreOffset = true
	api.mu.Unlock()

	h = start(t, api, kb, dir, nil)
	for i := 1; i <= 5; i++ {
		api.waitSent(int64(200+i), 2)
	}
	h.settle()
	for i := 1; i <= 5; i++ {
		sent := api.sent(int64(200 + i))
		var first, second int
		for _, c := range sent {
			if strings.Contains(c.params["text"], fmt.Sprintf("问题%d", i)) {
				first++
			}
			if strings.Contains(c.params["text"], "不会重复吗") {
				second++
			}
		}
		// A stuck answer may have been sent by the first run after its
		// grace period ended, but then the replay must not repeat it.
		if first != 1 || second != 1 {
			t.Errorf("user %d got question 1 answered %d times and question 2 %d times, want once each: %v", 200+i, first, second, sent)
		}
	}
}

func TestJournalReplaysPendingAfterCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A crash left update 7 pending, update 6 done, offset 8.
	pending := `{"update_id":7,"message":{"message_id":1,"date":1,"from":{"id":300,"is_bot":false,"first_name":"u"},"chat":{"id":300,"type":"private"},"text":"崩溃前的问题"}}`
	state := `{"offset":8,"pending":[` + pending + `],"done":[6]}`
	if err := os.WriteFile(filepath.Join(dir, journalFile), []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	api := newFakeAPI(t)
	api.mu.Lock()
	api.nextID = 6
	api.ignoreOffset = true
	api.mu.Unlock()
	api.private(300, "已回答过的问题") // id 6: done before the crash
	api.private(300, "崩溃前的问题")  // id 7: pending, replayed from the journal
	api.private(300, "新问题")     // id 8
	h := start(t, api, newFakeKB(), dir, nil)
	api.waitSent(300, 2)
	h.settle()
	sent := api.sent(300)
	if len(sent) != 2 {
		t.Fatalf("sent %d answers, want 2 (replayed 7 and new 8): %v", len(sent), sent)
	}
}

func TestStreamingEditsAreThrottledAndHonour429(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		text := ""
		for i := 0; i < 40; i++ {
			text += "字"
			q.OnPartial(text)
			time.Sleep(25 * time.Millisecond)
		}
		return knowledge.Answer{Text: text + "[1]", Mode: "llm", Citations: []knowledge.Citation{{N: 1, ChunkID: "c-a1-0", Title: "抓党建促振兴"}}}, nil
	}
	var edits atomic.Int32
	api.setOverride("editMessageText", func(map[string]string) (int, string) {
		if edits.Add(1) == 2 {
			return http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`
		}
		return 0, ""
	})
	start(t, api, kb, t.TempDir(), func(o *Options) { o.StreamEditInterval = 100 * time.Millisecond })
	api.private(testUserID, "流式问题")
	var final call
	waitFor(t, "final edit", func() bool {
		for _, c := range api.callsTo("editMessageText") {
			if c.params["reply_markup"] != "" {
				final = c
				return true
			}
		}
		return false
	})
	sends := api.sent(testUserID)
	if len(sends) != 1 || !strings.HasSuffix(sends[0].params["text"], " …") {
		t.Fatalf("sendMessage calls = %v, want one quick partial message", sends)
	}
	edits2 := api.callsTo("editMessageText")
	var rejectedAt time.Time
	prev := sends[0].at
	for i, c := range edits2 {
		gap := c.at.Sub(prev)
		if i > 0 && !rejectedAt.IsZero() && c.at.Sub(rejectedAt) < 950*time.Millisecond {
			t.Errorf("edit %d came %v after the 429, want ≥ retry_after 1s", i, c.at.Sub(rejectedAt))
		}
		if gap < 90*time.Millisecond {
			t.Errorf("edit %d came %v after the previous call, want ≥ 100ms", i, gap)
		}
		if i == 1 {
			rejectedAt = c.at
		}
		prev = c.at
	}
	if !strings.Contains(final.params["text"], "[1]") || !strings.Contains(final.params["text"], "来源") {
		t.Errorf("final edit %q lacks the citations", final.params["text"])
	}
	if kb := keyboard(t, final); len(kb) != 1 {
		t.Errorf("final keyboard = %v", kb)
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	listen := freeAddr(t)
	h := start2(t, api, func(o *Options) {
		o.WebhookURL = "https://bot.example.org/tg/hook"
		o.WebhookListen = listen
		o.WebhookSecret = "s3cret"
	})
	sets := api.waitCalls("setWebhook", 1)
	if sets[0].params["secret_token"] != "s3cret" || sets[0].params["url"] != "https://bot.example.org/tg/hook" {
		t.Errorf("setWebhook params = %v", sets[0].params)
	}
	update := `{"update_id":41,"message":{"message_id":1,"date":1,"from":{"id":7,"is_bot":false,"first_name":"u"},"chat":{"id":7,"type":"private"},"text":"永吉县做了什么"}}`
	undecodable := `{"update_id":42,"message":"not an object"}`
	tests := []struct {
		name   string
		method string
		secret string
		body   string
		want   int
	}{
		{"wrong secret is forbidden", http.MethodPost, "nope", update, http.StatusForbidden},
		{"missing secret is forbidden", http.MethodPost, "", update, http.StatusForbidden},
		{"undecodable update with a wrong secret is forbidden", http.MethodPost, "nope", undecodable, http.StatusForbidden},
		{"GET is not allowed", http.MethodGet, "s3cret", "", http.StatusMethodNotAllowed},
		{"malformed JSON is a bad request", http.MethodPost, "s3cret", "{", http.StatusBadRequest},
		{"JSON without an update_id is a bad request", http.MethodPost, "s3cret", `{"message":{"message_id":1}}`, http.StatusBadRequest},
		{"update is accepted", http.MethodPost, "s3cret", update, http.StatusOK},
		{"repeated update is accepted and ignored", http.MethodPost, "s3cret", update, http.StatusOK},
		{"undecodable update is accepted so it is not retried", http.MethodPost, "s3cret", undecodable, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, "http://"+listen+"/tg/hook", strings.NewReader(tt.body))
			if tt.secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", tt.secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	api.waitSent(7, 1)
	h.settle()
	// Telegram may deliver an update again after it was answered.
	req, _ := http.NewRequest(http.MethodPost, "http://"+listen+"/tg/hook", strings.NewReader(update))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a finished update delivered again got %d, want 200", resp.StatusCode)
	}
	h.settle()
	if n := len(api.sent(7)); n != 1 {
		t.Errorf("update answered %d times, want once", n)
	}
	if !h.handled(42) {
		t.Error("the undecodable update is not recorded as done")
	}
	if n := len(api.callsTo("getUpdates")); n != 0 {
		t.Errorf("webhook mode called getUpdates %d times", n)
	}
}

// start2 is start for modes that do not poll.
func start2(t *testing.T, api *fakeAPI, edit func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, api: api, kb: newFakeKB(), logs: &syncBuffer{}, done: make(chan error, 1)}
	opts := testOptions(api, t.TempDir(), h.logs)
	edit(&opts)
	b, err := New(opts, h.kb)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() { h.stop() })
	return h
}

func freeAddr(t *testing.T) string {
	t.Helper()
	b, err := New(Options{Token: testToken, StateDir: t.TempDir(), HTTPAddr: "127.0.0.1:0"}, newFakeKB())
	if err != nil {
		t.Fatal(err)
	}
	addr := b.OpsAddr()
	b.Close()
	return addr
}

func TestOpsEndpoint(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	h := start(t, api, kb, t.TempDir(), nil)
	api.private(testUserID, "永吉县做了什么？")
	api.private(testUserID, "天气")
	api.waitSent(testUserID, 2)
	h.settle() // the metrics are recorded once the answer is sent
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + h.bot.OpsAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d while ready", code)
	}
	kb.mu.Lock()
	kb.ready = false
	kb.mu.Unlock()
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d while not ready, want 503", code)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{"kbot_questions_total 2", "kbot_refusals_total 1", "kbot_answer_seconds_count 2", "kbot_answers_in_flight 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	api.private(testAdminID, "/reload")
	waitFor(t, "reload counted", func() bool {
		_, m := get("/metrics")
		return strings.Contains(m, `kbot_reloads_total{result="ok"} 1`)
	})
}

func TestTokenNeverLogged(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	// sendMessage fails at the transport level; the library's error then
	// carries the request URL, token included.
	api.setOverride("sendMessage", func(map[string]string) (int, string) {
		return http.StatusInternalServerError, "not json " + testToken
	})
	h := start(t, api, newFakeKB(), t.TempDir(), func(o *Options) { o.QuestionTimeout = 500 * time.Millisecond })
	api.private(testUserID, "问题")
	waitFor(t, "failed send logged", func() bool { return strings.Contains(h.logs.String(), "send answer failed") })
	h.stop() // checks the log for the token
	if !strings.Contains(h.logs.String(), "REDACTED") {
		t.Error("expected the redacted marker where the token was")
	}
}

func TestTypingFailureIsHarmless(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.setOverride("sendChatAction", func(map[string]string) (int, string) {
		return http.StatusInternalServerError, `{"message":"API method 'sendChatAction' is not supported."}`
	})
	start(t, api, newFakeKB(), t.TempDir(), nil)
	api.private(testUserID, "永吉县做了什么？")
	if got := api.waitSent(testUserID, 1)[0].params["text"]; !strings.Contains(got, "[1]") {
		t.Errorf("answer = %q", got)
	}
}

func TestLongAnswerIsSplitWithKeyboardOnLastPart(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	long := strings.Repeat("这是一个很长的句子，用来测试拆分。", 300) // ~5100 runes
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		return knowledge.Answer{Text: long + "[1]", Citations: []knowledge.Citation{{N: 1, ChunkID: "c-a1-0", Title: "T"}}}, nil
	}
	h := start(t, api, kb, t.TempDir(), nil)
	api.private(testUserID, "长问题")
	api.waitSent(testUserID, 2)
	h.settle()
	sent := api.sent(testUserID)
	var all strings.Builder
	for i, c := range sent {
		if utf16Len(c.params["text"]) > maxMessageLen {
			t.Errorf("part %d has %d units", i, utf16Len(c.params["text"]))
		}
		if hasKB := c.params["reply_markup"] != ""; hasKB != (i == len(sent)-1) {
			t.Errorf("part %d keyboard = %v", i, hasKB)
		}
		if i < len(sent)-1 && !strings.HasSuffix(c.params["text"], "。") {
			t.Errorf("part %d does not end at a sentence: …%s", i, string([]rune(c.params["text"])[len([]rune(c.params["text"]))-5:]))
		}
		all.WriteString(c.params["text"])
	}
	if !strings.Contains(all.String(), long) {
		t.Error("the parts do not hold the whole answer")
	}
}

func TestHugeAnswerIsCut(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	huge := strings.Repeat("《一篇文章的标题》— 某某县委组织部\n", 1500) // a list of a whole archive
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		return knowledge.Answer{Text: huge, Mode: "catalog"}, nil
	}
	h := start(t, api, kb, t.TempDir(), nil)
	api.private(testUserID, "有哪些文章？")
	api.waitSent(testUserID, 1)
	h.settle()
	sent := api.sent(testUserID)
	if len(sent) > 3 {
		t.Errorf("a huge answer was sent as %d messages, want at most 3", len(sent))
	}
	if last := sent[len(sent)-1].params["text"]; !strings.Contains(last, "/articles") {
		t.Errorf("the cut answer does not point to the paged list: …%s", string([]rune(last)[max(0, len([]rune(last))-60):]))
	}
}

// TestAnonymousGroupAdminIsAnswered: a group admin posting anonymously
// appears as GroupAnonymousBot with the group as sender chat.
func TestAnonymousGroupAdminIsAnswered(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	h := start(t, api, newFakeKB(), t.TempDir(), nil)
	api.group(1087968824, "/ask 永吉县做了什么？", map[string]any{
		"from":        map[string]any{"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"},
		"sender_chat": map[string]any{"id": testGroupID, "type": "supergroup", "title": "党建群"},
	})
	// Another bot's message in the group is still ignored.
	api.group(555, "/ask 永吉县做了什么？", map[string]any{
		"from": map[string]any{"id": 555, "is_bot": true, "first_name": "Other"},
	})
	h.settle()
	if sent := api.sent(testGroupID); len(sent) != 1 || !strings.Contains(sent[0].params["text"], "[1]") {
		t.Errorf("group got %d messages, want the anonymous admin's answer only: %v", len(sent), sent)
	}
}

// TestNoisyInputsStayQuiet: inputs anyone can send cost neither alerts
// nor disk: an over-long /search is declined without an error, a long
// /region is not echoed whole, and wrong webhook secrets are logged once
// a minute.
func TestNoisyInputsStayQuiet(t *testing.T) {
	t.Parallel()
	t.Run("long search", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t)
		h := start(t, api, newFakeKB(), t.TempDir(), nil)
		api.private(testUserID, "/search "+strings.Repeat("党建", 300))
		api.waitSent(testUserID, 1) // the two commands are handled concurrently
		api.private(testUserID, "/region "+strings.Repeat("县", 5000))
		h.settle()
		sent := api.sent(testUserID)
		if len(sent) != 2 {
			t.Fatalf("replies = %v, want two", sent)
		}
		var refusal bool
		for _, c := range sent { // handled concurrently: any order
			refusal = refusal || strings.Contains(c.params["text"], "关键词太长")
			if n := len([]rune(c.params["text"])); n > 300 {
				t.Errorf("a reply has %d characters: it echoes the input", n)
			}
		}
		if !refusal {
			t.Errorf("replies = %v, want a polite refusal of the long search", sent)
		}
		h.stop()
		if logs := h.logs.String(); strings.Contains(logs, "level=ERROR") {
			t.Errorf("an over-long search logged an error:\n%s", logs)
		}
	})
	t.Run("wrong webhook secrets", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t)
		listen := freeAddr(t)
		h := start2(t, api, func(o *Options) {
			o.WebhookURL = "https://bot.example.org/hook"
			o.WebhookListen = listen
			o.WebhookSecret = "s3cret"
		})
		api.waitCalls("setWebhook", 1)
		for range 50 {
			req, _ := http.NewRequest(http.MethodPost, "http://"+listen+"/hook", strings.NewReader("{}"))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "guess")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", resp.StatusCode)
			}
		}
		if n := strings.Count(h.logs.String(), "wrong secret token"); n != 1 {
			t.Errorf("50 wrong secrets logged %d lines, want 1", n)
		}
	})
}
