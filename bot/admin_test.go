package bot

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"kbot/bot/store"
)

// TestUploadPreview: an upload is shown first; only 入库 changes the
// knowledge base; 取消 and a non-admin's press change nothing.
func TestUploadPreview(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	h := start(t, api, kb, t.TempDir(), nil)

	preview := uploadDocument(t, api, "材料.txt", []byte("标题\n正文内容。"), "将加入 1 篇文章")
	last := preview[len(preview)-1]
	for _, want := range []string{"《上传的文章》— 王五（船营区委组织部部长）", "〔船营区〕", "入库"} {
		if !strings.Contains(last, want) {
			t.Errorf("preview %q lacks %q", last, want)
		}
	}
	// A non-admin who sees the button (say, in a shared screen) cannot press it.
	pressButton(t, api, testUserID, testAdminID, "u:ok:")
	h.settle()
	if notice := api.callsTo("answerCallbackQuery"); !strings.Contains(notice[len(notice)-1].params["text"], "只有管理员") {
		t.Errorf("a non-admin's press was answered %q", notice[len(notice)-1].params["text"])
	}
	pressButton(t, api, testAdminID, testAdminID, "u:no:")
	awaitReply(t, api, testAdminID, "已取消，《材料.txt》没有加入知识库")
	kb.mu.Lock()
	added := len(kb.added)
	kb.mu.Unlock()
	if added != 0 {
		t.Fatalf("a cancelled upload reached the knowledge base")
	}
	// The cancelled preview's 入库 no longer works.
	pressButton(t, api, testAdminID, testAdminID, "u:ok:")
	h.settle()
	if notice := api.callsTo("answerCallbackQuery"); !strings.Contains(notice[len(notice)-1].params["text"], "过期") {
		t.Errorf("a used preview's button was answered %q", notice[len(notice)-1].params["text"])
	}

	uploadDocument(t, api, "材料2.txt", []byte("标题\n正文内容。"), "《材料2.txt》将加入")
	acceptUpload(t, api, "已添加《材料2.txt》")
	kb.mu.Lock()
	_, ok := kb.added["材料2.txt"]
	kb.mu.Unlock()
	if !ok {
		t.Fatal("入库 did not add the document")
	}
}

// TestSourcesCanRemoveAnUpload: /sources lists the sources; an uploaded
// one is removed after a confirmation; configured ones offer no button.
func TestSourcesCanRemoveAnUpload(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	kb.added["上传.txt"] = []byte("x")
	h := start(t, api, kb, t.TempDir(), nil)
	api.private(testAdminID, "/sources")
	list := awaitReply(t, api, testAdminID, "来源文件")
	if got := list[len(list)-1]; !strings.Contains(got, "issue.txt — 3 篇") || !strings.Contains(got, "上传.txt — 1 篇（上传）") {
		t.Errorf("/sources = %q", got)
	}
	if kbd := strings.Join(keyboard(t, api.sent(testAdminID)[0]), ","); strings.Contains(kbd, "issue.txt") || !strings.Contains(kbd, "删除 上传.txt") {
		t.Errorf("/sources buttons = %s, want one for the upload only", kbd)
	}
	pressButton(t, api, testAdminID, testAdminID, "x:")
	awaitReply(t, api, testAdminID, "确定要从知识库中删除《上传.txt》吗")
	pressButton(t, api, testUserID, testAdminID, "X:ok:")
	h.settle()
	kb.mu.Lock()
	removed := len(kb.removed)
	kb.mu.Unlock()
	if removed != 0 {
		t.Fatal("a non-admin removed a source")
	}
	pressButton(t, api, testAdminID, testAdminID, "X:ok:")
	awaitReply(t, api, testAdminID, "已删除《上传.txt》")
	kb.mu.Lock()
	defer kb.mu.Unlock()
	if len(kb.removed) != 1 || kb.removed[0] != "上传.txt" {
		t.Errorf("removed = %v", kb.removed)
	}
	api.private(testUserID, "/sources")
	if got := awaitReply(t, api, testUserID, "仅限管理员"); len(got) != 1 {
		t.Errorf("a member's /sources got %v", got)
	}
}

// TestGapsAndStats: an admin sees the refused and 👎 questions in /gaps,
// as a CSV file with /gaps csv, and usage figures in /stats.
func TestGapsAndStats(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	rec := openRecord(t)
	h := start(t, api, newFakeKB(), t.TempDir(), func(o *Options) { o.Record = rec })
	api.private(testUserID, "明天天气怎么样？")
	api.private(testUserID, "明天天气怎么样")
	api.private(testUserID, "永吉县做了什么？")
	api.waitSent(testUserID, 3)
	h.settle()
	var answer call
	for _, c := range api.sent(testUserID) { // answered concurrently: any order
		if strings.Contains(c.params["text"], "[1]") {
			answer = c
		}
	}
	api.press(testUserID, testUserID, answer.msgID, "v:d:"+string(store.ReasonIncomplete))
	h.settle()
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	api.private(testAdminID, "/gaps")
	gaps := awaitReply(t, api, testAdminID, "未答好的问题")[0]
	for _, want := range []string{"明天天气怎么样", "2 次", "拒答 2", "永吉县做了什么", "👎 1", "不完整 1"} {
		if !strings.Contains(gaps, want) {
			t.Errorf("/gaps = %q lacks %q", gaps, want)
		}
	}
	api.private(testAdminID, "/gaps csv")
	docs := api.waitCalls("sendDocument", 1)
	if docs[0].params["chat_id"] != "42" || !strings.Contains(docs[0].params["document"], "明天天气怎么样") {
		t.Errorf("/gaps csv sent %v", docs[0].params)
	}
	resp, err := http.Get("http://" + h.bot.OpsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Three questions and a vote.
	for _, want := range []string{"kbot_record_open 1", "kbot_record_written 4", `kbot_votes_total{vote="down_incomplete"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	api.private(testAdminID, "/stats")
	stats := awaitReply(t, api, testAdminID, "运行状态")
	got := stats[len(stats)-1]
	for _, want := range []string{"近 30 天", "提问 3，拒答 2", "👎 1", "按天", "按周", time.Now().Format("01-02"), "《抓党建促振兴》 1 次", "永吉县 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("/stats = %q lacks %q", got, want)
		}
	}
}

// TestDeepLinkOpensArticleCard: t.me/<bot>?start=a_<id> opens the
// article's card; the passage view offers it too.
func TestDeepLinkOpensArticleCard(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	h := start(t, api, newFakeKB(), t.TempDir(), nil)
	api.private(testUserID, "/start a_a1")
	card := api.waitSent(testUserID, 1)[0].params["text"]
	for _, want := range []string{"《抓党建促振兴》", "张三（永吉县委书记）", "县区：永吉县", "提纲", "一、强化引领", "永吉县以党建引领乡村振兴"} {
		if !strings.Contains(card, want) {
			t.Errorf("card %q lacks %q", card, want)
		}
	}
	api.private(testUserID, "/start a_nope")
	if got := api.waitSent(testUserID, 2)[1].params["text"]; !strings.Contains(got, "没有找到这篇文章") {
		t.Errorf("unknown article: %q", got)
	}
	api.private(testUserID, "/start")
	if got := api.waitSent(testUserID, 3)[2].params["text"]; !strings.Contains(got, "您好") {
		t.Errorf("plain /start: %q", got)
	}
	api.press(testUserID, testUserID, 1, "c:1:c-a1-0")
	passage := api.waitSent(testUserID, 4)[3]
	if kbd := strings.Join(keyboard(t, passage), ","); !strings.Contains(kbd, "文章概览=k:a1") {
		t.Errorf("passage keyboard = %s, want the card button", kbd)
	}
	h.settle()
}
