package store_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"kbot/bot/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "kbot-record")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	now := time.Date(2025, 5, 14, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, store.FileName),
		store.WithClock(func() time.Time { return now }), store.WithLocation(time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// The bot records each answer after sending it…
	for i, text := range []string{"长春市有哪些党建经验？", "长春市 有哪些党建经验", "磐石市怎样抓党建？"} {
		q := store.Question{
			Text: text, ChatType: store.ChatSupergroup, Outcome: store.Refused, Reason: "unknown place",
			Answer: store.AnswerRef{ChatID: -100123, MessageID: 10 + i},
		}
		if i == 2 {
			q.Outcome, q.Reason, q.Mode = store.Answered, "", "extractive"
			q.Articles = []store.Article{{ID: "a7", Title: "抓党建促振兴", County: "磐石市"}}
		}
		if err := s.RecordQuestion(q); err != nil {
			log.Print(err) // the answer has gone out; only the record is lost
		}
	}
	// …and each vote, which may change but never doubles.
	for _, reason := range []store.Reason{store.ReasonOffTopic, store.ReasonIncomplete} {
		v := store.Vote{Answer: store.AnswerRef{ChatID: -100123, MessageID: 12}, UserID: 42, Verdict: store.ThumbsDown, Reason: reason}
		if err := s.RecordVote(ctx, v); err != nil {
			log.Print(err)
		}
	}

	gaps, err := s.Gaps(ctx, now.AddDate(0, 0, -30))
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range gaps {
		fmt.Printf("%s ×%d (refused %d, 👎 %d %v, phrasings %d)\n", g.Question, g.Count, g.Refused, g.Down, g.VoteReasons, len(g.Variants))
	}
	st, err := s.Stats(ctx, now.AddDate(0, 0, -6))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("7 days: %d questions, %d refused, 👍 %d 👎 %d; top article %s (%d)\n",
		st.Total.Questions, st.Total.Refused, st.Total.Up, st.Total.Down, st.Articles[0].Title, st.Articles[0].Answers)
	// Output:
	// 长春市 有哪些党建经验 ×2 (refused 2, 👎 0 [], phrasings 1)
	// 磐石市怎样抓党建？ ×1 (refused 0, 👎 1 [{不完整 1}], phrasings 1)
	// 7 days: 3 questions, 2 refused, 👍 0 👎 1; top article 抓党建促振兴 (1)
}
