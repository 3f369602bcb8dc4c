package llm

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/knowledge"
)

// clock is a settable time for the breaker.
type clock struct{ t time.Time }

func (c *clock) now() time.Time                { return c.t }
func (c *clock) advance(d time.Duration)       { c.t = c.t.Add(d) }
func newClock() *clock                         { return &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }
func (b *breaker) withClock(c *clock) *breaker { b.now = c.now; return b }

func TestBreaker(t *testing.T) {
	const cooldown = 30 * time.Second
	// step is one thing that happens to the breaker: a call asks to go
	// ahead (and, if let through, is held until a later step ends it), or
	// a held call ends, or time passes.
	type step struct {
		do        string // "call", "end", "wait"
		call      int    // which held call ends
		outcome   outcome
		wait      time.Duration
		wantAllow bool // for "call"
		wantState BreakerState
	}
	call := func(allow bool, state BreakerState) step {
		return step{do: "call", wantAllow: allow, wantState: state}
	}
	end := func(n int, o outcome, state BreakerState) step {
		return step{do: "end", call: n, outcome: o, wantState: state}
	}
	wait := func(d time.Duration, state BreakerState) step {
		return step{do: "wait", wait: d, wantState: state}
	}
	tests := []struct {
		name      string
		threshold int
		steps     []step
	}{
		{"failures below the threshold keep it closed", 3, []step{
			call(true, BreakerClosed), end(0, failed, BreakerClosed),
			call(true, BreakerClosed), end(1, failed, BreakerClosed),
			call(true, BreakerClosed), end(2, answered, BreakerClosed),
			call(true, BreakerClosed), end(3, failed, BreakerClosed),
			call(true, BreakerClosed), end(4, failed, BreakerClosed),
		}},
		{"failures in a row open it and calls are refused", 2, []step{
			call(true, BreakerClosed), end(0, failed, BreakerClosed),
			call(true, BreakerClosed), end(1, failed, BreakerOpen),
			call(false, BreakerOpen),
			wait(cooldown-time.Second, BreakerOpen),
			call(false, BreakerOpen),
		}},
		{"an unusable reply counts as the model answering", 2, []step{
			call(true, BreakerClosed), end(0, failed, BreakerClosed),
			call(true, BreakerClosed), end(1, answered, BreakerClosed),
			call(true, BreakerClosed), end(2, failed, BreakerClosed),
		}},
		{"after the cool-down one call probes and the rest are refused", 1, []step{
			call(true, BreakerClosed), end(0, failed, BreakerOpen),
			wait(cooldown, BreakerOpen),
			call(true, BreakerProbing),
			call(false, BreakerProbing),
			call(false, BreakerProbing),
		}},
		{"a probe that succeeds closes it", 1, []step{
			call(true, BreakerClosed), end(0, failed, BreakerOpen),
			wait(cooldown, BreakerOpen),
			call(true, BreakerProbing), end(1, answered, BreakerClosed),
			call(true, BreakerClosed),
		}},
		{"a probe that fails opens it for another cool-down", 1, []step{
			call(true, BreakerClosed), end(0, failed, BreakerOpen),
			wait(cooldown, BreakerOpen),
			call(true, BreakerProbing), end(1, failed, BreakerOpen),
			call(false, BreakerOpen),
			wait(cooldown, BreakerOpen),
			call(true, BreakerProbing),
		}},
		{"a probe the caller gave up on lets the next call probe", 1, []step{
			call(true, BreakerClosed), end(0, failed, BreakerOpen),
			wait(cooldown, BreakerOpen),
			call(true, BreakerProbing), end(1, unknown, BreakerOpen),
			call(true, BreakerProbing),
		}},
		{"calls admitted before it opened do not close it", 2, []step{
			call(true, BreakerClosed), call(true, BreakerClosed), call(true, BreakerClosed),
			end(0, failed, BreakerClosed), end(1, failed, BreakerOpen),
			end(2, answered, BreakerOpen),
			call(false, BreakerOpen),
		}},
		{"a late success does not end a probe's test", 1, []step{
			call(true, BreakerClosed), call(true, BreakerClosed),
			end(0, failed, BreakerOpen),
			wait(cooldown, BreakerOpen),
			call(true, BreakerProbing),
			end(1, answered, BreakerProbing),
			call(false, BreakerProbing),
		}},
		{"a zero threshold never opens", 0, []step{
			call(true, BreakerClosed), end(0, failed, BreakerClosed),
			call(true, BreakerClosed), end(1, failed, BreakerClosed),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			var changes []BreakerState
			b := newBreaker(tt.threshold, cooldown, func(to BreakerState, _ int) { changes = append(changes, to) }).withClock(c)
			var held []ticket
			for i, s := range tt.steps {
				switch s.do {
				case "call":
					tk, ok := b.allow()
					if ok != s.wantAllow {
						t.Fatalf("step %d: allow = %v, want %v", i, ok, s.wantAllow)
					}
					if ok {
						held = append(held, tk)
					}
				case "end":
					b.done(held[s.call], s.outcome)
				case "wait":
					c.advance(s.wait)
				}
				if got := b.status().State; got != s.wantState {
					t.Fatalf("step %d (%s): state %s, want %s", i, s.do, got, s.wantState)
				}
			}
			if len(changes) > 0 && changes[len(changes)-1] != b.status().State {
				t.Errorf("last change reported %s, state is %s", changes[len(changes)-1], b.status().State)
			}
		})
	}
}

func TestWriterBreaker(t *testing.T) {
	healthy := false
	f := newFakeLLM(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if !healthy {
			apiError(w, 500, "overloaded")
			return
		}
		reply(w, "网格员每周入户走访[1]。")
	})
	reg := prometheus.NewRegistry()
	w := newTestWriter(t, f.url(), func(o *Options) {
		o.MaxRetries = -1
		o.BreakerFailures = 3
		o.BreakerCooldown = time.Minute
		o.Registry = reg
	})
	c := newClock()
	w.breaker.withClock(c)

	write := func() error {
		_, err := w.Write(context.Background(), question(), testResults())
		return err
	}
	for i := range 3 {
		var e *Error
		if err := write(); !errors.As(err, &e) || e.Kind != KindServer {
			t.Fatalf("call %d: err = %v, want a server failure", i, err)
		}
	}
	if st := w.Breaker(); st.State != BreakerOpen || st.Failures != 3 || !st.ProbeAt.Equal(c.t.Add(time.Minute)) {
		t.Fatalf("after 3 failures the breaker is %+v, want open with a probe in a minute", st)
	}
	if got := metricSum(t, w.m.breaker.WithLabelValues(string(BreakerOpen))); got != 1 {
		t.Errorf("kbot_llm_breaker_state{state=open} = %v, want 1", got)
	}
	if got := metricSum(t, w.m.breaker.WithLabelValues(string(BreakerClosed))); got != 0 {
		t.Errorf("kbot_llm_breaker_state{state=closed} = %v, want 0", got)
	}

	// While open, Write and Rewrite fail at once and the server sees nothing.
	var e *Error
	if err := write(); !errors.As(err, &e) || e.Kind != KindBreakerOpen {
		t.Fatalf("err = %v, want breaker_open", err)
	}
	q := knowledge.Question{Text: "它有哪些做法？", History: []knowledge.Turn{{Question: "网格怎么划分？", Answer: "全镇划分为42个网格[1]。"}}}
	if got, err := w.Rewrite(context.Background(), q); got != q.Text || !errors.As(err, &e) || e.Kind != KindBreakerOpen {
		t.Errorf("Rewrite = %q, %v; want the question unchanged and breaker_open", got, err)
	}
	if f.calls() != 3 {
		t.Errorf("server saw %d requests, want 3: an open breaker sends none", f.calls())
	}
	if got := metricSum(t, w.m.fallbacks); got != 4 {
		t.Errorf("fallbacks = %v, want 4 (3 failures and 1 refused)", got)
	}

	// After the cool-down one call probes; the model is back, so it closes.
	healthy = true
	c.advance(time.Minute)
	if err := write(); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if st := w.Breaker(); st.State != BreakerClosed || st.Failures != 0 {
		t.Errorf("after a good probe the breaker is %+v, want closed", st)
	}
	if got := metricSum(t, w.m.opens); got != 1 {
		t.Errorf("kbot_llm_breaker_opens_total = %v, want 1", got)
	}
	if got := metricSum(t, w.m.breaker.WithLabelValues(string(BreakerClosed))); got != 1 {
		t.Errorf("kbot_llm_breaker_state{state=closed} = %v, want 1", got)
	}
}

func TestWriterWithoutBreakerKeepsAsking(t *testing.T) {
	f := newFakeLLM(t, func(w http.ResponseWriter, r *http.Request, n int) { apiError(w, 500, "down") })
	w := newTestWriter(t, f.url(), func(o *Options) { o.MaxRetries = -1; o.BreakerFailures = -1 })
	for range 8 {
		if _, err := w.Write(context.Background(), question(), testResults()); err == nil {
			t.Fatal("Write succeeded against a failing server")
		}
	}
	if f.calls() != 8 || w.Breaker().State != BreakerClosed {
		t.Errorf("server saw %d requests, breaker %s; want 8 and closed with the breaker off", f.calls(), w.Breaker().State)
	}
}
