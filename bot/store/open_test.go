package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCorruptFileMovedAside(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(t *testing.T, path string)
	}{
		{"not a database", func(t *testing.T, path string) {
			text := bytes.Repeat([]byte("这不是数据库，只是一段文字。"), 100)
			if err := os.WriteFile(path, text, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"damaged pages", func(t *testing.T, path string) {
			s := openAt(t, path)
			for i := range 300 {
				mustRecord(t, s, refused(fmt.Sprintf("第%d个没有答案的问题，写得长一些好占满几页", i), 1, i+1))
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Leave the header page; scribble over the next ones.
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 3*4096), 4096); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := testPath(t)
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			tt.spoil(t, path)
			spoilt, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			clk := newClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
			var logs logBuffer
			s := openAt(t, path, WithLogger(logs.logger()), WithClock(clk.Now))

			aside := fmt.Sprintf("%s.corrupt-%d", path, clk.Now().Unix())
			moved, err := os.ReadFile(aside)
			if err != nil {
				t.Fatalf("corrupt file not moved aside: %v", err)
			}
			if !bytes.Equal(moved, spoilt) {
				t.Errorf("the moved file differs from the corrupt one")
			}
			log := logs.String()
			if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "record database is corrupt") ||
				!strings.Contains(log, "moved_to="+aside) {
				t.Errorf("log lacks the warning with the new name:\n%s", log)
			}
			if gaps := mustGaps(t, s, time.Time{}); len(gaps) != 0 {
				t.Errorf("fresh database has %d gaps", len(gaps))
			}
			mustRecord(t, s, refused("新的问题", 1, 1))
			if gaps := mustGaps(t, s, time.Time{}); len(gaps) != 1 {
				t.Errorf("fresh database: %d gaps after one refusal, want 1", len(gaps))
			}
		})
	}
}

// lockFile holds the write lock of the database at path, as another
// process would, until the returned function is called.
func lockFile(t *testing.T, path string) (unlock func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctxT(t), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatalf("take lock: %v", err)
	}
	done := false
	unlock = func() {
		if done {
			return
		}
		done = true
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Errorf("release lock: %v", err)
		}
		conn.Close()
		db.Close()
	}
	t.Cleanup(unlock)
	return unlock
}

// fastRetry makes a store notice a lock and retry within milliseconds.
func fastRetry() []Option {
	return []Option{WithBusyTimeout(20 * time.Millisecond), WithRetry(10*time.Millisecond, 40*time.Millisecond)}
}

func TestLockedDatabaseRecordsAgainWhenItCan(t *testing.T) {
	path := testPath(t)
	var logs logBuffer
	s := openAt(t, path, append(fastRetry(), WithLogger(logs.logger()))...)
	mustRecord(t, s, refused("锁之前的问题", 1, 1))

	unlock := lockFile(t, path)
	// Recording a question does not wait; a vote waits as long as its
	// context allows and then reports that it is still queued.
	if err := s.RecordQuestion(refused("锁住时的问题", 1, 2)); err != nil {
		t.Fatalf("RecordQuestion while locked: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.RecordVote(ctx, Vote{Answer: AnswerRef{ChatID: 1, MessageID: 2}, UserID: 3, Verdict: ThumbsDown})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RecordVote while locked: %v, want a deadline error", err)
	}
	waitFor(t, "the store to report the lock", func() bool { return s.Status().LastErr != nil })
	// Reports still read while another process writes.
	if gaps := mustGaps(t, s, time.Time{}); len(gaps) != 1 {
		t.Errorf("while locked: %d gaps, want the 1 written before", len(gaps))
	}

	unlock()
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatalf("Flush after unlock: %v", err)
	}
	gaps := mustGaps(t, s, time.Time{})
	if len(gaps) != 2 || gaps[0].Down+gaps[1].Down != 1 {
		t.Errorf("after unlock: gaps %+v, want 2 with one 👎 (the question and vote made while locked are recorded)", gaps)
	}
	st := s.Status()
	if st.Failed != 0 || st.Dropped != 0 || st.LastErr != nil {
		t.Errorf("status after recovery %+v: want nothing failed or dropped and no error", st)
	}
	if log := logs.String(); !strings.Contains(log, "record write failed") {
		t.Errorf("log lacks the failure:\n%s", log)
	}
	// The recovery is logged just after the waiters are told.
	waitFor(t, "the recovery in the log", func() bool { return strings.Contains(logs.String(), "recording again") })
}

func TestQueueFullDropsAndCounts(t *testing.T) {
	path := testPath(t)
	s := openAt(t, path, append(fastRetry(), WithQueueSize(4))...)
	mustRecord(t, s, refused("第一个", 1, 1))
	unlock := lockFile(t, path)

	const n = 50
	full := 0
	for i := range n {
		err := s.RecordQuestion(refused(fmt.Sprintf("问题%d", i), 2, i+1))
		switch {
		case errors.Is(err, ErrQueueFull):
			full++
		case err != nil:
			t.Fatalf("RecordQuestion %d: %v", i, err)
		}
	}
	if full == 0 {
		t.Fatalf("no record dropped with a queue of 4 and %d records behind a lock", n)
	}
	if got := s.Status().Dropped; got != uint64(full) {
		t.Errorf("Status().Dropped = %d, want %d", got, full)
	}

	unlock()
	waitFor(t, "the queue to drain", func() bool {
		err := s.Flush(ctxT(t))
		if err != nil && !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Flush: %v", err)
		}
		return err == nil
	})
	if got := mustStats(t, s, time.Time{}).Total.Questions; got != 1+n-full {
		t.Errorf("%d questions on record, want %d (1 + %d queued - %d dropped)", got, 1+n-full, n, full)
	}
}

func TestStartRetriesUntilThePathIsUsable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "data")
	// A file where the data directory should be: nothing can be opened
	// under it, even as root.
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	s := Start(filepath.Join(blocker, FileName), append(fastRetry(), WithLogger(logs.logger()))...)
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})

	waitFor(t, "the first failed open", func() bool { return s.Status().LastErr != nil })
	if s.Status().Open {
		t.Fatal("store reports open on an unusable path")
	}
	if _, err := s.Gaps(ctxT(t), time.Time{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Gaps while unavailable: %v, want ErrUnavailable", err)
	}
	if err := s.RecordQuestion(refused("等待的问题", 1, 1)); err != nil {
		t.Fatalf("RecordQuestion while unavailable: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush while unavailable: %v, want a deadline error", err)
	}

	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatalf("Flush once the path is usable: %v", err)
	}
	gaps := mustGaps(t, s, time.Time{})
	if len(gaps) != 1 || gaps[0].Question != "等待的问题" {
		t.Errorf("gaps %+v, want the question queued while unavailable", gaps)
	}
	if log := logs.String(); !strings.Contains(log, "record database unavailable") {
		t.Errorf("log lacks the unavailable warning:\n%s", log)
	}
}

func TestCloseWhileUnavailableReportsLoss(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "data")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Start(filepath.Join(blocker, FileName), append(fastRetry(), WithLogger(quietLogger()))...)
	for i := range 3 {
		if err := s.RecordQuestion(refused("问", 1, i+1)); err != nil {
			t.Fatalf("RecordQuestion: %v", err)
		}
	}
	err := s.Close()
	if err == nil || !strings.Contains(err.Error(), "3 records unwritten") {
		t.Errorf("Close: %v, want it to report 3 records unwritten", err)
	}
	if got := s.Status().Failed; got != 3 {
		t.Errorf("Status().Failed = %d, want 3", got)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := testPath(t)
	s := openAt(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(ctxT(t), path, WithLogger(quietLogger()))
	if err == nil || !strings.Contains(err.Error(), "newer than this kbot") {
		t.Fatalf("Open of a newer file: %v, want a schema version error", err)
	}
	matches, _ := filepath.Glob(path + ".corrupt-*")
	if len(matches) != 0 {
		t.Errorf("a newer file was moved aside: %v", matches)
	}
}
