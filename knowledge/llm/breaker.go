package llm

import (
	"sync"
	"time"
)

// BreakerState is the state of a Writer's circuit breaker.
type BreakerState string

// The breaker's states.
const (
	// BreakerClosed: calls reach the model.
	BreakerClosed BreakerState = "closed"
	// BreakerOpen: the model failed too often in a row; calls fail at once
	// with KindBreakerOpen until the cool-down ends.
	BreakerOpen BreakerState = "open"
	// BreakerProbing: the cool-down has ended and one call is trying the
	// model; the others still fail at once.
	BreakerProbing BreakerState = "probing"
)

// BreakerStatus is a snapshot of a Writer's circuit breaker.
type BreakerStatus struct {
	State BreakerState
	// Failures is the number of calls in a row that failed.
	Failures int
	// OpenedAt is when the breaker last opened; zero while it never has.
	OpenedAt time.Time
	// ProbeAt is, while open, when the next call will try the model.
	ProbeAt time.Time
}

// outcome is what a call tells the breaker about the model.
type outcome int

const (
	// answered: the model replied, usable or not.
	answered outcome = iota
	// failed: the model or the way to it failed.
	failed
	// unknown: the call ended without telling (the caller gave up).
	unknown
)

// breaker stops calls to a model that keeps failing. After threshold
// failed calls in a row it opens: calls are refused without contacting the
// model, so answers fall back at once. After the cool-down one call probes
// the model: its success closes the breaker, its failure opens it for
// another cool-down. A zero threshold never opens.
type breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	// changed is called with the new state under the lock, for metrics and
	// logs.
	changed func(to BreakerState, failures int)

	mu       sync.Mutex
	state    BreakerState
	failures int
	openedAt time.Time
	// gen counts openings; a call admitted under an earlier one reports
	// an outcome that no longer applies.
	gen uint64
}

// ticket admits one call.
type ticket struct {
	gen   uint64
	probe bool
}

func newBreaker(threshold int, cooldown time.Duration, changed func(BreakerState, int)) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, now: time.Now, changed: changed, state: BreakerClosed}
}

// allow says whether a call may go to the model, and returns the ticket to
// report its outcome with.
func (b *breaker) allow() (ticket, bool) {
	if b.threshold <= 0 {
		return ticket{}, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerClosed:
		return ticket{gen: b.gen}, true
	case BreakerOpen:
		if b.now().Before(b.openedAt.Add(b.cooldown)) {
			return ticket{}, false
		}
		b.set(BreakerProbing)
		return ticket{gen: b.gen, probe: true}, true
	}
	return ticket{}, false // a probe is under way
}

// done reports the outcome of a call admitted with t.
func (b *breaker) done(t ticket, o outcome) {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.gen != b.gen {
		return // admitted before the breaker last opened
	}
	if b.state == BreakerProbing && !t.probe {
		return
	}
	switch o {
	case answered:
		b.failures = 0
		if b.state != BreakerClosed {
			b.set(BreakerClosed)
		}
	case failed:
		b.failures++
		if b.state == BreakerProbing || b.failures >= b.threshold {
			b.openedAt = b.now()
			b.gen++
			b.set(BreakerOpen)
		}
	case unknown:
		if t.probe {
			// The cool-down is over still: the next call probes.
			b.set(BreakerOpen)
		}
	}
}

// set changes the state; b.mu must be held.
func (b *breaker) set(s BreakerState) {
	b.state = s
	if b.changed != nil {
		b.changed(s, b.failures)
	}
}

func (b *breaker) status() BreakerStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := BreakerStatus{State: b.state, Failures: b.failures, OpenedAt: b.openedAt}
	if b.state == BreakerOpen {
		st.ProbeAt = b.openedAt.Add(b.cooldown)
	}
	return st
}
