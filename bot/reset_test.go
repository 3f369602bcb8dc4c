package bot

import (
	"fmt"
	"strings"
	"testing"
)

// TestAnswersAfterUpdateIDReset: Telegram picks a new, possibly lower,
// update_id after a week without updates. The bot must answer the
// updates numbered anew, once each, whether the server drops or returns
// IDs below the offset it is sent, and whether or not the bot restarts
// in between.
func TestAnswersAfterUpdateIDReset(t *testing.T) {
	t.Parallel()
	for _, server := range []struct {
		name        string
		returnBelow bool
	}{
		{"server drops IDs below the offset", false},
		{"server returns IDs below the offset", true},
	} {
		for _, restart := range []bool{false, true} {
			name := server.name
			if restart {
				name += ", restart in between"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				api := newFakeAPI(t)
				api.mu.Lock()
				api.nextID = 727334700
				api.returnBelowOffset = server.returnBelow
				api.mu.Unlock()
				dir := t.TempDir()
				kb := newFakeKB()
				h := start(t, api, kb, dir, nil)
				for i := range 3 {
					api.private(int64(600+i), "重置前的问题")
				}
				for i := range 3 {
					api.waitSent(int64(600+i), 1)
				}
				h.settle()
				// A week passes: the bot keeps polling, everything confirmed.
				waitFor(t, "a getUpdates call that confirms nothing", func() bool {
					calls := api.callsTo("getUpdates")
					_, withOffset := calls[len(calls)-1].params["offset"]
					return !withOffset
				})
				if restart {
					if err := h.stop(); err != nil {
						t.Fatalf("first run: %v", err)
					}
				}
				api.renumber(117314199)
				for i := range 5 {
					api.private(int64(610+i), fmt.Sprintf("重置后的问题%d", i))
				}
				if restart {
					h = start(t, api, kb, dir, nil)
				}
				for i := range 5 {
					api.waitSent(int64(610+i), 1)
				}
				h.settle()
				for i := range 5 {
					if n := len(api.sent(int64(610 + i))); n != 1 {
						t.Errorf("user %d got %d answers, want 1", 610+i, n)
					}
				}
				for i := range 3 {
					if n := len(api.sent(int64(600 + i))); n != 1 {
						t.Errorf("user %d got %d answers to the question before the reset, want 1", 600+i, n)
					}
				}
				if n := strings.Count(h.logs.String(), "telegram numbers updates anew"); n != 1 {
					t.Errorf("the reset was logged %d times, want once", n)
				}
			})
		}
	}
}
