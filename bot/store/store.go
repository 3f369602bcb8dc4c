package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// FileName is the name the database file is given in the data directory.
const FileName = "record.db"

// DefaultRetention is how long questions and their votes are kept.
const DefaultRetention = 180 * 24 * time.Hour

// Defaults of the writer; see the options of the same names.
const (
	defaultQueueSize    = 1024
	defaultMaxBatch     = 256
	defaultBusyTimeout  = 2 * time.Second
	defaultRetryMin     = time.Second
	defaultRetryMax     = time.Minute
	defaultPruneEvery   = 24 * time.Hour
	defaultFlushTimeout = 5 * time.Second
)

var (
	// ErrQueueFull is returned when the writer's queue has no room: the
	// record is dropped and counted, so that an answer never waits for it.
	ErrQueueFull = errors.New("record queue full; record dropped")
	// ErrClosed is returned by a store after Close.
	ErrClosed = errors.New("record store closed")
	// ErrUnavailable is returned by queries while the database cannot be
	// opened; the store keeps trying in the background.
	ErrUnavailable = errors.New("record database unavailable")
	// ErrUnknownAnswer is returned by RecordVote when no recorded question
	// carries the voted message (never recorded, or deleted by retention).
	ErrUnknownAnswer = errors.New("vote for an answer that is not on record")
	// ErrInvalid wraps the errors of records that cannot be stored as given.
	ErrInvalid = errors.New("invalid record")
)

// Store is the record database with its writer. Its methods are safe for
// concurrent use. The zero value is not usable: use Start or Open.
type Store struct {
	path string
	cfg  config
	log  *slog.Logger

	// dbMu guards h: the writer swaps it when it (re)opens the file,
	// queries read it. h is nil while the file is not open.
	dbMu sync.RWMutex
	h    *handle

	// closeMu guards closed and the send side of queue, so that no
	// record is sent on a closed channel.
	closeMu sync.RWMutex
	closed  bool
	queue   chan *item
	closing chan struct{} // closed by Close: stop waiting for backoff
	done    chan struct{} // closed when the writer has stopped
	ready   chan error    // the first open attempt's result, once

	written  atomic.Uint64
	dropped  atomic.Uint64
	failed   atomic.Uint64
	lastErr  atomic.Pointer[errBox]
	closeErr error // set by the writer before done is closed
}

type errBox struct{ err error }

// item is one unit of work for the writer: apply runs inside the batch's
// transaction. done, when not nil, receives the outcome once. record marks
// the items that count in Status (not flushes or pruning).
type item struct {
	apply  func(w *writeTx) error
	done   chan error
	record bool
}

func (it *item) finish(err error) {
	if it.done != nil {
		it.done <- err // buffered, one send per item
	}
}

type config struct {
	log          *slog.Logger
	now          func() time.Time
	loc          *time.Location
	retention    time.Duration
	pruneEvery   time.Duration
	queueSize    int
	maxBatch     int
	busyTimeout  time.Duration
	retryMin     time.Duration
	retryMax     time.Duration
	flushTimeout time.Duration
	migrations   []migration
}

// Option changes a setting of the store.
type Option func(*config)

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock sets the clock used for record times, retention and stats.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLocation sets the time zone whose days and weeks Stats counts in;
// the default is time.Local.
func WithLocation(loc *time.Location) Option { return func(c *config) { c.loc = loc } }

// WithRetention sets how long questions are kept (default 180 days).
func WithRetention(d time.Duration) Option { return func(c *config) { c.retention = d } }

// WithPruneEvery sets how often the store deletes rows older than the
// retention period while it runs (default daily; it also prunes on open).
func WithPruneEvery(d time.Duration) Option { return func(c *config) { c.pruneEvery = d } }

// WithQueueSize sets how many records may wait for the writer before new
// ones are dropped (default 1024).
func WithQueueSize(n int) Option { return func(c *config) { c.queueSize = n } }

// WithBusyTimeout sets how long a write waits for a lock held by another
// connection or process before it fails (default 2 s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithRetry sets the backoff between attempts to reopen the database after
// a failure: it starts at min and doubles up to max (default 1 s to 1 min).
func WithRetry(min, max time.Duration) Option {
	return func(c *config) { c.retryMin, c.retryMax = min, max }
}

// WithFlushTimeout bounds how long Close tries to write what is queued
// (default 5 s).
func WithFlushTimeout(d time.Duration) Option { return func(c *config) { c.flushTimeout = d } }

func newConfig(opts []Option) config {
	c := config{
		now:          time.Now,
		loc:          time.Local,
		retention:    DefaultRetention,
		pruneEvery:   defaultPruneEvery,
		queueSize:    defaultQueueSize,
		maxBatch:     defaultMaxBatch,
		busyTimeout:  defaultBusyTimeout,
		retryMin:     defaultRetryMin,
		retryMax:     defaultRetryMax,
		flushTimeout: defaultFlushTimeout,
		migrations:   migrations,
	}
	for _, o := range opts {
		o(&c)
	}
	// Settings that make no sense fall back to their defaults rather
	// than fail: a record store must never stop kbot from starting.
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.loc == nil {
		c.loc = time.Local
	}
	if c.retention <= 0 {
		c.retention = DefaultRetention
	}
	if c.pruneEvery <= 0 {
		c.pruneEvery = defaultPruneEvery
	}
	if c.queueSize < 1 {
		c.queueSize = defaultQueueSize
	}
	if c.busyTimeout < 0 {
		c.busyTimeout = 0
	}
	if c.retryMin <= 0 {
		c.retryMin = defaultRetryMin
	}
	if c.retryMax < c.retryMin {
		c.retryMax = c.retryMin
	}
	if c.flushTimeout <= 0 {
		c.flushTimeout = defaultFlushTimeout
	}
	return c
}

// Start returns a store for the database file at path and opens it in the
// background: it never fails and never blocks. While the file cannot be
// opened, records wait in the queue (or are dropped when it is full),
// queries return ErrUnavailable, and the store retries with backoff.
func Start(path string, opts ...Option) *Store {
	cfg := newConfig(opts)
	s := &Store{
		path:    path,
		cfg:     cfg,
		log:     cfg.log.With("component", "record"),
		queue:   make(chan *item, cfg.queueSize),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		ready:   make(chan error, 1),
	}
	go s.run()
	return s
}

// Open opens the database file at path now, creating it (and its
// directory) if needed and applying migrations. A corrupt file is moved
// aside and a fresh one started. It returns an error when the file cannot be
// opened: locked beyond the busy timeout, unwritable, or written by a newer
// kbot. After that the store behaves like one from Start.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	s := Start(path, opts...)
	select {
	case err := <-s.ready:
		if err != nil {
			// Close cannot fail worse than the open did; its error
			// would only repeat err.
			_ = s.Close()
			return nil, err
		}
		return s, nil
	case <-ctx.Done():
		_ = s.Close() // as above
		return nil, fmt.Errorf("open record database %s: %w", path, context.Cause(ctx))
	}
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Status is a snapshot of the store's health and counters, for logs and
// metrics.
type Status struct {
	Open    bool   // the database is open
	Queued  int    // records waiting for the writer
	Written uint64 // records committed since Start
	Dropped uint64 // records dropped because the queue was full
	Failed  uint64 // records that could not be written (or not before Close)
	LastErr error  // the last write or open error, nil after a success
}

// Status reports the store's state.
func (s *Store) Status() Status {
	open := s.isOpen()
	var last error
	if b := s.lastErr.Load(); b != nil {
		last = b.err
	}
	return Status{
		Open:    open,
		Queued:  len(s.queue),
		Written: s.written.Load(),
		Dropped: s.dropped.Load(),
		Failed:  s.failed.Load(),
		LastErr: last,
	}
}

// submit queues it without blocking. It returns ErrQueueFull or ErrClosed
// when it cannot.
func (s *Store) submit(it *item) error {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.queue <- it:
		return nil
	default:
		s.dropped.Add(1)
		return ErrQueueFull
	}
}

// do queues apply and waits for its commit or the end of ctx. When ctx ends
// first the record stays queued and is written if it can be: the error then
// wraps ctx's, not a loss.
func (s *Store) do(ctx context.Context, record bool, apply func(*writeTx) error) error {
	it := &item{apply: apply, done: make(chan error, 1), record: record}
	if err := s.submit(it); err != nil {
		return err
	}
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("record still queued: %w", context.Cause(ctx))
	}
}

// Flush waits until every record queued before the call is written (or has
// failed), or ctx ends. Like a record, it needs room in the queue: it
// returns ErrQueueFull when there is none.
func (s *Store) Flush(ctx context.Context) error {
	return s.do(ctx, false, func(*writeTx) error { return nil })
}

// Close stops taking records, writes what is queued (for at most the flush
// timeout) and closes the database. It returns an error when records were
// left unwritten. Calling Close again returns ErrClosed.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return ErrClosed
	}
	s.closed = true
	close(s.queue)
	close(s.closing)
	s.closeMu.Unlock()
	<-s.done
	return s.closeErr
}

// withDB runs f with the open database, or returns ErrUnavailable.
func (s *Store) withDB(f func(db *sql.DB) error) error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	if s.h == nil {
		if b := s.lastErr.Load(); b != nil && b.err != nil {
			return fmt.Errorf("%w: %w", ErrUnavailable, b.err)
		}
		return ErrUnavailable
	}
	return f(s.h.db)
}

func (s *Store) setErr(err error) {
	s.lastErr.Store(&errBox{err: err})
}
