package bot

import (
	"container/list"
	"sync"
	"time"

	"kbot/knowledge"
)

// maxHistoryChats bounds the conversations remembered at once.
const maxHistoryChats = 10000

// historyStore keeps, per chat and user, the last few turns (for
// follow-up questions) and the last answer's citations (for /source). It
// lives in memory only: entries expire after ttl, and the least recently
// used conversation is dropped beyond maxChats.
type historyStore struct {
	turns    int
	ttl      time.Duration
	maxChats int

	mu    sync.Mutex
	order *list.List // of convKey, front = most recent
	convs map[convKey]*conversation
}

type convKey struct{ chat, user int64 }

type conversation struct {
	el        *list.Element
	turns     []knowledge.Turn
	citations []knowledge.Citation
	updated   time.Time
}

func newHistoryStore(turns int, ttl time.Duration, maxChats int) *historyStore {
	return &historyStore{turns: turns, ttl: ttl, maxChats: maxChats, order: list.New(), convs: map[convKey]*conversation{}}
}

func (h *historyStore) get(chat, user int64, now time.Time) *conversation {
	k := convKey{chat, user}
	c := h.convs[k]
	if c != nil && now.Sub(c.updated) > h.ttl {
		h.order.Remove(c.el)
		delete(h.convs, k)
		c = nil
	}
	return c
}

// recent returns a copy of the conversation's turns, oldest first.
func (h *historyStore) recent(chat, user int64, now time.Time) []knowledge.Turn {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.get(chat, user, now)
	if c == nil {
		return nil
	}
	return append([]knowledge.Turn(nil), c.turns...)
}

// lastCitations returns the citations of the last answer in the chat.
func (h *historyStore) lastCitations(chat, user int64, now time.Time) []knowledge.Citation {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.get(chat, user, now)
	if c == nil {
		return nil
	}
	return c.citations
}

// add records a turn and the answer's citations.
func (h *historyStore) add(chat, user int64, t knowledge.Turn, cites []knowledge.Citation, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := convKey{chat, user}
	c := h.get(chat, user, now)
	if c == nil {
		c = &conversation{}
		c.el = h.order.PushFront(k)
		h.convs[k] = c
	} else {
		h.order.MoveToFront(c.el)
	}
	c.turns = append(c.turns, t)
	if len(c.turns) > h.turns {
		c.turns = append([]knowledge.Turn(nil), c.turns[len(c.turns)-h.turns:]...)
	}
	c.citations = cites
	c.updated = now
	for h.order.Len() > h.maxChats {
		old := h.order.Back()
		h.order.Remove(old)
		delete(h.convs, old.Value.(convKey))
	}
}

// size is the number of conversations held (for tests and metrics).
func (h *historyStore) size() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.convs)
}
