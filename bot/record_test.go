package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"kbot/bot/store"
	"kbot/knowledge"
)

// openRecord opens a real record store in a temporary directory.
func openRecord(t *testing.T) *store.Store {
	t.Helper()
	rec, err := store.Open(context.Background(), t.TempDir()+"/"+store.FileName)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec
}

// voteTotals reads the votes on record.
func voteTotals(t *testing.T, rec *store.Store) store.Counts {
	t.Helper()
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := rec.Stats(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return st.Total
}

// TestVotesAreRecordedAndCanBeChanged: every answer carries 👍/👎; after
// 👎 the reasons are offered, one tap each; a vote can be changed, never
// doubled; stale and foreign buttons get a polite notice.
func TestVotesAreRecordedAndCanBeChanged(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	rec := openRecord(t)
	h := start(t, api, newFakeKB(), t.TempDir(), func(o *Options) { o.Record = rec })
	api.private(testUserID, "永吉县做了什么？")
	answer := api.waitSent(testUserID, 1)[0]
	kb := strings.Join(keyboard(t, answer), ",")
	if !strings.Contains(kb, "=v:u") || !strings.Contains(kb, "=v:d") || !strings.Contains(kb, "查看原文 [1]") {
		t.Fatalf("answer keyboard %s lacks the vote buttons or the citations", kb)
	}
	h.settle()

	vote := func(user int64, data string) {
		t.Helper()
		api.press(user, testUserID, answer.msgID, data)
		h.settle()
	}
	vote(testUserID, "v:u")
	if c := voteTotals(t, rec); c.Up != 1 || c.Down != 0 {
		t.Fatalf("after 👍: %+v, want one 👍", c)
	}
	vote(testUserID, "v:d")
	edits := api.callsTo("editMessageReplyMarkup")
	if len(edits) < 2 || !strings.Contains(edits[len(edits)-1].params["reply_markup"], "答非所问") {
		t.Fatalf("after 👎 the reasons are not offered: %v", edits)
	}
	if !strings.Contains(edits[len(edits)-1].params["reply_markup"], "查看原文 [1]") {
		t.Errorf("offering the reasons dropped the citation buttons: %s", edits[len(edits)-1].params["reply_markup"])
	}
	vote(testUserID, "v:d:"+string(store.ReasonOffTopic))
	if c := voteTotals(t, rec); c.Up != 0 || c.Down != 1 {
		t.Fatalf("after changing to 👎 with a reason: %+v, want one 👎 and no 👍", c)
	}
	// Another user's vote on the same answer counts separately.
	vote(testAdminID, "v:u")
	if c := voteTotals(t, rec); c.Up != 1 || c.Down != 1 {
		t.Fatalf("after a second user's 👍: %+v, want one of each", c)
	}

	gaps, err := rec.Gaps(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 1 || gaps[0].Down != 1 || len(gaps[0].VoteReasons) != 1 || gaps[0].VoteReasons[0].Label != "答非所问" {
		t.Errorf("gaps = %+v, want the question with one 👎 答非所问", gaps)
	}

	answersBefore := len(api.callsTo("answerCallbackQuery"))
	for _, data := range []string{"v:x", "v:d:no_such_reason", "v:"} {
		vote(testUserID, data)
	}
	api.press(testUserID, testUserID, 99999, "v:u") // not an answer on record
	h.settle()
	notices := api.callsTo("answerCallbackQuery")[answersBefore:]
	if len(notices) != 4 {
		t.Fatalf("%d notices for 4 stale presses", len(notices))
	}
	for _, n := range notices {
		if !strings.Contains(n.params["text"], "过期") && !strings.Contains(n.params["text"], "无法评价") {
			t.Errorf("stale press answered %q", n.params["text"])
		}
	}
	if c := voteTotals(t, rec); c.Up != 1 || c.Down != 1 {
		t.Errorf("stale presses changed the votes: %+v", c)
	}
}

// TestQuestionsAreRecorded: answers and refusals reach the record with
// their outcome, chat type, scope and cited articles; nothing names the
// user.
func TestQuestionsAreRecorded(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	rec := openRecord(t)
	h := start(t, api, newFakeKB(), t.TempDir(), func(o *Options) { o.Record = rec })
	api.private(testUserID, "永吉县做了什么？")
	api.private(testUserID, "明天天气怎么样？")
	api.group(testUserID, "/ask 永吉县做了什么？", nil)
	h.settle()
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := rec.Stats(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.Questions != 3 || st.Total.Answered != 2 || st.Total.Refused != 1 {
		t.Errorf("recorded %+v, want 3 questions: 2 answered, 1 refused", st.Total)
	}
	if len(st.Articles) != 1 || st.Articles[0].Title != "抓党建促振兴" || st.Articles[0].Answers != 2 || st.Articles[0].County != "永吉县" {
		t.Errorf("most cited = %+v, want 抓党建促振兴 (永吉县) twice", st.Articles)
	}
	gaps, err := rec.Gaps(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 1 || gaps[0].Question != "明天天气怎么样？" || gaps[0].Refused != 1 {
		t.Errorf("gaps = %+v, want the refused weather question", gaps)
	}
}

// TestRegionScopesTheChat: /region sets the chat's scope for the
// following questions, shown in each answer's footer, kept across a
// restart, until /region 全部.
func TestRegionScopesTheChat(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb := newFakeKB()
	dir := t.TempDir()
	h := start(t, api, kb, dir, nil)
	ask := func(h *harness, n int) knowledge.Question {
		t.Helper()
		api.group(testUserID, "/ask 做了什么？", nil)
		api.waitSent(testGroupID, n)
		h.settle()
		qs := kb.questions()
		return qs[len(qs)-1]
	}
	api.group(testUserID, "/region 船营", nil)
	if got := api.waitSent(testGroupID, 1)[0].params["text"]; !strings.Contains(got, "已将查询范围设为船营区") {
		t.Fatalf("/region replied %q", got)
	}
	if q := ask(h, 2); q.Region != "船营区" {
		t.Errorf("the question after /region 船营 has region %q, want 船营区", q.Region)
	}
	if text := api.sent(testGroupID)[1].params["text"]; !strings.Contains(text, "查询范围：船营区") {
		t.Errorf("the answer's footer does not show the scope: %q", text)
	}
	if q := kb.questions(); len(q) != 1 {
		t.Fatalf("asked %d questions", len(q))
	}
	// Another chat is not scoped.
	api.private(testUserID, "做了什么？")
	api.waitSent(testUserID, 1)
	h.settle()
	if qs := kb.questions(); qs[len(qs)-1].Region != "" {
		t.Errorf("a private chat inherited the group's scope %q", qs[len(qs)-1].Region)
	}

	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	h = start(t, api, kb, dir, nil)
	if q := ask(h, 3); q.Region != "船营区" {
		t.Errorf("after a restart the scope is %q, want 船营区", q.Region)
	}
	api.group(testUserID, "/region 全部", nil)
	awaitReply(t, api, testGroupID, "已取消查询范围")
	if q := ask(h, 5); q.Region != "" {
		t.Errorf("after /region 全部 the scope is %q, want none", q.Region)
	}
	if text := api.sent(testGroupID)[4].params["text"]; strings.Contains(text, "查询范围") {
		t.Errorf("an unscoped answer shows a scope: %q", text)
	}
	api.group(testUserID, "/region 火星", nil)
	if got := awaitReply(t, api, testGroupID, "没有找到"); !strings.Contains(got[len(got)-1], "已知县区：永吉县、船营区") {
		t.Errorf("unknown region replied %q", got[len(got)-1])
	}
}
