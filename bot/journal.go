package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

const (
	journalFile = "telegram-updates.json"
	// doneMemory is how many handled update IDs are remembered for
	// deduplication (webhook retries, replays).
	doneMemory = 4096
	// flushEvery is how soon a finished update is recorded on disk; a
	// crash inside this window may answer that update once more.
	flushEvery = 200 * time.Millisecond
)

// journal records which updates were received and which are finished, so
// that after a restart no update is lost and none is handled twice.
//
// An update is written to the journal (synchronously) before Telegram is
// told it was received: before the next getUpdates call confirms it, or
// before the webhook request is answered. It stays pending until its
// handler returns. On start the pending updates are replayed.
type journal struct {
	path string

	// writeMu is held from snapshot to rename so that an older snapshot
	// never replaces a newer one.
	writeMu sync.Mutex
	mu      sync.Mutex
	offset  int64 // next update_id to ask getUpdates for
	pending map[int64]json.RawMessage
	running map[int64]bool // pending updates whose handler is running
	done    []int64        // recently finished IDs, oldest first
	doneSet map[int64]bool
	dirty   bool
}

type journalState struct {
	Offset  int64             `json:"offset"`
	Pending []json.RawMessage `json:"pending,omitempty"`
	Done    []int64           `json:"done,omitempty"`
}

// openJournal loads the journal in dir. A journal that cannot be parsed
// is moved aside (to <file>.corrupt-<unix time>) with a warning, and an
// empty one is started: updates Telegram has not been told about are
// delivered again, and deduplication works again from then on. What the
// corrupt journal alone held (unfinished updates already confirmed) is
// lost, which beats a bot that cannot start.
func openJournal(dir string, log *slog.Logger) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory %s: %w", dir, err)
	}
	j := newJournal(filepath.Join(dir, journalFile))
	data, err := os.ReadFile(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read update journal: %w", err)
	}
	if err := j.load(data); err != nil {
		aside := fmt.Sprintf("%s.corrupt-%d", j.path, time.Now().Unix())
		if rerr := os.Rename(j.path, aside); rerr != nil {
			return nil, fmt.Errorf("update journal %s is corrupt (%v) and cannot be moved aside: %w", j.path, err, rerr)
		}
		log.Warn("update journal is corrupt; moved it aside and starting a new one (Telegram re-delivers updates it still holds)",
			"path", j.path, "moved_to", aside, "err", err)
		return newJournal(j.path), nil
	}
	return j, nil
}

func newJournal(path string) *journal {
	return &journal{
		path:    path,
		pending: map[int64]json.RawMessage{},
		running: map[int64]bool{},
		doneSet: map[int64]bool{},
	}
}

// load fills an empty journal from its saved form.
func (j *journal) load(data []byte) error {
	var st journalState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("parse update journal: %w", err)
	}
	if st.Offset < 0 {
		return fmt.Errorf("parse update journal: negative offset %d", st.Offset)
	}
	j.offset = st.Offset
	for _, raw := range st.Pending {
		id, ok := rawUpdateID(raw)
		if !ok {
			return fmt.Errorf("parse update journal: a pending update without an update_id: %.100s", raw)
		}
		j.pending[id] = raw
	}
	for _, id := range st.Done {
		j.markDone(id)
	}
	return nil
}

// receive records a new update. It returns false when the update was seen
// before (finished, pending or below the polling offset) and must be
// skipped. The caller must flush before acknowledging the update.
func (j *journal) receive(id int64, raw json.RawMessage, polling bool) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.doneSet[id] {
		return false
	}
	if _, ok := j.pending[id]; ok {
		return false
	}
	if polling && id < j.offset {
		return false
	}
	j.pending[id] = slices.Clone(raw)
	j.running[id] = true
	if id >= j.offset {
		j.offset = id + 1
	}
	j.dirty = true
	return true
}

// skip records an update that cannot be handled (it does not decode) as
// done, and moves the polling offset past it.
func (j *journal) skip(id int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.pending, id)
	delete(j.running, id)
	j.markDone(id)
	if id >= j.offset {
		j.offset = id + 1
	}
	j.dirty = true
}

// takePending returns the updates left unfinished by an earlier run, in
// update order, and marks them running.
func (j *journal) takePending() []json.RawMessage {
	j.mu.Lock()
	defer j.mu.Unlock()
	ids := make([]int64, 0, len(j.pending))
	for id := range j.pending {
		if !j.running[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]json.RawMessage, 0, len(ids))
	for _, id := range ids {
		j.running[id] = true
		out = append(out, j.pending[id])
	}
	return out
}

// finish records that an update was handled.
func (j *journal) finish(id int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.pending, id)
	delete(j.running, id)
	j.markDone(id)
	j.dirty = true
}

// abandon forgets that a handler runs without marking the update done, so
// that it is replayed on the next start (used when shutdown cut it off).
func (j *journal) abandon(id int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.running, id)
}

// forget drops a received update entirely, as if it never arrived (used
// when it could not be recorded and the sender will retry).
func (j *journal) forget(id int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.pending, id)
	delete(j.running, id)
	j.dirty = true
}

func (j *journal) markDone(id int64) {
	if j.doneSet[id] {
		return
	}
	j.done = append(j.done, id)
	j.doneSet[id] = true
	if len(j.done) > doneMemory {
		drop := len(j.done) - doneMemory
		for _, old := range j.done[:drop] {
			delete(j.doneSet, old)
		}
		j.done = slices.Clone(j.done[drop:])
	}
}

func (j *journal) nextOffset() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.offset
}

// flush writes the journal if it changed, atomically (temporary file,
// fsync, rename).
func (j *journal) flush() error {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	j.mu.Lock()
	if !j.dirty {
		j.mu.Unlock()
		return nil
	}
	st := journalState{Offset: j.offset, Done: slices.Clone(j.done)}
	ids := make([]int64, 0, len(j.pending))
	for id := range j.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		st.Pending = append(st.Pending, j.pending[id])
	}
	j.dirty = false
	j.mu.Unlock()

	if err := writeFileAtomic(j.path, st); err != nil {
		j.mu.Lock()
		j.dirty = true
		j.mu.Unlock()
		return err
	}
	return nil
}

// startFlusher records finished updates on disk every flushEvery; the
// returned function stops it.
func (j *journal) startFlusher(log *slog.Logger, m *metrics) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				if err := j.flush(); err != nil {
					log.Error("save update journal", "err", err)
					m.errors.WithLabelValues("state").Inc()
				}
			}
		}
	}()
	return func() { close(quit); <-done }
}

func writeFileAtomic(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode update journal: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".journal-*")
	if err != nil {
		return fmt.Errorf("save update journal: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save update journal: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save update journal: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save update journal: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save update journal: %w", err)
	}
	return nil
}
