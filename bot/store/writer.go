package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// openTimeout bounds opening, checking and migrating the file beyond the
// busy timeout.
const openTimeout = 30 * time.Second

// run is the writer goroutine: it opens the database (again, after a
// failure), commits queued records in batches, prunes old rows, and on
// Close writes what is left.
func (s *Store) run() {
	defer close(s.done)
	prune := time.NewTicker(s.cfg.pruneEvery)
	defer prune.Stop()

	var (
		pending   []*item
		backoff   = s.cfg.retryMin
		first     = true
		down      = false // a failure was logged; log the recovery
		closingAt time.Time
	)
	for {
		if closingAt.IsZero() && s.isClosing() {
			closingAt = time.Now()
		}
		if !closingAt.IsZero() && time.Since(closingAt) > s.cfg.flushTimeout {
			s.abandon(pending, errors.New("flush timeout"))
			return
		}
		if !s.isOpen() {
			err := s.open()
			if first {
				s.ready <- err
				first = false
			}
			if err != nil {
				s.setErr(err)
				s.log.Warn("record database unavailable; answers go on unrecorded, will retry",
					"path", s.path, "retry_in", backoff, "queued", len(s.queue)+len(pending), "err", err)
				down = true
				if !s.sleep(backoff) {
					s.abandon(pending, err)
					return
				}
				backoff = min(2*backoff, s.cfg.retryMax)
				continue
			}
			backoff = s.cfg.retryMin
		}

		if len(pending) == 0 {
			select {
			case it, ok := <-s.queue:
				if !ok {
					s.abandon(nil, nil)
					return
				}
				pending = append(pending, it)
			case <-prune.C:
				s.pruneLogged()
				continue
			}
		}
		pending = s.gather(pending)

		err := s.commit(pending)
		if err == nil {
			if down {
				s.log.Info("recording again", "path", s.path, "written", len(pending), "queued", len(s.queue))
				down = false
			}
			backoff = s.cfg.retryMin
			pending = pending[:0]
			continue
		}
		if !transient(err) {
			// Something in the batch cannot be written: write the
			// items one by one so that only the culprit is lost.
			pending, err = s.commitEach(pending)
			if err == nil {
				continue
			}
		}
		s.setErr(err)
		reopen := needsReopen(err)
		s.log.Warn("record write failed; answers go on unrecorded, will retry",
			"path", s.path, "batch", len(pending), "retry_in", backoff, "reopen", reopen, "err", err)
		down = true
		if reopen {
			if cerr := s.closeDB(); cerr != nil {
				s.log.Warn("closing the record database failed", "path", s.path, "err", cerr)
			}
		}
		if !s.sleep(backoff) {
			s.abandon(pending, err)
			return
		}
		backoff = min(2*backoff, s.cfg.retryMax)
	}
}

// gather adds to pending whatever else is queued, up to a batch.
func (s *Store) gather(pending []*item) []*item {
	for len(pending) < s.cfg.maxBatch {
		select {
		case it, ok := <-s.queue:
			if !ok {
				return pending
			}
			pending = append(pending, it)
		default:
			return pending
		}
	}
	return pending
}

// commit writes items in one transaction and tells each its outcome. An
// item's own error (an unknown answer) does not fail the batch; any other
// error rolls it back and is returned, and no item is told anything.
func (s *Store) commit(items []*item) error {
	s.dbMu.RLock()
	h := s.h
	s.dbMu.RUnlock()
	if h == nil {
		return ErrUnavailable
	}
	// No deadline: the busy timeout bounds waiting for locks, and a
	// context that can end costs the driver a goroutine a statement.
	ctx := context.Background()
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	w := &writeTx{ctx: ctx, tx: tx, h: h}
	results := make([]error, len(items))
	for i, it := range items {
		err := it.apply(w)
		if err != nil && !itemError(err) {
			// The rollback's own error says less than err.
			_ = tx.Rollback()
			return err
		}
		results[i] = err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// Status first, so that a waiter told of its commit sees it counted.
	s.setErr(nil)
	for i, it := range items {
		if results[i] == nil && it.record {
			s.written.Add(1)
		}
	}
	for i, it := range items {
		it.finish(results[i])
	}
	return nil
}

// commitEach writes items one transaction each. An item that fails on its
// own is dropped with its error; on a transient error it stops and returns
// the items not yet written.
func (s *Store) commitEach(items []*item) ([]*item, error) {
	for i, it := range items {
		err := s.commit(items[i : i+1])
		if err == nil {
			continue
		}
		if transient(err) {
			return items[i:], err
		}
		if it.record {
			s.failed.Add(1)
		}
		s.log.Error("record dropped: it cannot be written", "path", s.path, "err", err)
		it.finish(err)
	}
	return items[:0], nil
}

// abandon ends the writer: it fails pending and everything still queued
// with cause, closes the database and sets Close's error.
func (s *Store) abandon(pending []*item, cause error) {
	n := 0
	fail := func(it *item) {
		if it.record {
			n++
			s.failed.Add(1)
		}
		it.finish(fmt.Errorf("%w before it was written: %v", ErrClosed, cause))
	}
	for _, it := range pending {
		fail(it)
	}
	// The queue is closed only by Close; on the other paths here it is
	// closing too (sleep returned false), so draining it ends.
	for it := range s.queue {
		fail(it)
	}
	err := s.closeDB()
	switch {
	case n > 0:
		s.closeErr = fmt.Errorf("record store closed with %d records unwritten: %v", n, cause)
	case err != nil:
		s.closeErr = err
	}
}

// sleep waits d or until Close; it reports whether it waited the full d.
func (s *Store) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closing:
		return false
	}
}

func (s *Store) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

func (s *Store) isOpen() bool {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return s.h != nil
}

// open opens the file, migrates it and prunes old rows.
func (s *Store) open() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.busyTimeout+openTimeout)
	defer cancel()
	h, err := openFile(ctx, s.path, s.cfg, s.log)
	if err != nil {
		return err
	}
	s.dbMu.Lock()
	s.h = h
	s.dbMu.Unlock()
	s.setErr(nil)
	s.pruneLogged()
	return nil
}

func (s *Store) closeDB() error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.h == nil {
		return nil
	}
	err := s.h.close()
	s.h = nil
	return err
}

// pruneLogged deletes old rows from the writer goroutine and logs what it
// did; a failure is only logged, the next prune tries again.
func (s *Store) pruneLogged() {
	var n Pruned
	err := s.commit([]*item{{apply: func(w *writeTx) error {
		var err error
		n, err = s.prune(w.ctx, w.tx)
		return err
	}}})
	if err != nil {
		s.log.Warn("record pruning failed", "path", s.path, "err", err)
		return
	}
	if n.Questions > 0 {
		s.log.Info("record pruned", "retention", s.cfg.retention, "questions", n.Questions, "votes", n.Votes)
	}
}
