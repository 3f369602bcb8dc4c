package bot

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFailedSendsAreRetried: a send that fails for a reason that may
// pass (5xx, an answer that does not decode, a hang) is tried again
// until the answer is delivered; one Telegram refuses for good is not.
func TestFailedSendsAreRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		hang      bool
		wantCalls int32
		wantSent  bool
	}{
		{"a 502 is retried", http.StatusBadGateway, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`, false, 3, true},
		{"an HTML error page is retried", http.StatusBadGateway, `<html>502 Bad Gateway</html>`, false, 3, true},
		{"a hang past the time limit is retried", 0, "", true, 3, true},
		{"a user who blocked the bot is not retried", http.StatusForbidden, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, false, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			var calls atomic.Int32
			api.setOverride("sendMessage", func(map[string]string) (int, string) {
				if calls.Add(1) > 2 {
					return 0, ""
				}
				if tt.hang {
					// Long past the bot's time limit for the call.
					time.Sleep(3 * time.Second)
					return http.StatusGatewayTimeout, `{"ok":false,"error_code":504,"description":"too late"}`
				}
				return tt.status, tt.body
			})
			// A time limit a busy machine's loopback never needs, far
			// below the hang.
			h := start(t, api, newFakeKB(), t.TempDir(), func(o *Options) { o.SendTimeout = time.Second })
			id := api.private(testUserID, "永吉县做了什么？")
			waitFor(t, "the update finished", func() bool { return h.handled(id) })
			h.settle()
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d sendMessage calls, want %d", got, tt.wantCalls)
			}
			if tt.hang {
				// The hung calls count as failed once the fake gives up on them.
				waitFor(t, "the hung calls to end", func() bool {
					n := 0
					for _, c := range api.callsTo("sendMessage") {
						if c.failed {
							n++
						}
					}
					return n == 2
				})
			}
			if n := len(api.sent(testUserID)); tt.wantSent && n != 1 || !tt.wantSent && n != 0 {
				t.Errorf("answers delivered = %d, want delivered %v", n, tt.wantSent)
			}
		})
	}
}

// TestUndeliveredAnswerIsHandledAgain: when Telegram keeps failing past
// the question deadline, the update is not finished: it is handled again
// later, in this run or, if the bot stops first, in the next.
func TestUndeliveredAnswerIsHandledAgain(t *testing.T) {
	t.Parallel()
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart %v", restart), func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			kb := newFakeKB()
			var down atomic.Bool
			down.Store(true)
			api.setOverride("sendMessage", func(map[string]string) (int, string) {
				if down.Load() {
					return http.StatusBadGateway, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`
				}
				return 0, ""
			})
			dir := t.TempDir()
			edit := func(o *Options) {
				o.QuestionTimeout = 300 * time.Millisecond
				o.RedeliverAfter = 50 * time.Millisecond
				if restart {
					o.RedeliverAfter = time.Hour
				}
			}
			h := start(t, api, kb, dir, edit)
			id := api.private(testUserID, "永吉县做了什么？")
			waitFor(t, "a failed delivery logged", func() bool {
				return strings.Contains(h.logs.String(), "handling the update again later")
			})
			if h.handled(id) {
				t.Fatal("the update was finished though its answer was not delivered")
			}
			if restart {
				if err := h.stop(); err != nil {
					t.Fatal(err)
				}
			}
			down.Store(false)
			if restart {
				h = start(t, api, kb, dir, edit)
			}
			waitFor(t, "the update finished", func() bool { return h.handled(id) })
			h.settle()
			var answers int
			for _, c := range api.sent(testUserID) {
				if strings.Contains(c.params["text"], "[1]") {
					answers++
				}
			}
			if answers != 1 {
				t.Fatalf("the answer reached the user %d times, want once", answers)
			}
			if n := len(kb.questions()); n < 2 {
				t.Errorf("the question was answered %d times, want it handled again", n)
			}
		})
	}
}

// TestAnswersReuseConnections: bursts of questions are answered over a
// bounded set of kept-alive connections, not one new connection per call.
func TestAnswersReuseConnections(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	h := start(t, api, newFakeKB(), t.TempDir(), nil)
	const questions = 100
	for round := range 2 {
		for i := range questions {
			api.private(int64(1000+i), "永吉县做了什么？")
		}
		for i := range questions {
			api.waitSent(int64(1000+i), round+1)
		}
		h.settle()
	}
	calls := len(api.callsTo("sendMessage")) + len(api.callsTo("sendChatAction")) + len(api.callsTo("getUpdates"))
	if n, limit := api.conns.Load(), int64(maxConns(h.bot.opts)); n > limit {
		t.Errorf("%d TCP connections for %d calls, want at most %d", n, calls, limit)
	}
}

// TestFloodLimitsAreKept: against a Bot API that refuses messages past
// Telegram's limits (scaled down here: 100 ms a chat, 5 a second a group,
// 15 a second in all), busy groups and chats get every answer, queued,
// and no 429.
func TestFloodLimitsAreKept(t *testing.T) {
	t.Parallel()
	limits := FloodLimits{PerChat: 100 * time.Millisecond, PerGroup: 5, GroupWindow: time.Second, PerSecond: 15}
	api := newFakeAPI(t)
	api.mu.Lock()
	api.flood = &limits
	api.sentAt = map[int64][]time.Time{}
	api.mu.Unlock()
	h := start(t, api, newFakeKB(), t.TempDir(), func(o *Options) { o.Flood = limits })
	const groups, perGroup, users, perUser = 3, 6, 4, 3
	for i := range perGroup {
		for g := range groups {
			m := msg(testUserID, int64(-2000-g), "supergroup", fmt.Sprintf("/ask 永吉县做了什么？%d", i))
			api.push(map[string]any{"message": m})
		}
	}
	for i := range perUser {
		for u := range users {
			api.private(int64(3000+u), fmt.Sprintf("永吉县做了什么？%d", i))
		}
	}
	for g := range groups {
		api.waitSent(int64(-2000-g), perGroup)
	}
	for u := range users {
		api.waitSent(int64(3000+u), perUser)
	}
	h.settle()
	if n := api.tooMany.Load(); n != 0 {
		t.Errorf("Telegram refused %d messages with 429", n)
	}
}
