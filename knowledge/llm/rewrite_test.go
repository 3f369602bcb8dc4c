package llm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"kbot/knowledge"
)

func TestElliptical(t *testing.T) {
	tests := []struct {
		q    string
		want bool
	}{
		{"它是哪一年开始的？", true},
		{"他们还做了什么？", true},
		{"这个做法有什么效果？", true},
		{"该县还有哪些经验？", true},
		{"其成效如何？", true},
		{"还有呢？", true},
		{"那永吉县呢？", true},
		{"那么经开区是怎么做的？", true},
		{"蛟河市的做法呢", true},
		{"具体措施？", true},
		{"上述经验可以推广吗？", true},
		{"吉林市各县区在基层党建方面有哪些做法？", false},
		{"永吉县口前镇如何开展网格化管理？", false},
		{"其他县区怎样推进乡村振兴工作？", false},
		{"党员应该如何在疫情防控中发挥作用？", false},
		{"尤其是农村党组织建设有哪些经验？", false},
		{"", false},
	}
	for _, tt := range tests {
		name := "standalone " + tt.q
		if tt.want {
			name = "elliptical " + tt.q
		}
		t.Run(name, func(t *testing.T) {
			if got := Elliptical(tt.q); got != tt.want {
				t.Errorf("Elliptical(%q) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestRewrite(t *testing.T) {
	history := []knowledge.Turn{{Question: "永吉县如何开展网格化管理？", Answer: "全镇划分为42个网格[1]。"}}
	tests := []struct {
		name      string
		q         knowledge.Question
		reply     string
		status    int
		want      string
		wantCalls int
		wantErr   bool
	}{
		{
			name:      "standalone question makes no call",
			q:         knowledge.Question{Text: "蛟河市如何推进乡村振兴工作？", History: history},
			want:      "蛟河市如何推进乡村振兴工作？",
			wantCalls: 0,
		},
		{
			name:      "elliptical question without history makes no call",
			q:         knowledge.Question{Text: "那它呢？"},
			want:      "那它呢？",
			wantCalls: 0,
		},
		{
			name:      "elliptical question is rewritten",
			q:         knowledge.Question{Text: "他们多久走访一次？", History: history},
			reply:     "改写后的问题：永吉县的网格员多久入户走访一次？\n",
			want:      "永吉县的网格员多久入户走访一次？",
			wantCalls: 1,
		},
		{
			name:      "absurdly long rewrite falls back to the question",
			q:         knowledge.Question{Text: "还有呢？", History: history},
			reply:     strings.Repeat("永吉县网格化管理", 40),
			want:      "还有呢？",
			wantCalls: 1,
		},
		{
			name:      "rewrite without Chinese falls back to the question",
			q:         knowledge.Question{Text: "还有呢？", History: history},
			reply:     "Sure! Here is the question.",
			want:      "还有呢？",
			wantCalls: 1,
		},
		{
			name:      "failing server returns the question and an error",
			q:         knowledge.Question{Text: "还有呢？", History: history},
			status:    http.StatusBadRequest,
			want:      "还有呢？",
			wantCalls: 1,
			wantErr:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLLM(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tt.status != 0 {
					apiError(w, tt.status, "bad request")
					return
				}
				reply(w, tt.reply)
			})
			w := newTestWriter(t, f.url(), func(o *Options) { o.Stream = true })
			got, err := w.Rewrite(context.Background(), tt.q)
			if got != tt.want {
				t.Errorf("Rewrite = %q, want %q", got, tt.want)
			}
			var e *Error
			if tt.wantErr != errors.As(err, &e) {
				t.Errorf("err = %v, want error: %v", err, tt.wantErr)
			}
			if f.calls() != tt.wantCalls {
				t.Fatalf("server saw %d requests, want %d", f.calls(), tt.wantCalls)
			}
			if tt.wantCalls == 0 {
				return
			}
			req := f.request(0)
			if req.Stream || f.limit(0).MaxTokens != rewriteMaxTokens {
				t.Errorf("rewrite request stream=%v max_tokens=%d, want unstreamed and %d", req.Stream, f.limit(0).MaxTokens, rewriteMaxTokens)
			}
			user := req.Messages[len(req.Messages)-1].Content
			if !strings.Contains(user, "<followup>\n"+tt.q.Text+"\n</followup>") || !strings.Contains(user, history[0].Question) {
				t.Errorf("rewrite prompt lacks the follow-up or the history:\n%s", user)
			}
		})
	}
}
