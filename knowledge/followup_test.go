package knowledge_test

import (
	"context"
	"strings"
	"testing"

	"kbot/knowledge"
)

// Follow-ups without a language model inherit the county, article or
// topic of the chat's previous question.
func TestFollowUpWithoutWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bundled index")
	}
	b, err := knowledge.Open(context.Background(), testOptions(t.TempDir(), knowledge.BundledSource))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first := "永吉县在人才工作上有哪些做法？"
	prev, err := b.Ask(ctx, knowledge.Question{Text: first})
	if err != nil || prev.Refused {
		t.Fatalf("first question: %+v, %v", prev, err)
	}
	history := []knowledge.Turn{{Question: first, Answer: prev.Text}}
	tests := []struct {
		name, text string
		// wantRegion is the county the answer must be scoped to; wantIn a
		// string of the answer; notIn a string it must not repeat.
		wantRegion, wantIn, notIn string
	}{
		{name: "another county inherits the topic", text: "那蛟河市呢？", wantRegion: "蛟河市", wantIn: "人才"},
		{name: "more of the same answer skips what was said", text: "还有呢？", wantRegion: "永吉县", notIn: firstSentence(prev.Text)},
		{name: "a pronoun keeps the county and topic", text: "他们具体怎么做的？", wantRegion: "永吉县", wantIn: "人才"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans, err := b.Ask(ctx, knowledge.Question{Text: tt.text, History: history})
			if err != nil {
				t.Fatal(err)
			}
			if ans.Refused {
				t.Fatalf("follow-up %q refused: %s", tt.text, ans.Text)
			}
			if ans.Region != tt.wantRegion {
				t.Errorf("region = %q, want %q", ans.Region, tt.wantRegion)
			}
			if tt.wantIn != "" && !strings.Contains(ans.Text, tt.wantIn) {
				t.Errorf("answer lacks %q:\n%s", tt.wantIn, ans.Text)
			}
			if tt.notIn != "" && strings.Contains(ans.Text, tt.notIn) {
				t.Errorf("answer repeats %q:\n%s", tt.notIn, ans.Text)
			}
		})
	}
	// A question that stands on its own ignores the history.
	ans, err := b.Ask(ctx, knowledge.Question{Text: "三梁村养猪一年净赚多少？", History: history})
	if err != nil || ans.Refused || ans.Region != "" || !strings.Contains(ans.Text, "1000") {
		t.Fatalf("standalone question with history: %+v, %v", ans, err)
	}
}

func firstSentence(s string) string {
	if i := strings.Index(s, "。"); i >= 0 {
		return s[:i]
	}
	return s
}

// countingWriter records the questions it is asked to write for.
type countingWriter struct{ asked []knowledge.Question }

func (w *countingWriter) Write(_ context.Context, q knowledge.Question, results []knowledge.Result) (knowledge.Answer, error) {
	w.asked = append(w.asked, q)
	return knowledge.Answer{Text: "写好的回答[1]", Mode: knowledge.ModeLLM}, nil
}

func (w *countingWriter) Rewrite(_ context.Context, q knowledge.Question) (string, error) {
	return q.Text, nil
}

// The refusal gates the writer: no model call for a question the
// passages do not answer, and the wanted kind of answer goes with the
// others.
func TestRefusalGatesTheWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bundled index")
	}
	w := &countingWriter{}
	opts := testOptions(t.TempDir(), knowledge.BundledSource)
	opts.Writer = w
	b, err := knowledge.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := b.Ask(context.Background(), knowledge.Question{Text: "社保卡丢了怎么挂失补办？"})
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Refused || len(w.asked) != 0 {
		t.Fatalf("negative question: refused %v, writer called %d times", ans.Refused, len(w.asked))
	}
	ans, err = b.Ask(context.Background(), knowledge.Question{Text: "三梁村养猪一年净赚多少？"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Refused || len(w.asked) != 1 || w.asked[0].Kind != "number" {
		t.Fatalf("answerable question: refused %v, writer asked %+v", ans.Refused, w.asked)
	}
}

// A county named in the question scopes the answer and wins over the
// chat's scope; a passage from another county that is still quoted is
// labelled with its county.
func TestCountyScope(t *testing.T) {
	src := t.TempDir()
	writeDoc(t, src, "a.md", `---
title: 永吉县开展党员冬训
author: 永吉县委组织部
regions: [永吉县]
---
永吉县委组织部组织全县党员参加冬季集中培训，重点学习党章党规。培训采取集中授课和分组讨论相结合的方式进行。
`)
	writeDoc(t, src, "b.md", `---
title: 舒兰市结对帮扶工作
author: 舒兰市委组织部
regions: [舒兰市]
---
舒兰市委组织部组织机关党支部与农村党支部结对帮扶，全市共结成帮扶对子120个。其中，舒兰市与永吉县的乡镇开展跨县结对，永吉县的岔路河镇与舒兰市的法特镇结成帮扶对子8个。
`)
	b, err := knowledge.Open(context.Background(), testOptions(t.TempDir(), src))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ans, err := b.Ask(ctx, knowledge.Question{Text: "永吉县的党员冬训学习什么内容？", Region: "舒兰市"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Refused || ans.Region != "永吉县" || !strings.Contains(ans.Text, "党章党规") {
		t.Fatalf("county in the question: %+v", ans)
	}
	ans, err = b.Ask(ctx, knowledge.Question{Text: "永吉县的岔路河镇和法特镇结成了多少个帮扶对子？"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Refused || !strings.Contains(ans.Text, "8个") || !strings.Contains(ans.Text, "（舒兰市）") {
		t.Fatalf("a passage from another county is not labelled: %+v", ans)
	}
}
