package openaicompat

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Retrier makes a request and repeats it after a failure that another
// attempt may cure. The zero value makes one attempt bounded only by the
// caller's context. A Retrier is not changed by Do and may be shared.
type Retrier struct {
	// MaxRetries is how many times a failed attempt is repeated; 0 or
	// less means never.
	MaxRetries int
	// Timeout bounds each attempt; 0 means only the caller's context.
	Timeout time.Duration
	// Budget, when positive, bounds retrying: a retry is made only if its
	// pause ends within Budget of the first attempt's start. Attempts
	// themselves are bounded by Timeout and the context, so that a retry
	// that does get an answer is not cut off half-way.
	Budget time.Duration
	// MaxRetryAfter is the longest Retry-After a server may ask for; a
	// longer one ends the retries at once. 0 means any pause is accepted.
	MaxRetryAfter time.Duration
	// Backoff returns the pause before retry n (from 1); nil means
	// Backoff(500ms, 8s). A server's Retry-After, when longer, wins.
	Backoff func(n int) time.Duration
	// Classify sorts a failure; nil means the package's Classify.
	Classify func(ctx context.Context, err error) Class
	// OnFailure, when set, is told of every failed attempt before Do
	// pauses or returns.
	OnFailure func(Failure)
	// Sleep waits d and returns nil, or returns the context's error when it
	// is done first; nil means a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Failure describes one failed attempt.
type Failure struct {
	// Attempt counts from 1.
	Attempt int
	Err     error
	Class   Class
	// Retry says whether Do tries again, after Wait.
	Retry bool
	Wait  time.Duration
}

// Result is how Do ended.
type Result struct {
	// Attempts is how many attempts were started.
	Attempts int
	// Err is the last failure, nil on success. It is the attempt's own
	// error (wrapped with ErrAttemptTimeout when the attempt ran out of
	// its time), or the context's cause when the caller gave up during a
	// pause.
	Err error
	// Class sorts Err; zero on success.
	Class Class
}

// Do calls attempt until it succeeds, fails in a way another attempt would
// not cure, runs out of retries or of the retry budget, or a pause would
// outlast ctx's deadline or the server's acceptable Retry-After. Each call
// of attempt gets a context bounded by Timeout that also carries the
// Retry-After of a client made by NewClient.
func (r *Retrier) Do(ctx context.Context, attempt func(ctx context.Context) error) Result {
	classify := r.Classify
	if classify == nil {
		classify = Classify
	}
	backoff := r.Backoff
	if backoff == nil {
		backoff = defaultBackoff
	}
	sleep := r.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	var budgetEnd time.Time
	if r.Budget > 0 {
		budgetEnd = time.Now().Add(r.Budget)
	}
	for n := 1; ; n++ {
		after, err := r.once(ctx, attempt)
		if err == nil {
			return Result{Attempts: n}
		}
		class := classify(ctx, err)
		f := Failure{Attempt: n, Err: err, Class: class}
		if class.Retryable && n <= r.MaxRetries && (r.MaxRetryAfter <= 0 || after <= r.MaxRetryAfter) {
			f.Wait = max(backoff(n), after)
			resume := time.Now().Add(f.Wait)
			dl, ok := ctx.Deadline()
			// Retry only if the pause ends before the caller's deadline
			// and within the budget.
			f.Retry = (!ok || !resume.After(dl)) && (budgetEnd.IsZero() || !resume.After(budgetEnd))
		}
		if !f.Retry {
			f.Wait = 0
		}
		if r.OnFailure != nil {
			r.OnFailure(f)
		}
		if !f.Retry {
			return Result{Attempts: n, Err: err, Class: class}
		}
		if sleep(ctx, f.Wait) != nil {
			cause := context.Cause(ctx)
			return Result{Attempts: n, Err: cause, Class: classify(ctx, cause)}
		}
	}
}

// once makes one attempt, cut off after r.Timeout, and returns the
// Retry-After the server sent with a failure and the attempt's error.
func (r *Retrier) once(ctx context.Context, attempt func(ctx context.Context) error) (time.Duration, error) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if r.Timeout > 0 {
		actx, cancel = context.WithTimeoutCause(ctx, r.Timeout, ErrAttemptTimeout)
	}
	defer cancel()
	actx, hint := withHint(actx)
	err := attempt(actx)
	if err != nil && ctx.Err() == nil && context.Cause(actx) == ErrAttemptTimeout {
		err = fmt.Errorf("%w: %w", ErrAttemptTimeout, err)
	}
	return hint.get(), err
}

// Backoff returns a backoff for Retrier: the pause before retry n is drawn
// at random from [d/2, d] with d = base·2^(n-1), capped at ceiling. The
// randomness keeps clients that failed together from retrying together.
func Backoff(base, ceiling time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := base << min(max(n, 1)-1, 10)
		d = min(d, ceiling)
		return d/2 + rand.N(d/2+1)
	}
}

var defaultBackoff = Backoff(500*time.Millisecond, 8*time.Second)

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
