package bot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestUndecodableUpdateIsSkipped: an update the client library cannot
// decode must not be asked for again and again; the bot moves past it
// and keeps answering.
func TestUndecodableUpdateIsSkipped(t *testing.T) {
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
	// With the offset stuck the fake would answer at once, every time.
	before := len(api.callsTo("getUpdates"))
	time.Sleep(300 * time.Millisecond)
	if n := len(api.callsTo("getUpdates")) - before; n > 60 {
		t.Errorf("%d getUpdates calls in 300ms: the poller is spinning", n)
	}

	api.private(testUserID, "之后的问题")
	api.waitSent(testUserID, 1)
}

// TestCorruptJournalIsMovedAside: a journal that cannot be parsed must not
// keep the bot from starting. It is kept aside for the operator, and the
// bot starts afresh, still answering each re-delivered update once.
func TestCorruptJournalIsMovedAside(t *testing.T) {
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
			time.Sleep(300 * time.Millisecond) // a window for repeats to show up
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
