package store

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRestartKeepsVotesAndGaps(t *testing.T) {
	path := testPath(t)
	s := openAt(t, path)
	mustRecord(t, s,
		refused("长春市有哪些党建经验？", 1, 10),
		answered("磐石市怎样抓党建？", 2, 20, Article{ID: "a1", Title: "抓党建", County: "磐石市"}),
	)
	mustVote(t, s, Vote{Answer: AnswerRef{ChatID: 2, MessageID: 20}, UserID: 7, Verdict: ThumbsDown, Reason: ReasonIncomplete})
	before := mustGaps(t, s, time.Time{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openAt(t, path)
	after := mustGaps(t, s, time.Time{})
	if len(after) != 2 {
		t.Fatalf("after restart: %d gaps, want 2: %+v", len(after), after)
	}
	if !gapsEqual(before, after) {
		t.Errorf("gaps changed across restart:\nbefore %+v\nafter  %+v", before, after)
	}
	// The same user changing the vote after the restart replaces it,
	// which needs the same salt and so the same hash.
	mustVote(t, s, Vote{Answer: AnswerRef{ChatID: 2, MessageID: 20}, UserID: 7, Verdict: ThumbsUp})
	st := mustStats(t, s, time.Time{})
	if st.Total.Up != 1 || st.Total.Down != 0 {
		t.Errorf("after changing the vote: up %d, down %d; want 1, 0", st.Total.Up, st.Total.Down)
	}
	if gaps := mustGaps(t, s, time.Time{}); len(gaps) != 1 || gaps[0].Question != "长春市有哪些党建经验？" {
		t.Errorf("gaps after 👍: %+v, want only the refused question", gaps)
	}
}

func gapsEqual(a, b []Gap) bool {
	return slices.EqualFunc(a, b, func(x, y Gap) bool {
		return x.Question == y.Question && x.Count == y.Count && x.Refused == y.Refused && x.Down == y.Down &&
			slices.Equal(x.VoteReasons, y.VoteReasons) && slices.Equal(x.RefusalReasons, y.RefusalReasons) &&
			x.LastAsked.Equal(y.LastAsked) && slices.Equal(x.Variants, y.Variants)
	})
}

func TestVoteChanged(t *testing.T) {
	ref := AnswerRef{ChatID: -100, MessageID: 5}
	tests := []struct {
		name      string
		votes     []Vote
		up, down  int
		reasons   []Tally
		gapsCount int
	}{
		{
			name: "up then down with a reason then up counts one up",
			votes: []Vote{
				{Answer: ref, UserID: 1, Verdict: ThumbsUp},
				{Answer: ref, UserID: 1, Verdict: ThumbsDown, Reason: ReasonOffTopic},
				{Answer: ref, UserID: 1, Verdict: ThumbsUp},
			},
			up: 1,
		},
		{
			name: "down then up then down keeps the last reason",
			votes: []Vote{
				{Answer: ref, UserID: 1, Verdict: ThumbsDown},
				{Answer: ref, UserID: 1, Verdict: ThumbsUp},
				{Answer: ref, UserID: 1, Verdict: ThumbsDown, Reason: ReasonNotFound},
			},
			down: 1, reasons: []Tally{{Label: "没找到", Count: 1}}, gapsCount: 1,
		},
		{
			name: "reason changed twice keeps one down with the last reason",
			votes: []Vote{
				{Answer: ref, UserID: 1, Verdict: ThumbsDown, Reason: ReasonIncomplete},
				{Answer: ref, UserID: 1, Verdict: ThumbsDown, Reason: ReasonBadCitation},
			},
			down: 1, reasons: []Tally{{Label: "引用有误", Count: 1}}, gapsCount: 1,
		},
		{
			name: "a reasonless down after a down with a reason keeps the reason",
			votes: []Vote{
				{Answer: ref, UserID: 1, Verdict: ThumbsDown, Reason: ReasonIncomplete},
				{Answer: ref, UserID: 1, Verdict: ThumbsDown},
			},
			down: 1, reasons: []Tally{{Label: "不完整", Count: 1}}, gapsCount: 1,
		},
		{
			name: "up after a down with a reason drops the reason",
			votes: []Vote{
				{Answer: ref, UserID: 1, Verdict: ThumbsDown, Reason: ReasonIncomplete},
				{Answer: ref, UserID: 1, Verdict: ThumbsUp},
				{Answer: ref, UserID: 1, Verdict: ThumbsDown},
			},
			down: 1, reasons: nil, gapsCount: 1,
		},
		{
			name: "two users count twice",
			votes: []Vote{
				{Answer: ref, UserID: 1, Verdict: ThumbsDown},
				{Answer: ref, UserID: 2, Verdict: ThumbsDown, Reason: ReasonIncomplete},
				{Answer: ref, UserID: 2, Verdict: ThumbsDown, Reason: ReasonIncomplete},
			},
			down: 2, reasons: []Tally{{Label: "不完整", Count: 1}}, gapsCount: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			mustRecord(t, s, answered("永吉县的做法", ref.ChatID, ref.MessageID))
			mustVote(t, s, tt.votes...)
			st := mustStats(t, s, time.Time{})
			if st.Total.Up != tt.up || st.Total.Down != tt.down {
				t.Errorf("up %d, down %d; want %d, %d", st.Total.Up, st.Total.Down, tt.up, tt.down)
			}
			gaps := mustGaps(t, s, time.Time{})
			if len(gaps) != tt.gapsCount {
				t.Fatalf("%d gaps, want %d: %+v", len(gaps), tt.gapsCount, gaps)
			}
			if len(gaps) == 1 {
				if gaps[0].Down != tt.down || !slices.Equal(gaps[0].VoteReasons, tt.reasons) {
					t.Errorf("gap: down %d, reasons %v; want %d, %v", gaps[0].Down, gaps[0].VoteReasons, tt.down, tt.reasons)
				}
			}
		})
	}
}

func TestRecordRejects(t *testing.T) {
	s := openTest(t)
	mustRecord(t, s, answered("问题", 1, 1))
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"question without text", func() error {
			return s.RecordQuestion(Question{Text: " \n\t", ChatType: ChatPrivate, Outcome: Answered})
		}, ErrInvalid},
		{"unknown chat type", func() error {
			return s.RecordQuestion(Question{Text: "问", ChatType: "sender", Outcome: Answered})
		}, ErrInvalid},
		{"unknown outcome", func() error {
			return s.RecordQuestion(Question{Text: "问", ChatType: ChatPrivate, Outcome: "maybe"})
		}, ErrInvalid},
		{"negative message ID", func() error {
			return s.RecordQuestion(Question{Text: "问", ChatType: ChatPrivate, Outcome: Answered, Answer: AnswerRef{MessageID: -1}})
		}, ErrInvalid},
		{"vote without message", func() error {
			return s.RecordVote(ctxT(t), Vote{Answer: AnswerRef{ChatID: 1}, UserID: 1, Verdict: ThumbsUp})
		}, ErrInvalid},
		{"vote without verdict", func() error {
			return s.RecordVote(ctxT(t), Vote{Answer: AnswerRef{ChatID: 1, MessageID: 1}, UserID: 1})
		}, ErrInvalid},
		{"reason with thumbs up", func() error {
			return s.RecordVote(ctxT(t), Vote{Answer: AnswerRef{ChatID: 1, MessageID: 1}, UserID: 1, Verdict: ThumbsUp, Reason: ReasonNotFound})
		}, ErrInvalid},
		{"unknown reason", func() error {
			return s.RecordVote(ctxT(t), Vote{Answer: AnswerRef{ChatID: 1, MessageID: 1}, UserID: 1, Verdict: ThumbsDown, Reason: "boring"})
		}, ErrInvalid},
		{"vote on a message not on record", func() error {
			return s.RecordVote(ctxT(t), Vote{Answer: AnswerRef{ChatID: 1, MessageID: 2}, UserID: 1, Verdict: ThumbsUp})
		}, ErrUnknownAnswer},
		{"vote on the same message ID in another chat", func() error {
			return s.RecordVote(ctxT(t), Vote{Answer: AnswerRef{ChatID: 2, MessageID: 1}, UserID: 1, Verdict: ThumbsUp})
		}, ErrUnknownAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	st := mustStats(t, s, time.Time{})
	if st.Total.Questions != 1 || st.Total.Up+st.Total.Down != 0 {
		t.Errorf("after rejected records: %+v, want the one question and no votes", st.Total)
	}
}

func TestRecordQuestionCleansAndKeepsFirst(t *testing.T) {
	s := openTest(t)
	long := make([]rune, MaxTextRunes+50)
	for i := range long {
		long[i] = '问'
	}
	q := refused("  磐石市\n\n有哪些   经验？ ", 1, 1)
	mustRecord(t, s, q, refused("second record of the same message", 1, 1), refused(string(long), 1, 2))
	gaps := mustGaps(t, s, time.Time{})
	var texts []string
	for _, g := range gaps {
		texts = append(texts, g.Question)
	}
	slices.Sort(texts)
	want := []string{"磐石市 有哪些 经验？", string(long[:MaxTextRunes])}
	slices.Sort(want)
	if !slices.Equal(texts, want) {
		t.Errorf("recorded %q, want %q", texts, want)
	}
}

func TestParseReason(t *testing.T) {
	for _, r := range Reasons() {
		for _, in := range []string{string(r), r.Label()} {
			got, err := ParseReason(in)
			if err != nil || got != r {
				t.Errorf("ParseReason(%q) = %q, %v; want %q", in, got, err, r)
			}
		}
	}
	if _, err := ParseReason("太长"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseReason(unknown) error %v, want ErrInvalid", err)
	}
}

// TestConcurrentWrites has 100 users ask and vote at once; every record
// must be on file afterwards.
func TestConcurrentWrites(t *testing.T) {
	const users, each = 100, 4
	s := openTest(t)
	// One answer that every user also votes on, again and again, so that
	// writers contend on one row.
	shared := AnswerRef{ChatID: -1, MessageID: 1}
	mustRecord(t, s, answered("大家都问的问题", shared.ChatID, shared.MessageID))
	var wg sync.WaitGroup
	errs := make(chan error, users)
	for u := range users {
		wg.Go(func() {
			chat := int64(1000 + u)
			for i := range each {
				q := refused(fmt.Sprintf("用户%d的第%d个问题", u, i), chat, i+1)
				if err := s.RecordQuestion(q); err != nil {
					errs <- fmt.Errorf("user %d question %d: %w", u, i, err)
					return
				}
				v := Vote{Answer: q.Answer, UserID: chat, Verdict: ThumbsUp}
				if i%2 == 1 {
					v.Verdict, v.Reason = ThumbsDown, ReasonIncomplete
				}
				if err := s.RecordVote(ctxT(t), v); err != nil {
					errs <- fmt.Errorf("user %d vote %d: %w", u, i, err)
					return
				}
				// Up and down in turn; the last (i = each-1, odd) is down.
				sv := Vote{Answer: shared, UserID: chat, Verdict: v.Verdict}
				if err := s.RecordVote(ctxT(t), sv); err != nil {
					errs <- fmt.Errorf("user %d shared vote %d: %w", u, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := mustStats(t, s, time.Time{})
	if st.Total.Questions != users*each+1 || st.Total.Refused != users*each {
		t.Errorf("questions %d (refused %d), want %d (%d)", st.Total.Questions, st.Total.Refused, users*each+1, users*each)
	}
	if st.Total.Up != users*each/2 || st.Total.Down != users*each/2+users {
		t.Errorf("up %d, down %d; want %d, %d", st.Total.Up, st.Total.Down, users*each/2, users*each/2+users)
	}
	if got := s.Status(); got.Written != uint64(1+users*each*3) || got.Dropped != 0 || got.Failed != 0 {
		t.Errorf("status %+v: want %d written, none dropped or failed", got, 1+users*each*3)
	}
}

func TestCloseFlushesQueue(t *testing.T) {
	path := testPath(t)
	s := openAt(t, path)
	const n = 300
	for i := range n {
		if err := s.RecordQuestion(refused(fmt.Sprintf("问题%d", i), 1, i+1)); err != nil {
			t.Fatalf("RecordQuestion %d: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.RecordQuestion(refused("迟到的问题", 1, 9999)); !errors.Is(err, ErrClosed) {
		t.Errorf("RecordQuestion after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	s = openAt(t, path)
	if got := mustStats(t, s, time.Time{}).Total.Questions; got != n {
		t.Errorf("after Close and reopen: %d questions, want %d", got, n)
	}
}

// TestVoteLookupUsesIndex guards the vote path against a table scan, which
// would grow with every question kept for the retention period.
func TestVoteLookupUsesIndex(t *testing.T) {
	s := openTest(t)
	var plan []string
	err := s.withDB(func(db *sql.DB) error {
		rows, err := db.Query("EXPLAIN QUERY PLAN "+findAnswerSQL, []byte("x"), 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			plan = append(plan, detail)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || !strings.Contains(plan[0], "INDEX questions_answer") {
		t.Errorf("query plan %q, want a search of questions_answer", plan)
	}
}
