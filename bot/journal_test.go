package bot

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const week = 7 * 24 * 3600

// update builds an incoming update: a message dated date, or a button
// press (no date of its own) when date is 0.
func update(t *testing.T, id, date int64) *incoming {
	t.Helper()
	var raw string
	if date != 0 {
		raw = fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":%d,"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"u"},"text":"问题"}}`, id, date)
	} else {
		raw = fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"q","from":{"id":7,"is_bot":false,"first_name":"u"},"chat_instance":"x","data":"d"}}`, id)
	}
	in, err := decodeUpdate(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestJournalRecognisesUpdateIDReset: after a week without updates
// Telegram may number them anew from a lower ID. Those updates must be
// handled, while updates delivered again stay skipped.
func TestJournalRecognisesUpdateIDReset(t *testing.T) {
	t.Parallel()
	const now = 1_700_000_000
	type upd struct{ id, date int64 }
	tests := []struct {
		name      string
		polling   bool
		batch     []upd
		wantFresh []int64
		wantEpoch int
	}{
		{"an update delivered again is skipped", true, []upd{{999, now}}, nil, 0},
		{"an old update below the offset is skipped", true, []upd{{500, now - 60}}, nil, 0},
		{"updates from the offset on are taken", true, []upd{{1000, now}, {1001, now + 1}}, []int64{1000, 1001}, 0},
		{"a newer message below the offset starts a new epoch", true, []upd{{5, now + week}, {6, now + week}}, []int64{5, 6}, 1},
		{"button presses alone below the offset start a new epoch", true, []upd{{5, 0}, {6, 0}}, []int64{5, 6}, 1},
		{"a button press below the offset beside a known update is skipped", true, []upd{{999, now}, {5, 0}}, nil, 0},
		{"a newer message whose ID was handled starts a new epoch", true, []upd{{999, now + week}}, []int64{999}, 1},
		{"a webhook update delivered again is skipped", false, []upd{{999, now}}, nil, 0},
		{"a webhook update with a handled ID but a newer message starts a new epoch", false, []upd{{998, now + week}}, []int64{998}, 1},
		{"a webhook update below the offset is taken", false, []upd{{5, now}}, []int64{5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newJournal(filepath.Join(t.TempDir(), journalFile))
			j.offset, j.confirmed, j.lastDate = 1000, 1000, now
			j.markDone(998)
			j.markDone(999)
			var batch []*incoming
			for _, u := range tt.batch {
				batch = append(batch, update(t, u.id, u.date))
			}
			fresh, reset := j.receive(batch, tt.polling)
			var got []int64
			for _, in := range fresh {
				got = append(got, in.upd.ID)
				if in.key.epoch != j.epoch {
					t.Errorf("update %d is in epoch %d, want the current %d", in.upd.ID, in.key.epoch, j.epoch)
				}
			}
			if !slices.Equal(got, tt.wantFresh) {
				t.Errorf("fresh = %v, want %v", got, tt.wantFresh)
			}
			if j.epoch != tt.wantEpoch || (reset != nil) != (tt.wantEpoch > 0) {
				t.Errorf("epoch = %d (reset %+v), want %d", j.epoch, reset, tt.wantEpoch)
			}
			if tt.wantEpoch > 0 && j.doneSet[999] && !slices.Contains(tt.wantFresh, 999) {
				t.Error("the new epoch still remembers the old epoch's handled IDs")
			}
			// The same answer again is all skipped.
			if again, _ := j.receive(batch, tt.polling); len(again) != 0 {
				t.Errorf("delivered again, %d updates were taken anew", len(again))
			}
		})
	}
}

// TestJournalKeepsEpochsAcrossRestart: an update left unfinished in an
// old epoch is replayed after a restart and finished without marking its
// ID handled in the new epoch.
func TestJournalKeepsEpochsAcrossRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	j, err := openJournal(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	const now = 1_700_000_000
	old, _ := j.receive([]*incoming{update(t, 7000, now)}, true)
	j.confirm(7001)
	fresh, reset := j.receive([]*incoming{update(t, 3, now+week)}, true)
	if reset == nil || len(fresh) != 1 {
		t.Fatalf("reset %v, fresh %d: want a new epoch with update 3", reset, len(fresh))
	}
	j.finish(fresh[0].key)
	if err := j.flush(); err != nil {
		t.Fatal(err)
	}

	j2, err := openJournal(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if j2.epoch != 1 || j2.nextOffset() != 4 || j2.lastDate != now+week || !j2.doneSet[3] {
		t.Errorf("reopened: epoch %d, offset %d, last date %d, done %v; want 1, 4, %d, [3]", j2.epoch, j2.nextOffset(), j2.lastDate, j2.done, now+week)
	}
	if got := j2.offsetToSend(); got != 4 {
		t.Errorf("offset to send = %d, want 4: update 3 is not confirmed yet", got)
	}
	replay := j2.takePending()
	if len(replay) != 1 || replay[0].upd.ID != 7000 || replay[0].key != old[0].key {
		t.Fatalf("replayed %v, want the old epoch's update 7000", replay)
	}
	j2.finish(replay[0].key)
	if j2.doneSet[7000] {
		t.Error("finishing an old epoch's update marked its ID handled in the new epoch")
	}
	if !j2.idle() {
		t.Error("the journal still holds updates")
	}
}

// TestJournalOffsetToSend: an offset is sent while it confirms something;
// once all is confirmed, none is, so updates numbered anew are seen.
func TestJournalOffsetToSend(t *testing.T) {
	t.Parallel()
	j := newJournal(filepath.Join(t.TempDir(), journalFile))
	if got := j.offsetToSend(); got != 0 {
		t.Errorf("empty journal sends offset %d, want none", got)
	}
	j.receive([]*incoming{update(t, 41, 1)}, true)
	if got := j.offsetToSend(); got != 42 {
		t.Errorf("offset to send = %d, want 42 to confirm update 41", got)
	}
	j.confirm(42)
	if got := j.offsetToSend(); got != 0 {
		t.Errorf("offset to send = %d after confirming, want none", got)
	}
}

// TestFinishedUpdateIsSavedAtOnce: a finished update reaches the disk
// without waiting for the periodic save, so a crash just after an answer
// does not repeat it.
func TestFinishedUpdateIsSavedAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	j, err := openJournal(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	stop := j.startFlusher(time.Hour, log, m)
	defer stop()
	fresh, _ := j.receive([]*incoming{update(t, 5, 100)}, true)
	if err := j.flush(); err != nil {
		t.Fatal(err)
	}
	j.finish(fresh[0].key)
	waitFor(t, "the finished update on disk", func() bool {
		saved, err := openJournal(dir, log)
		return err == nil && saved.doneSet[5] && saved.idle()
	})
}
