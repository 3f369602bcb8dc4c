package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for retention and stats.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// quietLogger drops log output that a test does not look at.
func quietLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

// testPath returns a database path in a fresh temporary directory.
func testPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "data", FileName)
}

// openAt opens the store at path for the test and closes it when the test
// ends (a test that closes it earlier gets ErrClosed there, which is fine).
func openAt(t testing.TB, path string, opts ...Option) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, path, append([]Option{WithLogger(quietLogger())}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openAt(t, testPath(t), opts...)
}

// ctxT is a context for one store call in a test: generous, so that a
// busy machine does not fail the test, yet bounded.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// refused is a refused question in a private chat, answered by message msg.
func refused(text string, chat int64, msg int) Question {
	return Question{
		Text: text, ChatType: ChatPrivate, Outcome: Refused, Reason: "no_passage", Mode: "refusal",
		Answer: AnswerRef{ChatID: chat, MessageID: msg},
	}
}

// answered is an answered question citing arts, answered by message msg.
func answered(text string, chat int64, msg int, arts ...Article) Question {
	return Question{
		Text: text, ChatType: ChatGroup, Outcome: Answered, Mode: "extractive", Articles: arts,
		Answer: AnswerRef{ChatID: chat, MessageID: msg},
	}
}

func mustRecord(t testing.TB, s *Store, qs ...Question) {
	t.Helper()
	for _, q := range qs {
		if err := s.RecordQuestion(q); err != nil {
			t.Fatalf("RecordQuestion(%q): %v", q.Text, err)
		}
	}
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

func mustVote(t testing.TB, s *Store, vs ...Vote) {
	t.Helper()
	for _, v := range vs {
		if err := s.RecordVote(ctxT(t), v); err != nil {
			t.Fatalf("RecordVote(%+v): %v", v, err)
		}
	}
}

func mustGaps(t testing.TB, s *Store, since time.Time) []Gap {
	t.Helper()
	gaps, err := s.Gaps(ctxT(t), since)
	if err != nil {
		t.Fatalf("Gaps: %v", err)
	}
	return gaps
}

func mustStats(t testing.TB, s *Store, since time.Time) Stats {
	t.Helper()
	st, err := s.Stats(ctxT(t), since)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// waitFor polls cond until it holds or the test's patience (10 s) ends;
// it waits on a condition rather than for a fixed time.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
