package bot

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket per user. Buckets that are full again are
// dropped, so memory stays proportional to recently active users.
type rateLimiter struct {
	perSec float64
	burst  float64
	off    bool

	mu      sync.Mutex
	buckets map[int64]*bucket
	swept   time.Time
}

type bucket struct {
	tokens   float64
	last     time.Time
	notified time.Time // last "too fast" message, so it is not repeated per message
}

// notifyEvery bounds how often a limited user is told so.
const notifyEvery = 30 * time.Second

func newRateLimiter(perMinute float64, burst int) *rateLimiter {
	return &rateLimiter{
		perSec:  perMinute / 60,
		burst:   float64(burst),
		off:     perMinute < 0,
		buckets: map[int64]*bucket{},
	}
}

// allow takes a token for the user. When there is none it returns
// ok=false, and notify=true if the user has not been told recently.
func (l *rateLimiter) allow(user int64, now time.Time) (ok, notify bool) {
	if l.off {
		return true, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	bk := l.buckets[user]
	if bk == nil {
		bk = &bucket{tokens: l.burst, last: now}
		l.buckets[user] = bk
	}
	bk.tokens = min(l.burst, bk.tokens+now.Sub(bk.last).Seconds()*l.perSec)
	bk.last = now
	if bk.tokens >= 1 {
		bk.tokens--
		return true, false
	}
	if now.Sub(bk.notified) >= notifyEvery {
		bk.notified = now
		return false, true
	}
	return false, false
}

// sweep drops buckets that have refilled, at most once a minute.
func (l *rateLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for id, bk := range l.buckets {
		if bk.tokens+now.Sub(bk.last).Seconds()*l.perSec >= l.burst && now.Sub(bk.notified) >= notifyEvery {
			delete(l.buckets, id)
		}
	}
}
