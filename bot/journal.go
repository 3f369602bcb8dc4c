package bot

import (
	"cmp"
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

	"kbot/knowledge/atomicfile"
)

const (
	journalFile = "telegram-updates.json"
	// doneMemory is how many handled update IDs are remembered for
	// deduplication (webhook retries, replays).
	doneMemory = 4096
	// flushEvery is how often the journal is saved when nothing asks
	// for it sooner.
	flushEvery = 200 * time.Millisecond
)

// journal records which updates were received and which are finished, so
// that after a restart no update is lost and none is handled twice.
//
// An update is written to the journal (synchronously) before Telegram is
// told it was received: before the next getUpdates call confirms it, or
// before the webhook request is answered. It stays pending until its
// handler returns. On start the pending updates are replayed.
//
// Update IDs are unique only within an epoch: after a week without
// updates Telegram may number new updates from a new, possibly lower,
// value. The journal recognises such a reset (see receive) and starts a
// new epoch, deduplicating within it.
type journal struct {
	path string

	// writeMu is held from snapshot to rename so that an older snapshot
	// never replaces a newer one.
	writeMu sync.Mutex
	mu      sync.Mutex
	epoch   int
	offset  int64 // next update_id to ask getUpdates for
	// confirmed is the offset of the last getUpdates call Telegram
	// answered: every update below it is confirmed and gone from
	// Telegram's queue.
	confirmed int64
	// lastDate is the newest message date (Unix seconds) received.
	lastDate int64
	pending  map[updateKey]json.RawMessage
	running  map[updateKey]bool // pending updates whose handler is running
	done     []int64            // recently finished IDs of this epoch, oldest first
	doneSet  map[int64]bool
	dirty    bool
	// kick asks the flusher to save now: a finished update is recorded
	// on disk as soon as possible, so that a crash repeats at most the
	// answers in flight.
	kick chan struct{}
}

// updateKey names an update in the journal: its epoch and its ID.
type updateKey struct {
	epoch int
	id    int64
}

type journalState struct {
	Offset    int64             `json:"offset"`
	Confirmed int64             `json:"confirmed,omitempty"`
	Epoch     int               `json:"epoch,omitempty"`
	LastDate  int64             `json:"last_date,omitempty"`
	Pending   []json.RawMessage `json:"pending,omitempty"`
	// Earlier holds unfinished updates of earlier epochs.
	Earlier []earlierUpdate `json:"earlier,omitempty"`
	Done    []int64         `json:"done,omitempty"`
}

type earlierUpdate struct {
	Epoch  int             `json:"epoch"`
	Update json.RawMessage `json:"update"`
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
		pending: map[updateKey]json.RawMessage{},
		running: map[updateKey]bool{},
		doneSet: map[int64]bool{},
		kick:    make(chan struct{}, 1),
	}
}

// load fills an empty journal from its saved form.
func (j *journal) load(data []byte) error {
	var st journalState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("parse update journal: %w", err)
	}
	if st.Offset < 0 || st.Confirmed < 0 || st.Epoch < 0 {
		return fmt.Errorf("parse update journal: negative offset %d, confirmed offset %d or epoch %d", st.Offset, st.Confirmed, st.Epoch)
	}
	j.epoch, j.offset, j.confirmed, j.lastDate = st.Epoch, st.Offset, st.Confirmed, st.LastDate
	add := func(epoch int, raw json.RawMessage) error {
		id, ok := rawUpdateID(raw)
		if !ok {
			return fmt.Errorf("parse update journal: a pending update without an update_id: %.100s", raw)
		}
		j.pending[updateKey{epoch, id}] = raw
		return nil
	}
	for _, raw := range st.Pending {
		if err := add(st.Epoch, raw); err != nil {
			return err
		}
	}
	for _, e := range st.Earlier {
		if e.Epoch >= st.Epoch {
			return fmt.Errorf("parse update journal: an earlier update of epoch %d in epoch %d", e.Epoch, st.Epoch)
		}
		if err := add(e.Epoch, e.Update); err != nil {
			return err
		}
	}
	for _, id := range st.Done {
		j.markDone(id)
	}
	return nil
}

// An epochReset says that Telegram numbered updates anew.
type epochReset struct {
	epoch     int   // the new epoch
	oldOffset int64 // the offset before the reset
	firstID   int64 // the first update ID of the new epoch
}

// receive records the updates of one getUpdates answer (polling) or one
// webhook request, and returns those to handle: the rest were seen before
// (finished, pending, or below the polling offset). The caller must flush
// before acknowledging them.
//
// An update that looks seen — its ID is below the polling offset, or was
// handled — is new nonetheless when Telegram has reset its numbering.
// That is so when its message is newer than every message received
// before (a replayed update is never newer than itself), or, for updates
// that carry no date, when a polling answer holds nothing but unknown IDs
// below the offset, which a server that honours the offset never sends
// otherwise (unless one of them is dated no newer than what came
// before). Then a new epoch starts at that update and is returned.
func (j *journal) receive(batch []*incoming, polling bool) (fresh []*incoming, reset *epochReset) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if polling && len(batch) > 0 && j.allUnknownBelowOffset(batch) {
		first := batch[0].upd.ID
		for _, in := range batch {
			first = min(first, in.upd.ID)
		}
		reset = j.newEpoch(first)
	}
	for _, in := range batch {
		id := in.upd.ID
		_, pending := j.pending[updateKey{j.epoch, id}]
		seen := j.doneSet[id] || pending || polling && id < j.offset
		if seen && j.lastDate > 0 && in.date > j.lastDate {
			reset = j.newEpoch(id)
			seen = false
		}
		if seen {
			continue
		}
		in.key = updateKey{j.epoch, id}
		j.pending[in.key] = slices.Clone(in.raw)
		j.running[in.key] = true
		if id >= j.offset {
			j.offset = id + 1
		}
		j.lastDate = max(j.lastDate, in.date)
		j.dirty = true
		fresh = append(fresh, in)
	}
	return fresh, reset
}

// allUnknownBelowOffset reports whether every update of a polling answer
// is below the offset, unknown, and not dated as old as what was
// received before.
func (j *journal) allUnknownBelowOffset(batch []*incoming) bool {
	for _, in := range batch {
		_, pending := j.pending[updateKey{j.epoch, in.upd.ID}]
		old := in.date != 0 && in.date <= j.lastDate
		if in.upd.ID >= j.offset || j.doneSet[in.upd.ID] || pending || old {
			return false
		}
	}
	return true
}

// newEpoch starts numbering anew at firstID. Unfinished updates of the
// old epoch keep their keys and are still finished or replayed.
func (j *journal) newEpoch(firstID int64) *epochReset {
	r := &epochReset{epoch: j.epoch + 1, oldOffset: j.offset, firstID: firstID}
	j.epoch++
	j.offset = firstID
	j.confirmed = 0
	j.done = nil
	j.doneSet = map[int64]bool{}
	j.dirty = true
	return r
}

// skip records an update that cannot be handled (it does not decode) as
// done, and moves the polling offset past it.
func (j *journal) skip(id int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	k := updateKey{j.epoch, id}
	delete(j.pending, k)
	delete(j.running, k)
	j.markDone(id)
	if id >= j.offset {
		j.offset = id + 1
	}
	j.dirty = true
}

// takePending returns the updates left unfinished by an earlier run, in
// epoch and update order, and marks them running.
func (j *journal) takePending() []*incoming {
	j.mu.Lock()
	defer j.mu.Unlock()
	keys := make([]updateKey, 0, len(j.pending))
	for k := range j.pending {
		if !j.running[k] {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b updateKey) int {
		if a.epoch != b.epoch {
			return a.epoch - b.epoch
		}
		return cmp.Compare(a.id, b.id)
	})
	out := make([]*incoming, 0, len(keys))
	for _, k := range keys {
		in, err := decodeUpdate(j.pending[k])
		if err != nil {
			// It decoded when it was received; drop it rather than
			// replay it forever.
			delete(j.pending, k)
			j.dirty = true
			continue
		}
		in.key = k
		j.running[k] = true
		out = append(out, in)
	}
	return out
}

// finish records that an update was handled.
func (j *journal) finish(k updateKey) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.pending, k)
	delete(j.running, k)
	if k.epoch == j.epoch {
		j.markDone(k.id)
	}
	j.dirty = true
	select {
	case j.kick <- struct{}{}:
	default: // a save is already asked for
	}
}

// abandon forgets that a handler runs without marking the update done, so
// that it is replayed on the next start (used when shutdown cut it off).
func (j *journal) abandon(k updateKey) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.running, k)
}

// forget drops a received update entirely, as if it never arrived (used
// when it could not be recorded and the sender will retry).
func (j *journal) forget(k updateKey) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.pending, k)
	delete(j.running, k)
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

// offsetToSend is the offset for the next getUpdates call: the polling
// offset while updates below it are still to be confirmed, else 0 (none).
// Without an offset Telegram returns its earliest unconfirmed updates,
// which is the same answer as long as the numbering holds, and after a
// reset is the only way to see updates numbered below the old offset.
func (j *journal) offsetToSend() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.offset > j.confirmed {
		return j.offset
	}
	return 0
}

// confirm records that Telegram answered a getUpdates call made with
// offset, so every update below it is confirmed.
func (j *journal) confirm(offset int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if offset > j.confirmed {
		j.confirmed = offset
		j.dirty = true
	}
}

// idle reports whether no received update is waiting or being handled.
func (j *journal) idle() bool { return j.held() == 0 }

// held counts the updates received and not finished.
func (j *journal) held() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.pending)
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
	st := journalState{Offset: j.offset, Confirmed: j.confirmed, Epoch: j.epoch, LastDate: j.lastDate, Done: slices.Clone(j.done)}
	keys := make([]updateKey, 0, len(j.pending))
	for k := range j.pending {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b updateKey) int {
		if a.epoch != b.epoch {
			return a.epoch - b.epoch
		}
		return cmp.Compare(a.id, b.id)
	})
	for _, k := range keys {
		if k.epoch == j.epoch {
			st.Pending = append(st.Pending, j.pending[k])
		} else {
			st.Earlier = append(st.Earlier, earlierUpdate{Epoch: k.epoch, Update: j.pending[k]})
		}
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

// startFlusher records finished updates on disk as soon as finish asks,
// and every interval; the returned function stops it.
func (j *journal) startFlusher(every time.Duration, log *slog.Logger, m *metrics) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			case <-j.kick:
			}
			if err := j.flush(); err != nil {
				log.Error("save update journal", "err", err)
				m.errors.WithLabelValues("state").Inc()
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
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("save update journal: %w", err)
	}
	return nil
}
