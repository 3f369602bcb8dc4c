package bot

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// pendingStore keeps values that wait for a button press (an upload
// before 入库, a removal before its confirmation) behind short random
// tokens that fit in callback data. Values expire after ttl; past max
// entries the oldest goes. They live in memory: after a restart the
// buttons answer that they expired.
type pendingStore[T any] struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	items map[string]pendingItem[T]
}

type pendingItem[T any] struct {
	v  T
	at time.Time
}

func newPendingStore[T any](ttl time.Duration, max int) *pendingStore[T] {
	return &pendingStore[T]{ttl: ttl, max: max, items: map[string]pendingItem[T]{}}
}

// put stores v and returns its token.
func (p *pendingStore[T]) put(v T) string {
	var buf [9]byte
	_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails on supported platforms
	tok := base64.RawURLEncoding.EncodeToString(buf[:])
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for t, it := range p.items {
		if now.Sub(it.at) > p.ttl {
			delete(p.items, t)
		}
	}
	for len(p.items) >= p.max {
		var oldest string
		for t, it := range p.items {
			if oldest == "" || it.at.Before(p.items[oldest].at) {
				oldest = t
			}
		}
		delete(p.items, oldest)
	}
	p.items[tok] = pendingItem[T]{v: v, at: now}
	return tok
}

// take removes and returns the value behind tok, if it is still there.
func (p *pendingStore[T]) take(tok string) (T, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	it, ok := p.items[tok]
	delete(p.items, tok)
	if !ok || time.Since(it.at) > p.ttl {
		var zero T
		return zero, false
	}
	return it.v, true
}

// peek returns the value behind tok without removing it.
func (p *pendingStore[T]) peek(tok string) (T, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	it, ok := p.items[tok]
	if !ok || time.Since(it.at) > p.ttl {
		var zero T
		return zero, false
	}
	return it.v, true
}
