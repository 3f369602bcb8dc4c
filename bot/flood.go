package bot

import (
	"context"
	"errors"
	"sync"
	"time"
)

// FloodLimits keep outgoing messages within Telegram's limits, so that a
// busy chat gets its answers queued rather than refused with 429. Zero
// fields take Telegram's published limits.
type FloodLimits struct {
	// PerChat is the least time between messages to one chat (default
	// 1s: "about one message a second" in a chat).
	PerChat time.Duration
	// PerGroup messages at most go to one group per GroupWindow (default
	// 20 a minute).
	PerGroup    int
	GroupWindow time.Duration
	// PerSecond bounds the messages to all chats together (default 30).
	PerSecond int
}

func (l *FloodLimits) setDefaults() {
	if l.PerChat <= 0 {
		l.PerChat = time.Second
	}
	if l.PerGroup <= 0 {
		l.PerGroup = 20
	}
	if l.GroupWindow <= 0 {
		l.GroupWindow = time.Minute
	}
	if l.PerSecond <= 0 {
		l.PerSecond = 30
	}
}

// maxPaceWait bounds how long a message waits for its turn; past it the
// chat is too busy and the send fails like any other.
const maxPaceWait = 2 * time.Minute

var errTooBusy = errors.New("too many messages queued for this chat")

// pacer spaces the messages the bot sends: per chat, per group and in
// all. Telegram counts messages when they arrive, so one chat's messages
// go one at a time, each paced from when the one before it was answered;
// the windows hold those times. The global window holds the times calls
// started.
type pacer struct {
	limits FloodLimits

	mu     sync.Mutex
	global []time.Time // the last PerSecond messages, oldest first
	chats  map[int64]*chatPace
}

type chatPace struct {
	turn chan struct{} // held by the message being sent
	sent []time.Time   // the last PerGroup messages (one for a private chat)
	used time.Time
}

func newPacer(l FloodLimits) *pacer {
	l.setDefaults()
	return &pacer{limits: l, chats: map[int64]*chatPace{}}
}

// wait blocks until a message may go to chat (a group when chatID is
// negative) and takes that turn; the caller sends the message and then
// calls done. It returns how long it waited. It gives up with errTooBusy
// after maxPaceWait, and with ctx's error when ctx is done first.
func (p *pacer) wait(ctx context.Context, chatID int64) (waited time.Duration, done func(), err error) {
	begin := time.Now()
	c := p.chat(chatID, begin)
	giveUp := time.NewTimer(maxPaceWait)
	defer giveUp.Stop()
	select {
	case c.turn <- struct{}{}:
	case <-giveUp.C:
		return time.Since(begin), nil, errTooBusy
	case <-ctx.Done():
		return time.Since(begin), nil, ctx.Err()
	}
	done = func() {
		p.mu.Lock()
		c.sent[len(c.sent)-1] = time.Now()
		p.mu.Unlock()
		<-c.turn
	}
	for {
		now := time.Now()
		at := p.take(chatID, c, now)
		if !at.After(now) {
			return now.Sub(begin), done, nil
		}
		if at.Sub(begin) > maxPaceWait {
			<-c.turn
			return now.Sub(begin), nil, errTooBusy
		}
		t := time.NewTimer(at.Sub(now))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			<-c.turn
			return time.Since(begin), nil, ctx.Err()
		}
	}
}

// take records a message to chatID at now if every limit allows it, and
// otherwise returns the earliest time one might.
func (p *pacer) take(chatID int64, c *chatPace, now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.limits
	at := now
	if n := len(c.sent); n > 0 {
		at = later(at, c.sent[n-1].Add(l.PerChat))
	}
	if chatID < 0 && len(c.sent) >= l.PerGroup {
		at = later(at, c.sent[len(c.sent)-l.PerGroup].Add(l.GroupWindow))
	}
	if len(p.global) >= l.PerSecond {
		at = later(at, p.global[len(p.global)-l.PerSecond].Add(time.Second))
	}
	if at.After(now) {
		return at
	}
	keep := 1
	if chatID < 0 {
		keep = l.PerGroup
	}
	c.sent = appendWindow(c.sent, now, keep)
	p.global = appendWindow(p.global, now, l.PerSecond)
	return now
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// appendWindow appends t and keeps the last n times.
func appendWindow(times []time.Time, t time.Time, n int) []time.Time {
	times = append(times, t)
	if len(times) > n {
		times = append(times[:0], times[len(times)-n:]...)
	}
	return times
}

// chat returns chatID's record, forgetting chats idle longer than any
// window.
func (p *pacer) chat(chatID int64, now time.Time) *chatPace {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.chats[chatID]
	if !ok {
		if len(p.chats) >= 4096 {
			for id, old := range p.chats {
				if now.Sub(old.used) > p.limits.GroupWindow+p.limits.PerChat && len(old.turn) == 0 {
					delete(p.chats, id)
				}
			}
		}
		c = &chatPace{turn: make(chan struct{}, 1)}
		p.chats[chatID] = c
	}
	c.used = now
	return c
}
