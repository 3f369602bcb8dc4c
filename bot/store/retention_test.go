package store

import (
	"database/sql"
	"testing"
	"time"
)

// rowCounts counts the rows of each table, to see that nothing is orphaned.
func rowCounts(t *testing.T, s *Store) (questions, citations, votes int) {
	t.Helper()
	err := s.withDB(func(db *sql.DB) error {
		for table, n := range map[string]*int{"questions": &questions, "citations": &citations, "votes": &votes} {
			if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return questions, citations, votes
}

func TestPruneDeletesOldRows(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name      string
		retention time.Duration
		ages      []time.Duration // of the questions, each cited once and voted on once
		wantKept  int
	}{
		{"default keeps 180 days", 0, []time.Duration{200 * day, 181 * day, 179 * day, time.Hour}, 2},
		{"a week", 7 * day, []time.Duration{8 * day, 6 * day}, 1},
		{"nothing old", 0, []time.Duration{day}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
			opts := []Option{WithClock(clk.Now)}
			if tt.retention > 0 {
				opts = append(opts, WithRetention(tt.retention))
			}
			s := openTest(t, opts...)
			for i, age := range tt.ages {
				q := answered("问题", 1, i+1, Article{ID: "a1", Title: "题", County: "磐石市"})
				q.At = clk.Now().Add(-age)
				mustRecord(t, s, q)
				// A recent vote does not keep an old question.
				mustVote(t, s, Vote{Answer: q.Answer, UserID: 5, Verdict: ThumbsDown})
			}
			n, err := s.Prune(ctxT(t))
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			gone := int64(len(tt.ages) - tt.wantKept)
			if n != (Pruned{Questions: gone, Votes: gone}) {
				t.Errorf("Prune = %+v, want %d questions and votes", n, gone)
			}
			q, c, v := rowCounts(t, s)
			if q != tt.wantKept || c != tt.wantKept || v != tt.wantKept {
				t.Errorf("rows left: %d questions, %d citations, %d votes; want %d each", q, c, v, tt.wantKept)
			}
			if gaps := mustGaps(t, s, time.Time{}); len(gaps) != 1 || gaps[0].Count != tt.wantKept {
				t.Errorf("gaps after pruning %+v, want one of %d askings", gaps, tt.wantKept)
			}
		})
	}
}

func TestPruneOnOpen(t *testing.T) {
	clk := newClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	path := testPath(t)
	s := openAt(t, path, WithClock(clk.Now))
	mustRecord(t, s, refused("旧问题", 1, 1))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(DefaultRetention + time.Hour)
	var logs logBuffer
	s = openAt(t, path, WithClock(clk.Now), WithLogger(logs.logger()))
	if q, _, _ := rowCounts(t, s); q != 0 {
		t.Errorf("%d questions after reopening past the retention period, want 0", q)
	}
	if log := logs.String(); !containsAll(log, "record pruned", "questions=1") {
		t.Errorf("log lacks the prune:\n%s", log)
	}
}

func TestPrunePeriodically(t *testing.T) {
	clk := newClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	s := openTest(t, WithClock(clk.Now), WithPruneEvery(5*time.Millisecond))
	mustRecord(t, s, refused("会过期的问题", 1, 1))
	clk.Add(DefaultRetention + time.Hour)
	waitFor(t, "the periodic prune", func() bool {
		q, _, _ := rowCounts(t, s)
		return q == 0
	})
}
