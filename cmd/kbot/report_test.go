package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kbot/bot/store"
)

func TestReport(t *testing.T) {
	data := t.TempDir()
	rec, err := store.Open(context.Background(), filepath.Join(data, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, q := range []store.Question{
		{At: now, Text: "社保卡丢了怎么补办？", ChatType: store.ChatPrivate, Outcome: store.Refused, Reason: "low coverage"},
		{At: now, Text: "社保卡丢了怎么补办", ChatType: store.ChatGroup, Outcome: store.Refused, Reason: "low coverage"},
		{At: now, Text: "三梁村怎么发展集体经济？", ChatType: store.ChatPrivate, Outcome: store.Answered, Mode: "extractive",
			Articles: []store.Article{{ID: "a1", Title: "三梁村的产业路", County: "舒兰市"}}, Answer: store.AnswerRef{ChatID: 7, MessageID: 100}},
		{At: now.Add(-40 * 24 * time.Hour), Text: "很久以前的问题？", ChatType: store.ChatPrivate, Outcome: store.Refused},
	} {
		if err := rec.RecordQuestion(q); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rec.RecordVote(context.Background(), store.Vote{Answer: store.AnswerRef{ChatID: 7, MessageID: 100}, UserID: 7, Verdict: store.ThumbsDown, Reason: store.ReasonIncomplete}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := kbot(t, data, nil, "report", "--since", "30d")
	if code != exitOK {
		t.Fatalf("report exit %d: %s", code, errOut)
	}
	for _, want := range []string{"合计             3      1      2      0      0      1", "《三梁村的产业路》 1 次", "舒兰市 1 次", "社保卡丢了怎么补办", "2 次，拒答 2", "不完整 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "很久以前") {
		t.Error("the report shows a question from before --since")
	}
	code, out, _ = kbot(t, data, nil, "report", "--csv", "--since", "90d")
	if code != exitOK || !strings.Contains(out, "社保卡丢了怎么补办") || !strings.Contains(out, "很久以前的问题") || len(strings.Split(strings.TrimSpace(out), "\n")) != 4 {
		t.Errorf("report --csv (exit %d):\n%s", code, out)
	}

	if code, _, errOut := kbot(t, data, nil, "report", "--since", "soon"); code != exitUsage || !strings.Contains(errOut, "30d") {
		t.Errorf("bad --since: exit %d, %q", code, errOut)
	}
	if code, _, errOut := kbot(t, t.TempDir(), nil, "report"); code != exitError || !strings.Contains(errOut, "no question record") {
		t.Errorf("no record: exit %d, %q", code, errOut)
	}
}
