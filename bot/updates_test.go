package bot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"kbot/knowledge"
)

// TestUndecodableUpdateIsSkipped: an update the client library cannot
// decode must not be asked for again and again; the bot moves past it
// and keeps answering.
func TestUndecodableUpdateIsSkipped(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	h := start(t, api, newFakeKB(), t.TempDir(), nil)

	api.mu.Lock()
	bad := api.nextID
	api.nextID++
	api.updates = append(api.updates, json.RawMessage(`{"update_id":`+strconv.FormatInt(bad, 10)+`,"message":"not an object"}`))
	api.mu.Unlock()

	waitFor(t, "a getUpdates call past the undecodable update", func() bool {
		for _, c := range api.callsTo("getUpdates") {
			if off, _ := strconv.ParseInt(c.params["offset"], 10, 64); off > bad {
				return true
			}
		}
		return false
	})
	if !h.handled(bad) {
		t.Error("the undecodable update is not recorded as done")
	}

	api.private(testUserID, "之后的问题")
	api.waitSent(testUserID, 1)
}

// TestCorruptJournalIsMovedAside: a journal that cannot be parsed must not
// keep the bot from starting. It is kept aside for the operator, and the
// bot starts afresh, still answering each re-delivered update once.
func TestCorruptJournalIsMovedAside(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
	}{
		{"text that is not JSON is moved aside", "磁盘出错了"},
		{"a truncated journal is moved aside", `{"offset":12,"pending":[{"update_id":11,"mess`},
		{"a pending update without an id is moved aside", `{"offset":3,"pending":[42]}`},
		{"a wrongly typed offset is moved aside", `{"offset":"3"}`},
		{"an empty file is moved aside", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, journalFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			api := newFakeAPI(t)
			// Telegram still holds these and, offered no offset it
			// knows, sends them again and again.
			api.mu.Lock()
			api.ignoreOffset = true
			api.mu.Unlock()
			first := api.private(testUserID, "永吉县做了什么？")
			second := api.private(testUserID, "船营区做了什么？")
			h := start(t, api, newFakeKB(), dir, nil)

			api.waitSent(testUserID, 2)
			waitFor(t, "both updates recorded as done", func() bool { return h.handled(first) && h.handled(second) })
			h.settle()
			if n := len(api.sent(testUserID)); n != 2 {
				t.Errorf("sent %d answers to 2 re-delivered questions, want 2", n)
			}

			aside, _ := filepath.Glob(path + ".corrupt-*")
			if len(aside) != 1 {
				t.Fatalf("corrupt journals kept aside: %v, want one", aside)
			}
			if kept, err := os.ReadFile(aside[0]); err != nil || string(kept) != tt.content {
				t.Errorf("kept %q (%v), want the corrupt journal unchanged", kept, err)
			}
			logs := h.logs.String()
			if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, path) || !strings.Contains(logs, aside[0]) {
				t.Errorf("no warning naming %s and %s:\n%s", path, aside[0], logs)
			}

			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			j, err := openJournal(dir, h.bot.log)
			if err != nil {
				t.Fatalf("reopen the new journal: %v", err)
			}
			if j.nextOffset() != second+1 || !j.doneSet[first] || !j.doneSet[second] {
				t.Errorf("new journal has offset %d and done %v, want offset %d and both updates done", j.nextOffset(), j.done, second+1)
			}
		})
	}
}

// blockingKB returns a fake knowledge base whose answers wait until the
// returned release is called (or their deadline passes), and a count of
// the answers waiting.
func blockingKB(t *testing.T) (kb *fakeKB, running *atomic.Int32, release func()) {
	kb = newFakeKB()
	running = new(atomic.Int32)
	gate := make(chan struct{})
	release = sync.OnceFunc(func() { close(gate) })
	t.Cleanup(release)
	kb.askFn = func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
		running.Add(1)
		defer running.Add(-1)
		select {
		case <-gate:
		case <-ctx.Done():
			return knowledge.Answer{}, ctx.Err()
		}
		return knowledge.Answer{Text: q.Text + "[1]"}, nil
	}
	return kb, running, release
}

// TestPollingTakesOnlyWhatItCanAnswerSoon: with every answer slot busy
// and the short queue full, the poller stops asking for updates; the
// rest of a burst stays at Telegram until slots free up, and is then
// answered, each question once.
func TestPollingTakesOnlyWhatItCanAnswerSoon(t *testing.T) {
	t.Parallel()
	const maxConcurrent, questions = 2, 20
	slots := pollQueueFactor * maxConcurrent
	api := newFakeAPI(t)
	kb, running, release := blockingKB(t)
	h := start(t, api, kb, t.TempDir(), func(o *Options) { o.MaxConcurrent = maxConcurrent })
	for i := range questions {
		api.private(int64(400+i), "问题"+strconv.Itoa(i))
	}
	delivered := func() int {
		api.mu.Lock()
		defer api.mu.Unlock()
		return len(api.delivered)
	}
	waitFor(t, "the answer slots busy, the queue full and polling waiting for a slot", func() bool {
		return running.Load() == maxConcurrent && gaugeValue(h.bot.metrics.pollBlocked) == 1
	})
	if n := delivered(); n != slots {
		t.Errorf("%d updates taken from Telegram while %d answers run, want %d", n, maxConcurrent, slots)
	}

	release()
	for i := range questions {
		api.waitSent(int64(400+i), 1)
	}
	waitFor(t, "every update recorded as done", func() bool {
		for id := int64(1); id <= questions; id++ {
			if !h.handled(id) {
				return false
			}
		}
		return true
	})
	h.settle()
	for i := range questions {
		if n := len(api.sent(int64(400 + i))); n != 1 {
			t.Errorf("user %d got %d messages for one question, want 1", 400+i, n)
		}
	}
	for _, c := range api.callsTo("getUpdates") {
		if limit, err := strconv.Atoi(c.params["limit"]); err != nil || limit < 1 || limit > slots {
			t.Errorf("getUpdates asked for limit %q, want 1 to %d", c.params["limit"], slots)
		}
	}
}

// TestCommandsAreNotQueuedBehindQuestions: a command taken while every
// answer slot is busy is handled at once; only questions wait for an
// answer slot.
func TestCommandsAreNotQueuedBehindQuestions(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	kb, running, release := blockingKB(t)
	start(t, api, kb, t.TempDir(), func(o *Options) { o.MaxConcurrent = 2 })
	for i := range 3 { // two answered, one waiting for a slot
		api.private(int64(500+i), "问题"+strconv.Itoa(i))
	}
	waitFor(t, "both answer slots busy", func() bool { return running.Load() == 2 })
	api.private(testUserID, "/help")
	help := api.waitSent(testUserID, 1)
	if !strings.Contains(help[0].params["text"], "/ask") {
		t.Errorf("/help answered with %q, want the usage", help[0].params["text"])
	}
	for i := range 3 {
		if n := len(api.sent(int64(500 + i))); n != 0 {
			t.Errorf("question %d answered before its answer was released", i)
		}
	}
	release()
	for i := range 3 {
		api.waitSent(int64(500+i), 1)
	}
}

func TestUpdateSlots(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want int
	}{
		{"polling holds a few rounds of answers", Options{MaxConcurrent: 8}, 8 * pollQueueFactor},
		{"polling with one answer at a time holds a short queue", Options{MaxConcurrent: 1}, pollQueueFactor},
		{"polling never holds more than the in-flight bound", Options{MaxConcurrent: 1000}, maxUpdatesInFlight},
		{"a webhook keeps the in-flight bound", Options{MaxConcurrent: 8, WebhookURL: "https://example.org/hook"}, maxUpdatesInFlight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := updateSlots(tt.opts); got != tt.want {
				t.Errorf("updateSlots = %d, want %d", got, tt.want)
			}
		})
	}
}
